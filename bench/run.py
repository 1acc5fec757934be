#!/usr/bin/env python
"""County-scale benchmark (`make bench`, docs/bench.md).

Builds or reuses the county data set on PostgreSQL (DATABASE_URL) and a small county in a
second database, serves the app with gunicorn (production settings plus the bench URLs,
DEBUG off) on 127.0.0.1, drives every scenario with a closed-loop load generator at a fixed
concurrency for a bounded time, and writes bench/results/<timestamp>.json and a Markdown
table (also printed).

    DATABASE_URL=postgres://root@127.0.0.1:5432/cocreate_bench .venv/bin/python bench/run.py
"""

import argparse
import base64
import contextlib
import dataclasses
import datetime
import hashlib
import json
import os
import platform
import resource
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # `bench.*` when run as bench/run.py

from bench import capabilities, loadgen, report  # noqa: E402
from bench.loadgen import Request, Scenario  # noqa: E402

RESULTS = ROOT / "bench" / "results"
BIN = Path(sys.executable).parent
POSTGRES_SCHEMES = {"postgres", "postgresql", "pgsql", "postgis"}
SMALL_SUFFIX = "_small"


def now() -> datetime.datetime:
    return datetime.datetime.now().astimezone()


def throwaway_key(label: str) -> str:
    """Fixed, public, benchmark-only keys: a reused data set stays decryptable across runs."""
    return base64.b64encode(hashlib.sha256(f"cocreate-bench-{label}".encode()).digest()).decode()


def bench_env(database_url: str, redis_url: str = "") -> dict[str, str]:
    """The environment of every bench process: production settings, throwaway fixed keys, and
    Redis for the cache and sessions as a county's server has it (`redis_url`, "" = none)."""
    env = dict(os.environ)
    env.update({
        "DJANGO_SETTINGS_MODULE": "config.settings.bench",
        "DATABASE_URL": database_url,
        "DJANGO_SECRET_KEY": "bench-only-" + throwaway_key("secret"),
        "COCREATE_FIELD_KEYS": f"bench1:{throwaway_key('field')}",
        "COCREATE_FIELD_KEY_ID": "bench1",
        "COCREATE_BLIND_INDEX_KEY": throwaway_key("blind-index"),
        "COCREATE_SSL_REDIRECT": "0",  # plain HTTP on the loopback
        "COCREATE_STAFF_IDLE_SECONDS": str(24 * 3600),
        "COCREATE_RESIDENT_IDLE_SECONDS": str(24 * 3600),
        "COCREATE_DEMO_MODE": "0",
        "DJANGO_DEBUG": "0",
        "DJANGO_ALLOWED_HOSTS": loadgen.LOOPBACK,
        "COCREATE_STAFF_NETWORKS": "",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")])),
    })
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url  # cached_db sessions: the minted rows are read once, then cached
    return env


def bench_redis(args, database: int) -> str:
    """A Redis database of its own per data set (their primary keys overlap), emptied first so
    no figure is served from an earlier run's cache; "" with --no-redis."""
    if args.no_redis:
        return ""
    import redis

    url = f"{args.redis.rstrip('/')}/{database}"
    if urlsplit(url).hostname not in (loadgen.LOOPBACK, "localhost"):
        sys.exit("bench: Redis must be on the loopback")
    redis.Redis.from_url(url).flushdb()
    return url


