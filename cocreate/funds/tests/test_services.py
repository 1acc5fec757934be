"""The funds services: every write with its one audit event, refusals that write nothing,
maker-checker at every level, the budget never exceeded (also under concurrent approvals on
PostgreSQL), immutable approved allocations, and disbursement limits."""

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, IntegrityError, connection, connections, transaction
from django.utils import timezone

from cocreate.audit.models import AuditEvent
from cocreate.core.errors import Conflict, DomainError
from cocreate.funds import selectors, services
from cocreate.funds.models import Allocation, Application, ApprovalVote, Disbursement, Pool, Review
from cocreate.funds.tests.conftest import contribute, make_project

pytestmark = pytest.mark.django_db


class NewEvents:
    """The audit actions written inside the block."""

    def __enter__(self):
        self.start = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
        return self

    def __exit__(self, *exc):
        self.actions = list(AuditEvent.objects.filter(id__gt=self.start).order_by("id").values_list("action",
                                                                                                     flat=True))


def _project(org_tree, title="村道硬化", cash=5_000_000, budget=10_000_000, community=None):
    project = make_project(community or org_tree.community, title=title, budget_fen=budget)
    if cash:
        household = org_tree.household if project.community == org_tree.community else org_tree.neighbour_household
        contribute(project, household, kind="cash", value_fen=cash, cash_fen=cash)
    return project


# --- pools ---------------------------------------------------------------------------------------

def test_pool_create_and_open_write_one_event_each(officials, org_tree):
    with NewEvents() as created:
        pool = services.pool_create(actor=officials["county"], node=org_tree.county, year=2026, name="2026年奖补",
                                    budget_fen=50_000_000, rate_permille=800, counted_kinds=["labour", "cash"],
                                    method="score", cap_project_fen=20_000_000, min_share_permille=300)
    assert created.actions == ["fund_pool.created"]
    assert pool.counted_kinds == ["cash", "labour"] and pool.status == Pool.Status.DRAFT
    with NewEvents() as opened:
        services.pool_set_status(actor=officials["county"], pool=pool, status="open")
    assert opened.actions == ["fund_pool.status"]


@pytest.mark.parametrize(("change", "message"), [
    ({"budget_fen": 0}, "budget"), ({"rate_permille": 0}, "award rate"), ({"counted_kinds": []}, "kinds"),
    ({"counted_kinds": ["gold"]}, "kinds"), ({"method": "lottery"}, "method"), ({"min_share_permille": 1001}, "share"),
    ({"method": "mes"}, "voting window"), ({"cap_project_fen": 0}, "cap"),
])
def test_pool_create_refuses_bad_rules_and_writes_nothing(officials, org_tree, change, message):
    fields = {"year": 2026, "name": "奖补", "budget_fen": 1_000, "rate_permille": 1000, "counted_kinds": ["cash"],
              "method": "score", **change}
    before = (Pool.objects.count(), AuditEvent.objects.count())
    with pytest.raises(DomainError, match=message):
        services.pool_create(actor=officials["county"], node=org_tree.county, **fields)
    assert (Pool.objects.count(), AuditEvent.objects.count()) == before


def test_only_county_or_street_nodes_hold_pools_and_only_their_officials_create_them(officials, org_tree, cast):
    with pytest.raises(DomainError):
        services.pool_create(actor=officials["county"], node=org_tree.community, year=2026, name="奖补",
                             budget_fen=1_000, rate_permille=1000, counted_kinds=["cash"], method="score")
    with pytest.raises(PermissionDenied):
        services.pool_create(actor=cast["cadre"], node=org_tree.county, year=2026, name="奖补", budget_fen=1_000,
                             rate_permille=1000, counted_kinds=["cash"], method="score")
    with pytest.raises(PermissionDenied):  # a street official runs the street's pool, not the county's
        services.pool_create(actor=cast["street_official"], node=org_tree.county, year=2026, name="奖补",
                             budget_fen=1_000, rate_permille=1000, counted_kinds=["cash"], method="score")
    street_pool = services.pool_create(actor=cast["street_official"], node=org_tree.street, year=2026, name="街道奖补",
                                       budget_fen=1_000, rate_permille=1000, counted_kinds=["cash"], method="score")
    assert street_pool.node == org_tree.street


