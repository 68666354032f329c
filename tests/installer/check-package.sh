#!/usr/bin/env bash
# Packaging test (ctest label "package"): builds the .deb and .tar.gz from the
# current build with cpack in a scratch folder, inspects them the way Debian
# tools and a user would, and runs the programs from the unpacked trees alone.
#   - dpkg-deb -I / -c: control fields and the file list
#   - apt-get install --simulate: every Depends resolves on this system
#   - lintian (no errors), appstreamcli validate, desktop-file-validate
#   - the unpacked farmchat-launcher --demo and farmchat --version, with no
#     FARMCHAT_* paths and an empty PATH: they find each other relatively
# Environment (set by tests/installer/CMakeLists.txt): FARMCHAT_BINARY_DIR,
# FARMCHAT_VERSION, FARMCHAT_APP_ID, FARMCHAT_PACKAGED_PROGRAMS.
set -uo pipefail

failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}
pass() { echo "ok: $*"; }
die() {
  echo "FAIL: $*" >&2
  exit 1
}

for var in FARMCHAT_BINARY_DIR FARMCHAT_VERSION FARMCHAT_APP_ID FARMCHAT_PACKAGED_PROGRAMS; do
  [ -n "${!var:-}" ] || die "$var is not set (run through ctest)"
done
for tool in cpack dpkg-deb dpkg-shlibdeps apt-get lintian appstreamcli desktop-file-validate readelf redis-server timeout; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is missing: run scripts/install-deps.sh --test"
done

read -r -a programs <<<"$FARMCHAT_PACKAGED_PROGRAMS"
has_program() {
  local p
  for p in "${programs[@]}"; do [ "$p" = "$1" ] && return 0; done
  return 1
}

scratch=$(mktemp -d "${TMPDIR:-/tmp}/farmchat-package.XXXXXX")
cleanup() {
  # Any farm the demo left behind would be ours: end it by process group.
  [ -n "${demo_pid:-}" ] && kill -- "-$demo_pid" 2>/dev/null
  rm -rf "$scratch"
}
trap cleanup EXIT

# --- Build the packages -------------------------------------------------------
echo "== cpack -G DEB;TGZ (scratch: $scratch)"
if ! cpack -G "DEB;TGZ" -B "$scratch/out" --config "$FARMCHAT_BINARY_DIR/CPackConfig.cmake" >"$scratch/cpack.log" 2>&1; then
  cat "$scratch/cpack.log" >&2
  die "cpack failed"
fi
deb=$(ls "$scratch"/out/farmchat_*.deb 2>/dev/null | head -n1)
tgz=$(ls "$scratch"/out/farmchat-*.tar.gz 2>/dev/null | head -n1)
[ -f "$deb" ] || die "no farmchat_*.deb produced"
[ -f "$tgz" ] || die "no farmchat-*.tar.gz produced"
arch=$(dpkg --print-architecture)
[ "$(basename "$deb")" = "farmchat_${FARMCHAT_VERSION}_${arch}.deb" ] \
  && pass "package file name $(basename "$deb")" \
  || fail "package file name $(basename "$deb"), expected farmchat_${FARMCHAT_VERSION}_${arch}.deb"
echo "sizes: $(du -k "$deb" | cut -f1) KiB $(basename "$deb"), $(du -k "$tgz" | cut -f1) KiB $(basename "$tgz")"

# --- Control fields -------------------------------------------------------------
field() { dpkg-deb -f "$deb" "$1"; }
dpkg-deb -I "$deb"
[ "$(field Package)" = farmchat ] && pass "Package" || fail "Package is '$(field Package)'"
[ "$(field Version)" = "$FARMCHAT_VERSION" ] && pass "Version $FARMCHAT_VERSION" \
  || fail "Version is '$(field Version)', project version is $FARMCHAT_VERSION"
for f in Section Maintainer Homepage Description Priority; do
  [ -n "$(field "$f")" ] && pass "$f present" || fail "control field $f missing"
