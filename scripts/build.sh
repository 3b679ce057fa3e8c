#!/usr/bin/env bash
# Configures and builds into build/ (or $JANITOR_BUILD_DIR). Extra args go to cmake configure.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${JANITOR_BUILD_DIR:-build}
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=${JANITOR_BUILD_TYPE:-RelWithDebInfo} "${launcher[@]}" "$@" >/dev/null
cmake --build "$build_dir" --parallel "$(nproc)"