# --- applications and reviews ------------------------------------------------------------------------

def test_application_through_three_levels_with_one_event_each(officials, org_tree, make_pool):
    pool = make_pool()
    project = _project(org_tree)
    contribute(project, org_tree.household, kind="labour", value_fen=999, hours=16)  # 2 days, revalued
    with NewEvents() as events:
        app = services.application_create(actor=officials["cadre"], pool=pool, project=project,
                                          requested_fen=8_000_000, note="村道硬化")
        services.application_submit(actor=officials["cadre"], application=app)
        services.application_review(actor=officials["cadre_b"], application=app, decision="approve")
        services.application_review(actor=officials["street"], application=app, decision="approve")
        services.application_review(actor=officials["county"], application=app, decision="approve")
    assert events.actions == ["fund_application.created", "fund_application.submitted"] + [
        "fund_application.reviewed"] * 3
    app.refresh_from_db()
    assert app.status == Application.Status.APPROVED
    assert [r.level for r in app.reviews.all()] == ["village", "street", "county"]
    # No valuation table and no pool day value: the ledger's labour value (999 fen) is kept.
    assert app.eligible_fen == 5_000_999 and app.award_fen == 5_000_999
    assert app.working[-1] == {"code": "award", "value": 5_000_999}


def test_the_pools_labour_day_value_overrides_the_ledger_and_the_county_valuation(officials, org_tree, make_pool):
    from cocreate.projects.models import Valuation

    Valuation.objects.create(node=org_tree.county, labour_day_fen=12_000, hours_per_day=8)
    pool = make_pool(labour_day_fen=15_000)
    project = _project(org_tree, cash=0)
    contribute(project, org_tree.household, kind="labour", value_fen=12_000 * 14, hours=14 * 8)
    app = services.application_create(actor=officials["cadre"], pool=pool, project=project, requested_fen=10**7)
    assert app.eligible_fen == 14 * 15_000
    assert {"code": "labour", "hours": 112, "hours_per_day": 8, "day": 15_000, "value": 210_000} in app.working


@pytest.mark.parametrize("decision", ["approve", "return", "reject"])
def test_maker_checker_the_preparer_reviews_at_no_level(officials, org_tree, make_pool, cast, decision):
    """The preparer also holds the street and county roles here: still refused at every level."""
    from cocreate.orgs.models import Role, RoleGrant
    from cocreate.orgs.permissions import clear_grant_cache

    maker = officials["cadre"]
    RoleGrant.objects.create(user=maker, node=org_tree.street, role=Role.STREET_OFFICIAL)
    RoleGrant.objects.create(user=maker, node=org_tree.county, role=Role.COUNTY_OFFICIAL)
    clear_grant_cache(maker)
    pool = make_pool()
    app = services.application_create(actor=maker, pool=pool, project=_project(org_tree), requested_fen=1_000_000)
    services.application_submit(actor=maker, application=app)
    for checker in (None, "cadre_b", "street"):
        if checker:
            services.application_review(actor=officials[checker], application=app, decision="approve")
        before = (Review.objects.count(), AuditEvent.objects.count(), Application.objects.get(pk=app.pk).status)
        with pytest.raises(DomainError) as refused:
            services.application_review(actor=maker, application=app, decision=decision, comment="自己审")
        assert refused.value.code == "maker_checker"
        assert (Review.objects.count(), AuditEvent.objects.count(),
                Application.objects.get(pk=app.pk).status) == before


