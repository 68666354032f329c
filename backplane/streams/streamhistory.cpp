#include "backplane/streams/streamhistory_p.h"

#include "backplane/streams/streamentry.h"
#include "backplane/streams/streamid_p.h"
#include "protocol/limits.h"
#include "redis/redisconnection.h"

#include <QSet>

#include <algorithm>

namespace farmchat {

void readStreamHistory(RedisConnection &link, const QByteArray &streamKey, const QString &room,
    const QString &afterId, int limit, Backplane::HistoryDone done)
{
    if (!link.isReady()) {
        done(Result<QList<ChatMessage>>::failure(
            QStringLiteral("history is unavailable while Redis is unreachable")));
        return;
    }
    limit = std::clamp(limit, 1, limits::kMaxHistoryLimit);
    const auto after = StreamId::parse(QStringView(afterId));
    // A stream id is a position even when its entry was trimmed or came from
    // before a Redis restart: what came after it. None, or no stream id: from
    // the oldest entry kept, so a client paging forward from null sees
    // everything, as with the ring buffer.
    const QByteArray start = after ? "(" + after->toBytes() : QByteArrayLiteral("-");
    const QList<QByteArray> args {
        "XRANGE", streamKey, start, "+", "COUNT", QByteArray::number(limit)};
    link.command(args, [room, done = std::move(done)](const RedisValue &reply) {
        auto entries = reply.expectArray("history reply");
        if (!entries) {
            done(Result<QList<ChatMessage>>::failure(entries.error()));
            return;
        }
        const QList<RedisValue> raw = std::move(entries).value();
        QList<ChatMessage> messages;
        QSet<QString> uids;
        for (const RedisValue &value : std::as_const(raw)) {
            auto entry = StreamEntry::parse(value, room);
            // A resent copy shows once, as the first one (what readers delivered).
            if (!entry || uids.contains(entry->uid))
                continue;
            uids.insert(entry->uid);
            messages.append(entry->message);
        }
        done(messages);
    });
}

} // namespace farmchat
