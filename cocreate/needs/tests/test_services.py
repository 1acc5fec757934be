"""Writes for needs: each service leaves the right state and one audit event naming the actor
and, when someone acts for a resident, the resident; refusals write nothing."""

import datetime
import io
import threading
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone

from cocreate.audit.models import AuditEvent
from cocreate.core.errors import Conflict, DomainError, InvalidTransition
from cocreate.needs import selectors, services
from cocreate.needs.models import Need, NeedUpdate, Support, Visit
from cocreate.notify.backends import LocmemSmsBackend
from cocreate.notify.models import Message
from cocreate.orgs.models import Person

from .conftest import head, jpeg_bytes

pytestmark = pytest.mark.django_db

S = Need.Status


class AuditLog:
    """The audit events written since it was created."""

    def __init__(self) -> None:
        self.mark = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0

    def new(self, action: str | None = None) -> list[AuditEvent]:
        events = AuditEvent.objects.filter(id__gt=self.mark).order_by("id")
        return list(events.filter(action=action) if action else events)


def slip() -> ContentFile:
    return ContentFile(jpeg_bytes(), name="slip.jpg")


def raise_need(person, category, text="小区路灯坏了", actor=None, **kwargs) -> Need:
    """Raised by `actor`, by default by the person's own account (the platform if none)."""
    if actor is None:
        actor = Person.objects.select_related("user").get(pk=person.pk).user
    return services.need_raise(actor=actor, person=person, text=text, category=category, **kwargs)


# --- raising ---------------------------------------------------------------------------------

def test_resident_raises_a_need_for_their_household(cast, org_tree, category):
    log = AuditLog()
    before = timezone.now()
    need = raise_need(org_tree.resident_person, category, photos=[slip(), slip()])
    need.refresh_from_db()
    assert (need.channel, need.recorded_by, need.consent_method) == (Need.Channel.SELF, None, "")
    assert (need.community, need.node, need.path) == (org_tree.community, org_tree.building, org_tree.building.path)
    assert need.household == org_tree.household and need.person == org_tree.resident_person
    assert need.status == S.RECEIVED and need.support_count == 1
    assert need.photos.count() == 2
    assert list(need.supports.values_list("household_id", flat=True)) == [org_tree.household.pk]
    assert list(need.updates.values_list("status", flat=True)) == [S.RECEIVED]
    assert before + timedelta(days=3) <= need.due_at <= timezone.now() + timedelta(days=3)
    [event] = log.new()
    assert (event.action, event.actor_id, event.on_behalf_of_id) == ("need.raised", cast["resident"].pk, None)
    assert event.node_path == org_tree.building.path


def test_a_place_in_the_community_and_a_map_point(cast, org_tree, category):
    at_grid = raise_need(org_tree.resident_person, category, place=Need.Place.NODE, node=org_tree.grid)
    assert (at_grid.node, at_grid.path) == (org_tree.grid, org_tree.grid.path)
    point = raise_need(org_tree.resident_person, category, text="路口的井盖松了", place=Need.Place.POINT,
                       latitude="30.593100", longitude="114.305400")
    assert point.node == org_tree.building and point.latitude is not None
    with pytest.raises(DomainError):
        raise_need(org_tree.resident_person, category, place=Need.Place.NODE, node=org_tree.neighbour_grid)
    with pytest.raises(DomainError):
        raise_need(org_tree.resident_person, category, place=Need.Place.POINT, latitude=None, longitude=None)


def test_grid_worker_records_for_a_resident_with_a_signed_slip(cast, org_tree, category):
    log = AuditLog()
    worker, resident = cast["grid_worker"], org_tree.resident_person
    need = raise_need(resident, category, actor=worker, consent_method="slip", consent_slip=slip())
    need.refresh_from_db()
    assert (need.channel, need.recorded_by, need.consent_method) == (Need.Channel.PROXY, worker, "slip")
    assert need.consent_confirmed_at is not None and need.consent_slip.name
    [event] = log.new()
    assert event.action == "need.raised"
    assert event.actor_id == worker.pk
    assert event.on_behalf_of_id == resident.pk
    # The resident can see it later: an in-app message says it was recorded for them.
    assert Message.objects.filter(user=cast["resident"], kind="need.recorded", target_id=need.pk).count() == 1


