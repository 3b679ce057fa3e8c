#!/usr/bin/env bash
# README command two: installs what is missing, then builds and runs every test:
#  1. the main build: every CTest test (unit, replay, integration against a
#     local moto server that the tests start, faults, concurrency) and the
#     clang-format check;
#  2. the whole suite again under AddressSanitizer + UndefinedBehaviorSanitizer;
#  3. the concurrency tests under ThreadSanitizer;
#  4. line coverage (gcovr): src/sigv4 and src/engine must each stay >= 90%;
#  5. each libFuzzer target for FUZZ_SECONDS (default 20) from the seed corpus.
# JANITOR_QUICK=1 runs step 1 only.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
export AWS_EC2_METADATA_DISABLED=true  # never reach for instance metadata from a test machine
jobs=$(nproc)
ctest_run() { ctest --test-dir "$1" --output-on-failure --timeout 600 -j "$jobs" "${@:2}"; }
step() { printf '\n== %s\n' "$*"; }

step "build and test (RelWithDebInfo)"
scripts/build.sh
scripts/check-format.sh
JANITOR_FAULT_MATRIX=$PWD/build/fault-matrix.md ctest_run build | tee build/ctest-main.log
summary() {
  local line total failed
  line=$(grep -E '^[0-9]+% tests passed' build/ctest-main.log | tail -1)
  total=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$line")
  failed=$(sed -E 's/.* ([0-9]+) tests failed.*/\1/' <<<"$line")
  echo "$line"
  echo "$((total - failed)) passed, $failed failed"
}
if [[ ${JANITOR_QUICK:-0} == 1 ]]; then summary; exit 0; fi

step "AddressSanitizer + UndefinedBehaviorSanitizer"
JANITOR_BUILD_DIR=build-asan scripts/build.sh -DJANITOR_SANITIZE_ADDRESS=ON -DJANITOR_BUILD_BENCH=OFF
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 ctest_run build-asan -E embed-example

step "ThreadSanitizer (concurrency tests)"
JANITOR_BUILD_DIR=build-tsan scripts/build.sh -DJANITOR_SANITIZE_THREAD=ON -DJANITOR_BUILD_BENCH=OFF
TSAN_OPTIONS=halt_on_error=1 ctest_run build-tsan -L concurrency

step "coverage (src/sigv4 and src/engine >= 90% of lines)"
JANITOR_BUILD_DIR=build-cov JANITOR_BUILD_TYPE=Debug scripts/build.sh -DJANITOR_COVERAGE=ON -DJANITOR_BUILD_BENCH=OFF
find build-cov -name '*.gcda' -delete
# (not embed-example: an outside project cannot link libraries built with --coverage)
ctest_run build-cov -L 'unit|replay|integration' -E embed-example >build-cov/ctest.log || {
  tail -n 80 build-cov/ctest.log
  exit 1
}
for dir in src/sigv4 src/engine; do
  gcovr -r . build-cov --filter "$dir/" --exclude 'src/sigv4/suite/' --fail-under-line 90 --print-summary \
    | grep -E '^lines' | sed "s|^|$dir |"
done

step "fuzzing"
scripts/fuzz.sh "${FUZZ_SECONDS:-20}"

step "all test stages passed (sanitizers, coverage and fuzzing included); the main suite:"
summary
