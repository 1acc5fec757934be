"""Participatory-budgeting rules: hand-computed cases, and equality with pabutools on real Pabulib files.

The Pabulib files live in ``shared/data/pabulib`` next to the repository; a clone without that folder
skips the file-based tests.  pabutools (a test dependency in ``requirements-dev.txt``) is the
reference.  Its own MES completion is slow on the largest files (about 5 CPU minutes on Warszawa
2020 Mokotow, ~1 minute on Ursynow and Wroclaw 9; ``bench/pb_rules.py`` times both); those cases
still run, so the comparisons take ~10 CPU minutes.  The rules are pure functions that touch no
database, so the comparisons run in the SQLite pass of CI and are skipped when DATABASE_URL is set.
"""

from __future__ import annotations

import io
import os
from functools import cache
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cocreate.decisions.rules.pabulib import APPROVAL_VOTE_TYPES, Instance, parse_pb, read_pb
from cocreate.decisions.rules.pb import equal_shares, equal_shares_completed, greedy_approval
from cocreate.decisions.rules.reference import pabutools_outcome

ONCE_PER_CI_RUN = pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")), reason="pure functions: compared with pabutools in the SQLite pass"
)
DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "pabulib"
RULES = {"greedy": greedy_approval, "mes": equal_shares, "mes-complete": equal_shares_completed}


def _vote_type(path: Path) -> str:
    for line in path.read_text(encoding="utf-8-sig").splitlines():
        key, _, value = line.partition(";")
        if key.strip() == "vote_type":
            return value.strip().lower()
        if key.strip().upper() == "PROJECTS":
            break
    return "approval"


def _files(approval: bool) -> list:
    if not DATA.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"no Pabulib data at {DATA}"))]
    files = sorted(DATA.glob("*.pb"), key=lambda p: p.stat().st_size)
    return [pytest.param(f, id=f.stem) for f in files if (_vote_type(f) in APPROVAL_VOTE_TYPES) == approval]


def _ballots(*groups: tuple[int, set[str]]) -> list[frozenset[str]]:
    """`(count, approved)` pairs -> ballot list."""
    return [frozenset(approved) for count, approved in groups for _ in range(count)]


# --- hand-computed examples ---------------------------------------------------------------------

# Four voters like A and C, two like B; budget 60, so 10 per voter under Equal Shares.
PROPORTIONAL = (60, {"A": 40, "B": 20, "C": 20}, _ballots((4, {"A", "C"}), (2, {"B"})))


def test_greedy_takes_by_approvals_and_skips_what_no_longer_fits():
    costs = {"a": 6, "b": 5, "c": 4}
    ballots = _ballots((2, {"a"}), (1, {"a", "b"}), (1, {"b", "c"}), (1, {"c"}))
    # a: 3 approvals, b and c: 2 (tie -> "b" first).  a (6) leaves 4: b (5) is skipped, c (4) fits.
    assert greedy_approval(10, costs, ballots) == ["a", "c"]
    assert greedy_approval(10, {"a": 6, "b": 4, "c": 4}, ballots) == ["a", "b"]  # tie goes to b
    assert greedy_approval(5, costs, ballots) == ["b"]  # a never fits; b before c; c no longer fits
    assert greedy_approval(0, {"free": 0, "x": 1}, []) == ["free"]


def test_mes_differs_from_greedy_by_giving_the_minority_its_share():
    budget, costs, ballots = PROPORTIONAL
    # Greedy: A and C both have 4 approvals (A first), A + C use the whole budget; B is left out.
    assert greedy_approval(budget, costs, ballots) == ["A", "C"]
    # MES: A costs each of its 4 supporters 10 (per-unit price 10/40), C 5 (5/20) -> tie, A by id.
    # A's supporters are then broke, so C is out of reach; B's 2 supporters pay 10 each.
    assert equal_shares(budget, costs, ballots) == ["A", "B"]


def test_mes_counts_empty_ballots_as_voters():
    assert equal_shares(10, {"a": 6}, [frozenset({"a"})]) == ["a"]
    # Two voters: 5 each, and a's only supporter cannot pay 6.
    assert equal_shares(10, {"a": 6}, [frozenset({"a"}), frozenset()]) == []
    assert equal_shares(10, {"a": 6}, []) == []


# Five voters, 10 each: v1, v2 like P and Q; v3, v4 like P; v5 likes Q and R.
POOR = [frozenset({"P", "Q"})] * 2 + [frozenset({"P"})] * 2 + [frozenset({"Q", "R"})]


