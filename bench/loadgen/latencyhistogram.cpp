#include "bench/loadgen/latencyhistogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace farmchat::bench {

int LatencyHistogram::bucketOf(std::uint64_t value)
{
    if (value < kSubBuckets)
        return static_cast<int>(value);
    // Shift so the leading one lands at bit kSubBits; the kSubBits bits below it
    // pick the linear sub-bucket within this power of two.
    const int msb = 63 - std::countl_zero(value);
    const int e = msb - kSubBits;
    const int sub = static_cast<int>((value >> e) & (kSubBuckets - 1));
    return (e + 1) * kSubBuckets + sub;
}

std::uint64_t LatencyHistogram::bucketUpperEdge(int bucket)
{
    if (bucket < kSubBuckets)
        return static_cast<std::uint64_t>(bucket);
    const int e = bucket / kSubBuckets - 1;
    const std::uint64_t sub = static_cast<std::uint64_t>(bucket % kSubBuckets);
    const std::uint64_t lower = (std::uint64_t(kSubBuckets) | sub) << e;
    return lower + ((std::uint64_t(1) << e) - 1);
}

void LatencyHistogram::record(std::int64_t valueNs)
{
    const std::uint64_t v = valueNs < 0 ? 0 : static_cast<std::uint64_t>(valueNs);
    ++m_counts[static_cast<std::size_t>(bucketOf(v))];
    ++m_count;
    m_sum += v;
    m_max = std::max<std::int64_t>(m_max, static_cast<std::int64_t>(v));
    m_min = std::min<std::int64_t>(m_min, static_cast<std::int64_t>(v));
}

void LatencyHistogram::add(const LatencyHistogram &other)
{
    for (std::size_t i = 0; i < m_counts.size(); ++i)
        m_counts[i] += other.m_counts[i];
    m_count += other.m_count;
    m_sum += other.m_sum;
    m_max = std::max(m_max, other.m_max);
    m_min = std::min(m_min, other.m_min);
}

void LatencyHistogram::reset()
{
    *this = LatencyHistogram();
}

std::int64_t LatencyHistogram::percentile(double percentile) const
{
    if (m_count == 0)
        return 0;
    const double clamped = std::clamp(percentile, 0.0, 100.0);
    auto rank = static_cast<std::uint64_t>(std::ceil(clamped / 100.0 * double(m_count)));
    rank = std::max<std::uint64_t>(rank, 1);
    std::uint64_t seen = 0;
    for (int b = 0; b < kBuckets; ++b) {
        seen += m_counts[static_cast<std::size_t>(b)];
        if (seen >= rank)
            return std::min<std::int64_t>(static_cast<std::int64_t>(bucketUpperEdge(b)), m_max);
    }
    return m_max;
}

} // namespace farmchat::bench
