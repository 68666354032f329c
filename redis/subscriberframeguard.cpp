#include "redis/subscriberframeguard.h"

#include <hiredis/hiredis.h>

#include <cstring>
#include <strings.h>

namespace farmchat {

namespace {

// One shared table; each reader's privdata points at its own guard.
redisReplyObjectFunctions g_guardedFunctions = {};

SubscriberFrameGuard *guardOf(const redisReadTask *task)
{
    return static_cast<SubscriberFrameGuard *>(task->privdata);
}

bool isTopLevelChild(const redisReadTask *task)
{
    return task->parent && !task->parent->parent;
}

} // namespace

void SubscriberFrameGuard::install(redisReader *reader)
{
    if (!g_guardedFunctions.createString) {
        g_guardedFunctions.createString = &SubscriberFrameGuard::createString;
        g_guardedFunctions.createArray = &SubscriberFrameGuard::createArray;
        g_guardedFunctions.createInteger = &SubscriberFrameGuard::createInteger;
        g_guardedFunctions.createNil = &SubscriberFrameGuard::createNil;
        g_guardedFunctions.freeObject = &freeReplyObject;
    }
    m_reader = reader;
    m_original = reader->fn;
    m_violation.clear();
    reader->fn = &g_guardedFunctions;
    reader->privdata = this;
}

void SubscriberFrameGuard::uninstall()
{
    if (!m_reader)
        return;
    m_reader->fn = const_cast<redisReplyObjectFunctions *>(m_original);
    m_reader->privdata = nullptr;
    m_reader = nullptr;
}

bool SubscriberFrameGuard::refuse(const char *why)
{
    m_violation
        = QStringLiteral("Redis sent a malformed pub/sub frame (%1)").arg(QLatin1String(why));
    return false;
}

bool SubscriberFrameGuard::acceptChild(
    const redisReadTask *task, int type, const char *str, size_t len)
{
    if (!isTopLevelChild(task))
        return true;
    if (task->idx == 0 || task->idx == 1) {
        if (type != REDIS_REPLY_STRING)
            return refuse("kind and channel must be strings");
        if (task->idx == 0) {
            // "unsubscribe" and "punsubscribe": hiredis then reads element 2 as an integer.
            const char *kind = (len > 0 && (str[0] == 'p' || str[0] == 'P')) ? str + 1 : str;
            const size_t kindLen = kind == str ? len : len - 1;
            m_unsubscribeFrame = kindLen == 11 && strncasecmp(kind, "unsubscribe", 11) == 0;
            if (m_unsubscribeFrame && task->parent->elements < 3)
                return refuse("unsubscribe without a count");
        }
    } else if (task->idx == 2 && m_unsubscribeFrame && type != REDIS_REPLY_INTEGER) {
        return refuse("unsubscribe count must be an integer");
    }
    return true;
}

void *SubscriberFrameGuard::createString(const redisReadTask *task, char *str, size_t len)
{
    SubscriberFrameGuard *self = guardOf(task);
    // Status and error replies also arrive here; only bulk strings count as strings for hiredis.
    if (!self->acceptChild(task, task->type, str, len))
        return nullptr; // the reader reports an error and the link ends
    return self->m_original->createString(task, str, len);
}

void *SubscriberFrameGuard::createArray(const redisReadTask *task, int elements)
{
    SubscriberFrameGuard *self = guardOf(task);
    if (!task->parent && elements < 2) {
        self->refuse("an array of fewer than 2 elements");
        return nullptr;
    }
    if (!self->acceptChild(task, REDIS_REPLY_ARRAY, nullptr, 0))
        return nullptr;
    return self->m_original->createArray(task, elements);
}

void *SubscriberFrameGuard::createInteger(const redisReadTask *task, long long value)
{
    SubscriberFrameGuard *self = guardOf(task);
    if (!self->acceptChild(task, REDIS_REPLY_INTEGER, nullptr, 0))
        return nullptr;
    return self->m_original->createInteger(task, value);
}

void *SubscriberFrameGuard::createNil(const redisReadTask *task)
{
    SubscriberFrameGuard *self = guardOf(task);
    if (!self->acceptChild(task, REDIS_REPLY_NIL, nullptr, 0))
        return nullptr;
    return self->m_original->createNil(task);
}

} // namespace farmchat
