"""Decision procedures and their thresholds, as pure functions (no Django).

All thresholds are compared in integers (cross-multiplied), never in floats, so that exactly
2/3 is exactly 2/3. Floor areas may be ``int``, ``Decimal`` or ``Fraction``; they are compared
exactly as well. The texts the rules implement are quoted from ../shared/docs/domain.md:

* 四议两公开 (§1.3): 党组织提议 → 两委会商议 → 党员大会审议 (≥2/3 of members present; more than
  half of attendees approve) → 村民会议/村民代表会议决议 (quorum by law; more than half of
  attendees, or of all representatives) → 决议公开 → 实施结果公开.
* 业主大会 (民法典 art. 278, stage 3): owners holding ≥2/3 of the exclusive area **and** ≥2/3
  of owners take part; items 6–8 (raising maintenance funds; renovating or rebuilding; changing
  the use of common parts or running a business on them) need ≥3/4 of the participating area
  **and** ≥3/4 of participating owners; all other matters, including *using* the maintenance
  fund, need more than half of the participating area and of participating owners.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

Number = int | Decimal | Fraction

# --- stages --------------------------------------------------------------------------------

PARTY_PROPOSAL = "party_proposal"  # 党组织提议
COMMITTEES = "committees"  # 两委会商议
MEMBERS_REVIEW = "members_review"  # 党员大会审议
VILLAGERS_RESOLUTION = "villagers_resolution"  # 村民会议/村民代表会议决议
RESOLUTION_PUBLISHED = "resolution_published"  # 决议公开
RESULTS_PUBLISHED = "results_published"  # 实施结果公开
VOTE = "vote"  # a counted vote (simple majority, owners' assembly)
CONSENSUS = "consensus"  # consensus reached at a meeting, with the minutes reference

FOUR_DELIBERATIONS = "four_deliberations"  # 四议两公开
MAJORITY = "majority"
MEETING_CONSENSUS = "consensus"
OWNERS_ASSEMBLY = "owners_assembly"

STAGES: dict[str, tuple[str, ...]] = {
    FOUR_DELIBERATIONS: (PARTY_PROPOSAL, COMMITTEES, MEMBERS_REVIEW, VILLAGERS_RESOLUTION,
                         RESOLUTION_PUBLISHED, RESULTS_PUBLISHED),
    MAJORITY: (VOTE, RESOLUTION_PUBLISHED),
    MEETING_CONSENSUS: (CONSENSUS,),
    OWNERS_ASSEMBLY: (VOTE, RESOLUTION_PUBLISHED),
}

VILLAGERS_MEETING = "villagers_meeting"  # 村民会议
REPRESENTATIVES_MEETING = "representatives_meeting"  # 村民代表会议

ORDINARY = "ordinary"
MAJOR = "major"  # art. 278 items 6–8


class StageOrderError(ValueError):
    """A stage recorded out of order, twice, after a failed stage, or not part of the procedure."""


def next_stage(kind: str, done: list[str]) -> str | None:
    """The stage that must come next, or None when the procedure is complete."""
    stages = STAGES[kind]
    if list(stages[: len(done)]) != list(done):
        raise StageOrderError(f"recorded stages {done} are not a prefix of {list(stages)}")
    return stages[len(done)] if len(done) < len(stages) else None


def check_next(kind: str, done: list[str], stage: str) -> None:
    """Raise StageOrderError unless `stage` is exactly the next stage (no skipping, no reordering)."""
    expected = next_stage(kind, done)
    if expected is None:
        raise StageOrderError("the procedure is complete")
    if stage != expected:
        raise StageOrderError(f"the next stage is {expected}, not {stage}")


# --- thresholds ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Verdict:
    quorum: bool  # enough took part
    approved: bool  # enough approved (meaningful only with the quorum)
    reason: str = ""  # which test failed, for the record

    @property
    def passed(self) -> bool:
        return self.quorum and self.approved


def _at_least(part: Number, whole: Number, num: int, den: int) -> bool:
    """part ≥ num/den of whole, exactly."""
    return Fraction(part) * den >= Fraction(whole) * num


def _more_than(part: Number, whole: Number, num: int, den: int) -> bool:
    """part > num/den of whole, exactly."""
    return Fraction(part) * den > Fraction(whole) * num


def _check_counts(*pairs: tuple[Number, Number]) -> None:
    for part, whole in pairs:
        if part < 0 or whole < 0 or part > whole:
            raise ValueError(f"a count {part} is negative or above its total {whole}")


def party_members_meeting(*, members: int, present: int, approving: int) -> Verdict:
    """党员大会审议: at least 2/3 of the Party members present; more than half of those present approve."""
    _check_counts((present, members), (approving, present))
    if members == 0 or not _at_least(present, members, 2, 3):
        return Verdict(False, False, "fewer than 2/3 of the members present")
    approved = _more_than(approving, present, 1, 2)
    return Verdict(True, approved, "" if approved else "not more than half of those present approved")


def villagers_meeting(*, adults: int, households: int, present_adults: int, present_households: int,
                      approving: int) -> Verdict:
    """村民会议 (村民委员会组织法 art. 22, the "quorum by law"): more than half of the villagers aged 18
    or over, or the representatives of at least 2/3 of the households, take part; more than half of
    those present approve. `approving` counts the people present who approved."""
    _check_counts((present_adults, adults), (present_households, households))
    quorum = (adults > 0 and _more_than(present_adults, adults, 1, 2)) or (
        households > 0 and _at_least(present_households, households, 2, 3))
    if not quorum:
        return Verdict(False, False, "neither more than half of the adults nor 2/3 of the households present")
    _check_counts((approving, present_adults))
    approved = _more_than(approving, present_adults, 1, 2)
    return Verdict(True, approved, "" if approved else "not more than half of those present approved")


def representatives_meeting(*, representatives: int, present: int, approving: int) -> Verdict:
    """村民代表会议: at least 2/3 of the representatives take part (organisation law art. 26); the
    decision needs more than half of ALL representatives (domain.md: "or of all representatives" —
    the stricter reading, which also implies more than half of those present)."""
    _check_counts((present, representatives), (approving, present))
    if representatives == 0 or not _at_least(present, representatives, 2, 3):
        return Verdict(False, False, "fewer than 2/3 of the representatives present")
    approved = _more_than(approving, representatives, 1, 2)
    return Verdict(True, approved, "" if approved else "not more than half of all representatives approved")


def simple_majority(*, eligible: int, voted: int, yes: int, quorum: Fraction = Fraction(1, 2)) -> Verdict:
    """Simple majority with a quorum: at least `quorum` of the eligible voters voted (default: half),
    and more than half of those who voted said yes (abstentions count as votes that are not yes)."""
    _check_counts((voted, eligible), (yes, voted))
    if eligible == 0 or not _at_least(voted, eligible, quorum.numerator, quorum.denominator):
        return Verdict(False, False, "quorum not reached")
    approved = _more_than(yes, voted, 1, 2)
    return Verdict(True, approved, "" if approved else "not more than half voted yes")


def owners_assembly(*, owners: int, area: Number, voting_owners: int, voting_area: Number, yes_owners: int,
                    yes_area: Number, matter: str = ORDINARY) -> Verdict:
    """民法典 art. 278 double thresholds by head count and by exclusive floor area.

    Participation: ≥ 2/3 of all owners AND ≥ 2/3 of the total exclusive area.
    Major matters (items 6–8: raising maintenance funds; renovating or rebuilding; changing the use
    of common parts or running a business on them): ≥ 3/4 of participating owners AND ≥ 3/4 of the
    participating area. Ordinary matters (everything else, including USING the maintenance fund):
    more than 1/2 of participating owners AND more than 1/2 of the participating area.
    """
    if matter not in (ORDINARY, MAJOR):
        raise ValueError(f"unknown matter {matter!r}")
    _check_counts((voting_owners, owners), (voting_area, area), (yes_owners, voting_owners), (yes_area, voting_area))
    quorum = owners > 0 and area > 0 and _at_least(voting_owners, owners, 2, 3) and _at_least(
        voting_area, area, 2, 3)
    if not quorum:
        return Verdict(False, False, "fewer than 2/3 of the owners or of the area took part")
    if matter == MAJOR:
        approved = _at_least(yes_owners, voting_owners, 3, 4) and _at_least(yes_area, voting_area, 3, 4)
        reason = "" if approved else "less than 3/4 of the participating owners or area approved"
    else:
        approved = _more_than(yes_owners, voting_owners, 1, 2) and _more_than(yes_area, voting_area, 1, 2)
        reason = "" if approved else "not more than half of the participating owners or area approved"
    return Verdict(True, approved, reason)
