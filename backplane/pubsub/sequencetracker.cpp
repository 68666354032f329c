#include "backplane/pubsub/sequencetracker_p.h"

namespace farmchat {

SequenceTracker::Result SequenceTracker::observe(
    const QString &origin, const QString &room, const QString &boot, qint64 seq)
{
    Last &last = m_last[room][origin];
    Result result;
    if (last.boot != boot) {
        last = Last {boot, seq};
        return result;
    }
    if (seq <= last.seq) {
        result.stale = true;
        return result;
    }
    result.missed = seq - last.seq - 1;
    last.seq = seq;
    return result;
}

void SequenceTracker::forgetRoom(const QString &room)
{
    m_last.remove(room);
}

} // namespace farmchat
