#include "redis/redisqtadapter_p.h"

#include <QSocketNotifier>

#include <hiredis/async.h>

namespace farmchat {

RedisQtAdapter::RedisQtAdapter(redisAsyncContext *context, QObject *parent)
    : QObject(parent)
    , m_context(context)
    , m_read(std::make_unique<QSocketNotifier>(context->c.fd, QSocketNotifier::Read))
    , m_write(std::make_unique<QSocketNotifier>(context->c.fd, QSocketNotifier::Write))
{
    m_read->setEnabled(false);
    m_write->setEnabled(false);
    connect(m_read.get(), &QSocketNotifier::activated, this, &RedisQtAdapter::onReadable);
    connect(m_write.get(), &QSocketNotifier::activated, this, &RedisQtAdapter::onWritable);
    context->ev.data = this;
    context->ev.addRead = &RedisQtAdapter::addRead;
    context->ev.delRead = &RedisQtAdapter::delRead;
    context->ev.addWrite = &RedisQtAdapter::addWrite;
    context->ev.delWrite = &RedisQtAdapter::delWrite;
    context->ev.cleanup = &RedisQtAdapter::cleanup;
}

RedisQtAdapter::~RedisQtAdapter()
{
    detach();
}

void RedisQtAdapter::detach()
{
    // Disabled before hiredis closes the descriptor, so the event dispatcher
    // never polls a closed (or reused) fd.
    m_read->setEnabled(false);
    m_write->setEnabled(false);
    if (!m_context)
        return;
    m_context->ev.data = nullptr;
    m_context->ev.addRead = nullptr;
    m_context->ev.delRead = nullptr;
    m_context->ev.addWrite = nullptr;
    m_context->ev.delWrite = nullptr;
    m_context->ev.cleanup = nullptr;
    m_context = nullptr;
}

void RedisQtAdapter::addRead(void *adapter)
{
    static_cast<RedisQtAdapter *>(adapter)->m_read->setEnabled(true);
}

void RedisQtAdapter::delRead(void *adapter)
{
    static_cast<RedisQtAdapter *>(adapter)->m_read->setEnabled(false);
}

void RedisQtAdapter::addWrite(void *adapter)
{
    static_cast<RedisQtAdapter *>(adapter)->m_write->setEnabled(true);
}

void RedisQtAdapter::delWrite(void *adapter)
{
    static_cast<RedisQtAdapter *>(adapter)->m_write->setEnabled(false);
}

void RedisQtAdapter::cleanup(void *adapter)
{
    // hiredis is about to free the context.
    static_cast<RedisQtAdapter *>(adapter)->detach();
}

void RedisQtAdapter::onReadable()
{
    // May end with the context freed (cleanup() detached us) and the owner
    // gone; `this` stays valid because owners only deleteLater() adapters.
    if (m_context)
        redisAsyncHandleRead(m_context);
}

void RedisQtAdapter::onWritable()
{
    if (m_context)
        redisAsyncHandleWrite(m_context);
}

} // namespace farmchat
