"""Every ballot type against hand-computed examples (rules/tally.py is pure: no database)."""

import pytest

from cocreate.decisions.rules import tally
from cocreate.decisions.rules.tally import BallotError

ABC = ["a", "b", "c"]


def test_yes_no_abstain_counts_and_plain_majority_of_votes_cast():
    # 4 yes, 2 no, 1 abstain (+ paper: 1 yes, 1 no): 5 of 9 cast → passed (5 > 4.5)
    ballots = [["yes"]] * 4 + [["no"]] * 2 + [["abstain"]]
    got = tally.yes_no_abstain(ballots, extra={"yes": 1, "no": 1})
    assert got == {"counts": {"yes": 5, "no": 3, "abstain": 1}, "cast": 9, "passed": True}
    # 3 yes, 2 no, 1 abstain: 3 of 6 is not more than half
    assert tally.yes_no_abstain([["yes"]] * 3 + [["no"]] * 2 + [["abstain"]])["passed"] is False


def test_plurality_winner_and_tie():
    assert tally.plurality(ABC, [["a"], ["b"], ["a"], ["c"]]) == {"counts": {"a": 2, "b": 1, "c": 1},
                                                                  "winners": ["a"]}
    assert tally.plurality(ABC, [["a"], ["b"]])["winners"] == ["a", "b"]
    assert tally.plurality(ABC, [])["winners"] == []


def test_approval_counts_with_paper_counts():
    got = tally.approval_counts(ABC, [["a", "b"], ["b"], ["b", "c"]], extra={"c": 2})
    assert got == {"counts": {"a": 1, "b": 3, "c": 3}, "winners": ["b", "c"]}


def test_check_ballot_per_kind():
    assert tally.check_ballot("yes_no", ["yes", "no", "abstain"], ["no"]) == ["no"]
    assert tally.check_ballot("approval", ABC, ["c", "a"], max_choices=2) == ["a", "c"]  # ballot order
    assert tally.check_ballot("ranked", ABC, ["c", "a"]) == ["c", "a"]  # preference order kept
    assert tally.check_ballot("budget", ABC, ["a", "b"], costs={"a": 50, "b": 50, "c": 80}, limit=100) == ["a", "b"]
    for kind, choices, kwargs in [
        ("single", ["a", "b"], {}), ("single", [], {}), ("single", ["z"], {}),
        ("approval", ["a", "b", "c"], {"max_choices": 2}), ("approval", [], {"max_choices": 2}),
        ("ranked", ["a", "a"], {}), ("ranked", [], {}),
        ("budget", ["a", "c"], {"costs": {"a": 50, "b": 50, "c": 80}, "limit": 100}),
    ]:
        with pytest.raises(BallotError):
            tally.check_ballot(kind, ABC, choices, **kwargs)


def test_irv_majority_after_transfers():
    # 9 ballots. Round 1: a 4, b 3, c 2 → no majority (need > 4.5); c eliminated, its 2 go to b.
    # Round 2: a 4, b 5 → b wins.
    rankings = [["a"]] * 4 + [["b", "a"]] * 3 + [["c", "b"]] * 2
    got = tally.instant_runoff(ABC, rankings)
    assert got.winner == "b"
    assert got.rounds == [{"a": 4, "b": 3, "c": 2}, {"a": 4, "b": 5}]
    assert got.eliminated == ["c"]
    assert not got.tie_broken_by_order


def test_irv_first_round_majority_and_exhausted_ballots():
    got = tally.instant_runoff(ABC, [["a"]] * 3 + [["b"]] + [["c"]])
    assert got.winner == "a" and len(got.rounds) == 1
    # a 2, b 2, c 1 (c ranks nothing else → exhausted). Round 2: a 2, b 2 of 4 active → tie.
    # Backwards tie-break: equal in round 1 too → the one listed last (b) goes; a wins.
    got = tally.instant_runoff(ABC, [["a"], ["a"], ["b"], ["b"], ["c"]])
    assert got.eliminated == ["c", "b"] and got.exhausted == [0, 1, 3]
    assert got.winner == "a" and got.tie_broken_by_order


