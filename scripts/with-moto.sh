#!/usr/bin/env bash
# Runs a command with a local moto server: starts moto_server on a free
# loopback port, exports AWS_ENDPOINT_URL (and test credentials and region
# unless already set), runs the command, stops the server by its PID.
set -euo pipefail
command -v moto_server >/dev/null || { echo "with-moto: moto_server not found (Python package moto[server])" >&2; exit 1; }
source "$(dirname "$0")/lib/ports.sh"
port=$(free_port)
log=$(mktemp -t janitor-moto.XXXXXX.log)
moto_server -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
moto_pid=$!
trap 'kill $moto_pid 2>/dev/null; wait $moto_pid 2>/dev/null; rm -f "$log"' EXIT
wait_for_port moto_server "$port" "$moto_pid" "$log"
export AWS_ENDPOINT_URL="http://127.0.0.1:$port"
export AWS_REGION=${AWS_REGION:-us-east-1}
export AWS_DEFAULT_REGION=${AWS_DEFAULT_REGION:-$AWS_REGION}
export AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID:-AKIDLOCALMOTO000000}
export AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY:-local-moto-secret}
export AWS_EC2_METADATA_DISABLED=true
"$@"
