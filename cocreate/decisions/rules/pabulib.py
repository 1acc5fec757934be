"""Reader for Pabulib ``.pb`` files (participatory-budgeting instances, pabulib.org/format).

A file has three sections, each opened by a line ``META``, ``PROJECTS`` or ``VOTES`` followed by a header
line; rows are ``;``-separated CSV (fields may be double-quoted).  Only what the allocation rules in
:mod:`cocreate.decisions.rules.pb` need is kept: the budget, the project costs and the approval ballots.

Vote types: ``approval`` and ``choose-1`` (an approval ballot of size one — pabutools reads it the same
way) are accepted; ``cumulative``, ``scoring`` and ``ordinal`` raise :class:`ValueError`, because reading
points or ranks as plain approval would silently change the election.

Money: rules work on integers (our platform counts fen).  Budgets and costs written as ``1000000.0`` are
read as ``1000000``.  Some files carry real decimals (``budget;308151.26``); then *every* amount in the
file is multiplied by the same power of ten (``Instance.scale``, e.g. 100 for grosz) so that nothing is
rounded.  All rules here are invariant under such a common scaling, so outcomes stay identical to those
computed on the decimal amounts.  Constraints such as ``min_length`` or ``max_sum_cost`` stay in ``meta``
and are not enforced.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

__all__ = ["APPROVAL_VOTE_TYPES", "Instance", "parse_pb", "read_pb"]

APPROVAL_VOTE_TYPES = frozenset({"approval", "choose-1"})
_SECTIONS = frozenset({"meta", "projects", "votes"})


@dataclass(frozen=True)
class Instance:
    """A parsed approval instance.

    ``budget`` and the values of ``projects`` (project id → cost) are integers in units of
    ``1 / scale`` of the file's currency; ``scale`` is 1 unless the file used decimal amounts.
    ``ballots`` has one (possibly empty) approval set per voter, in file order; empty ballots are
    kept because they still count as voters (they get a share of the budget under Equal Shares).
    """

    budget: int
    projects: dict[str, int]
    ballots: list[frozenset[str]]
    meta: dict[str, str] = field(default_factory=dict)
    scale: int = 1


def read_pb(path: str | Path) -> Instance:
    """Read and parse a ``.pb`` file (UTF-8, an optional BOM is ignored)."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return parse_pb(fh.read())


def parse_pb(text: str) -> Instance:
    """Parse the text of a ``.pb`` file; raise :class:`ValueError` with a line number on bad input."""
    meta: dict[str, str] = {}
    raw_costs: dict[str, Decimal] = {}
    raw_votes: list[tuple[int, str]] = []  # (line number, vote cell)
    seen: set[str] = set()
    section = ""
    header: list[str] = []
    col: dict[str, int] = {}
    expect_header = False

    # str.splitlines() copes with CRLF files; csv handles quoted names such as `"Odkupmy" i my`.
    for lineno, row in enumerate(csv.reader(text.splitlines(), delimiter=";"), start=1):
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        first = row[0].strip().lower()
        if first in _SECTIONS and len([c for c in row if c.strip()]) == 1:
            if first in seen:
                raise ValueError(f"line {lineno}: section {first.upper()} appears twice")
            seen.add(first)
            section, expect_header = first, True
            continue
        if expect_header:
            header = [h.strip().lower() for h in row]
            col = {name: i for i, name in enumerate(header)}
            expect_header = False
            if section == "projects" and "cost" not in col:
                raise ValueError(f"line {lineno}: PROJECTS header has no 'cost' column")
            if section == "votes" and "vote" not in col:
                raise ValueError(f"line {lineno}: VOTES header has no 'vote' column")
            continue
        if section == "meta":
            if len(row) < 2:
                raise ValueError(f"line {lineno}: META row needs 'key;value'")
            meta[row[0].strip()] = row[1].strip()
        elif section == "projects":
            pid = _cell(row, col.get("project_id", 0)).strip()
            if not pid:
                raise ValueError(f"line {lineno}: project without an id")
            if pid in raw_costs:
                raise ValueError(f"line {lineno}: duplicate project id {pid!r}")
            raw_costs[pid] = _amount(_cell(row, col["cost"]), f"line {lineno}: cost of project {pid!r}")
        elif section == "votes":
            raw_votes.append((lineno, _cell(row, col["vote"])))
        else:
            raise ValueError(f"line {lineno}: data before the first META/PROJECTS/VOTES section")

    if "meta" not in seen or "projects" not in seen:
        raise ValueError("not a Pabulib file: META and PROJECTS sections are required")
    vote_type = meta.get("vote_type", "approval").strip().lower()
    if vote_type not in APPROVAL_VOTE_TYPES:
        raise ValueError(f"vote_type {vote_type!r} is not supported: only approval and choose-1 ballots are")
    if "budget" not in meta:
        raise ValueError("META has no 'budget'")
    raw_budget = _amount(meta["budget"], "META budget")

    ballots = []
    for lineno, cell in raw_votes:
        names = cell.strip()
        ids = () if names.lower() in ("", "none") else {p.strip() for p in names.split(",") if p.strip()}
        unknown = [p for p in ids if p not in raw_costs]
        if unknown:
            raise ValueError(f"line {lineno}: vote for unknown project(s) {', '.join(sorted(unknown))}")
        ballots.append(frozenset(ids))

    # One power of ten turns every amount into an integer, so no amount is rounded.
    decimals = max(
        (-d.as_tuple().exponent for d in (raw_budget, *raw_costs.values()) if d != d.to_integral()), default=0
    )
    scale = 10**decimals
    return Instance(
        budget=int(raw_budget * scale),
        projects={pid: int(cost * scale) for pid, cost in raw_costs.items()},
        ballots=ballots,
        meta=meta,
        scale=scale,
    )


def _cell(row: list[str], index: int) -> str:
    return row[index] if index < len(row) else ""


def _amount(text: str, what: str) -> Decimal:
    """Non-negative decimal amount; a decimal comma is accepted as pabutools does."""
    try:
        value = Decimal(text.strip().replace(",", "."))
    except InvalidOperation:
        raise ValueError(f"{what}: {text!r} is not a number") from None
    if not value.is_finite() or value < 0:
        raise ValueError(f"{what}: {text!r} is not a non-negative amount")
    return value.normalize() if value != value.to_integral() else value
