"""Tally rules for ballots, as pure functions (no Django): reward funds and other apps reuse them.

Options are identified by strings and listed in their ballot order (``options``); that order is
the last tie-break everywhere, so a result never depends on dict or set ordering.  A ballot is
the list of option ids the voter chose, in their order of preference for ranked ballots.
``extra`` carries per-option counts from paper ballots or a show of hands (already checked by
the caller: counts for known options only); they add to the online counts.

Every function returns plain data (dicts, lists, ints) ready for a template, a chart or JSON.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

YES, NO, ABSTAIN = "yes", "no", "abstain"
YES_NO_ABSTAIN = (YES, NO, ABSTAIN)

__all__ = [
    "ABSTAIN", "NO", "YES", "YES_NO_ABSTAIN", "BudgetResult", "IrvResult", "approval_counts", "borda",
    "budget", "check_ballot", "instant_runoff", "plurality", "yes_no_abstain",
]


class BallotError(ValueError):
    """A ballot that breaks the rules of its type (unknown option, too many choices, over budget)."""


def _counts(options: Sequence[str], ballots: Sequence[Sequence[str]],
            extra: Mapping[str, int] | None = None) -> dict[str, int]:
    counts = dict.fromkeys(options, 0)
    for ballot in ballots:
        for choice in set(ballot):
            if choice not in counts:
                raise BallotError(f"unknown option {choice!r}")
            counts[choice] += 1
    for choice, n in (extra or {}).items():
        if choice not in counts or n < 0:
            raise BallotError(f"bad extra count for {choice!r}")
        counts[choice] += n
    return counts


def _leaders(options: Sequence[str], counts: Mapping[str, int]) -> list[str]:
    """The options with the highest count (several when tied), in ballot order; none if all are 0."""
    top = max(counts.values(), default=0)
    return [o for o in options if top and counts[o] == top]


def check_ballot(kind: str, options: Sequence[str], choices: Sequence[str], *, max_choices: int = 1,
                 costs: Mapping[str, int] | None = None, limit: int = 0) -> list[str]:
    """The ballot, normalised, or BallotError. Kinds: yes_no, single, approval, ranked, budget."""
    choices = [str(c) for c in choices]
    if len(set(choices)) != len(choices):
        raise BallotError("an option is chosen twice")
    unknown = set(choices) - set(options)
    if unknown:
        raise BallotError(f"unknown option(s) {sorted(unknown)}")
    if kind in ("yes_no", "single") and len(choices) != 1:
        raise BallotError("choose exactly one")
    if kind == "approval" and not 1 <= len(choices) <= max_choices:
        raise BallotError(f"choose between 1 and {max_choices}")
    if kind == "ranked" and not choices:
        raise BallotError("rank at least one option")
    if kind == "budget":
        if not choices:
            raise BallotError("choose at least one option")
        if sum((costs or {})[c] for c in choices) > limit:
            raise BallotError("the chosen options cost more than the limit")
    if kind not in ("yes_no", "single", "approval", "ranked", "budget"):
        raise BallotError(f"unknown ballot kind {kind!r}")
    if kind == "ranked":
        return choices
    return [o for o in options if o in choices]  # unordered kinds: keep the ballot order


def yes_no_abstain(ballots: Sequence[Sequence[str]], extra: Mapping[str, int] | None = None) -> dict:
    """Counts of yes, no and abstain. ``passed`` is a plain majority of the votes cast
    (abstentions count as cast and not as yes: yes > (yes + no + abstain) / 2); procedures
    (quorum, art. 278) are applied by rules/procedures.py on top of these counts."""
    counts = _counts(YES_NO_ABSTAIN, ballots, extra)
    cast = sum(counts.values())
    return {"counts": counts, "cast": cast, "passed": 2 * counts[YES] > cast}


def plurality(options: Sequence[str], ballots: Sequence[Sequence[str]],
              extra: Mapping[str, int] | None = None) -> dict:
    """Single choice: the most votes wins; a tie gives several ``winners`` (no tie-break: a
    tie is announced as such and settled by the procedure, e.g. a second round)."""
    counts = _counts(options, ballots, extra)
    return {"counts": counts, "winners": _leaders(options, counts)}


def approval_counts(options: Sequence[str], ballots: Sequence[Sequence[str]],
                    extra: Mapping[str, int] | None = None) -> dict:
    """Approval (up to k): each option's number of approvals; the most approved win (ties: several)."""
    counts = _counts(options, ballots, extra)
    return {"counts": counts, "winners": _leaders(options, counts)}