def test_irv_backwards_tie_break_uses_the_previous_round():
    # Round 1: a 5, b 3, c 2, d 1 → d out, its ballot goes to c.
    # Round 2: a 5, b 3, c 3 → b and c tied for fewest; in round 1 c had fewer (2 < 3) → c out.
    # Round 3: c's three ballots are exhausted; a 5 of 8 active > 4 → a wins.
    rankings = [["a"]] * 5 + [["b"]] * 3 + [["c"]] * 2 + [["d", "c"]]
    got = tally.instant_runoff(["a", "b", "c", "d"], rankings)
    assert got.rounds == [{"a": 5, "b": 3, "c": 2, "d": 1}, {"a": 5, "b": 3, "c": 3}, {"a": 5, "b": 3}]
    assert got.eliminated == ["d", "c"] and got.exhausted == [0, 0, 3]
    assert got.winner == "a" and not got.tie_broken_by_order


def test_irv_no_ballots_has_no_winner():
    assert tally.instant_runoff(ABC, []).winner is None


def test_borda_points():
    # 3 options: first 2 points, second 1, third 0, unranked 0.
    # [a,b,c] a2 b1; [b,c,a] b2 c1; [b] b2 → a 2, b 5, c 1
    got = tally.borda(ABC, [["a", "b", "c"], ["b", "c", "a"], ["b"]])
    assert got == {"points": {"a": 2, "b": 5, "c": 1}, "winners": ["b"]}


def test_borda_can_differ_from_irv():
    # IRV: a 3, b 2, c 2 → (tie b/c, listed last c out) c's → b: a 3, b 4 → b.
    # Borda: a: 3×2 = 6; b: 2×2 + 3×1(from a ballots) + 2×1 = 9; c: 2×2 = 4 → b too; make a Borda-only winner:
    rankings = [["a", "b", "c"]] * 3 + [["c", "b", "a"]] * 2 + [["b", "a", "c"]]
    # IRV round 1: a 3, c 2, b 1 → b out → a 4, c 2 → a (4 > 3).  Borda: a 6+0+1=7, b 3+2+2=7, c 0+4+0=4 → tie a, b
    assert tally.instant_runoff(ABC, rankings).winner == "a"
    assert tally.borda(ABC, rankings) == {"points": {"a": 7, "b": 7, "c": 4}, "winners": ["a", "b"]}


def test_budget_greedy_within_the_limit():
    # Limit 100 000 fen. Votes: road 5 (60 000), lights 4 (30 000), bench 4 (20 000), mural 1 (50 000).
    # Order: road, bench (4 votes, cheaper than lights), lights → road 60k + bench 20k = 80k; lights 30k
    # does not fit (20k left); mural does not fit. Spent 80 000.
    options = ["road", "lights", "bench", "mural", "none"]
    costs = {"road": 60_000, "lights": 30_000, "bench": 20_000, "mural": 50_000, "none": 1}
    ballots = [["road", "lights"]] * 3 + [["road", "bench"]] * 2 + [["lights", "bench"]] + [["bench", "mural"]]
    got = tally.budget(options, costs, 100_000, ballots)
    assert got.counts == {"road": 5, "lights": 4, "bench": 4, "mural": 1, "none": 0}
    assert got.selected == ["road", "bench"]
    assert got.skipped == ["lights", "mural"]
    assert got.spent == 80_000
    assert "none" not in got.selected  # no votes, never funded even though it fits


def test_budget_with_paper_counts_changes_the_order():
    options, costs = ["x", "y"], {"x": 70, "y": 70}
    assert tally.budget(options, costs, 100, [["x"]]).selected == ["x"]
    assert tally.budget(options, costs, 100, [["x"]], extra={"y": 2}).selected == ["y"]


def test_unknown_options_and_negative_counts_are_refused():
    with pytest.raises(BallotError):
        tally.plurality(ABC, [["z"]])
    with pytest.raises(BallotError):
        tally.approval_counts(ABC, [], extra={"a": -1})
    with pytest.raises(BallotError):
        tally.borda(ABC, [["z"]])