def require_postgres() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if urlsplit(url).scheme not in POSTGRES_SCHEMES:
        sys.exit(
            "bench: DATABASE_URL must point at PostgreSQL (the county data set does not belong in SQLite).\n"
            "  createdb -h 127.0.0.1 -U root cocreate_bench\n"
            "  DATABASE_URL=postgres://root@127.0.0.1:5432/cocreate_bench make bench"
        )
    return url


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def ensure_database(url: str, name: str) -> None:
    """Create database `name` on the server of `url` (connecting to url's database)."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    with psycopg.connect(host=parts.hostname or "", port=parts.port or 5432, user=parts.username or None,
                         password=parts.password or None, dbname=parts.path.lstrip("/"),
                         autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def ensure_tools(skip: bool) -> None:
    """py-spy and pyinstrument (for profiling a missed target), pinned in bench/requirements.txt."""
    if skip:
        return
    import importlib.util

    if importlib.util.find_spec("pyinstrument") and (BIN / "py-spy").exists():
        return
    subprocess.run([str(BIN / "pip"), "install", "-q", "-r", str(ROOT / "bench" / "requirements.txt")], check=True)


def manage(env: dict, *args: str) -> None:
    subprocess.run([str(BIN / "python"), "manage.py", *args], cwd=ROOT, env=env, check=True)


def prepare(env: dict, args, households: int, communities: int) -> dict:
    out = RESULTS / f"prepare-{os.getpid()}.json"
    cmd = [str(BIN / "python"), "-m", "bench.prepare", "--households", str(households),
           "--communities", str(communities), "--grids-per-community", str(args.grids_per_community),
           "--users", str(args.users), "--out", str(out)]
    started = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, env=env, check=True)
    data = json.loads(out.read_text())
    out.unlink()
    data["prepare_seconds"] = round(time.perf_counter() - started, 1)
    return data


def remember_generation(info: dict) -> dict:
    """Generation time of a reused data set: the one recorded when it was built."""
    record = RESULTS / f"generation-{info['database']}.json"
    for name, gen in info["generated"].items():
        if gen.get("reused"):
            if record.exists():
                earlier = json.loads(record.read_text()).get(name)
                if earlier:
                    gen["generated_seconds"], gen["generated_at"] = earlier["seconds"], earlier["at"]
        else:
            stored = json.loads(record.read_text()) if record.exists() else {}
            stored[name] = {"seconds": gen["seconds"], "at": now().isoformat(timespec="seconds"),
                            "scale": info["scale"]}
            record.write_text(json.dumps(stored, ensure_ascii=False, indent=1))
    return info["generated"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind((loadgen.LOOPBACK, 0))
        return s.getsockname()[1]


class Server:
    """gunicorn, sync workers, bound to the loopback only."""

    def __init__(self, env: dict, workers: int, log: Path):
        self.port = free_port()
        self.env = env
        self.log = log.open("a")
        self.proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "config.wsgi:application", "--workers", str(workers),
             "--bind", f"{loadgen.LOOPBACK}:{self.port}", "--log-level", "warning", "--timeout", "60"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"bench: gunicorn exited with {self.proc.returncode}, see {log}")
            try:
                if loadgen.fetch(self.port, Request("/health/"), timeout=5)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        self.stop()
        raise SystemExit(f"bench: gunicorn did not answer /health/ within 60 s, see {log}")

    def workers(self) -> list[int]:
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.proc.pid:
                pids.append(int(stat.parent.name))
        return sorted(pids)

    def memory(self) -> dict:
        """Peak (VmHWM) and current (VmRSS) resident memory of each worker, in MiB."""
        out = {}
        for pid in self.workers():
            status = {}
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                key, _, value = line.partition(":")
                if key in ("VmHWM", "VmRSS"):
                    status[key] = round(int(value.split()[0]) / 1024, 1)
            out[str(pid)] = status
        return out

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _proc_cpu(pid: int) -> float:
    """User plus system CPU seconds of one process (0 once it has gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def _postgres_pids(database: str) -> list[int]:
    """Backends connected to `database` (the server may serve other people's databases too),
    and parallel query workers, which are not labelled with one."""
    pids = []
    for comm in Path("/proc").glob("[0-9]*/comm"):
        with contextlib.suppress(OSError):
            if comm.read_text().strip() != "postgres":
                continue
            title = (comm.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            if f" {database} " in title or "parallel worker" in title:
                pids.append(int(comm.parent.name))
    return pids


def _system_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    total = sum(values[:8])  # up to steal; guest time is already inside user
    return (total - idle) / CLOCK_TICKS, total / CLOCK_TICKS


class CpuMeter:
    """Who used the CPU during a scenario: the gunicorn workers, PostgreSQL, this load
    generator, and everything else on the machine (other people's work on a shared box)."""

    def __init__(self, server: "Server"):
        self.server = server
        self.database = urlsplit(server.env["DATABASE_URL"]).path.lstrip("/")

    def snapshot(self) -> dict:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        busy, total = _system_cpu()
        return {"time": time.perf_counter(), "busy": busy, "total": total,
                "app": {pid: _proc_cpu(pid) for pid in [self.server.proc.pid, *self.server.workers()]},
                "db": {pid: _proc_cpu(pid) for pid in _postgres_pids(self.database)},
                "client": usage.ru_utime + usage.ru_stime}

    @staticmethod
    def delta(before: dict, after: dict) -> dict:
        """CPU seconds used in between, by whom. Per process, so one that ended in between
        (a closed PostgreSQL backend) does not subtract: "db" is a lower bound."""
        return {k: (sum(v - before[k].get(pid, 0.0) for pid, v in after[k].items()) if isinstance(after[k], dict)
                    else after[k] - before[k]) for k in before}


def add_cpu(a: dict, b: dict) -> dict:
    return {k: a.get(k, 0.0) + v for k, v in b.items()}


def cpu_figures(raw: dict, requests: int) -> dict:
    capacity = raw["total"] or 1e-9  # CPU seconds the machine had: cores × wall time
    other = max(0.0, raw["busy"] - raw["app"] - raw["db"] - raw["client"])
    per = 1000 / requests if requests else 0.0
    return {"app_cpu_ms_per_req": round(raw["app"] * per, 2), "db_cpu_ms_per_req": round(raw["db"] * per, 2),
            "client_cpu_pct": round(100 * raw["client"] / capacity, 1),
            "machine_busy_pct": round(100 * raw["busy"] / capacity, 1),
            "other_cpu_pct": round(100 * other / capacity, 1)}


def wait_for_quiet(limit: float, threshold: float) -> float:
    """Wait (at most `limit` s) until the rest of the machine uses under `threshold` % of it;
    return the busy share seen last. Our server is idle between scenarios."""
    deadline = time.time() + limit
    while True:
        busy0, total0 = _system_cpu()
        time.sleep(1.0)
        busy1, total1 = _system_cpu()
        share = 100 * (busy1 - busy0) / max(1e-9, total1 - total0)
        if share < threshold or time.time() >= deadline:
            return round(share, 1)


def ceiling_scenarios(household_ids: list[int], staff_cookies: list[str]) -> list[Scenario]:
    return [
        Scenario("noop", "Ceiling: minimal view, no database (/bench/noop/)", "ceiling",
                 [Request("/bench/noop/")], expect_text="ok", read=False),
        Scenario("one_row", "Ceiling: one indexed row (/bench/one-row/)", "ceiling",
                 [Request(f"/bench/one-row/?id={pk}") for pk in household_ids], read=False),
        Scenario("noop_session", "Reference: minimal view, signed-in staff session", "ceiling",
                 [Request("/bench/noop/", headers={"Cookie": c}) for c in staff_cookies], expect_text="ok",
                 read=False, note="what every signed-in page pays before its own work"),
    ]


def check(port: int, scenario: Scenario) -> str:
    """One request before the load: a scenario that fails here is reported, not run."""
    first = scenario.requests[0]
    try:
        status, headers, body = loadgen.fetch(port, first)
    except OSError as exc:
        return f"{type(exc).__name__}: {exc}"
    if status != scenario.expect_status:
        return f"HTTP {status} {headers.get('location', '')}".strip() + f" for {first.path}"
    if scenario.expect_text and scenario.expect_text.encode() not in body:
        return f"{first.path} answered without {scenario.expect_text!r}"
    return ""


def _row(scenario: Scenario, tree: str) -> dict:
    return {"name": scenario.name, "title": scenario.title, "capability": scenario.capability, "tree": tree,
            "read": scenario.read, "group": scenario.group, "note": scenario.note, "path": scenario.requests[0].path}


def _print(row: dict) -> None:
    if "failed" in row:
        print(f"  {row['name']:24} FAILED CHECK: {row['failed']}", flush=True)
        return
    print(f"  {row['name']:24} {row['tree']:12} {row['rps']:7.1f} req/s  p50 {row['p50_ms']:7.1f}"
          f"  p95 {row['p95_ms']:7.1f}  p99 {row['p99_ms']:7.1f} ms  errors {row['errors']}"
          f"  SQL {row['queries_median']}  CPU/req app {row['app_cpu_ms_per_req']} db {row['db_cpu_ms_per_req']} ms"
          f"  others {row['other_cpu_pct']} %", flush=True)


def drive(server: "Server", scenarios: list[Scenario], args, tree: str) -> list[dict]:
    """Each scenario in turn, alone on the server."""
    rows = []
    meter = CpuMeter(server)
    for scenario in scenarios:
        row = _row(scenario, tree)
        problem = check(server.port, scenario)
        if problem:
            rows.append(row | {"failed": problem})
            _print(rows[-1])
            continue
        row["busy_before_pct"] = wait_for_quiet(args.quiet_wait, args.quiet_below)
        before = meter.snapshot()
        row |= loadgen.run(server.port, scenario, users=args.users, warmup=args.warmup, duration=args.duration,
                           think=args.think)
        # CPU over warm-up and measurement alike, per request of either.
        row |= cpu_figures(CpuMeter.delta(before, meter.snapshot()), row["requests_with_warmup"])
        rows.append(row)
        _print(row)
    return rows


def faster_ceilings(rows: list[dict], again: list[dict]) -> list[dict]:
    """A ceiling is what the server can do: a neighbour's burst on a shared machine only lowers
    it, and a lowered ceiling flatters every page's share. So each ceiling runs first and again
    last, and the faster run counts; the other's req/s is kept beside it."""
    later = {r["name"]: r for r in again if "ok_rps" in r}
    out = []
    for row in rows:
        other = later.get(row["name"])
        if other is not None and "ok_rps" in row:
            row, other = (other, row) if other["ok_rps"] > row["ok_rps"] else (row, other)
            row = row | {"other_run_rps": other["rps"]}
        out.append(row)
    return out


BUILT_ADDRESSES = 20_000  # more than a scenario's requests over all its slices


def built(scenario: Scenario) -> Scenario:
    """The scenario with every address new (`build=<n>`, a parameter no page reads), so each
    page is built: a kept page (core/page_cache.py) does not read the list, and list growth
    is about reading it."""
    base = scenario.requests
    requests = []
    for n in range(max(BUILT_ADDRESSES, len(base))):
        r = base[n % len(base)]
        requests.append(dataclasses.replace(r, path=f"{r.path}{'&' if '?' in r.path else '?'}build={n}"))
    return dataclasses.replace(scenario, requests=requests)


def drive_growth(pairs: list[tuple[Scenario, Scenario]], large: "Server", small: "Server", args) -> list[dict]:
    """The same scenario, built every time, on the county and on the small county, in alternating slices
    (large, small, small, large, …) so that a change in the machine's load in the meantime
    falls on both alike: the ratio is what is wanted, and a shared machine drifts."""
    rows = []
    slices = max(2, round(args.duration / args.slice))
    each = args.duration / slices
    for big, little in pairs:
        parts = {"large": (large, built(big)), "small": (small, built(little))}
        problems = {tree: check(server.port, sc) for tree, (server, sc) in parts.items()}
        if any(problems.values()):
            for tree, (_, sc) in parts.items():
                rows.append(_row(sc, f"growth-{tree}") | {"failed": problems[tree] or "the other tree failed"})
                _print(rows[-1])
            continue
        busy_before = wait_for_quiet(args.quiet_wait, args.quiet_below)
        acc = {tree: {"samples": [], "window": 0.0, "sent": 0, "cpu": {}} for tree in parts}
        for k in range(slices):
            for tree in ("large", "small") if k % 2 == 0 else ("small", "large"):
                server, scenario = parts[tree]
                meter = CpuMeter(server)
                before = meter.snapshot()
                samples, window, sent = loadgen.collect(server.port, scenario, users=args.users, think=args.think,
                                                        warmup=args.warmup if k < 2 else 1.0, duration=each)
                a = acc[tree]
                a["samples"] += samples
                a["window"] += window
                a["sent"] += sent
                a["cpu"] = add_cpu(a["cpu"], CpuMeter.delta(before, meter.snapshot()))
        for tree, (_, scenario) in parts.items():
            a = acc[tree]
            row = (_row(scenario, f"growth-{tree}") | {"busy_before_pct": busy_before, "slices": slices}
                   | loadgen.summarise(a["samples"], a["window"]) | {"requests_with_warmup": a["sent"]}
                   | cpu_figures(a["cpu"], a["sent"]))
            rows.append(row)
            _print(row)
    return rows


def machine() -> dict:
    cpu = ""
    with contextlib.suppress(OSError, StopIteration):
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    mem_kb = next((int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal")), 0)
    return {"cores": os.cpu_count(), "cpu": cpu, "memory_gib": round(mem_kb / 1024 / 1024, 1),
            "python": platform.python_version(), "platform": platform.platform()}


def select(scenarios: list[Scenario], only: str) -> list[Scenario]:
    names = {n for n in only.split(",") if n}
    return [s for s in scenarios if not names or s.name in names]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="County-scale benchmark (docs/bench.md)")
    parser.add_argument("--households", type=int, default=300_000)
    parser.add_argument("--communities", type=int, default=300)
    parser.add_argument("--grids-per-community", type=int, default=10)
    parser.add_argument("--small-households", type=int, default=10_000,
                        help="the small county for list growth; same community size as the large one")
    parser.add_argument("--no-small", action="store_true", help="skip the 10k tree (no growth figures)")
    parser.add_argument("--users", type=int, default=16, help="concurrent users (closed loop)")
    parser.add_argument("--think", type=float, default=0.0,
                        help="mean think time between a user's requests, s (default 0: back to back)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--duration", type=float, default=float(os.environ.get("BENCH_DURATION", 20)),
                        help="measured seconds per scenario")
    parser.add_argument("--warmup", type=float, default=3.0, help="unmeasured seconds before each scenario")
    parser.add_argument("--quiet-wait", type=float, default=30.0,
                        help="before each scenario, wait up to this many seconds for the machine to be quiet")
    parser.add_argument("--quiet-below", type=float, default=25.0,
                        help="quiet: other processes use under this %% of the machine")
    parser.add_argument("--slice", type=float, default=5.0,
                        help="list growth: seconds per alternating slice (small county, county)")
    parser.add_argument("--scenarios", default="", help="comma-separated scenario names (default: all)")
    parser.add_argument("--no-install", action="store_true", help="do not install bench/requirements.txt")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379",
                        help="Redis server for cache and sessions (databases 15 and 14 are used and emptied)")
    parser.add_argument("--no-redis", action="store_true",
                        help="no Redis: per-process cache and sessions in PostgreSQL (the embedded default)")
    args = parser.parse_args(argv)

    url = require_postgres()
    RESULTS.mkdir(parents=True, exist_ok=True)
    ensure_tools(args.no_install)
    stamp = now().strftime("%Y%m%d-%H%M%S")
    log = RESULTS / f"{stamp}-gunicorn.log"
    started = time.perf_counter()
    result = {"started_at": now().isoformat(timespec="seconds"),
              "machine": machine(),
              "config": {"users": args.users, "think_s": args.think, "workers": args.workers,
                         "duration_s": args.duration, "warmup_s": args.warmup, "worker_class": "sync",
                         "settings": "config.settings.bench (production + bench URLs)",
                         "redis": not args.no_redis}}

    large_env = bench_env(url, bench_redis(args, 15))
    print("bench: static files (production manifest storage)", flush=True)
    manage(large_env, "collectstatic", "--noinput", "-v", "0")

    print(f"bench: county data set, {args.households:,} households ({urlsplit(url).path.lstrip('/')})", flush=True)
    large = prepare(large_env, args, args.households, args.communities)
    result["large"] = {k: v for k, v in large.items() if k != "targets"}
    result["generation"] = {"large": remember_generation(large)}
    targets = large["targets"]
    available = [m for m in capabilities.load() if m.NAME in targets]
    ceilings = ceiling_scenarios(targets["orgs"]["household_ids"], targets["orgs"]["staff_cookies"])
    scenarios = list(ceilings)
    for module in available:
        scenarios += module.scenarios(targets[module.NAME])
    scenarios = select(scenarios, args.scenarios)
    if not any(s.name == "one_row" for s in scenarios):
        scenarios = [ceilings[1], *scenarios]
    growth = [s for s in scenarios if s.group == "growth"]

    small = None
    if growth and not args.no_small:
        small_name = urlsplit(url).path.lstrip("/") + SMALL_SUFFIX
        ensure_database(url, small_name)
        # Same community size as the county, so the same page of a community's list is
        # compared while the county around it is 30 times smaller.
        per_community = args.households // args.communities
        small_communities = max(1, args.small_households // per_community)
        print(f"bench: small county, {args.small_households:,} households in {small_communities} communities "
              f"({small_name})", flush=True)
        small_env = bench_env(with_database(url, small_name), bench_redis(args, 14))
        small = prepare(small_env, args, args.small_households, small_communities)
        result["small"] = {k: v for k, v in small.items() if k != "targets"}
        result["generation"]["small"] = remember_generation(small)

    print(f"bench: serving the {args.households:,}-household county: gunicorn {args.workers} workers, "
          f"{args.users} users, {args.duration:g} s per scenario", flush=True)
    servers = [Server(large_env, args.workers, log)]
    try:
        rows = drive(servers[0], scenarios, args, "county")
        repeat = [s for s in scenarios if s.capability == "ceiling"]
        if len(repeat) < len(scenarios):
            print("bench: the ceilings again, last", flush=True)
            rows = faster_ceilings(rows, drive(servers[0], repeat, args, "county"))
        result["memory_mib"] = servers[0].memory()
        if small is not None:
            print("bench: list growth, small county and county in alternating slices", flush=True)
            servers.append(Server(small_env, args.workers, log))
            by_name = {s.name: s for s in capabilities.load(["orgs"])[0].scenarios(small["targets"]["orgs"])}
            rows += drive_growth([(s, by_name[s.name]) for s in growth], servers[0], servers[1], args)
            result["memory_mib"] = servers[0].memory()
    finally:
        for server in servers:
            server.stop()

    result["scenarios"] = rows
    present = set(large.get("planned_apps_present", []))
    result["not_yet_available"] = [{"capability": c, "scenario": t, "app_present": c in present}
                                   for c, t in capabilities.planned()]
    result["total_seconds"] = round(time.perf_counter() - started, 1)
    report.evaluate(result)
    markdown = report.markdown(result)
    out = RESULTS / f"{stamp}.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1))
    (RESULTS / f"{stamp}.md").write_text(markdown)
    print()
    print(markdown)
    print(f"bench: results in {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
