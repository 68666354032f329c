#pragma once

namespace farmchat {

// Delays between Redis reconnect attempts: capped exponential back-off with
// ±20 % jitter, so a farm of nodes does not reconnect in lock-step after Redis
// returns. Used by RedisConnection; reset once a link is ready again.
class RedisBackoff
{
public:
    RedisBackoff(int initialMs = 100, int maxMs = 5000);

    // The delay before the next attempt; each call doubles the base up to the cap.
    int next();
    void reset() { m_attempts = 0; }
    int attempts() const { return m_attempts; }
    int initialMs() const { return m_initialMs; }
    int maxMs() const { return m_maxMs; }

private:
    int m_initialMs;
    int m_maxMs;
    int m_attempts = 0;
};

} // namespace farmchat
