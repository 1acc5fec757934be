"""core/generations.py: a bump makes cached values stale at once; a missing row is never kept."""

from cocreate.core import generations


def test_a_bump_makes_the_cached_value_stale(db):  # the second bump waits for the commit
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    assert generations.cached("test:thing", "k", compute, 60) == 1
    assert generations.cached("test:thing", "k", compute, 60) == 1  # from the cache
    generations.bump("test:thing")
    assert generations.cached("test:thing", "k", compute, 60) == 2


def test_kept_does_not_keep_a_missing_value():
    answers = iter([None, "node"])
    assert generations.kept("test:node:1", lambda: next(answers), 60) is None
    assert generations.kept("test:node:1", lambda: next(answers), 60) == "node"
    assert generations.kept("test:node:1", lambda: "other", 60) == "node"


def test_a_value_computed_under_an_old_generation_is_never_taken(db):
    """A reader that computed before a write and stored after it (a slow request) leaves a
    value the next reader recomputes."""
    assert generations.cached("test:race", "k", lambda: "before", 60) == "before"
    generations.bump("test:race")
    from django.core.cache import cache

    cache.set("test:race:k", (generations.current("test:race") - 1, "before"), 60)  # the slow reader's store
    assert generations.cached("test:race", "k", lambda: "after", 60) == "after"
