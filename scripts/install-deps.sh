#!/usr/bin/env bash
# Installs every Debian package FarmChat needs to build, run and test, plus the
# npm packages the end-to-end tests and the benchmark use. Idempotent: packages
# already present are left alone; npm packages are installed from the lock file.
#   scripts/install-deps.sh            build + run (GUI and headless demo)
#   scripts/install-deps.sh --test     also everything the test suite needs
#   scripts/install-deps.sh --bench    also what the benchmark needs
set -euo pipefail

want_test=0
want_bench=0
for arg in "$@"; do
  case "$arg" in
    --test) want_test=1 ;;
    --bench) want_test=1; want_bench=1 ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) echo "install-deps.sh: unknown option '$arg' (try --help)" >&2; exit 2 ;;
  esac
done

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

packages=(
  cmake ninja-build g++ pkg-config git
  qt6-base-dev qt6-base-dev-tools qt6-websockets-dev qt6-svg-dev
  libqt6svg6 qt6-qpa-plugins qt6-wayland libgl-dev libxkbcommon-dev
  libhiredis-dev redis-server redis-tools
  haproxy
  xvfb xauth
)
if [ "$want_test" = 1 ]; then
  packages+=(
    chromium
    imagemagick procps psmisc iproute2 curl python3
    clang libclang-rt-14-dev clang-format pmccabe graphviz
    dpkg-dev fakeroot file lintian appstream desktop-file-utils
    groff-base
  )
fi
if [ "$want_bench" = 1 ]; then
  packages+=(util-linux linux-perf)
fi

if [ "$(id -u)" = 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo)
else
  echo "install-deps.sh: needs root or sudo to install: ${packages[*]}" >&2
  exit 1
fi

# Node.js may come from elsewhere (it bundles npm); take Debian's only if absent.
if [ "$want_test" = 1 ] && ! command -v npm >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-deps.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -q
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "install-deps.sh: all Debian packages present"
fi

# The .NET SDK is optional and not installed here: without it the ASP.NET Core
# reference node and the .NET interop tests are left out (CI requires them).
if ! command -v dotnet >/dev/null 2>&1; then
  echo "install-deps.sh: optional .NET SDK 10 not found (ASP.NET Core reference node, .NET interop tests):" \
    "https://learn.microsoft.com/dotnet/core/install/linux-debian (apt-get install dotnet-sdk-10.0 from Microsoft's feed)"
fi

# The packaged redis-server starts a system service on port 6379 when
# installed; FarmChat never uses it (every farm starts a private one). The
# packaged haproxy's service listens on nothing until configured; the
# launcher's --lb starts a private one on its own config.

# npm ci from the lock file, unless node_modules already matches it.
npm_ci() {
  local dir="$here/$1" what="$2"
  [ -f "$dir/package.json" ] || return 0
  if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    echo "install-deps.sh: installing npm $what packages ($1)"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}
if [ "$want_test" = 1 ]; then
  npm_ci tests/e2e test
  # The reference and Bun farms' packages: ctest's bench_check needs them, so --test too.
  npm_ci bench/reference benchmark
  npm_ci bench/bun benchmark  # the npm package `bun`: its postinstall puts the Bun binary in place
fi
