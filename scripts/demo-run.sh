#!/usr/bin/env bash
# The demo, on an existing build: a local moto server, a realistic secret, and
# the tool's point: two teammates change different keys at the same time.
set -euo pipefail
cd "$(dirname "$0")/.."
export JANITOR_BIN=${JANITOR_BIN:-$(pwd)/${JANITOR_BUILD_DIR:-build}/src/cli/janitor-async}

demo() {
  set -euo pipefail
  say() { if [[ -t 1 ]]; then printf '\n\033[1m== %s\033[0m\n' "$*"; else printf '\n== %s\n' "$*"; fi; }
  sm() { python3 - "$@" <<'PY'
import boto3, json, os, sys
c = boto3.client("secretsmanager", endpoint_url=os.environ["AWS_ENDPOINT_URL"])
cmd = sys.argv[1]
if cmd == "create":
    c.create_secret(Name=sys.argv[2], SecretString=json.dumps({
        "DB_HOST": "db.internal", "DB_PORT": 5432, "DB_USER": "app",
        "DB_PASSWORD": "correct-horse-battery", "FEATURE_FLAGS": "search,export", "TIMEOUT_S": 2.5}, indent=2))
elif cmd == "naive":
    # Two teammates, each: get, edit one key, put. Both read before either writes.
    name = sys.argv[2]
    a = json.loads(c.get_secret_value(SecretId=name, VersionStage="AWSCURRENT")["SecretString"])
    b = json.loads(c.get_secret_value(SecretId=name, VersionStage="AWSCURRENT")["SecretString"])
    a["LOG_LEVEL"] = "debug"
    b["API_KEY"] = "k-123"
    c.put_secret_value(SecretId=name, SecretString=json.dumps(a))
    c.put_secret_value(SecretId=name, SecretString=json.dumps(b))
    final = json.loads(c.get_secret_value(SecretId=name, VersionStage="AWSCURRENT")["SecretString"])
    print("  teammate A set LOG_LEVEL, teammate B set API_KEY")
    print("  keys now:", ", ".join(sorted(final)))
    print("  LOG_LEVEL present:", "LOG_LEVEL" in final, " <- lost: last writer wins" if "LOG_LEVEL" not in final else "")
PY
  }

  say "A realistic secret on a local moto server ($AWS_ENDPOINT_URL)"
  sm create demo/naive
  sm create demo/janitor
  "$JANITOR_BIN" show demo/janitor

  say "The usual get-edit-put, two teammates at once"
  sm naive demo/naive

  say "janitor-async, two teammates at once (each a separate process)"
  "$JANITOR_BIN" write demo/janitor --set LOG_LEVEL=debug --yes >/tmp/janitor-demo-a.$$ 2>&1 &
  a=$!
  "$JANITOR_BIN" write demo/janitor --set API_KEY=k-123 --yes >/tmp/janitor-demo-b.$$ 2>&1 &
  b=$!
  wait $a; wait $b
  sed 's/^/  A| /' /tmp/janitor-demo-a.$$
  sed 's/^/  B| /' /tmp/janitor-demo-b.$$
  rm -f /tmp/janitor-demo-a.$$ /tmp/janitor-demo-b.$$

  say "Both keys survived (values stay masked)"
  "$JANITOR_BIN" show demo/janitor

  say "Versions: AWSCURRENT only ever moved by compare-and-swap; no pending labels left"
  "$JANITOR_BIN" versions demo/janitor

  say "Scriptable: one JSON object per run; setting a value it already holds writes nothing"
  "$JANITOR_BIN" write demo/janitor --set LOG_LEVEL=debug --yes --output json | python3 -c \
    'import json,sys; r=json.load(sys.stdin); print("  outcome:", r["outcome"], " version:", r["previous_version_id"])'
  echo "  (exit codes: 0 applied/no change, 2 conflict, 3 unsupported, 1 error, 64 usage)"
}
export -f demo
exec scripts/with-moto.sh bash -c demo