def test_grid_worker_records_for_a_resident_who_confirms_by_sms(cast, org_tree, category, monkeypatch):
    from cocreate.accounts import services as accounts

    sent = {}
    real_request = accounts.sms_code_request

    def capture(**kwargs):
        sent["code"] = real_request(**kwargs)
        sent["phone"] = kwargs["phone"]
        return sent["code"]

    monkeypatch.setattr(accounts, "sms_code_request", capture)
    worker, resident = cast["grid_worker"], org_tree.resident_person
    log = AuditLog()
    need = raise_need(resident, category, actor=worker, consent_method="sms")
    assert need.consent_confirmed_at is None
    services.need_consent_request(actor=worker, need=need)
    assert sent["phone"] == "+8613800138000"
    wrong = "000000" if sent["code"] != "000000" else "111111"
    with pytest.raises(DomainError):
        services.need_consent_confirm(actor=worker, need=need, code=wrong)
    need.refresh_from_db()
    assert need.consent_confirmed_at is None
    services.need_consent_confirm(actor=worker, need=need, code=sent["code"])
    need.refresh_from_db()
    assert need.consent_confirmed_at is not None
    [raised] = log.new("need.raised")
    [confirmed] = log.new("need.consent_confirmed")
    for event in (raised, confirmed):
        assert (event.actor_id, event.on_behalf_of_id) == (worker.pk, resident.pk)
    with pytest.raises(Conflict):
        services.need_consent_confirm(actor=worker, need=need, code=sent["code"])


@pytest.mark.parametrize(("method", "with_slip", "member"), [
    ("", False, "head"),  # no consent at all
    ("slip", False, "head"),  # a slip without its photo
    ("sms", False, "spouse"),  # SMS to a resident who has no phone
    ("paper", True, "head"),  # not a consent method
])
def test_recording_for_a_resident_without_consent_is_refused_and_writes_nothing(
        cast, org_tree, category, method, with_slip, member):
    person = org_tree.household.members.get(relation=member)
    counts = (Need.objects.count(), Support.objects.count(), AuditEvent.objects.count())
    with pytest.raises(DomainError):
        raise_need(person, category, actor=cast["grid_worker"], consent_method=method,
                   consent_slip=slip() if with_slip else None)
    assert (Need.objects.count(), Support.objects.count(), AuditEvent.objects.count()) == counts


def test_link_head_records_only_for_the_households_linked_to_them(cast, org_tree, category, neighbours):
    """Decision: a 联户长's grant sits on a grid or building, but they act only for the
    households linked to them (HouseholdLink); grid workers and cadres for their subtree."""
    link_head = cast["link_head"]
    need = raise_need(org_tree.resident_person, category, actor=link_head, consent_method="slip",
                      consent_slip=slip())
    assert need.recorded_by == link_head
    unlinked = head(neighbours[0])
    with pytest.raises(PermissionDenied):
        raise_need(unlinked, category, actor=link_head, consent_method="slip", consent_slip=slip())
    assert raise_need(unlinked, category, actor=cast["grid_worker"], consent_method="slip",
                      consent_slip=slip()).recorded_by == cast["grid_worker"]


@pytest.mark.parametrize("role", ["neighbour_cadre", "street_official", "audit_admin"])
def test_others_may_not_record_for_a_resident(cast, org_tree, category, role):
    with pytest.raises(PermissionDenied):
        raise_need(org_tree.resident_person, category, actor=cast[role], consent_method="slip",
                   consent_slip=slip())
    assert not Need.objects.exists()


def test_a_resident_may_not_raise_a_need_in_another_residents_name(cast, org_tree, category):
    with pytest.raises(PermissionDenied):
        raise_need(org_tree.neighbour_household.members.get(), category, actor=cast["resident"],
                   consent_method="slip", consent_slip=slip())


# --- support -----------------------------------------------------------------------------------