def test_nobody_approves_at_two_levels(officials, org_tree, make_pool):
    from cocreate.orgs.models import Role, RoleGrant
    from cocreate.orgs.permissions import clear_grant_cache

    both = officials["street"]
    RoleGrant.objects.create(user=both, node=org_tree.county, role=Role.COUNTY_OFFICIAL)
    clear_grant_cache(both)
    pool = make_pool()
    app = services.application_create(actor=officials["cadre"], pool=pool, project=_project(org_tree),
                                      requested_fen=1_000_000)
    services.application_submit(actor=officials["cadre"], application=app)
    services.application_review(actor=officials["cadre_b"], application=app, decision="approve")
    services.application_review(actor=both, application=app, decision="approve")
    with pytest.raises(DomainError, match="another level"):
        services.application_review(actor=both, application=app, decision="approve")


def test_each_level_needs_its_own_role(officials, org_tree, make_pool, cast):
    pool = make_pool()
    app = services.application_create(actor=officials["cadre"], pool=pool, project=_project(org_tree),
                                      requested_fen=1_000_000)
    services.application_submit(actor=officials["cadre"], application=app)
    with pytest.raises(PermissionDenied):  # the street may not take the village's turn
        services.application_review(actor=officials["street"], application=app, decision="approve")
    with pytest.raises(PermissionDenied):
        services.application_review(actor=cast["neighbour_cadre"], application=app, decision="approve")
    services.application_review(actor=officials["cadre_b"], application=app, decision="approve")
    with pytest.raises(PermissionDenied):  # a cadre may not take the street's turn
        services.application_review(actor=officials["cadre_b"], application=app, decision="approve")


def test_return_needs_a_reason_and_resubmission_recomputes(officials, org_tree, make_pool):
    pool = make_pool()
    project = _project(org_tree, cash=1_000_000)
    app = services.application_create(actor=officials["cadre"], pool=pool, project=project, requested_fen=5_000_000)
    services.application_submit(actor=officials["cadre"], application=app)
    with pytest.raises(DomainError, match="why"):
        services.application_review(actor=officials["cadre_b"], application=app, decision="return")
    services.application_review(actor=officials["cadre_b"], application=app, decision="return", comment="补充照片")
    contribute(project, org_tree.household, kind="cash", value_fen=500_000, cash_fen=500_000)
    with pytest.raises(DomainError, match="prepared"):
        services.application_submit(actor=officials["cadre_b"], application=app)
    app = services.application_submit(actor=officials["cadre"], application=app)
    assert app.status == Application.Status.SUBMITTED and app.award_fen == 1_500_000


def test_one_application_per_project_and_pool_and_only_inside_the_area(officials, org_tree, make_pool, cast):
    pool = make_pool()
    project = _project(org_tree)
    services.application_create(actor=officials["cadre"], pool=pool, project=project, requested_fen=1_000)
    with pytest.raises(Conflict):
        services.application_create(actor=officials["cadre_b"], pool=pool, project=project, requested_fen=1_000)
    other_county = make_pool(node=_other_county(), name="外县", actor=None)
    with pytest.raises((DomainError, PermissionDenied)):
        services.application_create(actor=officials["cadre"], pool=other_county, project=project, requested_fen=1)


def _other_county():
    from cocreate.orgs import services as orgs
    from cocreate.orgs.models import OrgLevel

    return orgs.node_create(actor=None, parent=None, level=OrgLevel.objects.get(kind="county"), name="外县")


def test_per_community_cap_counts_the_communitys_other_approved_awards(officials, org_tree, make_pool, approved):
    pool = make_pool(cap_community_fen=6_000_000)
    first = approved(pool, _project(org_tree, "一号路", cash=4_000_000), 4_000_000)
    second = approved(pool, _project(org_tree, "二号路", cash=4_000_000), 4_000_000)
    assert (first.award_fen, second.award_fen) == (4_000_000, 2_000_000)
    assert second.working[-2]["code"] == "cap_community"