@dataclass
class IrvResult:
    winner: str | None
    rounds: list[dict[str, int]] = field(default_factory=list)  # continuing options → votes, per round
    eliminated: list[str] = field(default_factory=list)  # in order of elimination
    exhausted: list[int] = field(default_factory=list)  # ballots with no continuing option, per round
    tie_broken_by_order: bool = False


def instant_runoff(options: Sequence[str], rankings: Sequence[Sequence[str]]) -> IrvResult:
    """Instant-runoff voting. Each round counts every ballot for its highest-ranked continuing
    option; an option with more than half of the continuing (non-exhausted) ballots wins.
    Otherwise the option with the fewest votes is eliminated.

    Tie-break for elimination (documented, deterministic): among the options tied for fewest
    votes, eliminate the one with fewer votes in the previous round, going back round by round
    (the "backwards" rule); if they were tied in every round, eliminate the one listed LAST on
    the ballot, and say so (``tie_broken_by_order``). When a single option is left it wins.
    No ballots at all: no winner.
    """
    result = IrvResult(winner=None)
    continuing = list(options)
    if not any(rankings):
        return result
    while continuing:
        tally = dict.fromkeys(continuing, 0)
        exhausted = 0
        for ranking in rankings:
            top = next((c for c in ranking if c in tally), None)
            if top is None:
                exhausted += 1
            else:
                tally[top] += 1
        result.rounds.append(tally)
        result.exhausted.append(exhausted)
        active = sum(tally.values())
        leader = max(continuing, key=lambda o: tally[o])
        if len(continuing) == 1 or (active and 2 * tally[leader] > active):
            result.winner = leader
            return result
        loser = _irv_loser(continuing, result)
        continuing.remove(loser)
        result.eliminated.append(loser)
    return result  # pragma: no cover - the loop always returns once one option is left


def _irv_loser(continuing: list[str], result: IrvResult) -> str:
    current = result.rounds[-1]
    fewest = min(current[o] for o in continuing)
    tied = [o for o in continuing if current[o] == fewest]
    for earlier in reversed(result.rounds[:-1]):
        if len(tied) == 1:
            break
        low = min(earlier.get(o, 0) for o in tied)
        tied = [o for o in tied if earlier.get(o, 0) == low]
    if len(tied) > 1:
        result.tie_broken_by_order = True
    return tied[-1]


def borda(options: Sequence[str], rankings: Sequence[Sequence[str]]) -> dict:
    """Borda count with n options: a ballot gives n-1 points to its first choice, n-2 to the
    second, … and 0 to the options it leaves unranked. Most points wins (ties: several)."""
    n = len(options)
    points = dict.fromkeys(options, 0)
    for ranking in rankings:
        for position, choice in enumerate(ranking):
            if choice not in points:
                raise BallotError(f"unknown option {choice!r}")
            points[choice] += n - 1 - position
    return {"points": points, "winners": _leaders(options, points)}


@dataclass
class BudgetResult:
    counts: dict[str, int]
    selected: list[str]  # in order of selection
    spent: int
    limit: int
    skipped: list[str] = field(default_factory=list)  # had votes, did not fit in what was left


def budget(options: Sequence[str], costs: Mapping[str, int], limit: int, ballots: Sequence[Sequence[str]],
           extra: Mapping[str, int] | None = None) -> BudgetResult:
    """Budget ballot (each ballot chose options within the cost limit): rank the options by votes,
    then take them greedily while they fit in what is left of the limit. Ties in votes go to the
    cheaper option, then to the one listed first. Options nobody voted for are never selected.

    Not pb.greedy_approval: that mirrors pabutools, which also funds projects with no votes and
    ranks zero-cost projects last; a residents' ballot funds only what residents chose.
    Costs and the limit are integer fen.
    """
    if limit < 0 or any(costs[o] < 0 for o in options):
        raise BallotError("the limit and the costs must not be negative")
    counts = _counts(options, ballots, extra)
    position = {o: i for i, o in enumerate(options)}
    order = sorted((o for o in options if counts[o] > 0), key=lambda o: (-counts[o], costs[o], position[o]))
    selected, skipped, left = [], [], limit
    for option in order:
        if costs[option] <= left:
            selected.append(option)
            left -= costs[option]
        else:
            skipped.append(option)
    return BudgetResult(counts=counts, selected=selected, spent=limit - left, limit=limit, skipped=skipped)


def first_choices(rankings: Sequence[Sequence[str]]) -> Counter[str]:
    """First preferences of ranked ballots (for the chart)."""
    return Counter(r[0] for r in rankings if r)