def test_support_once_per_household(cast, org_tree, category, neighbours):
    need = raise_need(org_tree.resident_person, category)
    other = head(neighbours[0])
    log = AuditLog()
    services.need_support(actor=other.user, need=need, person=other)
    need.refresh_from_db()
    assert need.support_count == 2
    [event] = log.new()
    assert (event.action, event.actor_id, event.on_behalf_of_id) == ("need.supported", other.user_id, None)
    with pytest.raises(Conflict):
        services.need_support(actor=other.user, need=need, person=other)
    with pytest.raises(Conflict):  # the spouse of the resident who raised it: same household
        services.need_support(actor=None, need=need, person=org_tree.household.members.get(relation="spouse"))
    need.refresh_from_db()
    assert need.support_count == 2 == need.supports.count()
    assert len(log.new()) == 1


def test_households_of_another_community_cannot_support(cast, org_tree, category):
    need = raise_need(org_tree.resident_person, category)
    with pytest.raises(DomainError):
        services.need_support(actor=None, need=need, person=org_tree.neighbour_household.members.get())


@pytest.mark.django_db(transaction=True)
def test_concurrent_supports_count_each_household_once(org_tree, category, neighbours):
    if connection.vendor != "postgresql":
        pytest.skip("row locks and concurrent transactions need PostgreSQL")
    need = raise_need(org_tree.resident_person, category, actor=None)
    people = [head(h) for h in neighbours[:10]]
    barrier = threading.Barrier(20)
    outcomes = []

    def support(person):
        try:
            barrier.wait(timeout=10)
            services.need_support(actor=None, need=need, person=person)
            outcomes.append("ok")
        except Conflict:
            outcomes.append("conflict")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=support, args=(p,)) for p in people * 2]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    need.refresh_from_db()
    assert sorted(outcomes) == ["conflict"] * 10 + ["ok"] * 10
    assert Support.objects.filter(need=need).exclude(household=org_tree.household).count() == 10
    assert need.support_count == 11 == Support.objects.filter(need=need).count()  # 10 + the raiser's


# --- status ------------------------------------------------------------------------------------

ALLOWED = {
    S.RECEIVED: {S.ACCEPTED, S.DECLINED},
    S.ACCEPTED: {S.DELIBERATION, S.SERVICE, S.DECLINED},
    S.DELIBERATION: {S.RESOLVED, S.DECLINED},
    S.SERVICE: {S.RESOLVED, S.DECLINED},
    S.RESOLVED: set(),
    S.DECLINED: set(),
    S.MERGED: set(),
}


@pytest.mark.parametrize(("start", "to"), [(a, b) for a in S for b in S])
def test_transitions_table(cast, org_tree, category, start, to):
    need = raise_need(org_tree.resident_person, category)
    Need.objects.filter(pk=need.pk).update(status=start)
    if to in ALLOWED[start]:
        services.need_transition(actor=cast["cadre"], need=need, status=to, note="已经安排电工")
        need.refresh_from_db()
        assert need.status == to
        assert (need.closed_at is not None) == (to in (S.RESOLVED, S.DECLINED))
    else:
        with pytest.raises(InvalidTransition):
            services.need_transition(actor=cast["cadre"], need=need, status=to, note="已经安排电工")
        need.refresh_from_db()
        assert need.status == start


def test_decline_needs_a_reason_the_resident_reads(cast, org_tree, category):
    need = raise_need(org_tree.resident_person, category)
    log = AuditLog()
    with pytest.raises(DomainError):
        services.need_transition(actor=cast["cadre"], need=need, status=S.DECLINED, note=" ")
    assert not log.new() and not Message.objects.exists()
    services.need_transition(actor=cast["cadre"], need=need, status=S.DECLINED, note="路灯属于市政，已转交")
    need.refresh_from_db()
    assert (need.status, need.decline_reason) == (S.DECLINED, "路灯属于市政，已转交")
    assert need.updates.last().note == "路灯属于市政，已转交"
    [event] = log.new()
    assert (event.action, event.actor_id) == ("need.declined", cast["cadre"].pk)


