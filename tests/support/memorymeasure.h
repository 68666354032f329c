#pragma once

namespace farmchat::test {

// Under AddressSanitizer (scripts/check-sanitizers.sh) freed memory sits in a
// quarantine and every allocation has shadow memory: a process's resident
// size then says nothing about what it buffers. Tests print the figures in
// every build and check memory bounds only where this is true.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kMemoryMeasurable = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kMemoryMeasurable = false;
#else
inline constexpr bool kMemoryMeasurable = true;
#endif
#else
inline constexpr bool kMemoryMeasurable = true;
#endif

} // namespace farmchat::test
