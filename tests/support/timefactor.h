#pragma once

#include <QtGlobal>

namespace farmchat::test {

// The one factor by which functional tests stretch their time bounds:
// FARMCHAT_TIME_FACTOR from the test's environment, which ctest sets to 3 in
// a sanitizer build (tests/CMakeLists.txt) and leaves at 1 otherwise. Bounds
// that are figures (throughput, latency) belong in bench/, not here.
inline int timeFactor()
{
    const int factor = qEnvironmentVariableIntValue("FARMCHAT_TIME_FACTOR");
    return factor > 0 ? factor : 1;
}

// `ms` stretched by timeFactor().
inline int scaledMs(int ms)
{
    return ms * timeFactor();
}

} // namespace farmchat::test
