"""Side-by-side runs against the server at AWS_ENDPOINT_URL (a local moto, or
the keep-alive front before it); called by bench/compare.sh, which sets up the
peers. Client CPU is user+sys from wait4 (children included, microseconds),
peak RSS from /usr/bin/time; medians of RUNS runs, all peers interleaved run
by run so that the noise of a shared machine falls on all of them alike.

  compare.py cold RUNS     one write per process: janitor-async and the peers
  compare.py bulk RUNS     one process, the same edit on 100 secrets
"""
import json, os, statistics, subprocess, sys, time

import boto3

root = os.environ["ROOT"]
cli = os.environ["JANITOR_BIN"]
floor = os.environ["FLOOR_BIN"]
node_path = os.environ.get("JSSDK_NODE_PATH", "")
section, runs = sys.argv[1], int(sys.argv[2])
endpoint = os.environ["AWS_ENDPOINT_URL"]
host, port = endpoint[len("http://"):].split(":")
sm = boto3.client("secretsmanager", endpoint_url=endpoint)
doc = json.dumps({f"KEY_{i}": "v" * 40 for i in range(20)})  # a 20-key, ~1 KiB secret
env = dict(os.environ, NODE_PATH=node_path, NODE_NO_WARNINGS="1")


def measure(cmd):
    """(client CPU s, peak RSS MiB, wall s) of one command."""
    start = time.monotonic()
    # /usr/bin/time for the peak RSS (a child forked from this Python would report
    # Python's own pages); wait4 for CPU in microseconds, children it reaped included.
    p = subprocess.Popen(["/usr/bin/time", "-f", "%M", *cmd], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         env=env)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - start
    err = p.stderr.read().decode()
    p.returncode = 0
    if status != 0:
        raise SystemExit(f"{cmd[0]} failed: {err[-800:]}")
    return ru.ru_utime + ru.ru_stime, int(err.strip().splitlines()[-1]) / 1024, wall


def create(ids):
    for sid in ids:
        sm.create_secret(Name=sid, SecretString=doc)


def table(title, peers, rows, base_name, floor_name):
    """Medians; with a floor, CPU net of it as well (the floor process's own cost)."""
    print(title)
    print()
    med = {n: statistics.median(c for c, _, _ in rows[n]) for n in peers}
    floor_cpu = med[floor_name] if floor_name else 0.0
    base = max(med[base_name] - floor_cpu, 1e-6)
    if floor_name:
        print("| client | client CPU (median, ms) | net of the floor (ms) | peak RSS (MiB) | wall (median, ms) "
              "| net CPU vs janitor-async |")
        print("|---|---|---|---|---|---|")
    else:
        print("| client | client CPU (median, ms) | peak RSS (MiB) | wall (median, ms) | CPU vs janitor-async |")
        print("|---|---|---|---|---|")
    for n in peers:
        cpu = med[n]
        net = max(cpu - floor_cpu, 0.0)
        rss = max(r for _, r, _ in rows[n])
        wall = statistics.median(w for _, _, w in rows[n])
        ratio = "-" if n == floor_name else f"{net / base:.1f}x"
        if floor_name:
            print(f"| {n} | {cpu * 1000:.1f} | {net * 1000:.1f} | {rss:.1f} | {wall * 1000:.0f} | {ratio} |")
        else:
            print(f"| {n} | {cpu * 1000:.1f} | {rss:.1f} | {wall * 1000:.0f} | {ratio} |")
    print()


if section == "cold":
    peers = {
        "(floor: /usr/bin/time running true)": lambda s, v: ["true"],
        "bare C: OpenSSL, one signature, exit": lambda s, v: [floor, "sign"],
        "janitor-async": lambda s, v: [cli, "write", s, "--set", f"K={v}", "--yes", "--output", "json"],
        "boto3 script": lambda s, v: ["python3", f"{root}/bench/peers/boto3_write.py", s, "K", v],
        "JS SDK v3 script": lambda s, v: ["node", f"{root}/bench/peers/jssdk_write.cjs", s, "K", v],
        "AWS CLI (4 processes)": lambda s, v: [f"{root}/bench/peers/awscli_write.sh", s, "K", v],
    }
    rows = {n: [] for n in peers}
    for r in range(runs):
        for i, (name, cmd) in enumerate(peers.items()):
            sid = f"cold/{i}/{r}"
            create([sid])
            rows[name].append(measure(cmd(sid, str(r))))
    table(f"One cold write (process start to exit), {runs} runs:", list(peers), rows, "janitor-async",
          "(floor: /usr/bin/time running true)")
else:
    n = 100
    peers = {
        "bare C: the same 400 requests, unsigned, not parsed": lambda ids, v: [floor, "requests", host, port, "400"],
        "janitor-async": lambda ids, v: [cli, "write", *ids, "--set", f"K={v}", "--yes", "--output", "json",
                                         "--max-tps", "1000"],
        "boto3 loop": lambda ids, v: ["python3", f"{root}/bench/peers/boto3_bulk.py", "K", v, *ids],
        "JS SDK v3 loop": lambda ids, v: ["node", f"{root}/bench/peers/jssdk_write.cjs", "--bulk", "K", v, *ids],
    }
    rows = {p: [] for p in peers}
    for r in range(runs):
        for i, (name, cmd) in enumerate(peers.items()):
            ids = [f"bulk/{i}/{r}/{k}" for k in range(n)]
            create(ids)
            rows[name].append(measure(cmd(ids, f"bulk{r}")))
    table(f"The same edit on {n} secrets in one process ({os.environ.get('FRONT_LABEL', 'moto')}), {runs} runs:",
          list(peers), rows, "janitor-async", None)
