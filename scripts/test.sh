#!/usr/bin/env bash
# README command two: installs what is missing, builds, checks formatting and
# runs every test (the integration tests start their own moto server).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/build.sh
scripts/check-format.sh
ctest --test-dir "${JANITOR_BUILD_DIR:-build}" --output-on-failure --timeout 300 -j "$(nproc)"