def test_accept_assigns_a_node_or_person_and_only_where_the_handler_works(cast, org_tree, category):
    need = raise_need(org_tree.resident_person, category)
    services.need_transition(actor=cast["grid_worker"], need=need, status=S.ACCEPTED,
                             assigned_node=org_tree.grid, assigned_to=cast["grid_worker"], scope=Need.Scope.COMMON)
    need.refresh_from_db()
    assert (need.assigned_node, need.assigned_to, need.scope) == (org_tree.grid, cast["grid_worker"], "common")
    with pytest.raises(DomainError):  # the neighbouring cadre cannot see this need
        services.need_transition(actor=cast["cadre"], need=need, status=S.SERVICE,
                                 assigned_to=cast["neighbour_cadre"])
    for role in ("neighbour_cadre", "street_official", "link_head"):
        with pytest.raises(PermissionDenied):
            services.need_transition(actor=cast[role], need=need, status=S.SERVICE)


# --- merge -------------------------------------------------------------------------------------

def test_merge_keeps_every_supporter_once_and_every_source(cast, org_tree, category, neighbours):
    h2, h3, h4 = (head(h) for h in neighbours[:3])
    earlier = raise_need(h4, category, text="路灯晚上不亮", actor=None)
    source = raise_need(org_tree.resident_person, category, text="小区路灯坏了")
    services.need_support(actor=None, need=source, person=h2)  # h2 supports both
    target = raise_need(h3, category, text="我们小区的路灯晚上不亮", actor=None)
    services.need_support(actor=None, need=target, person=h2)
    services.need_merge(actor=cast["cadre"], source=earlier, target=source)  # h4 now on `source`
    log = AuditLog()
    services.need_merge(actor=cast["cadre"], source=source, target=target)
    source.refresh_from_db()
    target.refresh_from_db()
    earlier.refresh_from_db()
    households = sorted(Support.objects.filter(need=target).values_list("household_id", flat=True))
    assert households == sorted([org_tree.household.pk, h2.household_id, h3.household_id, h4.household_id])
    assert target.support_count == 4
    assert (source.status, source.merged_into, source.support_count) == (S.MERGED, target, 0)
    assert earlier.merged_into == target  # sources merged earlier follow to the new target
    assert set(target.merged.all()) == {source, earlier}
    assert not Support.objects.filter(need__in=[source, earlier]).exists()
    [event] = log.new()
    assert (event.action, event.data["source"]) == ("need.merged", source.pk)
    assert NeedUpdate.objects.filter(need=source, status=S.MERGED).exists()


def test_merge_refusals(cast, org_tree, category, neighbours):
    a = raise_need(org_tree.resident_person, category)
    b = raise_need(head(neighbours[0]), category, text="我们小区的路灯晚上不亮", actor=None)
    elsewhere = raise_need(org_tree.neighbour_household.members.get(), category, text="路灯坏了", actor=None)
    with pytest.raises(PermissionDenied):
        services.need_merge(actor=cast["grid_worker"], source=a, target=b)
    with pytest.raises(DomainError):
        services.need_merge(actor=cast["cadre"], source=a, target=a)
    with pytest.raises(PermissionDenied):
        services.need_merge(actor=cast["cadre"], source=a, target=elsewhere)
    Need.objects.filter(pk=a.pk).update(status=S.SERVICE)
    with pytest.raises(InvalidTransition):  # an individual service is not merged away
        services.need_merge(actor=cast["cadre"], source=a, target=b)
    Need.objects.filter(pk=a.pk).update(status=S.RESOLVED)
    with pytest.raises(DomainError):
        services.need_merge(actor=cast["cadre"], source=a, target=b)


# --- notifications and the daily digest ----------------------------------------------------------

def test_status_changes_notify_the_resident_and_supporters_and_the_digest_sends_one_sms_each(
        cast, org_tree, category, neighbours, django_capture_on_commit_callbacks):
    need = raise_need(org_tree.resident_person, category)
    supporter = head(neighbours[0])
    services.need_support(actor=supporter.user, need=need, person=supporter)
    services.need_transition(actor=cast["cadre"], need=need, status=S.ACCEPTED, assigned_node=org_tree.grid)
    services.need_transition(actor=cast["cadre"], need=need, status=S.SERVICE)
    services.need_transition(actor=cast["cadre"], need=need, status=S.RESOLVED, note="已修好")
    resident, other = cast["resident"], supporter.user
    assert Message.objects.filter(user=resident, kind="need.status").count() == 3
    assert Message.objects.filter(user=other, kind="need.status").count() == 3
    Message.objects.filter(user=other).order_by("id").first().delete()  # fewer lines for the other
    LocmemSmsBackend.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_digests", stdout=io.StringIO())
    phones = sorted(phone for phone, _text in LocmemSmsBackend.outbox)
    assert phones == ["+8613600136002", "+8613800138000"]
    text = dict(LocmemSmsBackend.outbox)["+8613800138000"]
    assert text.startswith("[Cocreate]") and "小区路灯坏了" in text
    assert not Message.objects.filter(digested_at__isnull=True).exists()
    LocmemSmsBackend.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_digests", stdout=io.StringIO())
    assert LocmemSmsBackend.outbox == []  # nothing new, nothing sent


