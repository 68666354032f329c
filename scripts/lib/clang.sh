# shellcheck shell=bash
# Sourced by the scripts that build with Clang. find_clangxx prints the
# clang++ to use: $FARMCHAT_CLANGXX, else the first clang++ on PATH (plain,
# then versioned); nothing when there is none.
find_clangxx() {
  if [ -n "${FARMCHAT_CLANGXX:-}" ]; then
    echo "$FARMCHAT_CLANGXX"
    return
  fi
  local candidate
  for candidate in clang++ clang++-16 clang++-15 clang++-14; do
    if command -v "$candidate" >/dev/null 2>&1; then
      command -v "$candidate"
      return
    fi
  done
}
