#!/usr/bin/env bash
# The demo itself, on an existing build.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${JANITOR_BUILD_DIR:-build}/src/cli/janitor-async
"$bin" --version
"$bin" --help