def test_messages_read_in_the_app_are_not_sent_by_sms(cast, org_tree, category, django_capture_on_commit_callbacks):
    from cocreate.notify.services import messages_mark_read, send_digests

    need = raise_need(org_tree.resident_person, category)
    services.need_transition(actor=cast["cadre"], need=need, status=S.DECLINED, note="不属于社区职责")
    messages_mark_read(user=cast["resident"])
    LocmemSmsBackend.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert send_digests() == 0
    assert LocmemSmsBackend.outbox == []


def test_messages_are_written_in_the_residents_language(cast, org_tree, category):
    from cocreate.accounts.services import preferences_update

    preferences_update(user=cast["resident"], language="en")
    need = raise_need(org_tree.resident_person, category)
    services.need_transition(actor=cast["cadre"], need=need, status=S.ACCEPTED, assigned_node=org_tree.grid)
    assert Message.objects.get(user=cast["resident"]).text.endswith("is now: Accepted")


# --- 周周清 --------------------------------------------------------------------------------------

def test_weekly_clearance_counts_what_is_past_its_time(cast, org_tree, category, roads):
    start = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=datetime.UTC)
    person = org_tree.resident_person
    with time_machine.travel(start, tick=False):
        light = raise_need(person, category)  # 3 days
        raise_need(person, roads, text="人行道砖松动了")  # 14 days
        at_community = raise_need(person, category, text="社区广场的灯不亮", place=Need.Place.NODE,
                                  node=org_tree.community)
        resolved = raise_need(person, category, text="垃圾桶坏了")
    with time_machine.travel(start + timedelta(days=2), tick=False):
        services.need_transition(actor=cast["cadre"], need=resolved, status=S.DECLINED, note="重复")
    with time_machine.travel(start + timedelta(days=5), tick=False):
        rows, overdue = selectors.weekly_clearance(node=org_tree.community)
        by_node = {row.node: row for row in rows}
        assert {n.pk for n in overdue} == {light.pk, at_community.pk}
        # The need at the community node counts once for the community, not for the grid.
        assert (by_node[org_tree.community].open, by_node[org_tree.community].overdue) == (3, 2)
        assert (by_node[org_tree.grid].open, by_node[org_tree.grid].overdue) == (2, 1)
        assert by_node[org_tree.community].closed_this_week == 1
        rows, overdue = selectors.weekly_clearance(node=org_tree.grid)
        assert [(r.node, r.open, r.overdue) for r in rows] == [(org_tree.grid, 2, 1)]
    with time_machine.travel(start + timedelta(days=20), tick=False):
        rows, overdue = selectors.weekly_clearance(node=org_tree.street)
        by_node = {row.node: row for row in rows}
        assert by_node[org_tree.community].overdue == 3
        assert by_node[org_tree.community].closed_this_week == 0
        assert org_tree.neighbour not in by_node


# --- door-to-door campaigns ---------------------------------------------------------------------

