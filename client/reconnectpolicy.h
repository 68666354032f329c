#pragma once

#include <QtGlobal>

namespace farmchat {

// When HubConnection retries after losing its server: the first attempt at
// once, then capped exponential back-off with jitter so that many clients of a
// restarted node do not all knock at the same moment (0, 500 ms, 1 s, 2 s, 4 s,
// 8 s, 10 s, 10 s, ... by default).
struct ReconnectPolicy
{
    bool enabled = true;
    int baseDelayMs = 500; // the delay before the second attempt
    int maxDelayMs = 10000; // no delay is longer than this, jitter included
    double jitter = 0.2; // each delay is scaled by a random factor in [1 - jitter, 1 + jitter]
    int maxAttempts = -1; // attempts per outage before giving up; -1: never give up

    // The delay before attempt number `attempt` (0-based) of one outage.
    // `random01` is a uniform number in [0, 1) that the caller draws; the
    // function itself is pure so it can be tested.
    int delayMs(int attempt, double random01) const;
    // True when `attempt` (0-based) may still be made.
    bool allowsAttempt(int attempt) const
    {
        return enabled && (maxAttempts < 0 || attempt < maxAttempts);
    }
};

} // namespace farmchat
