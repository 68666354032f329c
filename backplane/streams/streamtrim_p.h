#pragma once

#include "backplane/streams/streamid_p.h"
#include "core/result.h"

#include <QByteArray>

#include <optional>

namespace farmchat {

class RedisValue;

// What XINFO STREAM (Redis 7.0+) says about the entries a stream has lost to
// trimming, and what that means for a reader at some position: the streams
// backplane asks it when a reader resumes after its link was down (or reads a
// full batch, so may lag), since the other nodes kept trimming meanwhile.
struct StreamTrimInfo
{
    qint64 length = 0; // entries in the stream now
    qint64 entriesAdded = 0; // entries ever added to it
    StreamId firstEntry; // recorded-first-entry-id: the oldest entry left
    StreamId lastGenerated; // the newest entry ever added

    // From XINFO STREAM's reply; an error names the missing field (Redis
    // older than 7.0 has no entries-added).
    static Result<StreamTrimInfo> parse(const RedisValue &reply);

    // What a reader at `lastRead` lost to trimming, from this XINFO and the
    // XREAD from lastRead in the same MULTI, which returned `readNow` entries
    // and so reached the stream's end when `readToEnd` (fewer than its COUNT).
    // `accounted` is how many entries the reader has read or been told it
    // missed (every one of them at or before lastRead); -1 when unknown.
    struct Verdict
    {
        enum Kind { Nothing, Missed, Undecided } kind = Nothing;
        qint64 count = 0; // Missed: how many
        bool exact = false; // else "at least count"
        qint64 accounted = -1; // Missed: the reader's accounted from now on
    };
    Verdict judge(const StreamId &lastRead, qint64 accounted, qint64 readNow, bool readToEnd) const;
    qint64 deleted() const { return entriesAdded - length; }
};

} // namespace farmchat