def test_campaign_visits_once_per_household_and_needs_raised_during_them(cast, org_tree, category, neighbours):
    campaign = services.campaign_create(actor=cast["cadre"], node=org_tree.community, title="敲门行动",
                                        starts_on=datetime.date(2026, 11, 1), ends_on=datetime.date(2026, 11, 30))
    with pytest.raises(PermissionDenied):
        services.campaign_create(actor=cast["grid_worker"], node=org_tree.community, title="x",
                                 starts_on=datetime.date(2026, 11, 1), ends_on=datetime.date(2026, 11, 30))
    progress = selectors.campaign_progress(campaign=campaign)
    assert (progress.total, progress.visited) == (11, 0)
    visit = services.visit_record(actor=cast["grid_worker"], campaign=campaign, household=org_tree.household,
                                  at_home=True, special_care=True, notes="老人独居")
    need = raise_need(org_tree.resident_person, category, actor=cast["grid_worker"], channel=Need.Channel.VISIT,
                      visit=visit, consent_method="slip", consent_slip=slip())
    assert (need.visit, need.channel) == (visit, Need.Channel.VISIT)
    with pytest.raises(Conflict):
        services.visit_record(actor=cast["cadre"], campaign=campaign, household=org_tree.household, at_home=False)
    with pytest.raises(PermissionDenied):  # a 联户长 visits only the households linked to them
        services.visit_record(actor=cast["link_head"], campaign=campaign, household=neighbours[0], at_home=True)
    with pytest.raises(PermissionDenied):
        services.visit_record(actor=cast["grid_worker"], campaign=campaign,
                              household=org_tree.neighbour_household, at_home=True)
    with pytest.raises(DomainError):  # a need raised "during" a visit to another household
        raise_need(head(neighbours[0]), category, actor=cast["grid_worker"], visit=visit,
                   consent_method="slip", consent_slip=slip())
    progress = selectors.campaign_progress(campaign=campaign)
    assert (progress.total, progress.visited, progress.special_care) == (11, 1, 1)
    assert org_tree.household not in progress.not_visited and neighbours[0] in progress.not_visited
    mine = selectors.campaign_progress(campaign=campaign, household_ids=[org_tree.household.pk])
    assert (mine.total, mine.visited, mine.not_visited) == (1, 1, [])
    assert Visit.objects.get().visitor == cast["grid_worker"]


# --- the 最大公约数 view -----------------------------------------------------------------------------

def test_common_ground_clusters_similar_needs_and_counts_each_household_once(cast, org_tree, category,
                                                                             neighbours):
    people = [head(h) for h in neighbours]
    lights = raise_need(people[0], category, text="小区路灯坏了", actor=None)
    dark = raise_need(people[1], category, text="我们小区的路灯晚上不亮", actor=None)
    clutter = raise_need(people[2], category, text="楼道堆放杂物", actor=None)
    private = raise_need(people[3], category, text="家里老人需要助餐", actor=None)
    for p in people[4:7]:
        services.need_support(actor=None, need=lights, person=p)
        services.need_support(actor=None, need=dark, person=p)  # the same households support both
    services.need_support(actor=None, need=clutter, person=people[8])
    services.need_transition(actor=cast["cadre"], need=private, status=S.ACCEPTED,
                             assigned_node=org_tree.grid, scope=Need.Scope.INDIVIDUAL)
    clusters = selectors.common_ground(community=org_tree.community)
    assert [{n.pk for n in c.members} for c in clusters] == [{lights.pk, dark.pk}, {clutter.pk}]
    assert [c.households for c in clusters] == [5, 2]  # 2 raisers + 3 supporters of both; not 8
    assert all(private.pk not in {n.pk for n in c.members} for c in clusters)
    assert selectors.common_ground(community=org_tree.neighbour) == []



def test_common_ground_is_cached_and_forgotten_when_a_need_of_the_community_changes(
        cast, org_tree, category, neighbours, django_capture_on_commit_callbacks, django_assert_num_queries):
    people = [head(h) for h in neighbours]
    with django_capture_on_commit_callbacks(execute=True):
        lights = raise_need(people[0], category, text="小区路灯坏了", actor=None)
    assert [c.households for c in selectors.common_ground(community=org_tree.community)] == [1]
    with django_assert_num_queries(0):  # read again: from the cache
        selectors.common_ground(community=org_tree.community)

    with django_capture_on_commit_callbacks(execute=True):
        services.need_support(actor=None, need=lights, person=people[1])
    assert [c.households for c in selectors.common_ground(community=org_tree.community)] == [2]
    with django_capture_on_commit_callbacks(execute=True):
        services.need_support(actor=None, need=raise_need(people[2], category, text="楼道堆放杂物", actor=None),
                              person=people[3])
    assert len(selectors.common_ground(community=org_tree.community)) == 2
