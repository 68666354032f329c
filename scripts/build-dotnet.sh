#!/usr/bin/env bash
# Publishes FarmChat's .NET parts into the build tree (Release):
#   peers/aspnetcore -> BUILD/peers/aspnetcore/farmchat-aspnetcore-node
#   tests/dotnet     -> BUILD/tests/dotnet/FarmChat.DotNetClientTests.dll
# NuGet packages are restored into BUILD/nuget with the versions recorded in
# each project's packages.lock.json (locked mode), so a rebuild never asks the
# registry again. A project whose sources did not change since its last
# publish is skipped without starting dotnet. CMake runs this on every build
# when the .NET SDK is present; by hand:
#   scripts/build-dotnet.sh [BUILD_DIR [PROJECT...]]   (default: ./build, both projects)
# After changing a PackageReference, refresh the lock file once with
#   dotnet restore --force-evaluate <project folder>
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=$(mkdir -p "${1:-${FARMCHAT_BUILD_DIR:-$here/build}}" && cd "${1:-${FARMCHAT_BUILD_DIR:-$here/build}}" && pwd)

if ! command -v dotnet >/dev/null 2>&1; then
  echo "build-dotnet.sh: the ASP.NET Core peer and the .NET client tests need the .NET SDK 10" >&2
  echo "  (https://learn.microsoft.com/dotnet/core/install/linux-debian: apt-get install dotnet-sdk-10.0)" >&2
  exit 1
fi

export NUGET_PACKAGES="$build_dir/nuget"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# No build servers: a node left running would hold ninja's output pipe open.
export MSBUILDDISABLENODEREUSE=1 DOTNET_CLI_USE_MSBUILD_SERVER=0

sdk_version=$(dotnet --version)

# A fingerprint of everything a project's output depends on, this script included.
fingerprint() {
  (sha256sum <"${BASH_SOURCE[0]}"
    cd "$here/$1" && find . -type f \( -name '*.cs' -o -name '*.csproj' -o -name '*.json' \) \
      -not -path './bin/*' -not -path './obj/*' -print0 | sort -z | xargs -0 sha256sum
    echo "$sdk_version") | sha256sum | cut -d' ' -f1
}

publish() {
  local project=$1 out="$build_dir/$1" stamp
  stamp="$build_dir/$1.stamp"
  local want
  want=$(fingerprint "$project")
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return 0
  fi
  local start=$SECONDS
  rm -f "$stamp"
  dotnet publish "$here/$project" -c Release --nologo --disable-build-servers \
    -p:RestoreLockedMode=true --artifacts-path "$build_dir/dotnet/$project" -o "$out" \
    -clp:ErrorsOnly -v:quiet
  echo "$want" >"$stamp"
  echo "build-dotnet.sh: published $project into $out in $((SECONDS - start)) s"
}

shift || true
projects=("$@")
[ "${#projects[@]}" -gt 0 ] || projects=(peers/aspnetcore tests/dotnet)
for project in "${projects[@]}"; do
  publish "$project"
done
