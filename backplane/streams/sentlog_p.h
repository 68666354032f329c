#pragma once

#include "backplane/streams/streamoutgoing_p.h"

#include <deque>

namespace farmchat {

// What this node's streams backplane had Redis accept lately, kept for one
// case: Redis restarts empty, and nodes that had not read these messages yet
// would never see them. They are then published again (as re-publishes,
// under the ids clients already know). Bounded by a time window and a count.
class SentLog
{
public:
    explicit SentLog(int windowMs) : m_windowMs(windowMs) { }

    // Redis accepted `out` as `id`. Entries older than the window are dropped
    // only while `linkUsable`: during an outage the window counts back from
    // the loss, so what was sent just before it must stay.
    void record(const OutgoingMessage &out, const QString &id, bool linkUsable);
    // Re-publishes of what was accepted at or after `sinceMs`, oldest first;
    // the log is empty afterwards.
    std::deque<OutgoingMessage> takeSince(qint64 sinceMs);

private:
    struct Sent
    {
        ChatMessage message; // id: as clients know it
        QString uid;
        qint64 acceptedAtMs = 0;
    };
    int m_windowMs;
    std::deque<Sent> m_sent;
};

} // namespace farmchat
