#!/usr/bin/env bash
# Fails when a tracked C++ file differs from .clang-format, naming each file
# and line. One clang-format run over the whole tree takes a few seconds.
#   scripts/check-format.sh          check
#   scripts/check-format.sh --fix    rewrite the files in place
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

clang_format=${CLANG_FORMAT:-clang-format}
if ! command -v "$clang_format" >/dev/null; then
  echo "check-format: $clang_format not found (scripts/install-deps.sh --test installs it)" >&2
  exit 2
fi

mapfile -t files < <(git ls-files -- '*.cpp' '*.h' '*.mm' ':!:fuzz/corpus/*')
if [ "${1:-}" = --fix ]; then
  "$clang_format" -i --style=file "${files[@]}"
  echo "check-format: formatted ${#files[@]} files"
  exit 0
fi

if ! out=$("$clang_format" --dry-run --Werror --style=file "${files[@]}" 2>&1); then
  echo "$out" | grep -E '^[^ ].*: (error|warning):' | head -40 >&2
  count=$(echo "$out" | grep -E '^[^ ].*: (error|warning):' | cut -d: -f1 | sort -u | wc -l)
  echo "check-format: $count file(s) differ from .clang-format; run scripts/check-format.sh --fix" >&2
  exit 1
fi
echo "check-format: ${#files[@]} files match .clang-format"
