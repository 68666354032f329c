#!/usr/bin/env bash
# Man pages match the programs (ctest label "unit"): for every program built,
# resources/man/<program>.1 exists, renders without groff warnings, and names
# in its OPTIONS section exactly the long options the program's --help prints.
# Environment (set by ctest): FARMCHAT_SOURCE_DIR, FARMCHAT_<NODE|LAUNCHER|APP>_BIN,
# FARMCHAT_MANPAGE_PROGRAMS (the programs this build defines).
set -uo pipefail

failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}
[ -n "${FARMCHAT_SOURCE_DIR:-}" ] || { echo "FAIL: FARMCHAT_SOURCE_DIR is not set (run through ctest)" >&2; exit 1; }
[ -n "${FARMCHAT_MANPAGE_PROGRAMS:-}" ] || { echo "FAIL: FARMCHAT_MANPAGE_PROGRAMS is empty: no program to check" >&2; exit 1; }
command -v groff >/dev/null 2>&1 || { echo "FAIL: groff is missing (apt-get install groff-base)" >&2; exit 1; }

# Long options a text mentions, one per line: --foo, --foo-bar.
long_options() { grep -oE -- '--[a-z][a-z0-9-]*' | sort -u; }

for program in $FARMCHAT_MANPAGE_PROGRAMS; do
  case "$program" in
    farmchat-node) binary=${FARMCHAT_NODE_BIN:-} ;;
    farmchat-launcher) binary=${FARMCHAT_LAUNCHER_BIN:-} ;;
    farmchat) binary=${FARMCHAT_APP_BIN:-} ;;
    *) fail "unknown program $program"; continue ;;
  esac
  page="$FARMCHAT_SOURCE_DIR/resources/man/$program.1"
  [ -f "$page" ] || { fail "$page is missing"; continue; }
  [ -x "$binary" ] || { fail "$program binary not found (FARMCHAT_*_BIN='$binary')"; continue; }

  warnings=$(LC_ALL=C.UTF-8 groff -man -ww -z -Tutf8 "$page" 2>&1)
  [ -z "$warnings" ] || fail "$page: groff warnings: $warnings"

  help=$(QT_QPA_PLATFORM=offscreen timeout 30 "$binary" --help 2>&1)
  status=$?
  [ "$status" = 0 ] || { fail "$program --help exited $status: $help"; continue; }
  help_options=$(long_options <<<"$help")
  [ -n "$help_options" ] || { fail "$program --help lists no long options"; continue; }
  # Compare with the OPTIONS section only (other sections may quote other
  # programs' options); groff writes a hyphen as \- so render to text first.
  page_options=$(LC_ALL=C.UTF-8 groff -man -Tascii -P-cbou -rLL=200n "$page" 2>/dev/null \
    | awk '/^OPTIONS/ { inside = 1; next } /^[A-Z][A-Z ]+$/ { inside = 0 } inside' | long_options)

  missing=$(comm -23 <(echo "$help_options") <(echo "$page_options"))
  unknown=$(comm -13 <(echo "$help_options") <(echo "$page_options"))
  [ -z "$missing" ] || fail "$page does not document: $(echo $missing)"
  [ -z "$unknown" ] || fail "$page documents options $program --help does not know: $(echo $unknown)"
  [ -z "$missing$unknown" ] && echo "ok: $program: $(echo "$help_options" | wc -l) options documented"
done

if [ "$failures" -gt 0 ]; then
  echo "check-manpages.sh: $failures check(s) failed" >&2
  exit 1
fi
echo "check-manpages.sh: all man pages match --help"