def test_score_pools_need_a_score_at_the_final_level(officials, org_tree, make_pool):
    pool = make_pool(method="score")
    app = services.application_create(actor=officials["cadre"], pool=pool, project=_project(org_tree),
                                      requested_fen=1_000)
    services.application_submit(actor=officials["cadre"], application=app)
    services.application_review(actor=officials["cadre_b"], application=app, decision="approve")
    services.application_review(actor=officials["street"], application=app, decision="approve")
    with pytest.raises(DomainError, match="score"):
        services.application_review(actor=officials["county"], application=app, decision="approve")
    services.application_review(actor=officials["county"], application=app, decision="approve", score=88)
    assert Application.objects.get(pk=app.pk).score == 88


def test_a_street_pool_is_approved_at_the_street(officials, org_tree, make_pool, cast):
    from cocreate.funds import services as s

    pool = s.pool_create(actor=cast["street_official"], node=org_tree.street, year=2026, name="街道奖补",
                         budget_fen=1_000_000, rate_permille=1000, counted_kinds=["cash"], method="proportional")
    s.pool_set_status(actor=cast["street_official"], pool=pool, status="open")
    app = s.application_create(actor=officials["cadre"], pool=pool, project=_project(org_tree), requested_fen=10**6)
    s.application_submit(actor=officials["cadre"], application=app)
    s.application_review(actor=officials["cadre_b"], application=app, decision="approve")
    s.application_review(actor=officials["street"], application=app, decision="approve")
    assert Application.objects.get(pk=app.pk).status == Application.Status.APPROVED


# --- allocation -----------------------------------------------------------------------------------

def _allocating(officials, pool):
    return services.pool_set_status(actor=officials["county"], pool=pool, status="allocating")


def test_run_proposes_and_a_second_official_approves_within_the_budget(officials, org_tree, make_pool, approved):
    pool = make_pool(budget_fen=6_000_000)
    a = approved(pool, _project(org_tree, "一号路", cash=4_000_000), 4_000_000)
    b = approved(pool, _project(org_tree, "二号路", cash=8_000_000), 8_000_000)
    _allocating(officials, pool)
    with NewEvents() as ran:
        run = services.allocation_run(actor=officials["county"], pool=pool)
    assert ran.actions == ["fund_allocation.run"]
    proposed = {x.application_id: x for x in run.allocations.all()}
    assert proposed[a.pk].amount_fen + proposed[b.pk].amount_fen == 6_000_000  # 2,000,000 + 4,000,000
    assert proposed[a.pk].amount_fen == 2_000_000
    with pytest.raises(DomainError) as refused:
        services.allocation_approve(actor=officials["county"], allocation=proposed[a.pk])
    assert refused.value.code == "maker_checker"
    with NewEvents() as approvals:
        for x in proposed.values():
            services.allocation_approve(actor=officials["county_b"], allocation=x)
    assert approvals.actions == ["fund_allocation.approved"] * 2
    pool.refresh_from_db()
    assert pool.allocated_fen == 6_000_000 == selectors.allocated_total(pool)
    with pytest.raises(Conflict):
        services.allocation_approve(actor=officials["county_b"], allocation=proposed[a.pk])


def test_approval_is_refused_when_it_would_exceed_the_budget(officials, org_tree, make_pool, approved):
    pool = make_pool(method="score", budget_fen=5_000_000)
    a = approved(pool, _project(org_tree, "一号路", cash=3_000_000), 3_000_000, score=90)
    approved(pool, _project(org_tree, "二号路", cash=2_000_000), 2_000_000, score=80)
    _allocating(officials, pool)
    services.allocation_run(actor=officials["county"], pool=pool)
    first = Allocation.objects.get(application=a, status="proposed")
    services.allocation_approve(actor=officials["county_b"], allocation=first)
    # Forge an over-budget proposal (a bug elsewhere, or a tampered row): the lock and sum refuse it.
    forged = Allocation.objects.filter(status="proposed").get()
    Allocation.objects.filter(pk=forged.pk).update(amount_fen=2_000_001)
    before = (AuditEvent.objects.count(), Pool.objects.get(pk=pool.pk).allocated_fen)
    with pytest.raises(DomainError) as refused:
        services.allocation_approve(actor=officials["county_b"], allocation=forged)
    assert refused.value.code == "over_budget"
    assert (AuditEvent.objects.count(), Pool.objects.get(pk=pool.pk).allocated_fen) == before


