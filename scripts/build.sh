#!/usr/bin/env bash
# Configures (once) and builds FarmChat with Ninja in ./build (RelWithDebInfo).
# Re-running only rebuilds what changed. Extra arguments go to cmake's configure
# step, e.g. scripts/build.sh -DFARMCHAT_BUILD_APP=OFF
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${FARMCHAT_BUILD_DIR:-$here/build}

if [ ! -f "$build_dir/build.ninja" ] || [ "$#" -gt 0 ]; then
  cmake -S "$here" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@"
fi
cmake --build "$build_dir"
