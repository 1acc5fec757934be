"""The 以奖代补 rules as pure functions: the award of one application, with its working line by
line, and the allocation of a pool among applications (score order, proportional, or the
participatory-budgeting rules of `cocreate/decisions/rules/pb.py`).

Money is integer fen everywhere; rates and shares are integer per-mille. Every division rounds
DOWN to the fen (labour revaluation and the award rate), so the working can be checked by hand
and the platform never pays out a fraction of a fen more than the rules give.

A line of the working is a `Line(code, params)`: the code names the step and the params are
plain integers and strings, so the line is stored as JSON and worded (in the reader's language)
only when it is shown (`funds/wording.py`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from cocreate.decisions.rules import pb

PERMILLE = 1000
KINDS = ("cash", "labour", "materials", "land", "equipment")

SCORE, PROPORTIONAL, GREEDY, MES, MES_COMPLETE = "score", "proportional", "greedy", "mes", "mes_complete"
METHODS = (SCORE, PROPORTIONAL, GREEDY, MES, MES_COMPLETE)
PB_METHODS = (GREEDY, MES, MES_COMPLETE)


@dataclass(frozen=True)
class Rules:
    rate_permille: int
    counted_kinds: frozenset[str]
    min_share_permille: int = 0
    cap_project_fen: int | None = None
    cap_community_fen: int | None = None
    labour_day_fen: int | None = None  # None: keep the ledger's own labour value
    hours_per_day: int = 8


@dataclass(frozen=True)
class KindAmount:
    """Confirmed ledger totals of one contribution kind (reversals included)."""

    value_fen: int = 0
    hours: int = 0


@dataclass(frozen=True)
class Line:
    code: str
    params: dict = field(default_factory=dict)

    def as_json(self) -> dict:
        return {"code": self.code, **self.params}


@dataclass(frozen=True)
class Award:
    award_fen: int
    eligible_fen: int
    lines: tuple[Line, ...]
    refused: bool = False  # below the minimum self-raised share (or no budget to measure it)

    def working(self) -> list[dict]:
        return [line.as_json() for line in self.lines]


def labour_value(hours: int, day_fen: int, hours_per_day: int) -> int:
    """hours × day value ÷ hours per day, rounded down to the fen."""
    if hours_per_day <= 0:
        raise ValueError("a working day has hours")
    return max(hours, 0) * day_fen // hours_per_day


def compute_award(*, rules: Rules, totals: Mapping[str, KindAmount], project_budget_fen: int, requested_fen: int,
                  community_other_fen: int = 0) -> Award:
    """The award of one application, with every step of the working.

    1. eligible self-raised value: each counted kind's confirmed value (labour revalued at the
       pool's day value when it sets one); kinds the pool does not count are listed as such;
    2. the minimum self-raised share: eligible value ÷ project budget ≥ the minimum, else no award;
    3. × the award rate (rounded down);
    4. capped by the amount requested, the per-project cap, and the per-community cap minus the
       community's other awards in the pool.
    """
    if rules.rate_permille < 0 or requested_fen < 0 or project_budget_fen < 0:
        raise ValueError("rates and amounts must not be negative")
    lines: list[Line] = []
    eligible = 0
    for kind in KINDS:
        amount = totals.get(kind)
        if amount is None or (amount.value_fen == 0 and amount.hours == 0):
            continue
        value = max(amount.value_fen, 0)
        if kind not in rules.counted_kinds:
            lines.append(Line("not_counted", {"kind": kind, "value": value}))
            continue
        if kind == "labour" and rules.labour_day_fen is not None:
            value = labour_value(amount.hours, rules.labour_day_fen, rules.hours_per_day)
            lines.append(Line("labour", {"hours": max(amount.hours, 0), "hours_per_day": rules.hours_per_day,
                                         "day": rules.labour_day_fen, "value": value}))
        else:
            lines.append(Line("kind", {"kind": kind, "value": value}))
        eligible += value
    lines.append(Line("eligible", {"value": eligible}))

    if rules.min_share_permille > 0:
        if project_budget_fen <= 0:
            lines.append(Line("no_budget", {"minimum": rules.min_share_permille}))
            lines.append(Line("award", {"value": 0}))
            return Award(0, eligible, tuple(lines), refused=True)
        share_ok = eligible * PERMILLE >= rules.min_share_permille * project_budget_fen
        lines.append(Line("share", {"eligible": eligible, "budget": project_budget_fen,
                                    "share": eligible * PERMILLE // project_budget_fen,
                                    "minimum": rules.min_share_permille, "ok": share_ok}))
        if not share_ok:
            lines.append(Line("award", {"value": 0}))
            return Award(0, eligible, tuple(lines), refused=True)

    award = eligible * rules.rate_permille // PERMILLE
    lines.append(Line("rate", {"eligible": eligible, "rate": rules.rate_permille, "value": award}))
    if award > requested_fen:
        award = requested_fen
        lines.append(Line("cap_request", {"cap": requested_fen, "value": award}))
    if rules.cap_project_fen is not None and award > rules.cap_project_fen:
        award = rules.cap_project_fen
        lines.append(Line("cap_project", {"cap": rules.cap_project_fen, "value": award}))
    if rules.cap_community_fen is not None:
        room = max(rules.cap_community_fen - max(community_other_fen, 0), 0)
        if award > room:
            award = room
            lines.append(Line("cap_community", {"cap": rules.cap_community_fen, "others": community_other_fen,
                                                "room": room, "value": award}))
    lines.append(Line("award", {"value": award}))
    return Award(award, eligible, tuple(lines))


# --- allocation ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Candidate:
    key: str  # stable id, ordered like the application ids (zero-padded)
    award_fen: int  # what the rules give: the cost of funding it in full
    score: int = 0
    approvals: int = 0


@dataclass(frozen=True)
class Decision:
    key: str
    amount_fen: int
    reason: str  # a code worded by funds/wording.py
    params: dict = field(default_factory=dict)


def allocate(method: str, budget_fen: int, candidates: Sequence[Candidate],
             ballots: Sequence[frozenset[str]] = ()) -> list[Decision]:
    """One decision per candidate, in the candidates' order. The amounts never add up to more
    than the budget. A candidate with no award gets nothing (`no_award`)."""
    if budget_fen < 0 or any(c.award_fen < 0 for c in candidates):
        raise ValueError("the budget and the awards must not be negative")
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}")
    live = [c for c in candidates if c.award_fen > 0]
    total = sum(c.award_fen for c in live)
    if method == SCORE:
        decided = _by_score(budget_fen, live)
    elif method == PROPORTIONAL:
        decided = _proportional(budget_fen, live, total)
    else:
        decided = _participatory(method, budget_fen, live, ballots)
    out = [decided.get(c.key) or Decision(c.key, 0, "no_award") for c in candidates]
    if sum(d.amount_fen for d in out) > budget_fen:  # cannot happen; never let it through
        raise ArithmeticError("an allocation exceeded the budget")
    return out


def _by_score(budget: int, live: Sequence[Candidate]) -> dict[str, Decision]:
    """Highest score first (ties: the earlier application); each is funded in full while it fits
    in what is left; one that does not fit is passed over and the next may still fit."""
    left, out = budget, {}
    ranked = sorted(live, key=lambda c: (-c.score, c.key))
    for rank, c in enumerate(ranked, start=1):
        if c.award_fen <= left:
            left -= c.award_fen
            out[c.key] = Decision(c.key, c.award_fen, "score_funded", {"rank": rank, "score": c.score})
        else:
            out[c.key] = Decision(c.key, 0, "score_no_room", {"rank": rank, "score": c.score, "left": left})
    return out


def _proportional(budget: int, live: Sequence[Candidate], total: int) -> dict[str, Decision]:
    """Everyone in full when the pool suffices; otherwise each award × budget ÷ total, rounded down,
    and the fen left by the rounding go one each to the largest remainders (ties: the earlier)."""
    if total <= budget:
        return {c.key: Decision(c.key, c.award_fen, "full") for c in live}
    shares = {c.key: divmod(c.award_fen * budget, total) for c in live}
    left = budget - sum(q for q, _r in shares.values())
    bonus = {key for key, _ in sorted(shares.items(), key=lambda kv: (-kv[1][1], kv[0]))[:left]}
    return {c.key: Decision(c.key, shares[c.key][0] + (1 if c.key in bonus else 0), "proportional",
                            {"award": c.award_fen, "budget": budget, "total": total})
            for c in live}


def _participatory(method: str, budget: int, live: Sequence[Candidate],
                   ballots: Sequence[frozenset[str]]) -> dict[str, Decision]:
    costs = {c.key: c.award_fen for c in live}
    known = set(costs)
    votes = [frozenset(b & known) for b in ballots]
    approvals = {c.key: sum(1 for b in votes if c.key in b) for c in live}
    if method == GREEDY:
        chosen = pb.greedy_approval(budget, costs, votes)
    elif method == MES:
        chosen = pb.equal_shares(budget, costs, votes)
    else:
        chosen = pb.equal_shares_completed(budget, costs, votes)
    plain = set(pb.equal_shares(budget, costs, votes)) if method == MES_COMPLETE else set()
    out = {}
    for order, key in enumerate(chosen, start=1):
        reason = {GREEDY: "greedy_funded", MES: "mes_funded"}.get(method) or (
            "mes_funded" if key in plain else "completion_funded")
        out[key] = Decision(key, costs[key], reason, {"approvals": approvals[key], "order": order,
                                                      "voters": len(votes)})
    left = budget - sum(costs[k] for k in chosen)
    for c in live:
        if c.key not in out:
            # Greedy passes over only what no longer fits; MES may also leave out what its
            # supporters' equal shares cannot pay for, though the money is there.
            reason = "no_room" if c.award_fen > left else "mes_not_chosen"
            out[c.key] = Decision(c.key, 0, reason, {"approvals": approvals[c.key], "voters": len(votes),
                                                     "left": left})
    return out
