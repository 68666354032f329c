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
    for (const auto &[name, target] :
        {std::pair {"length", &info.length}, std::pair {"entries-added", &info.entriesAdded}}) {
        const auto value = byName.value(name).expectInteger(name);
        if (!value)
            return R::failure(QStringLiteral("XINFO STREAM: ") + value.error()
                + QStringLiteral(" (Redis 7.0 or later gives it)"));
        *target = value.value();
    }
    for (const auto &[name, target] : {std::pair {"recorded-first-entry-id", &info.firstEntry},
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

StreamTrimInfo::Verdict StreamTrimInfo::judge(
    const StreamId &lastRead, qint64 accounted, qint64 readNow, bool readToEnd) const
{
    if (deleted() == 0)
        return {}; // nothing was ever trimmed
    // Trimming removes the oldest entries (Redis 7.0's max-deleted-entry-id
    // does not follow it, only XDEL does). The entries still to read are every
    // entry left when the oldest left is past lastRead, else what this XREAD
    // returned when it reached the end; otherwise not known yet.
    const bool allAfter = length == 0 || firstEntry > lastRead;
    if (!allAfter && !readToEnd)
        return {Verdict::Undecided};
    const qint64 ahead = allAfter ? length : readNow;
    // Every entry ever added is accounted for, still ahead, or lost unread.
    if (accounted >= 0) {
        const qint64 lost = entriesAdded - ahead - accounted;
        if (lost <= 0)
            return {}; // < 0: the stream was removed and made again (idle expiry)
        return {Verdict::Missed, lost, true, entriesAdded - ahead};
    }
    // Unknown: entries between lastRead and the oldest left may have been there.
    if (allAfter && length > 0)
        return {Verdict::Missed, 1, false, entriesAdded - ahead};
    return {};
}

} // namespace farmchat