def test_mes_lets_poorer_supporters_pay_all_they_have():
    # Round 1: P (8) costs its 4 supporters 2 each, per-unit price 2/8; Q (25) would be 25/3 / 25.
    # Round 2: v1, v2 have 8 left, v5 has 10.  Q's equal share 25/3 > 8, so v1 and v2 pay 8 and v5
    # pays 9: price 9/25, better than R's 9/9.  v5 then has 1 left, not enough for R.
    assert equal_shares(50, {"P": 8, "Q": 25, "R": 9}, POOR) == ["P", "Q"]
    # Q at 26 takes everything its supporters have (8 + 8 + 10).
    assert equal_shares(50, {"P": 8, "Q": 26, "R": 9}, POOR) == ["P", "Q"]
    # Q at 27 is beyond them for good, so R is bought instead.
    assert equal_shares(50, {"P": 8, "Q": 27, "R": 9}, POOR) == ["P", "R"]


def test_completion_by_budget_increase_adds_a_project():
    costs, ballots = {"X": 6, "Y": 4}, [frozenset({"X"}), frozenset({"Y"})]
    # Plain MES: 5 per voter, X (6) is out of reach, Y is bought; 6 is left, enough for X.
    assert equal_shares(10, costs, ballots) == ["Y"]
    # At +20% (6 per voter) X and Y tie at per-unit price 1 -> X, then Y: all 10 spent, exhaustive.
    assert equal_shares_completed(10, costs, ballots) == ["X", "Y"]


def test_completion_falls_back_to_greedy_when_raising_overshoots():
    costs = {"X": 6, "Y": 6, "Z": 4}
    ballots = [frozenset({"X", "Z"}), frozenset({"Y", "Z"})]
    assert equal_shares(10, costs, ballots) == ["Z"]  # Z costs 2 each, 3 left each, X and Y out of reach
    # At +60% (8 each) X and Y both become affordable: Z, X, Y cost 16 > 10, so the +59% outcome [Z]
    # is kept and greedy adds X (1 approval, tied with Y, id order) in the 6 left.
    assert equal_shares_completed(10, costs, ballots) == ["Z", "X"]


def test_completion_of_an_already_exhaustive_outcome_changes_nothing():
    budget, costs, ballots = PROPORTIONAL
    assert equal_shares_completed(budget, costs, ballots) == ["A", "B"]


@pytest.mark.parametrize("rule", list(RULES))
def test_negative_money_is_rejected(rule):
    with pytest.raises(ValueError, match="negative"):
        RULES[rule](-1, {"a": 1}, [frozenset({"a"})])
    with pytest.raises(ValueError, match="negative"):
        RULES[rule](1, {"a": -1}, [frozenset({"a"})])


def test_unknown_projects_in_ballots_are_rejected():
    with pytest.raises(ValueError, match="unknown"):
        equal_shares(10, {"a": 1}, [frozenset({"b"})])
    with pytest.raises(ValueError, match="unknown"):
        greedy_approval(10, {"a": 1}, [frozenset({"b"})])


HAND_CASES = [
    pytest.param(*PROPORTIONAL, id="proportional"),
    pytest.param(10, {"X": 6, "Y": 4}, [frozenset({"X"}), frozenset({"Y"})], id="budget-increase"),
    pytest.param(10, {"X": 6, "Y": 6, "Z": 4}, [frozenset({"X", "Z"}), frozenset({"Y", "Z"})], id="greedy-fill"),
    pytest.param(50, {"P": 8, "Q": 25, "R": 9}, POOR, id="poor"),
    pytest.param(10, {"a": 6, "free": 0, "nobody": 0}, [frozenset({"a", "free"}), frozenset()], id="zero-cost"),
]


@pytest.mark.parametrize(("budget", "costs", "ballots"), HAND_CASES)
@pytest.mark.parametrize("rule", list(RULES))
def test_hand_cases_agree_with_pabutools(rule, budget, costs, ballots):
    text = "META\nkey;value\nvote_type;approval\nbudget;{}\nPROJECTS\nproject_id;cost\n{}\nVOTES\nvoter_id;vote\n{}\n"
    text = text.format(
        budget,
        "\n".join(f"{p};{c}" for p, c in costs.items()),
        "\n".join(f"{i};{','.join(sorted(b))}" for i, b in enumerate(ballots)),
    )
    assert set(RULES[rule](budget, costs, ballots)) == _pabutools(rule, text)


# --- parser -------------------------------------------------------------------------------------

SMALL = (
    '\ufeffMETA\r\nkey;value\r\ndescription;"Test; with a semicolon"\r\nvote_type;approval\r\n'
    'budget;1000.0\r\nPROJECTS\r\nproject_id;cost;votes;name\r\n1;600;2;"Odkupmy" i my\r\n'
    "2;400,0;1;Park\r\n3;500;0;None\r\nVOTES\r\nvoter_id;vote\r\n10;1,2\r\n11;1\r\n12;\r\n"
)


