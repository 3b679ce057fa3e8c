#!/usr/bin/env bash
# Regenerates recordings/<scenario>.json against moto, through the real client
# and engine (the built janitor-async). Concurrent writers are played at the
# exact step by the JANITOR_TEST_BEFORE_COMMIT hook; faults by JANITOR_TEST_FAULTS.
# Usage: scripts/record-scenarios.sh [BUILD_DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export JANITOR_BIN=${JANITOR_BIN:-$root/${1:-build}/src/cli/janitor-async}
export RECORDINGS=$root/recordings

record_all() {
  set -euo pipefail
  python3 - <<'PY'
import json, os, subprocess, sys, boto3

root = os.environ["RECORDINGS"]
cli = os.environ["JANITOR_BIN"]
endpoint = os.environ["AWS_ENDPOINT_URL"]
manifest = json.load(open(os.path.join(root, "scenarios.json")))
sm = boto3.client("secretsmanager", endpoint_url=endpoint)

def run(s, env_extra):
    env = dict(os.environ, **env_extra)
    out = os.path.join(root, s["name"] + ".json")
    cmd = [cli, "write", *s["args"], "--yes", "--output", "json", "--record", out]
    p = subprocess.run(cmd, env=env, capture_output=True, text=True)
    result = json.loads(p.stdout)
    ok = p.returncode == s["exit"] and result["outcome"] == s["outcome"]
    print(f"{s['name']:28} exit {p.returncode} outcome {result['outcome']:12} {'ok' if ok else 'UNEXPECTED'}")
    if not ok:
        print(p.stdout, p.stderr, file=sys.stderr)
        sys.exit(1)

for s in manifest["scenarios"]:
    if s.get("no_permissions"):
        continue
    secret_id = s["args"][0]
    sm.create_secret(Name=secret_id, SecretString=json.dumps(s["initial"]))
    env = {}
    teammate = s.get("teammate") or s.get("teammate_every_commit")
    if teammate:
        hook = " ".join([f"env -u JANITOR_TEST_BEFORE_COMMIT -u JANITOR_TEST_BEFORE_EVERY_COMMIT TEAMMATE_VALUE=$(date +%N)",
                         cli, "write", secret_id, *teammate, "--yes", ">/dev/null 2>&1"])
        env["JANITOR_TEST_BEFORE_COMMIT"] = hook
        if "teammate_every_commit" in s:
            env["JANITOR_TEST_BEFORE_EVERY_COMMIT"] = "1"
    if "faults" in s:
        env["JANITOR_TEST_FAULTS"] = s["faults"]
    run(s, env)
PY
}

record_denied() {
  set -euo pipefail
  # A second moto that checks signatures and IAM policies: the first three calls
  # are free (create the secret, a user, and its key); the user has no policy.
  python3 - <<'PY'
import json, os, subprocess, sys, boto3
root = os.environ["RECORDINGS"]
cli = os.environ["JANITOR_BIN"]
endpoint = os.environ["AWS_ENDPOINT_URL"]
manifest = json.load(open(os.path.join(root, "scenarios.json")))
s = next(x for x in manifest["scenarios"] if x.get("no_permissions"))
boto3.client("secretsmanager", endpoint_url=endpoint).create_secret(Name=s["args"][0], SecretString=json.dumps(s["initial"]))
iam = boto3.client("iam", endpoint_url=endpoint)
iam.create_user(UserName="nobody")
key = iam.create_access_key(UserName="nobody")["AccessKey"]
env = dict(os.environ, AWS_ACCESS_KEY_ID=key["AccessKeyId"], AWS_SECRET_ACCESS_KEY=key["SecretAccessKey"])
out = os.path.join(root, s["name"] + ".json")
p = subprocess.run([cli, "write", *s["args"], "--yes", "--output", "json", "--record", out], env=env, capture_output=True, text=True)
r = json.loads(p.stdout)
ok = p.returncode == s["exit"] and r["outcome"] == s["outcome"] and r["error"]["code"] == s["error_code"]
print(f"{s['name']:28} exit {p.returncode} outcome {r['outcome']:12} {'ok' if ok else 'UNEXPECTED'}")
sys.exit(0 if ok else 1)
PY
}
export -f record_all record_denied
"$root/scripts/with-moto.sh" bash -c record_all
INITIAL_NO_AUTH_ACTION_COUNT=3 "$root/scripts/with-moto.sh" bash -c record_denied
