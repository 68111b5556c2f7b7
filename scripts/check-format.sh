#!/usr/bin/env bash
# Fails if any C++ file differs from .clang-format (clang-format-14). --fix rewrites them.
set -euo pipefail
cd "$(dirname "$0")/.."
CLANG_FORMAT=${CLANG_FORMAT:-clang-format-14}
mapfile -t files < <(git ls-files '*.h' '*.cpp' | grep -v '^tests/fixtures/')
if [ "${1:-}" = "--fix" ]; then
  "$CLANG_FORMAT" -i "${files[@]}"
  exit 0
fi
"$CLANG_FORMAT" --dry-run --Werror "${files[@]}"
echo "format: ${#files[@]} files clean"
