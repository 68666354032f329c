#pragma once

#include <array>
#include <cstdint>

// HDR-style log-linear histogram of latencies in nanoseconds: 64 linear
// sub-buckets per power of two, so every recorded value is kept within
// 1/64 (~1.6 %) of its true value from 1 ns up to 2^63 ns, in fixed memory.
// Used by LoadDriver for every delivery; recording is a few instructions.
namespace farmchat::bench {

class LatencyHistogram
{
public:
    static constexpr int kSubBits = 6;
    static constexpr int kSubBuckets = 1 << kSubBits;
    static constexpr int kBuckets = (64 - kSubBits + 1) * kSubBuckets;

    void record(std::int64_t valueNs);
    void add(const LatencyHistogram &other);
    void reset();

    std::uint64_t count() const { return m_count; }
    std::int64_t max() const { return m_max; }
    std::int64_t min() const { return m_count ? m_min : 0; }
    double mean() const { return m_count ? double(m_sum) / double(m_count) : 0.0; }
    // Value at or below which `percentile` (0..100) of the samples fall; the
    // upper edge of its bucket, so it never reports less than the truth.
    std::int64_t percentile(double percentile) const;

    static int bucketOf(std::uint64_t value);
    static std::uint64_t bucketUpperEdge(int bucket);

private:
    std::array<std::uint64_t, kBuckets> m_counts {};
    std::uint64_t m_count = 0;
    std::int64_t m_max = 0;
    std::int64_t m_min = INT64_MAX;
    long double m_sum = 0;
};

} // namespace farmchat::bench
