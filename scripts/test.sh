#!/usr/bin/env bash
# Installs what is missing (Debian packages and the npm test peers), builds,
# and runs every test through ctest. Extra arguments go to ctest, e.g.
#   scripts/test.sh -L unit        only the unit tests
#   scripts/test.sh -R tst_hub     tests whose name matches
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${FARMCHAT_BUILD_DIR:-$here/build}

"$here/scripts/install-deps.sh" --test
"$here/scripts/build.sh"

cd "$build_dir"
exec ctest --output-on-failure --timeout 600 "$@"
