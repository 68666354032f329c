#include "backplane/streams/streamtrim_p.h"

#include "redis/redisvalue.h"

#include <QHash>

namespace farmchat {

Result<StreamTrimInfo> StreamTrimInfo::parse(const RedisValue &reply)
{
    using R = Result<StreamTrimInfo>;
    const auto fields = reply.expectArray("XINFO STREAM reply");
    if (!fields)
        return R::failure(fields.error());
    // A flat list of field names and values.
    QHash<QByteArray, RedisValue> byName;
    for (qsizetype i = 0; i + 1 < fields->size(); i += 2)
        byName.insert(fields->at(i).bytes(), fields->at(i + 1));
    StreamTrimInfo info;
    for (const auto &[name, target] : {std::pair {"length", &info.length},
             std::pair {"entries-added", &info.entriesAdded}}) {
        const auto value = byName.value(name).expectInteger(name);
        if (!value)
            return R::failure(QStringLiteral("XINFO STREAM: ") + value.error()
                + QStringLiteral(" (Redis 7.0 or later gives it)"));
        *target = value.value();
    }
    for (const auto &[name, target] : {std::pair {"max-deleted-entry-id", &info.maxDeleted},
             std::pair {"last-generated-id", &info.lastGenerated}}) {
        const auto id = StreamId::parse(QByteArrayView(byName.value(name).bytes()));
        if (!id)
            return R::failure(QStringLiteral("XINFO STREAM: no readable %1 (Redis 7.0 or later "
                                             "gives it)")
                    .arg(QLatin1String(name)));
        *target = *id;
    }
    return info;
}

std::optional<StreamTrimInfo::Missed> StreamTrimInfo::missedAfter(
    const StreamId &lastRead, qint64 accounted) const
{
    // Trimming removes the oldest entries: one newer than lastRead gone means
    // every entry between lastRead and the first one left is gone, unread.
    if (maxDeleted <= lastRead)
        return std::nullopt;
    // Every entry accounted for is at or before lastRead, so deleted: the rest
    // of the deleted ones are the reader's loss. A stream removed and created
    // again (idle expiry) restarts entries-added: then only "some" is known.
    if (accounted >= 0 && accounted < deleted())
        return Missed {deleted() - accounted, true};
    return Missed {1, false};
}

} // namespace farmchat
