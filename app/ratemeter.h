#pragma once

#include <QtGlobal>

#include <array>

namespace farmchat {

// Events per second over the last second, for the status bar's "messages/s":
// ten 100 ms buckets, so a burst shows at once and fades within a second.
// The caller passes the time (ms, any monotonic origin), which keeps it pure.
class RateMeter
{
public:
    static constexpr int kBuckets = 10;
    static constexpr qint64 kBucketMs = 100;

    void add(qint64 nowMs, int count = 1);
    // Events in the window ending at `nowMs`, scaled to one second.
    double perSecond(qint64 nowMs) const;
    quint64 total() const { return m_total; }

private:
    void advance(qint64 nowMs);

    std::array<quint64, kBuckets> m_counts {};
    qint64 m_current = -1; // index of the bucket now filling (time / kBucketMs)
    quint64 m_total = 0;
};

} // namespace farmchat
