#!/usr/bin/env bash
# Builds all of FarmChat with Clang in its own folder (default ./build-clang),
# warnings as errors, without running tests and without touching the GCC build
# in ./build. CI runs it next to the GCC build; ccache makes reruns cheap.
# Extra arguments go to cmake's configure step.
#   scripts/check-clang.sh                   configure (once) and build
#   FARMCHAT_CLANG_BUILD_DIR=/tmp/c scripts/check-clang.sh
#   CMAKE_BUILD_PARALLEL_LEVEL=1 scripts/check-clang.sh   fewer parallel jobs
#   FARMCHAT_CLANG_TARGETS="farmchat farmchat-node" scripts/check-clang.sh   only these targets
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${FARMCHAT_CLANG_BUILD_DIR:-$here/build-clang}

# shellcheck source=scripts/lib/clang.sh
. "$here/scripts/lib/clang.sh"
clangxx=$(find_clangxx)
if [ -z "$clangxx" ]; then
  echo "check-clang.sh: clang++ not found; install it with scripts/install-deps.sh --test" >&2
  exit 1
fi

start=$(date +%s)
if [ ! -f "$build_dir/build.ninja" ] || [ "$#" -gt 0 ]; then
  cmake -S "$here" -B "$build_dir" -G Ninja \
    -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_CXX_COMPILER="$clangxx" \
    -DCMAKE_CXX_FLAGS="-Werror" \
    "$@"
fi
# -k 0: keep going, so one run reports every warning in the tree.
targets=()
for target in ${FARMCHAT_CLANG_TARGETS:-}; do targets+=(--target "$target"); done
if ! cmake --build "$build_dir" "${targets[@]}" -- -k 0; then
  echo "check-clang.sh: the clang build failed (warnings are errors); see the messages above" >&2
  exit 1
fi
echo "check-clang.sh: $("$clangxx" --version | head -n1): build finished in $(($(date +%s) - start)) s"
