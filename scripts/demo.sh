#!/usr/bin/env bash
# README command one: installs what is missing, builds, and runs the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/build.sh
exec scripts/demo-run.sh
