#pragma once

#include "core/result.h"
#include "protocol/chatmessage.h"
#include "redis/redisvalue.h"

#include <QByteArray>
#include <QList>

namespace farmchat {

// One chat message as stored in {prefix}:stream:{room}: fields `message` (the
// ChatMessage JSON), `uid` (the origin hub's node-unique id, for
// de-duplication) and, for a message re-published after Redis lost its data,
// `id` (the id clients already know it by). Parsing treats Redis replies as
// untrusted: a malformed entry is an error value naming the problem.
struct StreamEntry
{
    QByteArray streamId; // where it is in the stream
    QString uid;
    ChatMessage message; // id: `id` field if present, else streamId; via Streams

    // [id, [field, value, ...]] from XRANGE / XREAD.
    static Result<StreamEntry> parse(const RedisValue &entry, const QString &room);
    // The entry's stream id alone, so a reader can move past an entry it
    // cannot use; empty when even that is unreadable.
    static QByteArray idOf(const RedisValue &entry);
    // The XADD field/value arguments for a message.
    static QList<QByteArray> fields(
        const ChatMessage &message, const QString &uid, const QByteArray &knownId = {});
};

// One stream's part of an XREAD reply.
struct StreamBatch
{
    QByteArray key;
    QList<RedisValue> entries;
};

// XREAD's reply: nil (timed out, or unblocked) or [[key, [entry, ...]], ...].
Result<QList<StreamBatch>> parseXReadReply(const RedisValue &reply);

} // namespace farmchat
