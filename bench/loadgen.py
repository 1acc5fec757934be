"""A closed-loop HTTP/1.1 load generator on asyncio: N users, each sending its next request as
soon as the previous answer has been read (or after a think time, when one is given), for a
bounded time, to 127.0.0.1 only.

Gunicorn's sync workers close the connection after each response, so every request opens a
connection: the latency measured is what a browser without keep-alive would see (connect,
send, queue behind the other users, wait for the worker, read to the end of the body).
Every sample is kept and percentiles are exact (nearest rank), not bucketed.
"""

import asyncio
import itertools
import random
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field

LOOPBACK = "127.0.0.1"


@dataclass
class Request:
    path: str
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


@dataclass
class Scenario:
    """What one kind of user does over and over. Each user cycles through its share of
    `requests`, so a scenario spreads over many rows (households, sessions), not one hot row."""

    name: str
    title: str
    capability: str
    requests: list[Request]
    expect_status: int = 200
    expect_text: str = ""  # must appear in the body, so a login page or a 404 never passes
    read: bool = True  # read scenarios carry the latency and ceiling-share targets
    group: str = ""  # "growth" scenarios run on both trees
    note: str = ""


@dataclass
class Sample:
    latency: float
    status: int
    queries: int | None
    ok: bool
    error: str = ""
    kept: bool = False  # served from the page cache (X-Page-Cache: hit), not built


def percentile(sorted_values: list[float], pct: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, -(-len(sorted_values) * pct // 100))  # ceil(n * pct / 100), at least 1
    return sorted_values[int(rank) - 1]


def _encode(request: Request, port: int) -> bytes:
    lines = [f"{request.method} {request.path} HTTP/1.1", f"Host: {LOOPBACK}:{port}", "Connection: close",
             "User-Agent: cocreate-bench", "Accept: text/html"]
    lines += [f"{k}: {v}" for k, v in request.headers.items()]
    if request.body or request.method != "GET":
        lines.append(f"Content-Length: {len(request.body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + request.body


def _parse(raw: bytes) -> tuple[int, dict[str, str], bytes]:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        key, _, value = line.partition(":")
        headers[key.strip().lower()] = value.strip()
    return status, headers, body


async def _one(port: int, scenario: Scenario, request: Request, timeout: float) -> Sample:
    start = time.perf_counter()
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(LOOPBACK, port), timeout)
        try:
            writer.write(_encode(request, port))
            await writer.drain()
            raw = await asyncio.wait_for(reader.read(-1), timeout)
        finally:
            writer.close()
    except (OSError, TimeoutError, asyncio.IncompleteReadError) as exc:
        return Sample(time.perf_counter() - start, 0, None, False, type(exc).__name__)
    latency = time.perf_counter() - start
    try:
        status, headers, body = _parse(raw)
    except (ValueError, IndexError):
        return Sample(latency, 0, None, False, "bad response")
    queries = headers.get("x-query-count")
    ok = status == scenario.expect_status and (
        not scenario.expect_text or scenario.expect_text.encode() in body)
    error = "" if ok else (f"HTTP {status}" if status != scenario.expect_status else "unexpected body")
    return Sample(latency, status, int(queries) if queries and queries.isdigit() else None, ok, error,
                  headers.get("x-page-cache") == "hit")


async def _drive(port: int, scenario: Scenario, users: int, warmup: float, duration: float,
                 timeout: float, think: float) -> tuple[list[Sample], float, int]:
    samples: list[Sample] = []
    sent = 0
    t0 = time.perf_counter()
    measure_from, stop_at = t0 + warmup, t0 + warmup + duration
    n = len(scenario.requests)

    async def user(number: int) -> None:
        # User u takes requests u, u+users, u+2*users…: with one session per user in the
        # list, no two users share a session (its row is updated on every request).
        nonlocal sent
        cycle = itertools.cycle(scenario.requests[number % n::users] or scenario.requests)
        pause = random.Random(number)
        while True:
            started = time.perf_counter()
            if started >= stop_at:
                return
            sample = await _one(port, scenario, next(cycle), timeout)
            sent += 1
            if started >= measure_from:  # requests started in the warm-up are not counted
                samples.append(sample)
            if think:  # a person reading the page: exponential, mean `think` seconds
                await asyncio.sleep(pause.expovariate(1 / think))

    await asyncio.gather(*(user(u) for u in range(users)))
    # Throughput over the measured window: requests started in it, whose last answer may
    # land a little after stop_at; divide by the time until the last one came back.
    window = max(time.perf_counter(), stop_at) - measure_from
    return samples, window, sent


def collect(port: int, scenario: Scenario, *, users: int, warmup: float, duration: float,
            timeout: float = 30.0, think: float = 0.0) -> tuple[list[Sample], float, int]:
    """The measured samples, the measured window in seconds, and every request sent."""
    return asyncio.run(_drive(port, scenario, users, warmup, duration, timeout, think))


def run(port: int, scenario: Scenario, *, users: int, warmup: float, duration: float,
        timeout: float = 30.0, think: float = 0.0) -> dict:
    samples, window, sent = collect(port, scenario, users=users, warmup=warmup, duration=duration,
                                    timeout=timeout, think=think)
    return summarise(samples, window) | {"requests_with_warmup": sent}


def summarise(samples: list[Sample], window: float) -> dict:
    latencies = sorted(s.latency * 1000 for s in samples)
    # Statements of the pages built, as the test suite counts them; kept pages apart.
    queries = [s.queries for s in samples if s.ok and s.queries is not None and not s.kept]
    kept = [s.queries for s in samples if s.ok and s.queries is not None and s.kept]
    errors = Counter(s.error for s in samples if not s.ok)
    return {
        "requests": len(samples),
        "errors": sum(errors.values()),
        "error_kinds": dict(errors),
        "window_s": round(window, 3),
        "rps": round(len(samples) / window, 1) if window else 0.0,
        "ok_rps": round((len(samples) - sum(errors.values())) / window, 1) if window else 0.0,
        "p50_ms": round(percentile(latencies, 50), 2),
        "p95_ms": round(percentile(latencies, 95), 2),
        "p99_ms": round(percentile(latencies, 99), 2),
        "max_ms": round(latencies[-1], 2) if latencies else None,
        "mean_ms": round(statistics.fmean(latencies), 2) if latencies else None,
        "queries_min": min(queries) if queries else None,
        "queries_max": max(queries) if queries else None,
        "queries_median": sorted(queries)[len(queries) // 2] if queries else None,
        "queries_counts": {str(n): c for n, c in sorted(Counter(queries).items())},
        "kept_pct": round(100 * sum(s.kept for s in samples) / len(samples), 1) if samples else 0.0,
        "kept_queries_counts": {str(n): c for n, c in sorted(Counter(kept).items())},
    }


def fetch(port: int, request: Request, timeout: float = 30.0) -> tuple[int, dict[str, str], bytes]:
    """One request, for checks before a scenario runs."""

    async def go():
        reader, writer = await asyncio.wait_for(asyncio.open_connection(LOOPBACK, port), timeout)
        try:
            writer.write(_encode(request, port))
            await writer.drain()
            return _parse(await asyncio.wait_for(reader.read(-1), timeout))
        finally:
            writer.close()

    return asyncio.run(go())
