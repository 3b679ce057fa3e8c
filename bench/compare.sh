#!/usr/bin/env bash
# janitor-async against what users run instead, on one local moto server, in
# one run: a boto3 script, the JS SDK v3 (installed with npm into a temporary
# folder), the AWS CLI, and a bare C program as the floor. Cold single writes,
# then 100 writes in one process, against moto directly and through a
# keep-alive front (bench/keepalive-front.sh). Client CPU, peak RSS, wall time:
# medians of RUNS runs (bench/compare.py).
# Usage: bench/compare.sh [RUNS]   (after scripts/build.sh and scripts/deps.sh --bench)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-7}
work=$(mktemp -d -t janitor-compare.XXXXXX)
trap 'rm -rf "$work"' EXIT
export ROOT=$root JANITOR_BIN=$root/${JANITOR_BUILD_DIR:-build}/src/cli/janitor-async FLOOR_BIN=$work/floor
[[ -x $JANITOR_BIN ]] || { echo "compare.sh: build first (scripts/build.sh)" >&2; exit 1; }
python3 -c 'import boto3' && command -v aws >/dev/null && command -v node >/dev/null ||
  { echo "compare.sh: needs boto3, the aws CLI and node (scripts/deps.sh --bench)" >&2; exit 1; }

cc -O2 -o "$work/floor" "$root/bench/peers/floor.c" -lcrypto
jssdk_version=${JSSDK_VERSION:-3.1178.0}
echo "installing @aws-sdk/client-secrets-manager@$jssdk_version into a temporary folder" >&2
npm install --prefix "$work/js" --no-audit --no-fund --silent "@aws-sdk/client-secrets-manager@$jssdk_version" >&2
export JSSDK_NODE_PATH=$work/js/node_modules

echo "$("$JANITOR_BIN" --version), boto3 $(python3 -c 'import boto3; print(boto3.__version__)'),"\
  "$(aws --version 2>&1 | cut -d' ' -f1), JS SDK $jssdk_version on node $(node --version), $(nproc) cores"
echo
"$root/scripts/with-moto.sh" python3 "$root/bench/compare.py" cold "$runs"
FRONT_LABEL="moto directly: a new connection per request" \
  "$root/scripts/with-moto.sh" python3 "$root/bench/compare.py" bulk "$runs"
FRONT_LABEL="through the keep-alive front: connections reused, as with AWS" \
  "$root/scripts/with-moto.sh" "$root/bench/keepalive-front.sh" python3 "$root/bench/compare.py" bulk "$runs"
