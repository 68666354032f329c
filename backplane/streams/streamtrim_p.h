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
    StreamId maxDeleted; // the newest entry trimmed (0-0: none)
    StreamId lastGenerated; // the newest entry ever added

    // From XINFO STREAM's reply; an error names the missing field (Redis
    // older than 7.0 has no max-deleted-entry-id).
    static Result<StreamTrimInfo> parse(const RedisValue &reply);

    // Entries trimmed before a reader at `lastRead` read them, or nullopt when
    // none were. `accounted` is how many entries the reader has read or been
    // told it missed (every one of them at or before lastRead); -1 when that is
    // unknown. The count is exact when `accounted` is known, else 1 (at least).
    struct Missed
    {
        qint64 count = 0;
        bool exact = false;
    };
    std::optional<Missed> missedAfter(const StreamId &lastRead, qint64 accounted) const;
    // The reader's `accounted` once it is told about the miss: every deleted
    // entry, all of them before the first one still there.
    qint64 deleted() const { return entriesAdded - length; }
};

} // namespace farmchat
