#!/usr/bin/env bash
# Builds all of FarmChat with AddressSanitizer + UndefinedBehaviorSanitizer in
# its own folder (default ./build-asan, FARMCHAT_SANITIZE=ON) and runs the whole
# test suite there, except the package test and the benchmarks (label package,
# bench): a memory error, leak or undefined behaviour in any test fails it.
# Extra arguments go to ctest.
#   scripts/check-sanitizers.sh                  build, then every test
#   scripts/check-sanitizers.sh -L security      only the security battery
#   CXX=clang++ FARMCHAT_ASAN_BUILD_DIR=/tmp/a scripts/check-sanitizers.sh
#   CMAKE_BUILD_PARALLEL_LEVEL=1 scripts/check-sanitizers.sh   fewer parallel jobs
#   FARMCHAT_ASAN_CMAKE_ARGS="-DFARMCHAT_FUZZ=ON" scripts/check-sanitizers.sh
#                          extra configure options (first configure only)
# shellcheck disable=SC2086 # FARMCHAT_ASAN_CMAKE_ARGS splits into options on purpose
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${FARMCHAT_ASAN_BUILD_DIR:-$here/build-asan}

start=$(date +%s)
if [ ! -f "$build_dir/build.ninja" ]; then
  cmake -S "$here" -B "$build_dir" -G Ninja \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DFARMCHAT_SANITIZE=ON \
    -DFARMCHAT_BUILD_BENCH=OFF \
    ${FARMCHAT_ASAN_CMAKE_ARGS:-}
fi
if ! cmake --build "$build_dir" -- -k 0; then
  echo "check-sanitizers.sh: the sanitizer build failed; see the messages above" >&2
  exit 1
fi
built=$(date +%s)

# halt_on_error: the first report fails the test that caused it. Leak reports
# name only leaks of this process's own code (suppressions for Qt's and the
# system's one-time allocations are in scripts/sanitizers/lsan.supp).
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:abort_on_error=0:print_summary=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export LSAN_OPTIONS="suppressions=$here/scripts/sanitizers/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"

status=0
(cd "$build_dir" && ctest --output-on-failure --timeout 900 -LE '^(package|bench)$' "$@") || status=$?
end=$(date +%s)
echo "check-sanitizers.sh: build $((built - start)) s, tests $((end - built)) s, exit $status"
exit "$status"
