#!/usr/bin/env bash
# Installs what is missing (Debian packages and the npm test peers), builds,
# and runs every test through ctest. With CI=true the configure step fails
# when the .NET SDK is missing (FARMCHAT_REQUIRE_DOTNET), so the ASP.NET Core
# interop tests are never skipped in CI. Extra arguments go to ctest, e.g.
#   scripts/test.sh -L unit        only the unit tests
#   scripts/test.sh -R tst_hub     tests whose name matches
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${FARMCHAT_BUILD_DIR:-$here/build}

"$here/scripts/install-deps.sh" --test
if [ "${CI:-}" = true ]; then
  "$here/scripts/build.sh" -DFARMCHAT_REQUIRE_DOTNET=ON
else
  "$here/scripts/build.sh"
fi

cd "$build_dir"
exec ctest --output-on-failure --timeout 600 "$@"