def test_the_database_refuses_an_allocated_total_above_the_budget(officials, make_pool):
    pool = make_pool(budget_fen=100)
    with pytest.raises(IntegrityError), transaction.atomic():
        Pool.objects.filter(pk=pool.pk).update(allocated_fen=101)


def test_approved_allocations_never_change_and_amendments_supersede(officials, org_tree, make_pool, approved):
    pool = make_pool(budget_fen=10_000_000)
    a = approved(pool, _project(org_tree, "一号路", cash=4_000_000), 4_000_000)
    _allocating(officials, pool)
    services.allocation_run(actor=officials["county"], pool=pool)
    first = services.allocation_approve(actor=officials["county_b"],
                                        allocation=Allocation.objects.get(application=a))
    with pytest.raises(DatabaseError), transaction.atomic():
        Allocation.objects.filter(pk=first.pk).update(amount_fen=1)
    with pytest.raises(DatabaseError), transaction.atomic():
        Allocation.objects.filter(pk=first.pk).delete()
    # Back to open for a late application, which changes nothing once approvals exist.
    with pytest.raises(DomainError):
        services.pool_set_status(actor=officials["county"], pool=pool, status="open")
    # The pool shrinks (a budget cut) → the next run proposes an amendment.
    Pool.objects.filter(pk=pool.pk).update(budget_fen=5_000_000, allocated_fen=4_000_000)
    b = Application.objects.create(pool=pool, project=_project(org_tree, "二号路", cash=0),
                                   community=org_tree.community,
                                   path=org_tree.community.path, requested_fen=4_000_000, award_fen=4_000_000,
                                   status="approved", prepared_by=officials["cadre"])
    run = services.allocation_run(actor=officials["county"], pool=pool)
    amended = run.allocations.get(application=a)
    assert (amended.version, amended.supersedes_id, amended.amount_fen) == (2, first.pk, 2_500_000)
    new_b = run.allocations.get(application=b)
    with pytest.raises(DomainError, match="reductions first"):  # 4,000,000 + 2,500,000 > 5,000,000
        services.allocation_approve(actor=officials["county_b"], allocation=new_b)
    services.allocation_approve(actor=officials["county_b"], allocation=amended)
    services.allocation_approve(actor=officials["county_b"], allocation=new_b)
    current = selectors.current_allocations(pool)
    assert {k: v.amount_fen for k, v in current.items()} == {a.pk: 2_500_000, b.pk: 2_500_000}
    assert Pool.objects.get(pk=pool.pk).allocated_fen == 5_000_000
    assert Allocation.objects.get(pk=first.pk).status == "approved"  # kept, superseded


def test_a_new_run_withdraws_unapproved_proposals(officials, org_tree, make_pool, approved):
    pool = make_pool()
    approved(pool, _project(org_tree), 1_000_000)
    _allocating(officials, pool)
    old = services.allocation_run(actor=officials["county"], pool=pool).allocations.get()
    services.allocation_run(actor=officials["county"], pool=pool)
    assert Allocation.objects.get(pk=old.pk).status == Allocation.Status.WITHDRAWN
    with pytest.raises(Conflict):
        services.allocation_approve(actor=officials["county_b"], allocation=old)


# --- residents' votes -------------------------------------------------------------------------------

def _voter(org_tree, cast):
    person = org_tree.resident_person
    person.refresh_from_db()
    return cast["resident"], person


