#pragma once

namespace farmchat {

// How long to wait before each retry of something that keeps failing: the
// first `immediateRetries` at once, then `firstDelayMs` growing by `factor`
// per retry up to `maxDelayMs`, each scaled by a random factor in
// [1 - jitter, 1 + jitter] (so many clients do not retry in lock-step) and
// never past the cap; after `maxRetries` retries the caller gives up.
// A value with each user's numbers: RedisConnectionOptions::backoff,
// HubConnectionOptions::reconnect, CrashRestarter::kBackoff.
struct Backoff
{
    int immediateRetries = 0;
    int firstDelayMs = 0;
    double factor = 2.0; // below 1 counts as 1
    int maxDelayMs = 0; // below firstDelayMs counts as firstDelayMs
    double jitter = 0.0; // clamped to [0, 1]
    int maxRetries = -1; // -1: never give up

    // The delay before retry number `retry` (0-based) of one outage.
    // `random01` is a uniform number in [0, 1) that the caller draws, so the
    // function stays pure and testable; the overload without it draws one.
    int delayMs(int retry, double random01) const;
    int delayMs(int retry) const;
    // True while retry number `retry` (0-based) may still be made.
    bool allowsRetry(int retry) const { return maxRetries < 0 || retry < maxRetries; }
    // The longest delay there can be, jitter included.
    int capMs() const;
};

} // namespace farmchat
