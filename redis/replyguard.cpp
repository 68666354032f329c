#include "redis/replyguard.h"

#include <hiredis/async.h>

#include <QByteArrayAlgorithms>

namespace farmchat {

namespace {

// hiredis 0.14 callocs room for an array's element pointers as soon as it reads
// the header, so "*1700000000" alone would ask for 13.6 GB. No reply FarmChat
// asks for comes near this (XREAD and XRANGE are bounded by COUNT).
constexpr int kMaxArrayElements = 100000;

// One shared table; each reader's privdata points at its own guard.
redisReplyObjectFunctions g_guardedFunctions = {};

ReplyGuard *guardOf(const redisReadTask *task)
{
    return static_cast<ReplyGuard *>(task->privdata);
}

bool isTopLevelChild(const redisReadTask *task)
{
    return task->parent && !task->parent->parent;
}

} // namespace

void ReplyGuard::install(redisAsyncContext *context, bool subscriber)
{
    if (!g_guardedFunctions.createString) {
        g_guardedFunctions.createString = &ReplyGuard::createString;
        g_guardedFunctions.createArray = &ReplyGuard::createArray;
        g_guardedFunctions.createInteger = &ReplyGuard::createInteger;
        g_guardedFunctions.createNil = &ReplyGuard::createNil;
        g_guardedFunctions.freeObject = &freeReplyObject;
    }
    redisReader *reader = context->c.reader;
    m_context = context;
    m_subscriber = subscriber;
    m_original = reader->fn;
    m_violation.clear();
    reader->fn = &g_guardedFunctions;
    reader->privdata = this;
}

void ReplyGuard::uninstall()
{
    if (!m_context)
        return;
    redisReader *reader = m_context->c.reader;
    reader->fn = const_cast<redisReplyObjectFunctions *>(m_original);
    reader->privdata = nullptr;
    m_context = nullptr;
}

bool ReplyGuard::refuse(const char *why)
{
    m_violation = QLatin1String(why);
    return false;
}

bool ReplyGuard::acceptTopLevel(const redisReadTask *task, int type)
{
    if (task->parent || m_subscriber || type == REDIS_REPLY_ERROR)
        return true; // on an unasked error hiredis ends the link itself, with Redis' words
    // The callbacks of earlier replies have run, so the head is this reply's.
    if (!m_context->replies.head)
        return refuse("Redis sent a reply no command was waiting for");
    return true;
}

bool ReplyGuard::acceptChild(const redisReadTask *task, int type, const char *str, size_t len)
{
    if (!m_subscriber || !isTopLevelChild(task))
        return true;
    if (task->idx == 0 || task->idx == 1) {
        if (type != REDIS_REPLY_STRING)
            return refuse(
                "Redis sent a malformed pub/sub frame (kind and channel must be strings)");
        if (task->idx == 0) {
            // "unsubscribe" and "punsubscribe": hiredis then reads element 2 as an integer.
            // hiredis compares the kind as a C string, so "unsubscribe\0x" counts too.
            const char *kind = (len > 0 && (str[0] == 'p' || str[0] == 'P')) ? str + 1 : str;
            const size_t kindLen = qstrnlen(kind, kind == str ? len : len - 1);
            m_unsubscribeFrame = kindLen == 11 && qstrnicmp(kind, 11, "unsubscribe", 11) == 0;
            if (m_unsubscribeFrame && task->parent->elements < 3)
                return refuse("Redis sent a malformed pub/sub frame (unsubscribe without a count)");
        }
    } else if (task->idx == 2 && m_unsubscribeFrame && type != REDIS_REPLY_INTEGER) {
        return refuse(
            "Redis sent a malformed pub/sub frame (unsubscribe count must be an integer)");
    }
    return true;
}

void *ReplyGuard::createString(const redisReadTask *task, char *str, size_t len)
{
    ReplyGuard *self = guardOf(task);
    // Status and error replies come here too; task->type tells them apart.
    if (!self->acceptTopLevel(task, task->type) || !self->acceptChild(task, task->type, str, len))
        return nullptr; // the reader reports an error and the link ends
    return self->m_original->createString(task, str, len);
}

void *ReplyGuard::createArray(const redisReadTask *task, int elements)
{
    ReplyGuard *self = guardOf(task);
    if (elements > kMaxArrayElements) {
        self->refuse("Redis sent an array of more than 100000 elements");
        return nullptr;
    }
    if (self->m_subscriber && !task->parent && elements < 2) {
        self->refuse("Redis sent a malformed pub/sub frame (an array of fewer than 2 elements)");
        return nullptr;
    }
    if (!self->acceptTopLevel(task, REDIS_REPLY_ARRAY)
        || !self->acceptChild(task, REDIS_REPLY_ARRAY, nullptr, 0))
        return nullptr;
    return self->m_original->createArray(task, elements);
}

void *ReplyGuard::createInteger(const redisReadTask *task, long long value)
{
    ReplyGuard *self = guardOf(task);
    if (!self->acceptTopLevel(task, REDIS_REPLY_INTEGER)
        || !self->acceptChild(task, REDIS_REPLY_INTEGER, nullptr, 0))
        return nullptr;
    return self->m_original->createInteger(task, value);
}

void *ReplyGuard::createNil(const redisReadTask *task)
{
    ReplyGuard *self = guardOf(task);
    if (!self->acceptTopLevel(task, REDIS_REPLY_NIL)
        || !self->acceptChild(task, REDIS_REPLY_NIL, nullptr, 0))
        return nullptr;
    return self->m_original->createNil(task);
}

} // namespace farmchat