def test_votes_one_row_per_person_changeable_until_the_close_then_mes(officials, org_tree, make_pool, approved,
                                                                       cast, time_machine):
    pool = make_pool(method="mes", budget_fen=5_000_000)
    a = approved(pool, _project(org_tree, "一号路", cash=3_000_000), 3_000_000)
    b = approved(pool, _project(org_tree, "二号路", cash=3_000_000), 3_000_000)
    user, person = _voter(org_tree, cast)
    with pytest.raises(DomainError, match="not open"):  # still taking applications
        services.vote_cast(actor=user, pool=pool, person=person, application_ids=[a.pk])
    _allocating(officials, pool)
    with NewEvents() as events:
        services.vote_cast(actor=user, pool=pool, person=person, application_ids=[a.pk, b.pk])
        services.vote_cast(actor=user, pool=pool, person=person, application_ids=[b.pk])
    assert events.actions == ["fund_vote.cast", "fund_vote.changed"]
    assert ApprovalVote.objects.get(pool=pool).approvals == [b.pk]
    assert selectors.vote_summary(pool).approvals == {b.pk: 1}
    with pytest.raises(DomainError, match="still open"):
        services.allocation_run(actor=officials["county"], pool=pool)
    with pytest.raises(PermissionDenied):  # nobody votes for someone else
        services.vote_cast(actor=cast["link_head"], pool=pool, person=person, application_ids=[a.pk])
    time_machine.move_to(pool.vote_closes_at + timedelta(minutes=1))
    with pytest.raises(DomainError, match="not open"):
        services.vote_cast(actor=user, pool=pool, person=person, application_ids=[a.pk])
    run = services.allocation_run(actor=officials["county"], pool=pool)
    amounts = {x.application_id: (x.amount_fen, x.reason) for x in run.allocations.all()}
    assert amounts == {b.pk: (3_000_000, "mes_funded"), a.pk: (0, "no_room")}


def test_only_residents_of_the_area_vote_on_approved_applications(officials, org_tree, make_pool, approved, cast):
    from cocreate.accounts.services import resident_account_for_phone

    pool = make_pool(method="greedy", node=None)
    a = approved(pool, _project(org_tree), 1_000_000)
    _allocating(officials, pool)
    user, person = _voter(org_tree, cast)
    with pytest.raises(DomainError, match="approved applications"):
        services.vote_cast(actor=user, pool=pool, person=person, application_ids=[a.pk, 987_654])
    outsider = _other_county()
    from cocreate.orgs.models import Person

    foreign = Person.objects.create(node=outsider, path=outsider.path, name="外人",
                                    user=resident_account_for_phone(phone_e164="+8613600136999"))
    foreign.user.person = foreign
    with pytest.raises(DomainError, match="area"):
        services.vote_cast(actor=foreign.user, pool=pool, person=foreign, application_ids=[a.pk])


# --- disbursements -------------------------------------------------------------------------------------

def test_disbursements_never_exceed_the_allocation(officials, org_tree, make_pool, approved):
    pool = make_pool()
    a = approved(pool, _project(org_tree, cash=2_000_000), 2_000_000)
    _allocating(officials, pool)
    with pytest.raises(DomainError, match="no approved allocation"):
        services.disbursement_record(actor=officials["county"], application=a, kind="advance", amount_fen=1,
                                     paid_on=timezone.localdate(), reference="预拨-1")
    services.allocation_run(actor=officials["county"], pool=pool)
    services.allocation_approve(actor=officials["county_b"], allocation=Allocation.objects.get(application=a))
    with NewEvents() as events:
        services.disbursement_record(actor=officials["county"], application=a, kind="advance", amount_fen=1_200_000,
                                     paid_on=timezone.localdate(), reference="预拨-1")
    assert events.actions == ["fund_disbursement.recorded"]
    with pytest.raises(DomainError, match=r"8,000\.00"):
        services.disbursement_record(actor=officials["county"], application=a, kind="reimbursement",
                                     amount_fen=800_001, paid_on=timezone.localdate(), reference="报账-1")
    services.disbursement_record(actor=officials["county"], application=a, kind="reimbursement", amount_fen=800_000,
                                 paid_on=timezone.localdate(), reference="报账-1")
    assert selectors.disbursed([a.pk]) == {a.pk: 2_000_000}
    with pytest.raises(PermissionDenied):
        services.disbursement_record(actor=officials["cadre"], application=a, kind="advance", amount_fen=1,
                                     paid_on=timezone.localdate(), reference="x")
    with pytest.raises(DatabaseError), transaction.atomic():
        Disbursement.objects.filter(application=a).update(amount_fen=1)


