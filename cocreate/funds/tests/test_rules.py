"""The award and allocation rules, checked against hand-worked examples."""

import pytest

from cocreate.funds import rules, wording
from cocreate.funds.rules import Candidate, KindAmount, Rules

ALL = frozenset({"cash", "labour", "materials"})


def test_shenjiadian_road_one_to_one_with_labour_revalued():
    """沈家店村: ¥75,000 cash raised and 14 people × 14 days of labour; 1:1, ¥150 a person-day."""
    award = rules.compute_award(
        rules=Rules(rate_permille=1000, counted_kinds=ALL, labour_day_fen=15_000, hours_per_day=8),
        totals={"cash": KindAmount(7_500_000), "labour": KindAmount(value_fen=1, hours=14 * 14 * 8)},
        project_budget_fen=15_000_000, requested_fen=10_000_000)
    # 196 person-days × ¥150 = ¥29,400; eligible ¥104,400; award capped by the request ¥100,000.
    assert award.eligible_fen == 7_500_000 + 2_940_000
    assert award.award_fen == 10_000_000
    codes = [line.code for line in award.lines]
    assert codes == ["kind", "labour", "eligible", "rate", "cap_request", "award"]
    text = wording.working_text(award.working())
    assert text[1] == ("Eligible labour: 1568 hours = 196 person-days (人天) × ¥150 = ¥29,400 "
                       "(8 hours a day, rounded down to the fen)")
    assert text[-1] == "Award: ¥100,000"


def test_labour_is_rounded_down_to_the_fen():
    # 5 hours at ¥150.01 a day of 8 hours = 75,005 / 8 = 9,375.625 fen → 9,375.
    assert rules.labour_value(5, 15_001, 8) == 9_375


def test_kinds_not_counted_are_listed_but_not_added():
    award = rules.compute_award(
        rules=Rules(rate_permille=500, counted_kinds=frozenset({"cash"})),
        totals={"cash": KindAmount(100_001), "land": KindAmount(900_000)},
        project_budget_fen=1_000_000, requested_fen=10_000_000)
    assert award.eligible_fen == 100_001
    assert award.award_fen == 50_000  # 100,001 × 500 ÷ 1000 = 50,000.5 → 50,000
    assert [line.code for line in award.lines] == ["kind", "not_counted", "eligible", "rate", "award"]


def test_minimum_self_raised_share_refuses_below_and_accepts_exactly_at_it():
    r = Rules(rate_permille=1000, counted_kinds=ALL, min_share_permille=300)
    below = rules.compute_award(rules=r, totals={"cash": KindAmount(299_999)}, project_budget_fen=1_000_000,
                                requested_fen=1_000_000)
    assert below.refused and below.award_fen == 0
    assert wording.working_text(below.working())[-2].endswith("not met: no award")
    exact = rules.compute_award(rules=r, totals={"cash": KindAmount(300_000)}, project_budget_fen=1_000_000,
                                requested_fen=1_000_000)
    assert not exact.refused and exact.award_fen == 300_000


def test_no_budget_with_a_minimum_share_gives_no_award():
    award = rules.compute_award(rules=Rules(rate_permille=1000, counted_kinds=ALL, min_share_permille=100),
                                totals={"cash": KindAmount(5_000)}, project_budget_fen=0, requested_fen=5_000)
    assert award.refused and award.lines[-2].code == "no_budget"


def test_caps_apply_in_order_request_project_community():
    r = Rules(rate_permille=2000, counted_kinds=ALL, cap_project_fen=500_000, cap_community_fen=800_000)
    award = rules.compute_award(rules=r, totals={"cash": KindAmount(1_000_000)}, project_budget_fen=3_000_000,
                                requested_fen=1_500_000, community_other_fen=600_000)
    # 1,000,000 × 2 = 2,000,000 → request 1,500,000 → project cap 500,000 → community room 200,000.
    assert [(line.code, line.params.get("value")) for line in award.lines[-4:]] == [
        ("cap_request", 1_500_000), ("cap_project", 500_000), ("cap_community", 200_000), ("award", 200_000)]
    assert award.award_fen == 200_000


def test_community_cap_already_used_up_gives_zero():
    r = Rules(rate_permille=1000, counted_kinds=ALL, cap_community_fen=100)
    award = rules.compute_award(rules=r, totals={"cash": KindAmount(1_000)}, project_budget_fen=1_000,
                                requested_fen=1_000, community_other_fen=500)
    assert award.award_fen == 0


