"""`make bench`: the demo under gunicorn on PostgreSQL + Redis, driven by wrk, against a bare
Django view on the same server in the same run; writes benchmarks/REPORT.md.

Environment (defaults in brackets): BENCH_DATABASE [chatgate_bench] on 127.0.0.1:5432,
BENCH_REDIS [redis://127.0.0.1:6379/5], BENCH_PORT [8765], BENCH_SECONDS [2] per run, BENCH_ROUNDS [5],
BENCH_CONNECTIONS [64]. The database is dropped and made again; nothing else is touched.
Absolute figures drift between runs and machines: read the ratios to the bare view.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
DATABASE = os.environ.get("BENCH_DATABASE", "chatgate_bench")
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/5")
PORT = int(os.environ.get("BENCH_PORT", "8765"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "2"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "64"))
BASE = f"http://127.0.0.1:{PORT}"
GUNICORN = ["-k", "gthread", "--workers", "2", "--threads", "4"]
TARGETS = {"state (hot)": 0.85, "state, 304": 0.9, "heartbeat": 0.8, "conversation poll, idle": 0.8}
P99_LIMIT_MS = 50.0
BARE = "/bench/bare/"


def env() -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DATABASE}?conn_max_age=60",
        "CACHE_URL": REDIS,
        "PYTHONPATH": str(ROOT),
    }


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        sys.exit("wrk is missing: apt-get install -y wrk (as root)")
    print("installing wrk with apt-get")
    if subprocess.run(["apt-get", "install", "-y", "wrk"], capture_output=True).returncode:
        subprocess.run(["apt-get", "update"], capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "wrk"], check=True, capture_output=True)
    return shutil.which("wrk") or sys.exit("wrk could not be installed")


def fresh_database() -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        db.execute(f'CREATE DATABASE "{DATABASE}"')
    subprocess.run(
        [PY, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env(), check=True
    )


def generate() -> dict:
    out = subprocess.run(
        [PY, "benchmarks/generate.py"], cwd=ROOT, env=env(), check=True, capture_output=True
    )
    return json.loads(out.stdout.decode().strip().splitlines()[-1])


def serve() -> subprocess.Popen:
    server = subprocess.Popen(
        [str(Path(PY).parent / "gunicorn"), *GUNICORN, "-b", f"127.0.0.1:{PORT}"]
        + ["--log-level", "warning", "project.wsgi:application"],
        cwd=ROOT,
        env=env(),
    )
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", PORT), timeout=0.2).close()
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    sys.exit("gunicorn did not start")


def lua(method: str, body: str = "", headers: dict[str, str] | None = None) -> str:
    lines = [f'wrk.method = "{method}"']
    if body:
        lines.append(f"wrk.body = {json.dumps(body)}")
    for name, value in (headers or {}).items():
        lines.append(f'wrk.headers["{name}"] = {json.dumps(value)}')
    handle = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)  # noqa: SIM115
    handle.write("\n".join(lines) + "\n")
    handle.close()
    return handle.name


def server_cpu() -> float:
    """CPU seconds used so far by what serves the requests: gunicorn's processes, Redis and
    PostgreSQL (not wrk, the client). Unlike a rate, it hardly moves with other work on the
    machine: the cost of a request, whatever else runs."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)
        except OSError:  # the process ended
            continue
        name = fields[0].split("(", 1)[1]
        rest = fields[1].split()
        if name in ("gunicorn", "redis-server", "postgres") or name.startswith("postgres"):
            total += int(rest[11]) + int(rest[12])  # utime, stime
    return total / ticks


def wrk(wrk_path: str, path: str, script: str | None = None) -> dict:
    command = [
        wrk_path,
        "-t2",
        f"-c{CONNECTIONS}",
        f"-d{SECONDS}s",
        "--timeout",
        "10s",
        "--latency",
    ]
    command += ["-s", script] if script else []
    cpu = server_cpu()
    out = subprocess.run([*command, BASE + path], capture_output=True, text=True).stdout
    cpu = server_cpu() - cpu
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors += int(non_2xx.group(1)) if non_2xx else 0
    return {
        "rate": rate,
        "cpu": cpu / max(requests, 1),  # server CPU seconds per request
        "p50": _ms(re.search(r"50%\s+([\d.]+\w+)", out).group(1)),
        "p99": _ms(re.search(r"99%\s+([\d.]+\w+)", out).group(1)),
        "errors": errors,
        "command": " ".join(command[1:] + [path]),
    }


