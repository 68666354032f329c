#include "server/tokenbucket_p.h"

namespace farmchat {

TokenBucket::TokenBucket(double rate, double burst, qint64 nowMs)
    : m_rate(rate), m_burst(burst), m_tokens(burst), m_lastMs(nowMs)
{ }

bool TokenBucket::take(qint64 nowMs)
{
    if (nowMs > m_lastMs) {
        m_tokens = qMin(m_burst, m_tokens + double(nowMs - m_lastMs) * m_rate / 1000.0);
        m_lastMs = nowMs;
    }
    if (m_tokens < 1.0)
        return false;
    m_tokens -= 1.0;
    return true;
}

} // namespace farmchat
