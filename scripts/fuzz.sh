#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs each for SECONDS (default 20)
# from the seed corpus in tests/fuzz/corpus. A crash fails the run and leaves its
# input in build-fuzz/artifacts/: add it to the corpus to keep it forever.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=Release -DJANITOR_FUZZ=ON "${launcher[@]}" >/dev/null
cmake --build build-fuzz --parallel "$(nproc)"
mkdir -p build-fuzz/artifacts
for target in document response cassette profile sigv4; do
  work=$(mktemp -d)
  cp tests/fuzz/corpus/$target/* "$work/"
  echo "fuzz_$target: ${seconds}s"
  ./build-fuzz/tests/fuzz/fuzz_$target -max_total_time="$seconds" -print_final_stats=1 \
    -artifact_prefix=build-fuzz/artifacts/ "$work" 2>&1 | grep -E "stat::number_of_executed_units|ERROR|SUMMARY" || true
  if ls build-fuzz/artifacts/crash-* build-fuzz/artifacts/leak-* build-fuzz/artifacts/timeout-* >/dev/null 2>&1; then
    echo "fuzz_$target found a failing input: see build-fuzz/artifacts/" >&2
    exit 1
  fi
  # Every seed (and every kept regression) must still pass.
  ./build-fuzz/tests/fuzz/fuzz_$target tests/fuzz/corpus/$target/* >/dev/null 2>&1
  rm -rf "$work"
done
echo "fuzzing: all targets clean"
