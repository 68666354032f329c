#include "app/ratemeter.h"

namespace farmchat {

void RateMeter::advance(qint64 nowMs)
{
    const qint64 bucket = nowMs / kBucketMs;
    if (m_current < 0 || bucket - m_current >= kBuckets) {
        m_counts.fill(0);
    } else {
        for (qint64 b = m_current + 1; b <= bucket; ++b)
            m_counts[size_t(b % kBuckets)] = 0;
    }
    if (bucket > m_current)
        m_current = bucket;
}

void RateMeter::add(qint64 nowMs, int count)
{
    if (count <= 0)
        return;
    advance(nowMs);
    m_counts[size_t(m_current % kBuckets)] += quint64(count);
    m_total += quint64(count);
}

double RateMeter::perSecond(qint64 nowMs) const
{
    if (m_current < 0)
        return 0.0;
    const qint64 bucket = nowMs / kBucketMs;
    quint64 sum = 0;
    // Only buckets inside the last second count; older ones are stale.
    for (qint64 b = bucket - kBuckets + 1; b <= qMin(bucket, m_current); ++b) {
        if (b >= 0 && m_current - b < kBuckets)
            sum += m_counts[size_t(b % kBuckets)];
    }
    return double(sum) * 1000.0 / double(kBuckets * kBucketMs);
}

} // namespace farmchat