def alternate(wrk_path: str, path: str, script: str | None) -> dict:
    """``ROUNDS`` runs of the bare view then the scenario, summed: the machine is shared and
    its load drifts within seconds, so each is compared with the bare view run beside it."""
    pairs = []
    for _ in range(ROUNDS):
        bare = wrk(wrk_path, BARE)
        pairs.append((bare, wrk(wrk_path, path, script)))
        wait_for_backlog()
    runs = [run for _, run in pairs]
    bares = [bare for bare, _ in pairs]
    return {
        "rate": sum(r["rate"] for r in runs) / ROUNDS,
        "bare": sum(b["rate"] for b in bares) / ROUNDS,
        # Each run against the bare one just before it, then the median: the machine's
        # load drifts within seconds, and one disturbed pair moves a median little.
        "ratio": statistics.median(r["rate"] / b["rate"] for b, r in pairs),
        "ratios": [r["rate"] / b["rate"] for b, r in pairs],
        # The same, from the server's CPU per request (the bare one's over the scenario's).
        "cpu_ratio": statistics.median(b["cpu"] / r["cpu"] for b, r in pairs),
        "cpu_us": statistics.median(r["cpu"] for r in runs) * 1e6,
        "bare_cpu_us": statistics.median(b["cpu"] for b in bares) * 1e6,
        "p50": sorted(r["p50"] for r in runs)[ROUNDS // 2],
        "p99": max(r["p99"] for r in runs),
        "bare_p99": max(b["p99"] for b in bares),
        "errors": sum(r["errors"] for r in runs),
        "command": runs[0]["command"],
    }


def wait_for_backlog() -> None:
    """Let the server finish the requests wrk left queued before the next measure."""
    for _ in range(100):
        started = time.perf_counter()
        urllib.request.urlopen(BASE + BARE).read()  # noqa: S310 -- our own server
        if time.perf_counter() - started < 0.05:
            return
        time.sleep(0.2)


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def scenarios(info: dict) -> list[tuple[str, str, str | None]]:
    state = "/chatgate/api/widgets/default/state/?lang=en"
    browser = {"Accept-Encoding": "gzip, deflate, br"}  # what every browser sends
    ask = urllib.request.Request(BASE + state, headers=browser)
    with urllib.request.urlopen(ask) as answer:  # noqa: S310 -- our own server
        etag = answer.headers["ETag"]
    cookies = f"sessionid={info['session']}; csrftoken={info['csrf']}"
    ticket = json.dumps({"form": "offline", "fields": {"email": "zoe@example.com"}})
    return [  # the slow ones last: their backlog would slow the next scenario down
        ("state (hot)", state, lua("GET", headers=browser)),
        ("state (hot), not gzipped", state, None),
        ("state, 304", state, lua("GET", headers={**browser, "If-None-Match": etag})),
        (
            "heartbeat",
            "/chatgate/api/agent/heartbeat/",
            lua("POST", headers={"Cookie": cookies, "X-CSRFToken": info["csrf"]}),
        ),
        ("conversation poll, idle", info["poll"], None),
        (
            "ticket submission",
            "/chatgate/api/widgets/closed/tickets/",
            lua("POST", ticket, {"Content-Type": "application/json"}),
        ),
        ("state, entry just invalidated", "/bench/invalidated/default/?lang=en", None),
    ]


def in_process(info: dict) -> dict[str, float]:
    out = subprocess.run(
        [PY, "benchmarks/inprocess.py", json.dumps(info)],
        cwd=ROOT,
        env=env(),
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def micro() -> list[tuple[str, float]]:
    sys.path.insert(0, str(ROOT))
    from benchmarks.generate import micro_schedule

    hours = micro_schedule()
    at = datetime(2026, 12, 7, 10, 30, tzinfo=UTC)
    figures = []
    for name, call, number in [
        ("is_open", lambda: hours.is_open(at), 20000),
        ("next_change", lambda: hours.next_change(at), 5000),
    ]:
        best = min(timeit.repeat(call, number=number, repeat=5)) / number
        figures.append((name, best * 1e6))
    return figures


def machine() -> list[str]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    versions = subprocess.run(
        [PY, "-c", "import django, gunicorn; print(django.__version__, gunicorn.__version__)"],
        capture_output=True,
        text=True,
    ).stdout.split()
    return [
        f"- {platform.platform()}, {os.cpu_count()} cores ({cpu})",
        f"- Python {platform.python_version()}, Django {versions[0]}, gunicorn {versions[1]}",
        f"- gunicorn {' '.join(GUNICORN)}; PostgreSQL `{DATABASE}` and Redis `{REDIS}` on loopback",
        f"- wrk -t2 -c{CONNECTIONS} -d{SECONDS}s on the same machine (client and server share it)",
    ]


def load() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def _verdict(ratio: float, target: float) -> str:
    return "met" if ratio >= target else f"missed by {target - ratio:.2f}"


def report(results: list[tuple[str, dict]], figures, cpu, before: str, after: str) -> str:
    lines = [
        "# chatgate benchmark",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with `make bench` (benchmarks/run.py).",
        "",
        "## Machine",
        "",
        *machine(),
        f"- load before: `{before}`",
        f"- load after: `{after}`",
        "",
        "## Configuration",
        "",
        "200 departments (each on one of 20 schedules: 14 weekly ranges, 30 exceptions),",
        "1,000 agents online (presence in Redis), 500 active conversations; the widget offers",
        "all 200 departments (a state body of 25 KB, 3 KB gzipped). DEBUG off, the demo's",
        "middleware. State requests send `Accept-Encoding: gzip` as browsers do, except the",
        "one marked not gzipped.",
        "",
        "## HTTP",
        "",
        f"Each scenario runs {ROUNDS} times, each right after the bare view (`/bench/bare/`, a",
        "Django `JsonResponse` through the same middleware and server); rates are the means,",
        "the ratio is the median of each run's rate over its bare run's (the machine's load",
        "drifts within seconds), p50 the median run's, p99 the worst run's.",
        "",
        "The CPU columns are the server's CPU per request (gunicorn, Redis and PostgreSQL",
        "processes, read from /proc around each run; wrk left out), and the CPU ratio the",
        "median of the bare run's over the scenario's: what the server can serve per core,",
        "which the machine's other work moves far less than the rates.",
        "",
        "| scenario | req/s | bare req/s | ratio | each round | CPU µs | bare CPU µs "
        "| CPU ratio | p50 ms | p99 ms | bare p99 ms | errors | target |",
        "|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name, r in results:
        target = TARGETS.get(name)
        ratio = r["ratio"]
        verdict = ""
        if target is not None:
            verdict = f"≥ {target}: rate {_verdict(ratio, target)}, CPU " + _verdict(
                r["cpu_ratio"], target
            )
        lines.append(
            f"| {name} | {r['rate']:,.0f} | {r['bare']:,.0f} | {ratio:.2f} "
            f"| {' '.join(f'{x:.2f}' for x in r['ratios'])} "
            f"| {r['cpu_us']:,.0f} | {r['bare_cpu_us']:,.0f} | {r['cpu_ratio']:.2f} | {r['p50']:.2f} "
            f"| {r['p99']:.2f} | {r['bare_p99']:.2f} "
            f"| {r['errors']} | {verdict} |"
        )
    slow = [name for name, r in results if r["p99"] >= P99_LIMIT_MS]
    lines += [
        "",
        f"p99 under {P99_LIMIT_MS:.0f} ms at {CONNECTIONS} connections: "
        + ("all scenarios." if not slow else "not for " + ", ".join(slow) + "."),
        "",
        "## In one process (best of 7 × 300 requests through Django's test client)",
        "",
        "What a request costs the server's CPU, without the network and the machine's noise:",
        "",
        "| request | µs | ratio to bare (rate) |",
        "|---|---:|---:|",
        *(
            f"| {name} | {us:,.0f} | {cpu['bare Django JsonResponse'] / us:.2f} |"
            for name, us in cpu.items()
        ),
        "",
        "## Engine (best of 5, one call)",
        "",
        "| 14 ranges, 30 exceptions | µs |",
        "|---|---:|",
        *(f"| {name} | {us:.1f} |" for name, us in figures),
        "",
        "## Commands",
        "",
        "```",
        f"wrk -t2 -c{CONNECTIONS} -d{SECONDS}s --timeout 10s --latency {BARE}  # before each",
        *(r["command"] for _, r in results),
        "```",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    wrk_path = ensure_wrk()
    before = load()
    print("database and configuration…", flush=True)
    fresh_database()
    info = generate()
    server = serve()
    try:
        results = []
        wrk(wrk_path, BARE)  # warm-up: every thread's connections, imports, caches
        for name, path, script in scenarios(info):
            result = alternate(wrk_path, path, script)
            print(
                f"{name:<36} {result['rate']:>9,.0f} req/s ratio {result['ratio']:.2f}"
                f" CPU ratio {result['cpu_ratio']:.2f}"
            )
            results.append((name, result))
    finally:
        server.terminate()
        server.wait()
    figures = micro()
    cpu = in_process(info)
    text = report(results, figures, cpu, before, load())
    notes = ROOT / "benchmarks" / "notes.md"
    if notes.exists():
        text += "\n" + notes.read_text()
    (ROOT / "benchmarks" / "REPORT.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
