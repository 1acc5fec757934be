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