def test_reversed_entries_netting_below_zero_count_as_zero():
    award = rules.compute_award(rules=Rules(rate_permille=1000, counted_kinds=ALL),
                                totals={"cash": KindAmount(-100)}, project_budget_fen=100, requested_fen=100)
    assert award.eligible_fen == 0 and award.award_fen == 0


def test_money_formatting():
    assert wording.yuan(210_000) == "¥2,100"
    assert wording.yuan(210_050) == "¥2,100.50"
    assert wording.permille(333) == "33.3%"
    assert wording.days(12, 8) == "1.5"


# --- allocation --------------------------------------------------------------------------------------

def C(key, award, score=0):
    return Candidate(key, award, score=score)


def test_score_order_funds_in_full_and_passes_over_what_does_not_fit():
    out = rules.allocate("score", 100, [C("a", 60, 70), C("b", 50, 90), C("c", 40, 80), C("d", 0, 99)])
    amounts = {d.key: (d.amount_fen, d.reason) for d in out}
    assert amounts == {"b": (50, "score_funded"), "c": (40, "score_funded"), "a": (0, "score_no_room"),
                       "d": (0, "no_award")}
    assert [d.key for d in out] == ["a", "b", "c", "d"]  # in the candidates' order


def test_proportional_scales_down_and_gives_the_rounding_fen_to_the_largest_remainders():
    out = rules.allocate("proportional", 100, [C("a", 100), C("b", 100), C("c", 100)])
    # 33.33 each; the one fen left goes to the first of the equal remainders.
    assert [d.amount_fen for d in out] == [34, 33, 33]
    assert sum(d.amount_fen for d in out) == 100


def test_proportional_pays_in_full_when_the_pool_suffices():
    out = rules.allocate("proportional", 1_000, [C("a", 300), C("b", 200)])
    assert [(d.amount_fen, d.reason) for d in out] == [(300, "full"), (200, "full")]


def test_greedy_by_approvals_uses_the_pb_rule():
    ballots = [frozenset({"a", "b"}), frozenset({"a"}), frozenset({"c"})]
    out = {d.key: d for d in rules.allocate("greedy", 100, [C("a", 60), C("b", 30), C("c", 50)], ballots)}
    assert out["a"].amount_fen == 60 and out["a"].params["approvals"] == 2
    assert out["b"].amount_fen == 30 and out["c"].amount_fen == 0 and out["c"].reason == "no_room"


def test_equal_shares_and_its_completion():
    """Two voters for a, one for b; budget 90: each voter has 30. a (cost 60) is paid by its two
    supporters; b (cost 30) by its one. c (cost 20) has no supporter: MES leaves it, completion adds it."""
    ballots = [frozenset({"a"}), frozenset({"a"}), frozenset({"b"})]
    candidates = [C("a", 60), C("b", 30), C("c", 20)]
    mes = {d.key: d for d in rules.allocate("mes", 110, candidates, ballots)}
    assert mes["a"].reason == "mes_funded" and mes["b"].reason == "mes_funded"
    assert mes["c"].amount_fen == 0 and mes["c"].reason == "mes_not_chosen"
    completed = {d.key: d for d in rules.allocate("mes_complete", 110, candidates, ballots)}
    assert completed["c"].amount_fen == 20 and completed["c"].reason == "completion_funded"
    assert sum(d.amount_fen for d in completed.values()) <= 110


@pytest.mark.parametrize("method", rules.METHODS)
def test_no_method_ever_allocates_more_than_the_budget(method):
    import random

    rng = random.Random(7)
    for _ in range(50):
        candidates = [C(f"{i:03d}", rng.randint(0, 500), rng.randint(0, 100)) for i in range(rng.randint(1, 8))]
        ballots = [frozenset(c.key for c in candidates if rng.random() < 0.4) for _ in range(rng.randint(0, 10))]
        budget = rng.randint(0, 1500)
        out = rules.allocate(method, budget, candidates, ballots)
        assert sum(d.amount_fen for d in out) <= budget
        assert all(0 <= d.amount_fen <= c.award_fen for d, c in zip(out, candidates, strict=True))


def test_negative_amounts_are_refused():
    with pytest.raises(ValueError):
        rules.allocate("score", -1, [])
    with pytest.raises(ValueError):
        rules.compute_award(rules=Rules(rate_permille=1000, counted_kinds=ALL), totals={}, project_budget_fen=0,
                            requested_fen=-1)
