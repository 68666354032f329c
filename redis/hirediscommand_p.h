#pragma once

#include <QByteArray>
#include <QList>

struct redisAsyncContext;

namespace farmchat {

// The one place a command becomes hiredis' parallel arrays of pointers and
// lengths (binary-safe), queued on `context` with hiredis' callback and its
// private data. Returns hiredis' REDIS_OK or REDIS_ERR. Used by
// RedisConnection only, like toRedisValue() for the way back.
int sendHiredisCommand(redisAsyncContext *context,
    void (*callback)(redisAsyncContext *, void *, void *), void *privdata,
    const QList<QByteArray> &arguments);

} // namespace farmchat
