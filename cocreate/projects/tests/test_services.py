"""Project services: each write with its audit event, the valuation examples, the append-only
ledger with reversals, the funding plan's shares, and the refusals that write nothing."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from cocreate.audit.models import AuditEvent
from cocreate.core.errors import Conflict, DomainError
from cocreate.projects import selectors, services, valuation
from cocreate.projects.models import Contribution, MaterialPrice, Pledge, Project

from .conftest import photo

pytestmark = pytest.mark.django_db


def events(action: str) -> int:
    return AuditEvent.objects.filter(action=action).count()


# --- valuation, pure ---------------------------------------------------------------------------

def test_labour_valuation_examples():
    # 沈家店村: 14 people × 14 days at ¥150 a day of 8 hours.
    assert valuation.labour_value(14 * 14 * 8, day_fen=15000, hours_per_day=8) == 14 * 14 * 15000
    # Half a day: 4 hours of an 8-hour day at ¥150 is ¥75.
    assert valuation.labour_value(4, day_fen=15000, hours_per_day=8) == 7500
    # One hour of a ¥100, 6-hour day is ¥16.666… → ¥16.67, rounded half up once.
    assert valuation.labour_value(1, day_fen=10000, hours_per_day=6) == 1667
    assert valuation.hours_from_days(Decimal("0.5"), hours_per_day=8) == 4
    assert valuation.hours_from_days(Decimal("1.3"), hours_per_day=8) is None


def test_material_valuation_examples():
    assert valuation.material_value(Decimal("2.5"), price_fen=48000) == 120000  # 2.5 t of cement at ¥480
    assert valuation.material_value(Decimal("0.333"), price_fen=9550) == 3180  # 3180.15 fen → 3180
    assert valuation.material_value(Decimal("0.001"), price_fen=500) == 1  # half a fen rounds up


# --- projects ----------------------------------------------------------------------------------

def test_create_from_a_need_keeps_the_link_and_records_it(project, need):
    assert list(project.needs.all()) == [need]
    assert project.status == Project.Status.PLANNING
    event = AuditEvent.objects.get(action="projects.created")
    assert event.data["needs"] == [need.pk]


def test_create_needs_an_origin_and_the_manage_role(org_tree, cast):
    with pytest.raises(DomainError):
        services.project_create(actor=cast["cadre"], node=org_tree.community, title="路灯", scope="十盏路灯",
                                origin=services.Origin())
    with pytest.raises(PermissionDenied):
        services.project_create(actor=cast["grid_worker"], node=org_tree.community, title="路灯", scope="十盏路灯",
                                origin=services.Origin())
    assert not Project.objects.exists()


def test_a_need_of_another_community_is_refused(org_tree, cast, need):
    with pytest.raises(DomainError):
        services.project_create(actor=cast["neighbour_cadre"], node=org_tree.neighbour, title="修路", scope="修路",
                                origin=services.Origin(needs=(need,)))


def test_budget_and_funding_plan_shares_and_gap(project, cast):
    cadre = cast["cadre"]
    services.budget_line_add(actor=cadre, project=project, item="水泥路面", amount_fen=12_000_000)
    services.budget_line_add(actor=cadre, project=project, item="人工", amount_fen=3_000_000)
    services.funding_source_add(actor=cadre, project=project, kind="resident_cash", amount_fen=5_000_000)
    services.funding_source_add(actor=cadre, project=project, kind="labour", amount_fen=2_500_000)
    services.funding_source_add(actor=cadre, project=project, kind="award", amount_fen=4_000_000)
    project.refresh_from_db()
    plan = selectors.funding_plan(project)
    assert project.budget_fen == 15_000_000
    assert plan.self_raised_fen == 7_500_000
    assert plan.self_raised_percent == "50.0%"
    assert plan.gap_fen == 15_000_000 - 11_500_000
    assert [share for _s, share in plan.lines] == ["33.3%", "16.7%", "26.7%"]
    assert events("projects.budget_line_added") == 2 and events("projects.funding_source_added") == 3


def test_status_moves_forward_and_construction_needs_a_budget(project, cast):
    with pytest.raises(DomainError):
        services.project_set_status(actor=cast["cadre"], project=project, status="building")
    services.budget_line_add(actor=cast["cadre"], project=project, item="路面", amount_fen=100)
    services.project_set_status(actor=cast["cadre"], project=project, status="building")
    with pytest.raises(DomainError):
        services.project_set_status(actor=cast["cadre"], project=project, status="planning")
    with pytest.raises(DomainError):  # the plan is fixed once construction starts
        services.budget_line_add(actor=cast["cadre"], project=project, item="追加", amount_fen=100)
    services.project_set_status(actor=cast["cadre"], project=project, status="completed")
    project.refresh_from_db()
    assert project.progress_percent == 100
    assert events("projects.status_changed") == 2


def test_progress_milestones_and_tasks(project, cast):
    from django.utils import timezone

    cadre = cast["cadre"]
    services.progress_post(actor=cadre, project=project, text="路基平整完成", percent=40, photo=photo())
    milestone = services.milestone_add(actor=cadre, project=project, title="路基", due_date=timezone.localdate())
    services.milestone_reach(actor=cadre, milestone=milestone, on=timezone.localdate())
    with pytest.raises(Conflict):
        services.milestone_reach(actor=cadre, milestone=milestone, on=timezone.localdate())
    task = services.task_add(actor=cadre, project=project, title="通知各户", owner_name="张组长",
                             due_date=timezone.localdate())
    services.task_done(actor=cadre, task=task)
    project.refresh_from_db()
    assert project.progress_percent == 40
    with pytest.raises(DomainError):
        services.progress_post(actor=cadre, project=project, text="超过", percent=101)
    assert events("projects.progress_posted") == 1 and events("projects.task_done") == 1


# --- pledges and the ledger --------------------------------------------------------------------

def labour(hours=16):
    return services.Gift(kind="labour", hours=hours)


def test_resident_pledges_labour_and_the_cadre_confirms_it_into_the_ledger(project, cast, org_tree):
    pledge = services.pledge_make(actor=cast["resident"], project=project, gift=labour(16))
    assert pledge.household == org_tree.household and pledge.value_fen == 30000
    entry = services.pledge_confirm(actor=cast["cadre"], pledge=pledge, evidence=photo())
    project.refresh_from_db()
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.CONFIRMED
    assert entry.value_fen == 30000 and entry.hours == 16
    assert project.contributed_fen == 30000
    event = AuditEvent.objects.get(action="projects.contribution_confirmed")
    assert event.on_behalf_of_id == org_tree.resident_person.pk
    roll = selectors.honour_roll(project=project)
    assert [(line.name, line.value_fen) for line in roll] == [("张*明's household", 30000)]


def test_confirming_needs_evidence_and_happens_once(project, cast):
    pledge = services.pledge_make(actor=cast["resident"], project=project, gift=labour())
    with pytest.raises(DomainError):
        services.pledge_confirm(actor=cast["cadre"], pledge=pledge, evidence=None)
    services.pledge_confirm(actor=cast["cadre"], pledge=pledge, evidence=photo())
    with pytest.raises(Conflict):
        services.pledge_confirm(actor=cast["cadre"], pledge=pledge, evidence=photo())
    assert Contribution.objects.count() == 1


def test_only_the_manager_confirms(project, cast):
    pledge = services.pledge_make(actor=cast["resident"], project=project, gift=labour())
    for who in ("resident", "grid_worker", "neighbour_cadre", "street_official"):
        with pytest.raises(PermissionDenied):
            services.pledge_confirm(actor=cast[who], pledge=pledge, evidence=photo())
    assert not Contribution.objects.exists()


def test_a_resident_of_another_community_cannot_pledge(project, org_tree):
    from cocreate.accounts.services import resident_account_for_phone

    neighbour = resident_account_for_phone(phone_e164="+8613900139000")
    with pytest.raises(PermissionDenied):
        services.pledge_make(actor=neighbour, project=project, gift=labour())


def test_withdraw_and_decline(project, cast):
    first = services.pledge_make(actor=cast["resident"], project=project, gift=labour())
    services.pledge_withdraw(actor=cast["resident"], pledge=first)
    with pytest.raises(Conflict):
        services.pledge_confirm(actor=cast["cadre"], pledge=first, evidence=photo())
    second = services.pledge_make(actor=cast["resident"], project=project, gift=labour())
    with pytest.raises(PermissionDenied):
        services.pledge_withdraw(actor=cast["cadre"], pledge=second)
    services.pledge_decline(actor=cast["cadre"], pledge=second, reason="本周不需要人工")
    second.refresh_from_db()
    assert second.status == Pledge.Status.DECLINED and second.decline_reason == "本周不需要人工"


def test_materials_land_equipment_and_cash_are_valued(project, cast, org_tree):
    from cocreate.orgs.models import PartnerUnit

    cement = MaterialPrice.objects.get(name="水泥")
    unit = PartnerUnit.objects.create(node=org_tree.county, name="县交通局")
    household = services.Contributor(household=org_tree.household)
    cases = [
        (services.Contributor(unit=unit), services.Gift(kind="materials", material=cement, quantity=Decimal("2.5")),
         120000),
        (household, services.Gift(kind="land", area_m2=Decimal("30")), 0),
        (household, services.Gift(kind="land", area_m2=Decimal("30"), value_fen=600000), 600000),
        (household, services.Gift(kind="equipment", value_fen=80000, description="三轮车 2 天"), 80000),
        (household, services.Gift(kind="cash", cash_fen=50000), 50000),
    ]
    for contributor, gift, value in cases:
        entry = services.contribution_record(actor=cast["cadre"], project=project, contributor=contributor,
                                             gift=gift, evidence=photo())
        assert entry.value_fen == value
    project.refresh_from_db()
    assert project.contributed_fen == 850000
    totals = selectors.ledger_totals([project.pk])[project.pk]
    assert totals["land"].value_fen == 600000 and totals["cash"].cash_fen == 50000
    assert events("projects.contribution_recorded") == 5


@pytest.mark.parametrize("gift", [
    services.Gift(kind="cash"),
    services.Gift(kind="labour", hours=0),
    services.Gift(kind="materials", quantity=Decimal(1)),
    services.Gift(kind="land"),
    services.Gift(kind="equipment", value_fen=100),
    services.Gift(kind="nonsense"),
])
def test_incomplete_gifts_are_refused_and_nothing_is_written(project, cast, org_tree, gift):
    with pytest.raises(DomainError):
        services.contribution_record(actor=cast["cadre"], project=project, gift=gift, evidence=photo(),
                                     contributor=services.Contributor(household=org_tree.household))
    assert not Contribution.objects.exists()
    assert events("projects.contribution_recorded") == 0


def test_labour_without_a_county_valuation_is_refused(org_tree, cast, need):
    project = services.project_create(actor=cast["cadre"], node=org_tree.community, title="修路", scope="修路",
                                      origin=services.Origin(needs=(need,)))
    with pytest.raises(DomainError, match="person-day"):
        services.pledge_make(actor=cast["resident"], project=project, gift=labour())


def test_reversal_corrects_the_ledger_once_and_the_entry_stays(project, cast, org_tree):
    entry = services.contribution_record(actor=cast["cadre"], project=project, gift=labour(8), evidence=photo(),
                                         contributor=services.Contributor(household=org_tree.household))
    reversal = services.contribution_reverse(actor=cast["cadre"], entry=entry, reason="记错了户")
    assert reversal.value_fen == -entry.value_fen and reversal.hours == -8 and reversal.reverses == entry
    with pytest.raises(Conflict):
        services.contribution_reverse(actor=cast["cadre"], entry=entry, reason="again")
    with pytest.raises(DomainError):
        services.contribution_reverse(actor=cast["cadre"], entry=reversal, reason="undo")
    project.refresh_from_db()
    assert project.contributed_fen == 0
    assert selectors.ledger_totals([project.pk])[project.pk]["labour"].value_fen == 0
    assert selectors.honour_roll(project=project) == []
    assert Contribution.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_the_ledger_refuses_updates_and_deletes(project, cast, org_tree):
    entry = services.contribution_record(actor=cast["cadre"], project=project, gift=labour(8), evidence=photo(),
                                         contributor=services.Contributor(household=org_tree.household))
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        Contribution.objects.filter(pk=entry.pk).update(value_fen=1)
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        Contribution.objects.filter(pk=entry.pk).delete()
    assert Contribution.objects.get(pk=entry.pk).value_fen == 30000 // 2


def test_anonymous_contributors_are_one_line_and_names_are_masked(project, cast, org_tree):
    from cocreate.orgs import services as orgs_services

    other = orgs_services.household_register(
        actor=None, node=org_tree.building, address="1栋102", occupancy="resident",
        members=[{"name": "欧阳小明", "relation": "head"}])
    for household, anonymous, hours in [(org_tree.household, True, 8), (other, False, 16)]:
        services.contribution_record(actor=cast["cadre"], project=project, gift=labour(hours), evidence=photo(),
                                     anonymous=anonymous, contributor=services.Contributor(household=household))
    roll = selectors.honour_roll(community=org_tree.community)
    assert [(line.name, line.value_fen) for line in roll] == [("欧**明's household", 30000), ("anonymous", 15000)]


def test_one_contributor_per_entry_is_a_database_rule(project, org_tree):
    with pytest.raises(IntegrityError), transaction.atomic():
        Contribution.objects.create(project=project, community=org_tree.community, kind="cash", cash_fen=1,
                                    value_fen=1, household=org_tree.household, person=org_tree.resident_person)