# --- the public notice ------------------------------------------------------------------------------------

def test_notice_lists_approved_allocations_with_their_reasons(officials, org_tree, make_pool, approved):
    pool = make_pool(method="proportional", budget_fen=3_000_000)
    a = approved(pool, _project(org_tree, "一号路", cash=2_000_000), 2_000_000)
    b = approved(pool, _project(org_tree, "二号路", cash=4_000_000), 4_000_000)
    _allocating(officials, pool)
    run = services.allocation_run(actor=officials["county"], pool=pool)
    services.allocation_approve(actor=officials["county_b"], allocation=run.allocations.get(application=a))
    shown = selectors.notice(pool)
    assert [(r.project, r.amount_fen) for r in shown.rows] == [("一号路", 1_000_000)]
    assert shown.pending == 1 and shown.allocated_fen == 1_000_000
    assert "¥20,000 × pool ¥30,000 ÷ all awards ¥60,000" in shown.rows[0].reason
    assert b.pk not in {r.application_id for r in shown.rows}


# --- concurrency (PostgreSQL) ------------------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_concurrent_approvals_never_allocate_more_than_the_budget(cast, org_tree):
    """security.md §4.3 test 39: 20 proposals of ¥1,000 against a ¥12,500 budget, approved by 20
    threads at once, each on its own connection: the approved total never exceeds the budget and
    equals the rows; the creator's own approval is refused."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks and concurrent transactions need PostgreSQL")
    from cocreate.funds.models import AllocationRun
    from cocreate.funds.tests.conftest import make_staff
    from cocreate.orgs.models import Role

    checkers = [make_staff(f"county{n}", node=org_tree.county, role=Role.COUNTY_OFFICIAL) for n in range(20)]
    maker = cast["county_official"]
    pool = Pool.objects.create(node=org_tree.county, path=org_tree.county.path, year=2026, name="并发",
                               budget_fen=1_250_000, rate_permille=1000, counted_kinds=["cash"], method="score",
                               status="allocating")
    run = AllocationRun.objects.create(pool=pool, method="score", budget_fen=pool.budget_fen, requested_fen=2_000_000,
                                       ran_by=maker)
    proposals = []
    for n in range(20):
        project = make_project(org_tree.community, title=f"项目{n}")
        app = Application.objects.create(pool=pool, project=project, community=org_tree.community,
                                         path=org_tree.community.path, requested_fen=100_000, award_fen=100_000,
                                         status="approved", prepared_by=cast["cadre"])
        proposals.append(Allocation.objects.create(pool=pool, run=run, application=app, amount_fen=100_000,
                                                   reason="score_funded", proposed_by=maker))
    with pytest.raises(DomainError):
        services.allocation_approve(actor=maker, allocation=proposals[0])
    barrier = threading.Barrier(20)
    outcomes, lock = [], threading.Lock()

    def worker(checker, proposal):
        try:
            barrier.wait(timeout=30)
            try:
                services.allocation_approve(actor=checker, allocation=proposal)
                result = "approved"
            except DomainError as refused:
                result = refused.code
            with lock:
                outcomes.append(result)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=pair) for pair in zip(checkers, proposals, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(outcomes) == 20
    assert outcomes.count("approved") == 12 and outcomes.count("over_budget") == 8
    pool.refresh_from_db()
    rows = Allocation.objects.filter(pool=pool, status="approved")
    assert rows.count() == 12
    assert pool.allocated_fen == sum(rows.values_list("amount_fen", flat=True)) == 1_200_000 <= pool.budget_fen
    assert AuditEvent.objects.filter(action="fund_allocation.approved").count() == 12
