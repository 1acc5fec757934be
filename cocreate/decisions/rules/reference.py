"""The same three rules computed by pabutools, the reference our own code is checked against.

For tests and bench/pb_rules.py only: pabutools is a test dependency (requirements-dev.txt) and is
imported lazily, so the platform never needs it.
"""


def pabutools_outcome(rule: str, source: str) -> set[str]:
    """Project ids selected by pabutools for `rule` on a .pb file path or on .pb text."""
    from pabutools.election import Cost_Sat
    from pabutools.election.pabulib import parse_pabulib, parse_pabulib_from_string
    from pabutools.rules import (
        completion_by_rule_combination,
        exhaustion_by_budget_increase,
        greedy_utilitarian_welfare,
        method_of_equal_shares,
    )

    instance, profile = parse_pabulib(source) if source.endswith(".pb") else parse_pabulib_from_string(source)
    if rule == "greedy":
        outcome = greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat)
    elif rule == "mes":
        outcome = method_of_equal_shares(instance, profile, sat_class=Cost_Sat)
    else:
        # "Exhaustion by budget increase, then greedy": pabutools' documented completion of MES.
        outcome = completion_by_rule_combination(
            instance,
            profile,
            [exhaustion_by_budget_increase, greedy_utilitarian_welfare],
            [{"rule": method_of_equal_shares, "rule_params": {"sat_class": Cost_Sat}}, {"sat_class": Cost_Sat}],
        )
    return {project.name for project in outcome}
