#pragma once

#include <cstdint>
#include <ctime>

// CLOCK_MONOTONIC in ns: the one clock senders stamp and receivers read, valid
// because the load generator runs both ends on one machine.
namespace farmchat::bench {

inline std::int64_t monotonicNs()
{
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return std::int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

} // namespace farmchat::bench
