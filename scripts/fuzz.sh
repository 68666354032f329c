#!/usr/bin/env bash
# Builds the libFuzzer targets with clang in their own folder (default
# ./build-fuzz) and runs each for a bounded time. New inputs land in
# build-fuzz/fuzz/work/<target>/corpus; the seed corpus in fuzz/corpus/ is
# only read. A crash, leak, timeout or broken property stops that target and
# leaves the input in build-fuzz/fuzz/work/<target>/artifacts/.
#   scripts/fuzz.sh                    every target, 60 s each
#   scripts/fuzz.sh 600 hubrecords     one target for 10 minutes
#   FARMCHAT_FUZZ_BUILD_DIR=/tmp/f scripts/fuzz.sh 20
#   scripts/fuzz.sh --run-one BINARY SEEDS WORKDIR SECONDS   (what ctest runs)
#   FARMCHAT_FUZZ_ARGS="-malloc_limit_mb=20000" scripts/fuzz.sh ...   extra libFuzzer flags
# Exit status: 0 no finding, 1 a finding, 2 usage or build error.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Runs one fuzzer binary; prints one summary line with the executions.
run_one() {
  local binary=$1 seeds=$2 work=$3 seconds=$4
  local name dict log
  name=$(basename "$binary")
  mkdir -p "$work/corpus" "$work/artifacts"
  log="$work/last-run.log"
  local args=(-max_total_time="$seconds" -print_final_stats=1 -timeout=10
    -max_len=20000 -rss_limit_mb=2048 -artifact_prefix="$work/artifacts/")
  # shellcheck disable=SC2206 # split on purpose: several flags in one variable
  args+=(${FARMCHAT_FUZZ_ARGS:-})
  dict="$here/fuzz/dict/${name#fuzz_}.dict"
  [ -f "$dict" ] && args+=(-dict="$dict")
  local status=0
  "$binary" "${args[@]}" "$work/corpus" "$seeds" >"$log" 2>&1 || status=$?
  local execs corpus
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
  corpus=$(ls "$work/corpus" | wc -l)
  if [ "$status" -ne 0 ]; then
    echo "$name: FINDING after ${execs:-?} executions (exit $status); log: $log"
    grep -E '^(==[0-9]+==ERROR|SUMMARY|fuzz property violated|.*runtime error)' "$log" | head -n 5 || true
    ls "$work/artifacts" | sed 's/^/  artifact: /'
    return 1
  fi
  echo "$name: ${execs:-?} executions in ${seconds} s, corpus $corpus inputs, no finding"
}

if [ "${1:-}" = "--run-one" ]; then
  [ "$#" -eq 5 ] || { echo "usage: fuzz.sh --run-one BINARY SEEDS WORKDIR SECONDS" >&2; exit 2; }
  run_one "$2" "$3" "$4" "$5" || exit 1
  exit 0
fi

seconds=${1:-60}
shift || true
case "$seconds" in '' | *[!0-9]*) echo "fuzz.sh: seconds must be a number (got '$seconds')" >&2; exit 2 ;; esac
targets=("$@")
if [ "${#targets[@]}" -eq 0 ]; then
  targets=(httprequest websocketreader hubrecords messages redisreply controlline)
fi

build_dir=${FARMCHAT_FUZZ_BUILD_DIR:-$here/build-fuzz}
# shellcheck source=scripts/lib/clang.sh
. "$here/scripts/lib/clang.sh"
clangxx=$(find_clangxx)
if [ -z "$clangxx" ]; then
  echo "fuzz.sh: clang++ not found; install it with scripts/install-deps.sh --test" >&2
  exit 2
fi
if [ ! -f "$build_dir/build.ninja" ]; then
  cmake -S "$here" -B "$build_dir" -G Ninja \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_COMPILER="$clangxx" \
    -DFARMCHAT_FUZZ=ON -DFARMCHAT_BUILD_APP=OFF -DFARMCHAT_BUILD_TESTS=OFF \
    -DFARMCHAT_BUILD_BENCH=OFF >/dev/null || exit 2
fi
cmake --build "$build_dir" --target "${targets[@]/#/fuzz_}" || exit 2

found=0
for target in "${targets[@]}"; do
  run_one "$build_dir/fuzz/fuzz_$target" "$here/fuzz/corpus/$target" \
    "$build_dir/fuzz/work/$target" "$seconds" || found=1
done
exit "$found"
