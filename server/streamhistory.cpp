#include "server/streamhistory.h"

#include "protocol/limits.h"
#include "redis/redisconnection.h"
#include "server/streamentry.h"
#include "server/streamid.h"

#include <QSet>

#include <algorithm>

namespace farmchat {

void readStreamHistory(RedisConnection &link, const QByteArray &streamKey, const QString &room,
    const QString &afterId, int limit, Backplane::HistoryDone done)
{
    if (!link.isReady()) {
        done({}, QStringLiteral("history is unavailable while Redis is unreachable"));
        return;
    }
    limit = std::clamp(limit, 1, limits::kMaxHistoryLimit);
    const auto after = StreamId::parse(QStringView(afterId));
    // A known position: what came after it. None, or one that is no stream id
    // (e.g. from another mode): the latest `limit`.
    const QByteArray count = QByteArray::number(limit);
    const QList<QByteArray> args = after
        ? QList<QByteArray> {"XRANGE", streamKey, "(" + after->toBytes(), "+", "COUNT", count}
        : QList<QByteArray> {"XREVRANGE", streamKey, "+", "-", "COUNT", count};
    const bool newestFirst = !after;
    link.command(args, [room, newestFirst, done = std::move(done)](const RedisValue &reply) {
        auto entries = reply.expectArray("history reply");
        if (!entries) {
            done({}, entries.error());
            return;
        }
        QList<RedisValue> raw = std::move(entries).value();
        if (newestFirst)
            std::reverse(raw.begin(), raw.end());
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
        done(messages, {});
    });
}

} // namespace farmchat
