#!/usr/bin/env bash
# Fails when any project C++ file is not clang-format clean.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files -co --exclude-standard '*.cpp' '*.hpp' | grep -v '^build')
bad=0
for f in "${files[@]}"; do
  [[ -f $f ]] || continue
  if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
    echo "format: $f is not clang-format clean (run: clang-format -i $f)" >&2
    bad=1
  fi
done
exit $bad
