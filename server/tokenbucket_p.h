#pragma once

#include <QtGlobal>

namespace farmchat {

// Per-connection rate limit: `rate` tokens per second, holding at most `burst`.
// Time is passed in (milliseconds, monotonic), so tests need no clock.
class TokenBucket
{
public:
    TokenBucket(double rate, double burst, qint64 nowMs);

    // Takes one token; false when the bucket is empty.
    bool take(qint64 nowMs);

private:
    double m_rate;
    double m_burst;
    double m_tokens;
    qint64 m_lastMs;
};

} // namespace farmchat