def test_parse_small_file():
    inst = parse_pb(SMALL.lstrip("\ufeff"))
    assert inst == Instance(
        budget=1000,
        projects={"1": 600, "2": 400, "3": 500},
        ballots=[frozenset({"1", "2"}), frozenset({"1"}), frozenset()],
        meta={"description": "Test; with a semicolon", "vote_type": "approval", "budget": "1000.0"},
        scale=1,
    )


def test_read_strips_bom(tmp_path):
    path = tmp_path / "small.pb"
    path.write_bytes(SMALL.encode("utf-8"))
    assert read_pb(path).budget == 1000


def test_decimal_amounts_are_scaled_not_rounded():
    text = "META\nkey;value\nvote_type;approval\nbudget;308151.26\nPROJECTS\nproject_id;cost\na;50000.5\nb;7\n"
    inst = parse_pb(text + "VOTES\nvoter_id;vote\n1;a\n")
    assert (inst.budget, inst.projects, inst.scale) == (30815126, {"a": 5000050, "b": 700}, 100)


def test_choose_one_ballots_are_approval_ballots():
    text = "META\nkey;value\nvote_type;choose-1\nbudget;5\nPROJECTS\nproject_id;cost\na;5\nVOTES\nvoter_id;vote\n1;a\n"
    assert parse_pb(text).ballots == [frozenset({"a"})]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("META\nkey;value\nvote_type;cumulative\nbudget;5\nPROJECTS\nproject_id;cost\na;5\n", "cumulative"),
        ("META\nkey;value\nvote_type;approval\nPROJECTS\nproject_id;cost\na;5\n", "budget"),
        ("META\nkey;value\nbudget;5\nPROJECTS\nproject_id;cost\na;five\n", "not a number"),
        ("META\nkey;value\nbudget;5\nPROJECTS\nproject_id;cost\na;-5\n", "non-negative"),
        ("META\nkey;value\nbudget;5\nPROJECTS\nproject_id;cost\na;5\na;6\n", "duplicate"),
        ("META\nkey;value\nbudget;5\nPROJECTS\nproject_id;cost\na;5\nVOTES\nvoter_id;vote\n1;a,b\n", "unknown"),
        ("META\nkey;value\nbudget;5\nPROJECTS\nproject_id;name\na;x\n", "cost"),
        ("hello;world\n", "before the first"),
        ("", "META and PROJECTS"),
    ],
)
def test_parse_errors(text, message):
    with pytest.raises(ValueError, match=message):
        parse_pb(text)


# --- real Pabulib files against pabutools -------------------------------------------------------


@cache
def _pabutools(rule: str, source: str) -> set[str]:
    """Outcome of pabutools (cached: several tests share it)."""
    return pabutools_outcome(rule, source)


@pytest.mark.parametrize("path", _files(approval=True))
@pytest.mark.parametrize("rule", list(RULES))
@ONCE_PER_CI_RUN
def test_same_outcome_as_pabutools(rule, path):
    inst = read_pb(path)
    ours = RULES[rule](inst.budget, inst.projects, inst.ballots)
    assert len(ours) == len(set(ours))
    assert sum(inst.projects[p] for p in ours) <= inst.budget
    assert set(ours) == _pabutools(rule, str(path))


@pytest.mark.parametrize("path", _files(approval=False))
def test_other_vote_types_are_refused(path):
    with pytest.raises(ValueError, match="not supported"):
        read_pb(path)


@pytest.mark.parametrize("path", _files(approval=True)[:1])
def test_command_prints_sorted_selection(path):
    out = io.StringIO()
    call_command("pb_allocate", str(path), "--rule", "mes", stdout=out)
    inst = read_pb(path)
    assert out.getvalue().splitlines() == sorted(equal_shares(inst.budget, inst.projects, inst.ballots))


def test_command_on_a_small_file(tmp_path):
    path = tmp_path / "small.pb"
    path.write_text(SMALL, encoding="utf-8")
    out = io.StringIO()
    call_command("pb_allocate", str(path), "--rule", "greedy", stdout=out)
    assert out.getvalue().splitlines() == ["1", "2"]


def test_command_rejects_bad_files(tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        call_command("pb_allocate", str(tmp_path / "missing.pb"))
    bad = tmp_path / "bad.pb"
    bad.write_text("META\nkey;value\nvote_type;ordinal\nbudget;1\nPROJECTS\nproject_id;cost\na;1\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"not a usable Pabulib file.*ordinal"):
        call_command("pb_allocate", str(bad), "--rule", "mes")
