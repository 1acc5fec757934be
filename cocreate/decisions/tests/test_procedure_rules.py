"""Procedure rules at their edges (rules/procedures.py is pure: no database)."""

from decimal import Decimal
from fractions import Fraction

import pytest

from cocreate.decisions.rules import procedures as proc

SIYI = list(proc.STAGES[proc.FOUR_DELIBERATIONS])


def test_four_deliberations_stage_order():
    assert SIYI == ["party_proposal", "committees", "members_review", "villagers_resolution",
                    "resolution_published", "results_published"]
    done = []
    for stage in SIYI:
        assert proc.next_stage(proc.FOUR_DELIBERATIONS, done) == stage
        proc.check_next(proc.FOUR_DELIBERATIONS, done, stage)
        done.append(stage)
    assert proc.next_stage(proc.FOUR_DELIBERATIONS, done) is None


@pytest.mark.parametrize("done_count", range(len(SIYI)))
@pytest.mark.parametrize("attempt", SIYI)
def test_no_stage_can_be_skipped_repeated_or_reordered(done_count, attempt):
    done = SIYI[:done_count]
    if attempt == SIYI[done_count]:
        proc.check_next(proc.FOUR_DELIBERATIONS, done, attempt)
    else:
        with pytest.raises(proc.StageOrderError):
            proc.check_next(proc.FOUR_DELIBERATIONS, done, attempt)


def test_a_complete_procedure_takes_no_more_stages_and_a_bad_history_is_refused():
    with pytest.raises(proc.StageOrderError):
        proc.check_next(proc.FOUR_DELIBERATIONS, SIYI, "results_published")
    with pytest.raises(proc.StageOrderError):
        proc.next_stage(proc.FOUR_DELIBERATIONS, ["committees"])


# 党员大会: ≥ 2/3 present, > 1/2 of those present approve. 30 members: 20 present is exactly 2/3.
@pytest.mark.parametrize(("members", "present", "approving", "quorum", "passed"), [
    (30, 20, 11, True, True),    # exactly 2/3 present; 11 of 20 > 1/2
    (30, 19, 19, False, False),  # just below 2/3
    (30, 20, 10, True, False),   # exactly 1/2 approving is not more than half
    (30, 30, 16, True, True),
    (3, 2, 2, True, True),       # 2/3 exactly with small numbers
    (0, 0, 0, False, False),
])
def test_party_members_meeting(members, present, approving, quorum, passed):
    v = proc.party_members_meeting(members=members, present=present, approving=approving)
    assert (v.quorum, v.passed) == (quorum, passed)


# 村民会议: > 1/2 of adults OR ≥ 2/3 of households present; > 1/2 of those present approve.
@pytest.mark.parametrize(("adults", "households", "p_adults", "p_households", "approving", "quorum", "passed"), [
    (100, 60, 51, 0, 26, True, True),    # just over half of the adults
    (100, 60, 50, 39, 26, False, False),  # exactly half the adults and just under 2/3 of households
    (100, 60, 50, 40, 26, True, True),    # exactly 2/3 of the households
    (100, 60, 60, 0, 30, True, False),    # 30 of 60 is exactly half: not passed
    (100, 60, 60, 0, 31, True, True),
])
def test_villagers_meeting(adults, households, p_adults, p_households, approving, quorum, passed):
    v = proc.villagers_meeting(adults=adults, households=households, present_adults=p_adults,
                               present_households=p_households, approving=approving)
    assert (v.quorum, v.passed) == (quorum, passed)


# 村民代表会议: ≥ 2/3 present; > 1/2 of ALL representatives approve.
@pytest.mark.parametrize(("reps", "present", "approving", "quorum", "passed"), [
    (45, 30, 23, True, True),   # exactly 2/3 present; 23 > 22.5
    (45, 29, 29, False, False),  # just under 2/3
    (45, 30, 22, True, False),  # 22 > 15 (half of those present) but not > 22.5 (half of all)
    (44, 30, 22, True, False),  # exactly half of all is not more than half
    (44, 30, 23, True, True),
])
def test_representatives_meeting(reps, present, approving, quorum, passed):
    v = proc.representatives_meeting(representatives=reps, present=present, approving=approving)
    assert (v.quorum, v.passed) == (quorum, passed)


@pytest.mark.parametrize(("eligible", "voted", "yes", "quorum", "q", "passed"), [
    (100, 50, 26, Fraction(1, 2), True, True),   # exactly the quorum
    (100, 49, 49, Fraction(1, 2), False, False),  # just under
    (100, 50, 25, Fraction(1, 2), True, False),  # exactly half yes
    (90, 60, 31, Fraction(2, 3), True, True),    # 60 is exactly 2/3 of 90
    (90, 59, 59, Fraction(2, 3), False, False),
])
def test_simple_majority_with_quorum(eligible, voted, yes, quorum, q, passed):
    v = proc.simple_majority(eligible=eligible, voted=voted, yes=yes, quorum=quorum)
    assert (v.quorum, v.passed) == (q, passed)


# Art. 278: participation ≥ 2/3 of owners AND ≥ 2/3 of area; ordinary > 1/2 both; major ≥ 3/4 both.
# 300 owners, 27 000.00 m²: 2/3 is 200 owners and 18 000 m².
OWNERS, AREA = 300, Decimal("27000.00")


@pytest.mark.parametrize(("v_owners", "v_area", "y_owners", "y_area", "matter", "quorum", "passed"), [
    (200, Decimal("18000.00"), 101, Decimal("9000.01"), "ordinary", True, True),   # exact 2/3 both; just over 1/2
    (199, Decimal("20000"), 150, Decimal("15000"), "ordinary", False, False),      # heads just under 2/3
    (250, Decimal("17999.99"), 200, Decimal("15000"), "ordinary", False, False),   # area just under 2/3
    (200, Decimal("18000"), 100, Decimal("12000"), "ordinary", True, False),       # exactly half the heads
    (200, Decimal("18000"), 150, Decimal("9000.00"), "ordinary", True, False),     # exactly half the area
    (200, Decimal("18000"), 150, Decimal("13500.00"), "major", True, True),        # exactly 3/4 both
    (200, Decimal("18000"), 149, Decimal("17000"), "major", True, False),          # heads just under 3/4
    (200, Decimal("18000"), 180, Decimal("13499.99"), "major", True, False),       # area just under 3/4
    (200, Decimal("18000"), 101, Decimal("9000.01"), "major", True, False),        # a majority is not enough
])
def test_owners_assembly_double_thresholds(v_owners, v_area, y_owners, y_area, matter, quorum, passed):
    v = proc.owners_assembly(owners=OWNERS, area=AREA, voting_owners=v_owners, voting_area=v_area,
                             yes_owners=y_owners, yes_area=y_area, matter=matter)
    assert (v.quorum, v.passed) == (quorum, passed)


def test_impossible_counts_are_refused():
    with pytest.raises(ValueError):
        proc.party_members_meeting(members=10, present=11, approving=1)
    with pytest.raises(ValueError):
        proc.owners_assembly(owners=10, area=100, voting_owners=8, voting_area=80, yes_owners=9, yes_area=1)
    with pytest.raises(ValueError):
        proc.owners_assembly(owners=10, area=100, voting_owners=8, voting_area=80, yes_owners=1, yes_area=1,
                             matter="other")
