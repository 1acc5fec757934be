"""The bench's judgement of its targets (bench/report.py): a run that measured no read page
says so instead of calling every target met, and a slow page is named as a miss."""

from bench import report


def _row(name, *, read=True, rps=100.0, p95=20.0, queries=5):
    return {"name": name, "tree": "county", "read": read, "rps": rps, "ok_rps": rps, "p50_ms": p95 / 2,
            "p95_ms": p95, "queries_min": queries, "queries_max": queries, "queries_median": queries,
            "errors": 0}


def _run(*rows):
    result = {"config": {"users": 16, "duration_s": 10}, "machine": {"cores": 2},
              "scenarios": [_row("one_row", read=False, rps=500.0), *rows]}
    report.evaluate(result)
    return result["targets"]


def test_a_run_of_the_ceilings_only_judges_no_read_target():
    targets = _run()
    assert targets["p95"]["met"] is None and targets["ceiling_share"]["met"] is None
    assert targets["fixed_queries"]["met"] is None
    assert targets["errors"]["met"] is True


def test_a_slow_page_is_a_named_miss_and_a_fast_one_is_met():
    targets = _run(_row("slow_page", p95=80.0, rps=100.0), _row("fast_page", p95=30.0, rps=300.0))
    assert targets["p95"]["met"] is False and "slow_page (80 ms)" in targets["p95"]["detail"]
    assert "fast_page" not in targets["p95"]["detail"]
    assert targets["ceiling_share"]["met"] is False and "slow_page (20.0 %)" in targets["ceiling_share"]["detail"]
    assert targets["fixed_queries"]["met"] is True


def test_errors_are_a_miss_whatever_ran():
    failing = _row("page")
    failing["errors"] = 3
    assert _run(failing)["errors"]["met"] is False


def test_a_rare_refill_keeps_the_query_count_fixed_and_a_frequent_one_does_not():
    steady = _row("steady")
    steady["queries_counts"] = {"5": 995, "6": 5}  # the session's once-a-minute write
    wobbly = _row("wobbly")
    wobbly["queries_counts"] = {"5": 90, "7": 10}
    targets = _run(steady, wobbly)
    assert targets["fixed_queries"]["met"] is False
    assert "wobbly/county (5 (7 in 10.0 %))" in targets["fixed_queries"]["detail"]
    assert "steady" not in targets["fixed_queries"]["detail"]
    assert report._query_mix(steady) == "5 (6 in 0.5 %)"


def test_the_sessions_once_a_minute_writes_are_not_a_varying_count_however_slow_the_run():
    """16 users over 10 s write their sessions at most 32 times (first request, then once a
    minute): on a slow machine that is more than 1 % of the requests, and still fixed. A second
    extra statement, or more extra requests than the users can write, is not."""
    slow = _row("slow")
    slow["queries_counts"] = {"4": 800, "5": 20}  # 2.4 %, all within the session writes
    too_many = _row("too_many")
    too_many["queries_counts"] = {"4": 800, "5": 50}  # 18 more than 16 users can write in 10 s
    two_more = _row("two_more")
    two_more["queries_counts"] = {"4": 800, "6": 20}
    detail = _run(slow, too_many, two_more)["fixed_queries"]["detail"]
    assert "slow" not in detail
    assert "too_many/county" in detail and "two_more/county" in detail


def test_kept_pages_are_judged_apart_from_the_pages_built():
    """A kept page runs fewer statements than a built one (no view): each kind must be fixed
    on its own, and the table shows both."""
    kept = _row("kept")
    kept["queries_counts"] = {"6": 16}  # built: each user's first request
    kept["kept_queries_counts"], kept["kept_pct"] = {"2": 984}, 98.4
    wobbly_kept = _row("wobbly_kept")
    wobbly_kept["queries_counts"] = {"6": 16}
    wobbly_kept["kept_queries_counts"], wobbly_kept["kept_pct"] = {"2": 800, "4": 184}, 98.4
    detail = _run(kept, wobbly_kept)["fixed_queries"]["detail"]
    assert detail.startswith("wobbly_kept/county") and "; kept/county" not in detail
    assert report._kept_mix(kept) == "6 · kept 2 (98.4 %)"
