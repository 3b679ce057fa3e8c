#!/usr/bin/env bash
# Installs the library from BUILD_DIR into a temporary prefix, builds
# examples/embed against the installed package as an outside project would,
# and runs it against a local moto server.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=$(cd "$1" && pwd)
work=$(mktemp -d -t janitor-embed.XXXXXX)
trap 'rm -rf "$work"' EXIT
cmake --install "$build_dir" --prefix "$work/prefix" >/dev/null
cmake -S "$root/examples/embed" -B "$work/build" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/build" >/dev/null
run() {
  set -euo pipefail
  aws_create='import boto3,os; boto3.client("secretsmanager", endpoint_url=os.environ["AWS_ENDPOINT_URL"]).create_secret(Name="embed/demo", SecretString="{\"KEEP\": 1.0}")'
  python3 -c "$aws_create"
  "$work/build/embed" embed/demo ADDED=yes | tee "$work/out.txt"
  grep -q "outcome=applied" "$work/out.txt"
  value=$(python3 -c 'import boto3,os; print(boto3.client("secretsmanager", endpoint_url=os.environ["AWS_ENDPOINT_URL"]).get_secret_value(SecretId="embed/demo", VersionStage="AWSCURRENT")["SecretString"])')
  [[ $value == '{"KEEP": 1.0,"ADDED": "yes"}' ]] || { echo "unexpected value: $value" >&2; exit 1; }
  echo "embed example: applied, value as expected"
}
export -f run
export work
"$root/scripts/with-moto.sh" bash -c run
