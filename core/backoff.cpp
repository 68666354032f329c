#include "core/backoff.h"

#include <QRandomGenerator>

#include <algorithm>
#include <cmath>

namespace farmchat {

namespace {

// Past this many growth steps any delay has long reached any cap; the clamp
// keeps pow() finite.
constexpr int kMaxGrowthSteps = 64;

} // namespace

int Backoff::capMs() const
{
    return std::max({0, firstDelayMs, maxDelayMs});
}

int Backoff::delayMs(int retry, double random01) const
{
    if (retry < immediateRetries)
        return 0;
    const double first = std::max(0, firstDelayMs);
    if (first == 0)
        return 0;
    const double cap = capMs();
    const int steps = std::clamp(retry - std::max(0, immediateRetries), 0, kMaxGrowthSteps);
    const double grown = std::min(cap, first * std::pow(std::max(1.0, factor), steps));
    const double spread = std::clamp(jitter, 0.0, 1.0);
    const double scale = 1.0 - spread + 2.0 * spread * std::clamp(random01, 0.0, 1.0);
    return int(std::min(cap, grown * scale));
}

int Backoff::delayMs(int retry) const
{
    return delayMs(retry, QRandomGenerator::global()->generateDouble());
}

} // namespace farmchat
