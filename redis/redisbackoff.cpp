#include "redis/redisbackoff.h"

#include <QRandomGenerator>

#include <algorithm>

namespace farmchat {

RedisBackoff::RedisBackoff(int initialMs, int maxMs)
    : m_initialMs(std::max(1, initialMs)), m_maxMs(std::max(m_initialMs, maxMs))
{ }

int RedisBackoff::next()
{
    double base = m_initialMs;
    for (int i = 0; i < m_attempts && base < m_maxMs; ++i)
        base *= 2;
    base = std::min(base, double(m_maxMs));
    ++m_attempts;
    const double jitter = 0.8 + 0.4 * QRandomGenerator::global()->generateDouble();
    return std::clamp(int(base * jitter), 1, m_maxMs);
}

} // namespace farmchat