done
depends=$(field Depends)
# Package names in Depends, one per line, without versions or alternatives.
depends_names=$(tr ',|' '\n\n' <<<"$depends" | awk 'NF { print $1 }' | sort -u)
expect_depends() {
  grep -Fxq "$1" <<<"$depends_names" && pass "Depends on $1" || fail "Depends lacks $1: $depends"
}
for dep in libc6 libstdc++6 libqt6core6 libqt6network6 libqt6websockets6 libhiredis0.14; do
  expect_depends "$dep"
done
if has_program farmchat; then
  expect_depends libqt6gui6
  expect_depends libqt6widgets6
fi
grep -q -- '-dev$' <<<"$depends_names" && fail "Depends names a -dev package: $depends"
grep -q redis-server <<<"$(field Recommends)" && pass "Recommends redis-server" \
  || fail "Recommends lacks redis-server: $(field Recommends)"
grep -q haproxy <<<"$(field Recommends)" && pass "Recommends haproxy" \
  || fail "Recommends lacks haproxy: $(field Recommends)"

# --- File list ------------------------------------------------------------------
dpkg-deb -c "$deb" | awk '{print $NF}' | sed 's|^\./|/|' >"$scratch/files.txt"
expect_file() {
  grep -qx "$1" "$scratch/files.txt" && pass "ships $1" || fail "package lacks $1"
}
for p in "${programs[@]}"; do
  expect_file "/usr/bin/$p"
  expect_file "/usr/share/man/man1/$p.1.gz"
done
for size in 16 24 32 48 64 128 256 512; do
  expect_file "/usr/share/icons/hicolor/${size}x${size}/apps/$FARMCHAT_APP_ID.png"
done
expect_file "/usr/share/icons/hicolor/scalable/apps/$FARMCHAT_APP_ID.svg"
expect_file /usr/share/doc/farmchat/copyright
expect_file /usr/share/doc/farmchat/changelog.gz
if has_program farmchat; then
  expect_file "/usr/share/applications/$FARMCHAT_APP_ID.desktop"
  expect_file "/usr/share/metainfo/$FARMCHAT_APP_ID.metainfo.xml"
fi
grep -Eq '^/usr/(lib|include)/.*\.(a|h|cmake)$' "$scratch/files.txt" \
  && fail "package ships development files: $(grep -E '\.(a|h|cmake)$' "$scratch/files.txt" | head -3)"

# --- Dependencies resolve ---------------------------------------------------------
if apt-get install --simulate --no-install-recommends "$deb" >"$scratch/apt.log" 2>&1; then
  grep -q '^Inst farmchat ' "$scratch/apt.log" && pass "apt-get --simulate installs farmchat with its Depends" \
    || { cat "$scratch/apt.log"; fail "apt-get --simulate did not plan to install farmchat"; }
else
  cat "$scratch/apt.log" >&2
  fail "apt-get install --simulate: dependencies do not resolve"
fi

# --- lintian ---------------------------------------------------------------------
lintian --fail-on error --display-info --tag-display-limit 0 "$deb" >"$scratch/lintian.log" 2>&1
lintian_status=$?
grep -v 'running with root privileges' "$scratch/lintian.log" | sed 's/^/lintian: /'
[ "$lintian_status" = 0 ] && pass "lintian: no errors" || fail "lintian reports errors (exit $lintian_status)"

# --- Unpack and validate desktop data --------------------------------------------
root="$scratch/root"
dpkg -x "$deb" "$root" || die "dpkg -x failed"
if has_program farmchat; then
  desktop="$root/usr/share/applications/$FARMCHAT_APP_ID.desktop"
  metainfo="$root/usr/share/metainfo/$FARMCHAT_APP_ID.metainfo.xml"
  desktop-file-validate "$desktop" && pass "desktop-file-validate" || fail "desktop-file-validate $desktop"
  appstreamcli validate --no-net "$metainfo" && pass "appstreamcli validate" || fail "appstreamcli validate $metainfo"
  exec_cmd=$(sed -n 's/^Exec=\([^ ]*\).*/\1/p' "$desktop")
  [ -x "$root/usr/bin/$exec_cmd" ] && pass "Exec=$exec_cmd is in /usr/bin" || fail "Exec=$exec_cmd not shipped in /usr/bin"
  icon=$(sed -n 's/^Icon=//p' "$desktop")
  [ "$icon" = "$FARMCHAT_APP_ID" ] && pass "Icon=$icon" || fail "Icon=$icon, expected $FARMCHAT_APP_ID"
  grep -q "<launchable type=\"desktop-id\">$FARMCHAT_APP_ID.desktop</launchable>" "$metainfo" \
    && pass "metainfo launchable names the desktop file" || fail "metainfo launchable does not name $FARMCHAT_APP_ID.desktop"
  grep -q "<release version=\"$FARMCHAT_VERSION\"" "$metainfo" \
    && pass "metainfo release $FARMCHAT_VERSION" || fail "metainfo has no release $FARMCHAT_VERSION"
