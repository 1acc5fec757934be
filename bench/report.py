"""Targets and the Markdown report of a benchmark run.

    .venv/bin/python bench/report.py bench/results/<timestamp>.json   # the table again
"""

import json
import sys

P95_TARGET_MS = 50.0
CEILING_SHARE_TARGET = 40.0  # per cent of the one-row ceiling's throughput
GROWTH_TARGET = 1.3  # list latency, small county → county scale
# "Fixed queries": every request of a page runs the same statements but for refills (a cache
# read again after its time-out or a write), which a steady page meets in well under 1 % of its
# requests, and the session's last-seen write: one statement more, at most once a minute for each
# user (SessionPolicyMiddleware), so a number of requests that depends on the run's length, not
# on its speed; on a slow machine 16 users' writes alone are more than 1 % of a scenario.
REFILL_SHARE_MAX = 0.01
SESSION_WRITE_SECONDS = 60


def _by(result: dict, tree: str) -> dict[str, dict]:
    return {r["name"]: r for r in result["scenarios"] if r["tree"] == tree}


def _ratio(a, b):
    return round(a / b, 2) if a and b else None


def _cpu(row: dict) -> float | None:
    if "app_cpu_ms_per_req" not in row:
        return None
    return round(row["app_cpu_ms_per_req"] + row["db_cpu_ms_per_req"], 2)


def _steady_queries(row: dict):
    """The count most requests of a scenario ran. Others come from refills: the session's
    once-a-minute `last_seen` write, a cached value read again after its time-out."""
    counts = row.get("queries_counts")
    if not counts:
        return row.get("queries_median")
    return int(max(counts.items(), key=lambda item: item[1])[0])


