#pragma once

#include <QtGlobal>

namespace farmchat {

// When to restart a process that crashed, so a node that dies at once is not
// restarted in a storm: 500 ms, 1 s, 2 s, … capped at 10 s; a run that
// stayed up for 30 s counts as recovered and resets the count; after
// kMaxAttempts crashes in a row it gives up. Used by FarmSupervisor when the
// farm is to keep running.
class RestartBackoff
{
public:
    static constexpr int kFirstDelayMs = 500;
    static constexpr int kMaxDelayMs = 10000;
    static constexpr qint64 kStableRunMs = 30000;
    static constexpr int kMaxAttempts = 8;

    // Delay before the next restart after a run of `uptimeMs`; -1: give up.
    int nextDelayMs(qint64 uptimeMs);
    int attempts() const { return m_attempts; }
    void reset() { m_attempts = 0; }

private:
    int m_attempts = 0;
};

} // namespace farmchat