fi

# No program may point back into the build tree, or search for libraries
# anywhere but the system's paths (Debian policy: no RPATH).
for p in "${programs[@]}"; do
  rpath=$(readelf -d "$root/usr/bin/$p" | grep -E 'R(UN)?PATH')
  [ -z "$rpath" ] && pass "/usr/bin/$p has no RPATH" || fail "/usr/bin/$p has an RPATH/RUNPATH: $rpath"
done

# --- Run the unpacked programs -----------------------------------------------------
# No FARMCHAT_*_BIN hints, PATH empty but for redis-server's explicit path, HOME
# in the scratch folder: the programs must find each other next to themselves.
emptybin="$scratch/emptybin"
timeout_bin=$(command -v timeout)
setsid_bin=$(command -v setsid) || die "setsid is missing (util-linux)"
mkdir -p "$emptybin" "$scratch/home"
run_unpacked() {
  env -u FARMCHAT_NODE_BIN -u FARMCHAT_LAUNCHER_BIN -u FARMCHAT_APP_BIN -u FARMCHAT_LOADGEN_BIN \
    -u FARMCHAT_SOURCE_DIR -u FARMCHAT_BINARY_DIR \
    PATH="$emptybin" HOME="$scratch/home" XDG_CONFIG_HOME="$scratch/home/.config" \
    XDG_RUNTIME_DIR="$scratch/home" FARMCHAT_REDIS_SERVER="$(command -v redis-server)" \
    QT_QPA_PLATFORM=offscreen "$@"
}

check_versions() {
  local tree=$1 label=$2 p out
  for p in "${programs[@]}"; do
    out=$(run_unpacked "$timeout_bin" 30 "$tree/bin/$p" --version 2>&1)
    grep -q "$FARMCHAT_VERSION" <<<"$out" && pass "$label $p --version: $out" \
      || fail "$label $p --version printed '$out', expected $FARMCHAT_VERSION"
  done
}

run_demo() {
  local tree=$1 label=$2 status
  if ! has_program farmchat-launcher; then
    return
  fi
  if ! has_program farmchat-node; then
    fail "farmchat-launcher is packaged without farmchat-node"
    return
  fi
  echo "== $label: farmchat-launcher --demo --nodes 2 --base-port auto"
  # setsid: the demo's farm is one process group the cleanup can end.
  run_unpacked "$setsid_bin" "$timeout_bin" 180 "$tree/bin/farmchat-launcher" --demo --nodes 2 --base-port auto \
    --log-dir "$scratch/logs-$label" >"$scratch/demo-$label.log" 2>&1 &
  demo_pid=$!
  wait "$demo_pid"
  status=$?
  demo_pid=
  sed "s/^/$label demo: /" "$scratch/demo-$label.log"
  [ "$status" = 0 ] && pass "$label demo exit 0" || fail "$label farmchat-launcher --demo exited $status"
}

check_versions "$root/usr" deb
run_demo "$root/usr" deb

# The tarball is a relocatable tree: unpack it somewhere else and run it there.
mkdir -p "$scratch/tgz"
tar -xzf "$tgz" -C "$scratch/tgz" || die "cannot unpack $tgz"
tgz_root=$(find "$scratch/tgz" -mindepth 1 -maxdepth 1 -type d | head -n1)
[ -d "$tgz_root/bin" ] || die "tarball has no bin/ folder"
check_versions "$tgz_root" tgz
run_demo "$tgz_root" tgz

if [ "$failures" -gt 0 ]; then
  echo "check-package.sh: $failures check(s) failed" >&2
  exit 1
fi
echo "check-package.sh: all checks passed"