def _session_writes(config: dict) -> int:
    """The most last-seen writes a scenario's measured requests can carry: each user's first
    request (its session may be older than a minute) and one a minute after that."""
    minutes = config.get("duration_s", 0) / SESSION_WRITE_SECONDS
    return config.get("users", 0) * (1 + int(-(-minutes // 1)))


def _refill_share(row: dict, session_writes: int = 0) -> float:
    """The share of requests whose count was neither the steady one nor explained by the
    session's last-seen write (one statement more, up to `session_writes` requests)."""
    counts = row.get("queries_counts")
    if not counts:  # results written before the histogram: only the range is known
        return 0.0 if row.get("queries_min") == row.get("queries_max") else 1.0
    steady = _steady_queries(row)
    total = sum(counts.values())
    others = total - counts[str(steady)] - min(counts.get(str(steady + 1), 0), session_writes)
    return others / total


def _query_mix(row: dict) -> str:
    """`7`, or `7 (8 in 0.4 %)` when some requests refilled a cache or wrote the session."""
    steady = _steady_queries(row)
    others = {n: c for n, c in (row.get("queries_counts") or {}).items() if int(n) != steady}
    if not others:
        return _fmt(steady) if row.get("queries_min") == row.get("queries_max") or row.get("queries_counts") \
            else f"{row['queries_min']}–{row['queries_max']}"
    total = sum(row["queries_counts"].values())
    return f"{steady} ({', '.join(f'{n} in {100 * c / total:.1f} %' for n, c in others.items())})"


def _kept(row: dict) -> dict:
    """The kept pages' statements as a row of their own, for the same rules."""
    return {"queries_counts": row.get("kept_queries_counts")}


def _kept_mix(row: dict) -> str:
    """`7`, or `7 · kept 3 (96 %)` when pages were served from the page cache."""
    if not row.get("kept_queries_counts"):
        return _query_mix(row)
    return f"{_query_mix(row)} · kept {_query_mix(_kept(row))} ({row.get('kept_pct', 0):g} %)"


def evaluate(result: dict) -> None:
    """Add ceiling shares, the growth table and the state of each target to `result`."""
    county = _by(result, "county")
    ceiling = county.get("one_row", {}).get("ok_rps")
    ceiling_cpu = _cpu(county.get("one_row", {}))
    for row in result["scenarios"]:
        if "rps" in row and row["tree"] == "county" and ceiling:
            row["ceiling_share_pct"] = round(100 * row["ok_rps"] / ceiling, 1)
            cpu = _cpu(row)
            # The same share from CPU cost: what it would be on a machine of its own.
            row["ceiling_share_cpu_pct"] = round(100 * ceiling_cpu / cpu, 1) if cpu and ceiling_cpu else None
            # Throughput if the workers and PostgreSQL had every core: an upper bound, as
            # HTTP handling in the kernel, the client and short-lived backends are left out.
            cores = result["machine"]["cores"]
            row["idle_rps_estimate"] = round(cores * 1000 / cpu, 0) if cpu else None

    growth = []
    small, large = _by(result, "growth-small"), _by(result, "growth-large")
    for name, s in small.items():
        b = large.get(name)
        if not b or "rps" not in b or "rps" not in s:
            continue
        growth.append({"name": name, "title": b["title"],
                       "small_households": result.get("small", {}).get("scale", {}).get("households"),
                       "large_households": result.get("large", {}).get("scale", {}).get("households"),
                       "small_p50_ms": s["p50_ms"], "large_p50_ms": b["p50_ms"],
                       "small_p95_ms": s["p95_ms"], "large_p95_ms": b["p95_ms"],
                       "p50_ratio": _ratio(b["p50_ms"], s["p50_ms"]), "p95_ratio": _ratio(b["p95_ms"], s["p95_ms"]),
                       "cpu_ratio": _ratio(_cpu(b), _cpu(s)), "small_cpu_ms": _cpu(s), "large_cpu_ms": _cpu(b),
                       "small_queries": _steady_queries(s), "large_queries": _steady_queries(b)})
    result["growth"] = growth

    reads = [r for r in county.values() if r["read"]]
    measured = [r for r in reads if "rps" in r]
    failed = [f"{r['name']}/{r['tree']}: {r['failed']}" for r in result["scenarios"] if "failed" in r]
    not_run = [r["name"] for r in reads if "failed" in r]
    slow = [f"{r['name']} ({r['p95_ms']:g} ms)" for r in measured if r["p95_ms"] > P95_TARGET_MS]
    low = [f"{r['name']} ({r.get('ceiling_share_pct')} %)" for r in measured
           if r.get("ceiling_share_pct") is None or r["ceiling_share_pct"] < CEILING_SHARE_TARGET]
    grew = [f"{g['name']} (×{g['p50_ratio']})" for g in growth
            if g["p50_ratio"] is None or g["p50_ratio"] > GROWTH_TARGET]
    writes = _session_writes(result["config"])
    varying = [f"{r['name']}/{r['tree']} ({_kept_mix(r)})" for r in result["scenarios"]
               if r.get("read") and "rps" in r
               and max(_refill_share(r, writes), _refill_share(_kept(r), writes) if r.get("kept_queries_counts")
                       else 0.0) > REFILL_SHARE_MAX]
    varying += [f"{g['name']} ({g['small_queries']} at {g['small_households']:,} vs {g['large_queries']})"
                for g in growth if g["small_queries"] != g["large_queries"]]
    errors = [f"{r['name']}/{r['tree']} ({r['errors']})" for r in result["scenarios"] if r.get("errors")]

    def state(misses: list[str], ok: str, skipped: list[str]) -> dict:
        if not measured:  # e.g. --scenarios with the ceilings only: nothing to judge
            return {"met": None, "detail": "not measured (no read scenario ran)"}
        detail = "; ".join(misses) if misses else ok
        if skipped:
            detail += f" (not run: {', '.join(skipped)})"
        return {"met": not misses and not skipped, "detail": detail}

    result["targets"] = {
        "p95": {"target": f"p95 ≤ {P95_TARGET_MS:g} ms, every read scenario, county scale, "
                          f"{result['config']['users']} users", **state(slow, "all read scenarios", not_run)},
        "ceiling_share": {"target": f"every read page ≥ {CEILING_SHARE_TARGET:g} % of the one-row ceiling",
                          **(state(low, "all read scenarios", not_run) if not result["config"].get("think_s")
                             else {"met": None, "detail": "not judged with a think time: the users set the pace"})},
        "growth": {"target": f"list latency growth small → county scale ≤ {GROWTH_TARGET}× (p50)",
                   **(state(grew, "all list scenarios", []) if growth
                      else {"met": None, "detail": "not measured"})},
        "fixed_queries": {"target": "fixed SQL queries per page (both trees; refills in under 1 % of requests, "
                                    "besides the session's once-a-minute write)",
                          **state(varying, "constant in every scenario", not_run)},
        "errors": {"target": "no errors", "met": not (errors or failed),
                   "detail": "; ".join(errors + failed) or "none"},
    }


def _fmt(value, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _think(cfg: dict) -> str:
    return f" with {cfg['think_s']:g} s think time" if cfg.get("think_s") else " (no think time)"


def _header(result: dict) -> list[str]:
    m, cfg = result["machine"], result["config"]
    lines = [f"### Benchmark {result['started_at']}", "",
             f"{m['cores']} cores ({m['cpu']}), {m['memory_gib']} GiB, Python {m['python']}; "
             f"PostgreSQL {result['large']['postgres']['version'].split()[0]} "
             f"(shared_buffers {result['large']['postgres']['shared_buffers']}); gunicorn {cfg['workers']} "
             f"{cfg['worker_class']} workers, production settings; {cfg['users']} users in a closed loop"
             f"{_think(cfg)}, "
             f"{cfg['duration_s']:g} s measured per scenario after {cfg['warmup_s']:g} s warm-up.", ""]
    for tree in ("large", "small"):
        info = result.get(tree)
        if not info:
            continue
        for name, gen in result["generation"][tree].items():
            scale = info["scale"]
            if gen.get("reused"):
                when = (f"generated in {gen['generated_seconds']:,.0f} s on {gen['generated_at']}"
                        if "generated_seconds" in gen else "generation time not recorded")
                text = f"reused ({when})"
            else:
                text = f"generated in {gen['seconds']:,.0f} s"
            lines.append(f"- Data set `{info['database']}` ({name}): {scale['households']:,} households, "
                         f"{scale['communities']:,} communities × {scale['grids_per_community']} grids — {text}; "
                         f"database {info['postgres']['database_size']}.")
    return lines


def markdown(result: dict) -> str:
    lines = _header(result)
    lines += ["", "| scenario | req/s | p50 ms | p95 ms | p99 ms | errors | SQL/req | % of one-row ceiling "
              "| CPU ms/req (app + DB) | est. req/s, idle cores | others' CPU |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for row in result["scenarios"]:
        if row["tree"] != "county":
            continue
        if "failed" in row:
            lines.append(f"| {row['title']} | – | – | – | – | check failed: {row['failed']} | – | – | – | – | – |")
            continue
        queries = _kept_mix(row)
        flag = " ⚠" if row["read"] and row["p95_ms"] > P95_TARGET_MS else ""
        cpu = f"{_fmt(row['app_cpu_ms_per_req'])} + {_fmt(row['db_cpu_ms_per_req'])}"
        title = row["title"] + (f" (faster of two runs; the other {_fmt(row['other_run_rps'])} req/s)"
                                if "other_run_rps" in row else "")
        lines.append(f"| {title} | {_fmt(row['rps'])} | {_fmt(row['p50_ms'])} | {_fmt(row['p95_ms'])}{flag} | "
                     f"{_fmt(row['p99_ms'])} | {row['errors']} | {queries} | {_fmt(row.get('ceiling_share_pct'))} | "
                     f"{cpu} | {_fmt(row.get('idle_rps_estimate'), 0)} | {_fmt(row['other_cpu_pct'], 0)} % |")
    for item in result["not_yet_available"]:
        state = "not yet available" + (" (app present, no bench module yet)" if item.get("app_present") else "")
        lines.append(f"| {item['scenario']} ({item['capability']}) | {state} | | | | | | | | | |")

    if result.get("growth"):
        lines += ["", "List latency growth: the same page of a community of the same size, in a small county "
                  "and at county scale, measured in alternating slices:", "",
                  "| scenario | p50 ms small → county | p95 ms small → county | p50 growth | p95 growth "
                  "| CPU ms/req small → county | SQL/req |",
                  "|---|---:|---:|---:|---:|---:|---:|"]
        for g in result["growth"]:
            lines.append(f"| {g['title']} ({g['small_households']:,} → {g['large_households']:,} households) | "
                         f"{_fmt(g['small_p50_ms'])} → {_fmt(g['large_p50_ms'])} | "
                         f"{_fmt(g['small_p95_ms'])} → {_fmt(g['large_p95_ms'])} | ×{g['p50_ratio']} | "
                         f"×{g['p95_ratio']} | {_fmt(g['small_cpu_ms'])} → {_fmt(g['large_cpu_ms'])} "
                         f"(×{g['cpu_ratio']}) | {g['small_queries']} / {g['large_queries']} |")

    memory = result.get("memory_mib") or {}
    if memory:
        peaks = ", ".join(f"{v.get('VmHWM')} MiB" for v in memory.values())
        lines += ["", f"Peak memory per gunicorn worker (VmHWM, county server): {peaks}."]

    lines += ["", "| target | state | detail |", "|---|---|---|"]
    for t in result["targets"].values():
        state = "met" if t["met"] else ("not measured" if t["met"] is None else "**missed**")
        lines.append(f"| {t['target']} | {state} | {t['detail']} |")
    lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as f:
        data = json.load(f)
    evaluate(data)
    print(markdown(data))
