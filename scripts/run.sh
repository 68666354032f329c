#!/usr/bin/env bash
# Installs what is missing, builds, and runs FarmChat: the desktop app when a
# display is available, otherwise the headless demo (a 2-node farm with a
# private Redis, showing messages fail to cross with the backplane off and
# cross once it is on). Extra arguments go to the program that runs.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${FARMCHAT_BUILD_DIR:-$here/build}

"$here/scripts/install-deps.sh"
"$here/scripts/build.sh"

if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ -x "$build_dir/app/farmchat" ]; then
  exec "$build_dir/app/farmchat" "$@"
fi
echo "No display found: running the headless demo (farmchat-launcher --demo)."
exec "$build_dir/launcher/farmchat-launcher" --nodes 2 --base-port auto --demo "$@"
