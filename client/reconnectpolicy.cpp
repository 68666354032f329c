#include "client/reconnectpolicy.h"

#include <algorithm>
#include <cmath>

namespace farmchat {

int ReconnectPolicy::delayMs(int attempt, double random01) const
{
    if (attempt <= 0)
        return 0;
    const double cap = std::max(0, maxDelayMs);
    // 2^(attempt-1) overflows nothing here: the exponent is clamped long before
    // the product could leave the range of a double.
    const double exponential = std::max(0, baseDelayMs) * std::pow(2.0, std::min(attempt - 1, 30));
    const double spread = std::clamp(jitter, 0.0, 1.0);
    const double factor = 1.0 - spread + 2.0 * spread * std::clamp(random01, 0.0, 1.0);
    return int(std::min(cap, std::min(cap, exponential) * factor));
}

} // namespace farmchat
