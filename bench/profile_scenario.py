#!/usr/bin/env python
"""Why is a scenario slow? Replays one benchmark scenario in-process (Django test client,
bench settings, the same data set and sessions as bench/run.py) and prints:

- CPU and wall time per request, and where the time goes (pyinstrument);
- each SQL statement of one request with its time, slowest first;
- with --explain, EXPLAIN (ANALYZE, BUFFERS) of the slowest statements;
- with --cpu, CPU per request without a profiler, in this process and in its PostgreSQL
  backend (for before/after comparisons of a change);
- with --by-area, the time split by area: templates, building SQL, the driver, the cache,
  translations, URLs (cProfile, each function's own time);
- with --kept, all of that for the kept page (core/page_cache.py) instead of building it.

    DATABASE_URL=postgres://root@127.0.0.1:5432/cocreate_bench \\
        .venv/bin/python bench/profile_scenario.py county_overview --explain
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import capabilities, run  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Profile one benchmark scenario in-process")
    parser.add_argument("scenario")
    parser.add_argument("--households", type=int, default=300_000)
    parser.add_argument("--communities", type=int, default=300)
    parser.add_argument("--grids-per-community", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=20, help="profiled requests")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the slowest statements")
    parser.add_argument("--top", type=int, default=5, help="statements to explain")
    parser.add_argument("--html", help="also write pyinstrument's HTML report here")
    parser.add_argument("--cpu", action="store_true",
                        help="CPU per request without a profiler (this process and its PostgreSQL backend), "
                             "three rounds: for before/after comparisons")
    parser.add_argument("--by-area", action="store_true",
                        help="CPU split by area (templates, ORM, driver, cache, i18n, ...) instead of the call tree")
    parser.add_argument("--kept", action="store_true",
                        help="profile the kept page (core/page_cache.py) instead of building it every time")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379", help="as in bench/run.py (database 13)")
    parser.add_argument("--no-redis", action="store_true", help="as in bench/run.py")
    args = parser.parse_args(argv)

    url = run.require_postgres()
    os.environ.update(run.bench_env(url, run.bench_redis(args, 13)))
    if not args.kept:  # what building the page costs: the same address and session every time would be kept
        os.environ["COCREATE_PAGE_CACHE_SECONDS"] = "0"
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from pyinstrument import Profiler

    from bench.prepare import SessionMinter

    scale = capabilities.Scale(args.households, args.communities, args.grids_per_community, 1)
    scenarios = []
    sessions = SessionMinter()  # one for all modules: each new one would sign out the others' officials
    for module in capabilities.load():
        if module.available():
            targets = module.fixtures(scale, sessions)
            scenarios += module.scenarios(targets)
            if module.NAME == "orgs":
                scenarios += run.ceiling_scenarios(targets["household_ids"], targets["staff_cookies"])
    chosen = next((s for s in scenarios if s.name == args.scenario), None)
    if chosen is None:
        sys.exit(f"unknown scenario {args.scenario!r}; one of: {', '.join(s.name for s in scenarios)}")
    request = chosen.requests[0]
    client = Client(SERVER_NAME="127.0.0.1")
    headers = {k.lower(): v for k, v in request.headers.items()}

    def get():
        response = client.generic(request.method, request.path, data=request.body, headers=headers)
        if response.status_code != chosen.expect_status:
            sys.exit(f"{request.path}: HTTP {response.status_code} {response.get('Location', '')}")
        return response

    for _ in range(3):
        get()  # warm: connections, template cache, translations

    statements = []

    def timer(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            statements.append(((time.perf_counter() - started) * 1000, sql, params))

    with connection.execute_wrapper(timer):
        get()
    total_sql = sum(ms for ms, _, _ in statements)
    print(f"{chosen.name}: {request.path}  ({len(statements)} statements, {total_sql:.1f} ms in SQL)\n")
    for ms, sql, _ in sorted(statements, key=lambda s: s[0], reverse=True):
        print(f"  {ms:8.2f} ms  {sql[:220]}")

    if args.cpu:
        print_cpu(get, args.repeat)
        return 0
    if args.by_area:
        print_areas(get, args.repeat)
        return 0
    profiler = Profiler(interval=0.001)
    cpu, wall = time.process_time(), time.perf_counter()
    profiler.start()
    for _ in range(args.repeat):
        get()
    profiler.stop()
    cpu, wall = (time.process_time() - cpu) / args.repeat, (time.perf_counter() - wall) / args.repeat
    print(f"\nper request: {wall * 1000:.1f} ms wall, {cpu * 1000:.1f} ms CPU in this process "
          f"(the rest is waiting for PostgreSQL, or for the CPU on a busy machine)\n")
    print(profiler.output_text(unicode=True, color=False, show_all=False))
    if args.html:
        Path(args.html).write_text(profiler.output_html())

    if args.explain:
        with connection.cursor() as cursor:
            for ms, sql, params in sorted(statements, key=lambda s: s[0], reverse=True)[: args.top]:
                if not sql.lstrip().upper().startswith("SELECT"):
                    continue
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                print(f"\n--- {ms:.2f} ms: {sql[:300]}")
                print("\n".join(row[0] for row in cursor.fetchall()))
    return 0


def print_cpu(get, repeat: int) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    ticks = os.sysconf("SC_CLK_TCK")

    def backend_seconds() -> float:  # utime + stime of the backend, from /proc (same machine)
        fields = Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / ticks

    for _ in range(3):
        app, db = time.process_time(), backend_seconds()
        for _ in range(repeat):
            get()
        app, db = (time.process_time() - app) / repeat, (backend_seconds() - db) / repeat
        print(f"CPU per request: app {app * 1000:.2f} ms, PostgreSQL {db * 1000:.2f} ms")


# Where a file's own (exclusive) CPU time is counted, first match wins.
AREAS = [
    ("templates", ("django/template/", "django/templatetags/")),
    ("ORM: building SQL", ("django/db/models/sql/", "django/db/models/expressions", "django/db/models/lookups",
                           "django/db/models/query_utils", "django/db/models/fields/")),
    ("ORM: querysets, rows to objects", ("django/db/models/",)),
    ("database driver", ("psycopg/", "django/db/backends/")),
    ("cache, sessions (Redis)", ("redis/", "django/core/cache/", "django/contrib/sessions/")),
    ("translations", ("django/utils/translation/", "gettext")),
    ("request, response, middleware", ("django/core/handlers/", "django/http/", "django/middleware/",
                                        "django/contrib/", "whitenoise/", "django_htmx/")),
    ("URLs", ("django/urls/",)),
    ("other Django", ("django/",)),
    ("Cocreate", ("cocreate/",)),
]


def print_areas(get, repeat: int) -> None:
    """cProfile: each function's own time, summed by the area its file is in. Its clock is the
    wall clock (the CPU clock is a system call per function call, which swamps what it measures),
    so waiting for PostgreSQL or Redis counts in the driver's area."""
    import cProfile
    import pstats

    profile = cProfile.Profile()
    profile.enable()
    for _ in range(repeat):
        get()
    profile.disable()
    totals: dict[str, float] = {}
    for (filename, _line, _name), (_cc, _nc, own, _cum, _callers) in pstats.Stats(profile).stats.items():
        area = next((name for name, marks in AREAS if any(m in filename for m in marks)), "Python, other")
        totals[area] = totals.get(area, 0.0) + own
    whole = sum(totals.values())
    print(f"Time per request, profiled (cProfile adds its own cost): {whole * 1000 / repeat:.1f} ms")
    for area, seconds in sorted(totals.items(), key=lambda item: item[1], reverse=True):
        print(f"  {seconds * 1000 / repeat:6.2f} ms  {100 * seconds / whole:4.0f} %  {area}")


if __name__ == "__main__":
    sys.exit(main())
