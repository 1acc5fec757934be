"""Participatory-budgeting allocation rules for approval ballots, as pure functions.

Every rule takes ``budget`` (int), ``costs`` (project id → int cost) and ``ballots`` (one approval set
per voter; empty sets still count as voters) and returns the selected project ids in selection order.
Money is integral (fen on our platform); the rules never round it.

The outcomes — tie-breaking included — are those of pabutools 1.2.3 (the reference implementation
of pabulib.org), which ``cocreate/decisions/tests/test_pb_rules.py`` checks on real Pabulib files:

* :func:`greedy_approval` — ``greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat)``;
* :func:`equal_shares` — ``method_of_equal_shares(instance, profile, sat_class=Cost_Sat)``;
* :func:`equal_shares_completed` — MES made exhaustive by budget increase, then greedy (see there).

Ties are broken by project id as a string (pabutools' default ``lexico_tie_breaking``).
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter, deque
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction
from itertools import accumulate, chain, compress, repeat
from math import gcd
from operator import itemgetter, mul, sub, truediv

__all__ = ["equal_shares", "equal_shares_completed", "greedy_approval"]

_EPS = 2.0**-52  # float64 rounding unit, with a factor 2 to spare


def greedy_approval(budget: int, costs: Mapping[str, int], ballots: Sequence[frozenset[str]]) -> list[str]:
    """Greedy by approval score: take projects by decreasing number of approvals, skipping any that no
    longer fits the remaining budget; ties go to the smaller project id.

    Same outcome as pabutools ``greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat)``.
    """
    _check_money(budget, costs)
    return _greedy_fill(budget, costs, _approval_scores(costs, ballots), [])


def equal_shares(budget: int, costs: Mapping[str, int], ballots: Sequence[frozenset[str]]) -> list[str]:
    """Method of Equal Shares with cost satisfaction (each voter's utility is the money spent on projects
    they approve).

    Every voter starts with ``budget / len(ballots)``.  In each round the project whose supporters can
    pay for it with the smallest per-unit payment ``rho / cost`` is bought, each supporter paying
    ``min(own budget, rho)``; ties go to the smaller project id.  It stops when no project is affordable,
    so it may leave money unspent.  Zero-cost projects bring zero cost-satisfaction and are never selected
    (the completed variant adds them).

    Same outcome as pabutools ``method_of_equal_shares(instance, profile, sat_class=Cost_Sat)``; the
    arithmetic is exact as with pabutools' default gmpy2 fractions.
    """
    _check_money(budget, costs)
    if not ballots:
        return []
    election = _Election(costs, ballots)
    return election.run(Fraction(budget, len(ballots)))


def equal_shares_completed(budget: int, costs: Mapping[str, int], ballots: Sequence[frozenset[str]]) -> list[str]:
    """MES (cost satisfaction) completed by budget increase, then by the greedy approval rule.

    MES is re-run with a virtual budget of ``budget * (1 + k/100)`` for k = 0, 1, 2, … (pabutools'
    default step, 1% of the budget).  It stops at the first outcome that no longer fits the real budget,
    returning the previous one, or at the first outcome that is exhaustive (no further project fits),
    returning it; the virtual budget never exceeds ``budget * (len(ballots) + 1)``.  If the result is not
    exhaustive, :func:`greedy_approval` fills the remaining budget.

    Same outcome as pabutools::

        completion_by_rule_combination(
            instance, profile,
            [exhaustion_by_budget_increase, greedy_utilitarian_welfare],
            [{"rule": method_of_equal_shares, "rule_params": {"sat_class": Cost_Sat}},
             {"sat_class": Cost_Sat}],
        )
    """
    _check_money(budget, costs)
    n = len(ballots)
    election = _Election(costs, ballots) if n else None
    # Once a share covers every voter's whole ballot, nobody can run short: MES then buys every supported
    # project of positive cost, for all larger budgets too, so pabutools' remaining steps (up to n + 1
    # times the budget) would all repeat this outcome.
    saturated = election.max_ballot_cost if election else 0
    previous: list[str] = []
    result = previous
    # Virtual budget budget * (100 + k) / 100, bounded by budget * (n + 1) as in pabutools.
    for k in range(100 * n + 1):
        outcome = election.run(Fraction(budget * (100 + k), 100 * n), stop_above=budget) if election else []
        spent = sum(costs[p] for p in outcome)
        if spent > budget:
            result = previous
            break
        result = outcome
        # A zero budget never grows (pabutools would loop for ever here): one run is all there is.
        if budget == 0 or _is_exhaustive(budget - spent, costs, outcome):
            break
        if budget * (100 + k) >= saturated * 100 * n:
            break
        previous = outcome
    if _is_exhaustive(budget - sum(costs[p] for p in result), costs, result):
        return list(result)
    return _greedy_fill(budget, costs, _approval_scores(costs, ballots), result)


# --- helpers ---------------------------------------------------------------------------------------


def _check_money(budget: int, costs: Mapping[str, int]) -> None:
    if budget < 0 or any(cost < 0 for cost in costs.values()):
        raise ValueError("the budget and the costs must not be negative")


def _approval_scores(costs: Mapping[str, int], ballots: Iterable[frozenset[str]]) -> Counter[str]:
    scores = Counter(chain.from_iterable(ballots))
    unknown = scores.keys() - costs.keys()
    if unknown:
        raise ValueError(f"ballots approve unknown project(s): {', '.join(sorted(unknown))}")
    return scores


def _greedy_fill(budget: int, costs: Mapping[str, int], scores: Mapping[str, int], start: list[str]) -> list[str]:
    chosen = set(start)
    remaining = budget - sum(costs[p] for p in start)
    # pabutools ranks by total cost-satisfaction / cost, i.e. the approval score; a zero-cost project has
    # zero cost-satisfaction and so ranks with score 0 (it always fits, so only the order is affected).
    order = sorted((p for p in costs if p not in chosen), key=lambda p: (-scores[p] if costs[p] else 0, p))
    selected = list(start)
    for p in order:
        if costs[p] <= remaining:
            selected.append(p)
            remaining -= costs[p]
    return selected


def _is_exhaustive(left: int, costs: Mapping[str, int], selected: Iterable[str]) -> bool:
    chosen = set(selected)
    return all(cost > left for p, cost in costs.items() if p not in chosen)


class _Election:
    """Ballots pre-processed once, so MES can be re-run cheaply for many starting budgets.

    Identical ballots are merged into groups.  For each project we keep its supporting groups (to move
    them between budget classes) and a list in which each group appears once per voter (so that the
    supporters' budgets can be gathered with C-level ``map`` calls instead of Python loops).
    """

    def __init__(self, costs: Mapping[str, int], ballots: Sequence[frozenset[str]]):
        self.costs = costs
        groups = Counter(ballots)
        unknown = set().union(*groups) - costs.keys()
        if unknown:
            raise ValueError(f"ballots approve unknown project(s): {', '.join(sorted(unknown))}")
        self.n_groups = len(groups)
        self.max_ballot_cost = max(sum(map(costs.__getitem__, ballot)) for ballot in groups)
        self.groups: dict[str, list[int]] = {p: [] for p in costs}
        self.voters: dict[str, list[int]] = {p: [] for p in costs}
        for g, (ballot, mult) in enumerate(groups.items()):
            for p in ballot:
                self.groups[p].append(g)
            if mult > 1:
                for p in ballot:
                    self.voters[p] += [g] * (mult - 1)
        for p, grps in self.groups.items():
            self.voters[p] += grps

    def run(self, share: Fraction, stop_above: int | None = None) -> list[str]:
        """One run of MES (cost satisfaction) in which every voter starts with ``share``.

        If the selected projects ever cost more than ``stop_above``, the run stops early (the caller then
        only needs to know that the outcome does not fit).

        Budgets: voters who paid for the same projects have the same budget, so they form a budget
        *class* (class 0: voters with nothing left).  Each class budget is kept exactly, as an integer
        number of ``1 / unit`` (``unit`` grows when a payment needs a finer one; a class remembers the
        unit it was written in, ``dens``, and is lifted to the current one on reading), and as a float.

        Each round, candidates are screened with floats (fast, C-level passes) carrying a proven error
        bound; only the projects whose interval can still be the minimum are evaluated exactly, and the
        winner, its payment and the new budgets are always exact.  So the outcome is the exact one.
        """
        costs = self.costs
        unit = share.denominator
        nums, dens, lift = [0, share.numerator], [unit, unit], {unit: 1}
        floats = [0.0, share.numerator / unit]
        cls = [1] * self.n_groups  # group -> class
        voters = dict(self.voters)  # lists are replaced (never mutated) when voters run out of money
        # A zero-cost project gives zero cost-satisfaction, so (as in pabutools) MES never selects it.
        selected: list[str] = []
        spent = 0
        live = {p for p, c in costs.items() if c > 0 and voters[p]}
        # Affordability (rho / cost) never decreases as budgets shrink, so a lower bound stays valid
        # across rounds: projects are screened by increasing bound, stopping once it beats the best.
        bound = {p: (1 - _EPS) / len(voters[p]) for p in live}

        def exact(p: str) -> tuple[int, int, list[int], list[int]] | None:
            """(rho numerator, rho denominator, payer classes, their budgets), poorest first, or None."""
            classes = Counter(map(cls.__getitem__, voters[p]))
            classes.pop(0, None)
            cs = list(classes)
            ex = list(map(mul, map(nums.__getitem__, cs), map(lift.__getitem__, map(dens.__getitem__, cs))))
            order = sorted(range(len(cs)), key=ex.__getitem__)
            bs = list(map(ex.__getitem__, order))
            ms = list(map(list(classes.values()).__getitem__, order))
            paid = list(accumulate(map(mul, bs, ms), initial=0))  # paid[i]: by the i poorest classes
            cost = costs[p] * unit
            if paid[-1] < cost:
                return None
            heads = list(accumulate(ms, initial=0))
            # Each supporter pays min(budget, rho): the first class i able to pay the equal share
            # (cost - paid[i]) / (voters in classes i..) pays it, as do all richer ones (monotone in i).
            lo, hi, total = 0, len(bs) - 1, heads[-1]
            while lo < hi:
                mid = (lo + hi) // 2
                if cost - paid[mid] <= (total - heads[mid]) * bs[mid]:
                    hi = mid
                else:
                    lo = mid + 1
            return cost - paid[lo], total - heads[lo], [cs[i] for i in order], bs

        while live:
            screened = []  # (lower bound, project)
            best_upper = float("inf")
            for p in sorted(live, key=bound.__getitem__):
                if bound[p] > best_upper:
                    break
                sup = voters[p]
                # Float screen, one entry per supporter: sorting plain floats beats grouping by class.
                bs = sorted(map(floats.__getitem__, map(cls.__getitem__, sup)))
                broke = bisect_right(bs, 0.0)  # only class 0 has a zero float budget
                if broke:
                    if broke * 4 > len(bs):  # forget voters with nothing left
                        voters[p] = list(compress(sup, map(cls.__getitem__, sup)))
                    bs = bs[broke:]
                paid = list(accumulate(bs, initial=0.0))  # paid[i]: by the i poorest supporters
                cost, size = costs[p], len(bs)
                if paid[-1] < cost * (1 - 2 * (size + 5) * _EPS):  # surely unaffordable, now and later
                    live.discard(p)
                    continue
                if paid[-1] <= cost * (1 + 2 * (size + 5) * _EPS):  # too close to call: decide exactly
                    screened.append((0.0, p))
                    continue
                # Same bisection as in exact(), with one entry per voter.  Where float rounding flips the
                # test, the budget there is within rounding of the equal share, so the rho found is off by
                # at most twice that rounding.
                lo, hi = 0, size - 1
                while lo < hi:
                    mid = (lo + hi) // 2
                    if cost - paid[mid] <= (size - mid) * bs[mid]:
                        hi = mid
                    else:
                        lo = mid + 1
                afford = (cost - paid[lo]) / (size - lo) / cost
                # Relative error bound: prefix sums of `size` terms (size roundings each at most the
                # cost) against rho >= cost / size, doubled for the bisection, with room to spare.
                err = 8 * ((size + 5) * size + 8) * _EPS
                bound[p] = afford * (1 - err)
                screened.append((bound[p], p))
                best_upper = min(best_upper, afford * (1 + err))
            # Exact evaluation of every project that may be (tied for) the cheapest; ties -> smaller id.
            best = None
            for lower, p in sorted(screened, key=itemgetter(1)):
                if lower > best_upper:
                    continue
                found = exact(p)
                if found is None:
                    live.discard(p)
                    continue
                num, den = found[0], found[1] * costs[p] * unit  # affordability = num / den
                bound[p] = num / den * (1 - _EPS)
                if best is None or num * best[1] < best[0] * den:
                    best = (num, den, p, found)
            if best is None:
                break
            q, (rho_num, rho_den, payers, budgets) = best[2], best[3]
            selected.append(q)
            live.discard(q)
            spent += costs[q]
            if stop_above is not None and spent > stop_above:
                break
            # Express rho in a unit fine enough for it to be an integer.
            g = gcd(rho_num, rho_den)
            factor, rho = rho_den // g, rho_num // g
            if factor != 1:
                unit *= factor
                lift = {d: x * factor for d, x in lift.items()}
                lift[unit] = 1
            # Payers are sorted by budget: the poorer ones pay all they have (back to class 0), the others
            # pay rho each and move to new classes.  C-level passes again; ``remap[0] = 0`` keeps the
            # voters who had nothing left where they are.
            budgets = list(map(mul, budgets, repeat(factor)))
            split = bisect_right(budgets, rho)
            rest = list(map(sub, budgets[split:], repeat(rho)))
            remap = dict.fromkeys(payers[:split], 0)
            remap[0] = 0
            remap.update(zip(payers[split:], range(len(nums), len(nums) + len(rest)), strict=True))
            nums += rest
            dens += repeat(unit, len(rest))
            floats += map(truediv, rest, repeat(unit))
            grp = self.groups[q]
            deque(map(cls.__setitem__, grp, map(remap.__getitem__, map(cls.__getitem__, grp))), maxlen=0)
        return selected
