#!/usr/bin/env bash
# One cold write (process start to exit, the 4-call protocol) against a local
# moto server: janitor-async vs a boto3 script vs the AWS CLI, in one run.
# Client CPU (user+sys, from wait4) and peak RSS; medians of RUNS runs.
# Usage: bench/compare.sh [RUNS]   (after scripts/build.sh)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export RUNS=${1:-7} ROOT=$root JANITOR_BIN=$root/${JANITOR_BUILD_DIR:-build}/src/cli/janitor-async
compare() {
  set -euo pipefail
  python3 - <<'PY'
import json, os, statistics, subprocess, time, boto3
root, runs, cli = os.environ["ROOT"], int(os.environ["RUNS"]), os.environ["JANITOR_BIN"]
sm = boto3.client("secretsmanager", endpoint_url=os.environ["AWS_ENDPOINT_URL"])
doc = {f"KEY_{i}": "v" * 40 for i in range(20)}  # a 20-key, ~1 KiB secret
peers = {
    "(floor: /usr/bin/time running true)": lambda s, v: ["true"],
    "janitor-async": lambda s, v: [cli, "write", s, "--set", f"K={v}", "--yes", "--output", "json"],
    "boto3 script": lambda s, v: ["python3", f"{root}/bench/peers/boto3_write.py", s, "K", v],
    "AWS CLI (4 processes)": lambda s, v: [f"{root}/bench/peers/awscli_write.sh", s, "K", v],
}
rows = []
for name, cmd in peers.items():
    cpu, rss, wall = [], [], []
    for r in range(runs):
        sid = f"bench/{len(rows)}/{r}"
        sm.create_secret(Name=sid, SecretString=json.dumps(doc))
        start = time.monotonic()
        # /usr/bin/time for the peak RSS (a child forked from this Python would report
        # Python's own pages); wait4 for CPU in microseconds, children it reaped included.
        p = subprocess.Popen(["/usr/bin/time", "-f", "%M", *cmd(sid, str(r))], stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
        _, status, ru = os.wait4(p.pid, 0)
        wall.append(time.monotonic() - start)
        err = p.stderr.read().decode()
        if status != 0:
            raise SystemExit(f"{name} failed: {err[-500:]}")
        p.returncode = 0
        cpu.append(ru.ru_utime + ru.ru_stime); rss.append(int(err.strip().splitlines()[-1]) / 1024)
    rows.append((name, statistics.median(cpu), max(rss), statistics.median(wall)))
floor = rows[0][1]
base = max(rows[1][1] - floor, 0.0001)
print(f"| client | client CPU (median, ms) | net of the floor (ms) | peak RSS (MiB) | wall (median, ms) | net CPU vs janitor-async |")
print("|---|---|---|---|---|---|")
for name, c, m, w in rows:
    net = max(c - floor, 0.0)
    print(f"| {name} | {c * 1000:.1f} | {net * 1000:.1f} | {m:.1f} | {w * 1000:.0f} | {net / base:.0f}x |")

# Bulk: the same edit on 100 secrets in one process.
def measure(cmd):
    start = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, ru = os.wait4(p.pid, 0)
    if status != 0:
        raise SystemExit(f"bulk failed: {p.stderr.read()[-500:]}")
    return ru.ru_utime + ru.ru_stime, time.monotonic() - start
bulk = {}
for name in ("janitor-async", "boto3 loop"):
    ids = [f"bulk/{name.split()[0]}/{i}" for i in range(100)]
    for sid in ids:
        sm.create_secret(Name=sid, SecretString=json.dumps(doc))
    if name == "janitor-async":
        cmd = [cli, "write", *ids, "--set", "K=bulk", "--yes", "--output", "json", "--max-tps", "1000"]
    else:
        cmd = ["python3", f"{root}/bench/peers/boto3_bulk.py", "K", "bulk", *ids]
    bulk[name] = measure(cmd)
print()
print("| bulk, 100 secrets, one process | client CPU (ms) | wall (ms) | CPU vs janitor-async |")
print("|---|---|---|---|")
for name, (c, w) in bulk.items():
    print(f"| {name} | {c * 1000:.0f} | {w * 1000:.0f} | {c / bulk['janitor-async'][0]:.0f}x |")
PY
}
export -f compare
exec "$root/scripts/with-moto.sh" bash -c compare
