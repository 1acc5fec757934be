"""Writes for partners: each service leaves the right state and one audit event; refusals
write nothing."""

import datetime
import threading

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, connections, transaction
from django.utils import timezone

from cocreate.audit.models import AuditEvent
from cocreate.core.errors import Conflict, DomainError, InvalidTransition
from cocreate.needs import services as needs_services
from cocreate.notify.models import Message
from cocreate.orgs.models import Pairing
from cocreate.partners import selectors, services
from cocreate.partners.models import ResourceOffer, ServiceItem, ServiceOrder

from .conftest import jpeg, user_of

pytestmark = pytest.mark.django_db
S = ServiceOrder.Status


class AuditLog:
    def __init__(self) -> None:
        self.mark = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0

    def new(self) -> list[AuditEvent]:
        return list(AuditEvent.objects.filter(id__gt=self.mark).order_by("id"))

    def actions(self) -> list[str]:
        return [e.action for e in self.new()]


def _snapshot(order: ServiceOrder) -> tuple:
    order.refresh_from_db()
    return (order.status, order.member_id, order.unit_id, order.minutes, order.rating, AuditEvent.objects.count())


# --- pairings --------------------------------------------------------------------------------------

def test_cadre_pairs_a_unit_once_and_a_second_pairing_is_a_conflict(cast, org_tree, unit):
    log = AuditLog()
    pairing = services.pairing_add(actor=cast["cadre"], unit=unit, community=org_tree.community,
                                   since=datetime.date(2025, 1, 1))
    assert pairing.community == org_tree.community
    [event] = log.new()
    assert event.action == "partner_unit.paired" and event.actor == cast["cadre"]
    with pytest.raises(Conflict):
        services.pairing_add(actor=cast["cadre"], unit=unit, community=org_tree.community,
                             since=datetime.date(2025, 1, 1))
    assert Pairing.objects.count() == 1 and len(log.new()) == 1


@pytest.mark.parametrize("who", ["neighbour_cadre", "grid_worker", "street_official", "resident"])
def test_only_the_communitys_cadre_pairs(cast, org_tree, unit, who):
    log = AuditLog()
    with pytest.raises(PermissionDenied):
        services.pairing_add(actor=cast[who], unit=unit, community=org_tree.community,
                             since=datetime.date(2025, 1, 1))
    assert not Pairing.objects.exists() and log.new() == []


def test_pairing_a_unit_of_another_county_or_with_a_grid_is_refused(cast, org_tree, unit):
    from cocreate.orgs import services as org_services

    elsewhere = org_services.partner_unit_register(actor=None, node=org_tree.neighbour, name="友谊小学")
    with pytest.raises(DomainError):
        services.pairing_add(actor=cast["cadre"], unit=elsewhere, community=org_tree.community,
                             since=datetime.date(2025, 1, 1))
    with pytest.raises(DomainError):
        services.pairing_add(actor=cast["cadre"], unit=unit, community=org_tree.grid, since=datetime.date(2025, 1, 1))
    assert not Pairing.objects.exists()


def test_ending_a_pairing_deactivates_the_units_offers_and_withdraws_their_services(cast, pairing, item):
    log = AuditLog()
    services.pairing_end(actor=cast["cadre"], pairing=pairing)
    assert not Pairing.objects.exists()
    assert not ResourceOffer.objects.get().active and not ServiceItem.objects.get().published
    [event] = log.new()
    assert event.action == "partner_unit.unpaired" and event.data["offers"] == 1 and event.data["services"] == 1


def test_a_pairing_with_an_order_dispatched_to_the_unit_cannot_end(cast, pairing, order, unit):
    services.order_dispatch(actor=cast["cadre"], order=order, unit=unit)
    log = AuditLog()
    with pytest.raises(DomainError):
        services.pairing_end(actor=cast["cadre"], pairing=pairing)
    assert Pairing.objects.exists() and ResourceOffer.objects.get().active and log.new() == []


# --- offers and the service list -------------------------------------------------------------------

def test_offer_needs_a_pairing_and_records_one_event(cast, org_tree, unit):
    with pytest.raises(DomainError):
        services.offer_create(actor=cast["cadre"], unit=unit, community=org_tree.community, title="义诊")
    assert not ResourceOffer.objects.exists()
    services.pairing_add(actor=cast["cadre"], unit=unit, community=org_tree.community,
                         since=datetime.date(2025, 1, 1))
    log = AuditLog()
    offer = services.offer_create(actor=cast["cadre"], unit=unit, community=org_tree.community, title="义诊",
                                  category="health")
    assert offer.path == org_tree.community.path and offer.active
    assert log.actions() == ["offer.created"]
    with pytest.raises(PermissionDenied):
        services.offer_create(actor=cast["grid_worker"], unit=unit, community=org_tree.community, title="义诊二")


def test_offer_matched_to_a_need_once_and_listed_alone_once(cast, org_tree, offer, category):
    need = needs_services.need_raise(actor=cast["resident"], person=org_tree.resident_person,
                                     text="家里水管漏水没人修", category=category)
    log = AuditLog()
    matched = services.item_publish(actor=cast["cadre"], offer=offer, need=need)
    alone = services.item_publish(actor=cast["cadre"], offer=offer, title="水电维修")
    assert matched.need == need and matched.title == offer.title and alone.title == "水电维修"
    assert log.actions() == ["service_item.published", "service_item.published"]
    for again in ({"need": need}, {}):
        with pytest.raises(Conflict):
            services.item_publish(actor=cast["cadre"], offer=offer, **again)
    assert ServiceItem.objects.count() == 2 and len(log.new()) == 2


def test_offer_cannot_be_matched_to_a_need_of_another_community(cast, org_tree, offer, category):
    neighbour = org_tree.neighbour_household.members.get()
    need = needs_services.need_raise(actor=None, person=neighbour, text="水管漏水", category=category)
    with pytest.raises(DomainError):
        services.item_publish(actor=cast["cadre"], offer=offer, need=need)
    assert not ServiceItem.objects.exists()


def test_matching_suggests_the_open_needs_that_read_like_the_offer(cast, org_tree, offer, category):
    leak = needs_services.need_raise(actor=None, person=org_tree.resident_person, text="厨房水管漏水需要维修",
                                     category=category)
    needs_services.need_raise(actor=None, person=org_tree.resident_person, text="楼下广场舞声音太大",
                              category=category)
    suggestions = selectors.match_suggestions(offer=offer)
    assert [need for _score, need in suggestions] == [leak]
    services.item_publish(actor=cast["cadre"], offer=offer, need=leak)
    assert selectors.match_suggestions(offer=offer) == []  # already matched


def test_deactivating_an_offer_withdraws_its_services(cast, offer, item):
    log = AuditLog()
    services.offer_deactivate(actor=cast["cadre"], offer=offer)
    item.refresh_from_db()
    assert not item.published and log.actions() == ["offer.deactivated"]
    with pytest.raises(Conflict):
        services.offer_deactivate(actor=cast["cadre"], offer=offer)


# --- the order journey -------------------------------------------------------------------------------

def test_full_journey_place_dispatch_accept_complete_rate(cast, org_tree, item, member, member2):
    log = AuditLog()
    order = services.order_place(actor=cast["resident"], person=org_tree.resident_person, item=item,
                                 description="厨房水管漏水")
    assert order.status == S.PLACED and order.community == org_tree.community and order.household == org_tree.household
    services.order_dispatch(actor=cast["cadre"], order=order, member=member)
    assert Message.objects.filter(user=user_of(member), kind="service_order.dispatched").exists()
    with pytest.raises(PermissionDenied):  # only the member it was given to
        services.order_accept(actor=user_of(member2), order=order)
    services.order_accept(actor=user_of(member), order=order)
    services.order_complete(actor=user_of(member), order=order, minutes=90, photo=jpeg(), note="换了水龙头")
    services.order_rate(actor=cast["resident"], order=order, rating=5, comment="很及时")
    order.refresh_from_db()
    assert order.status == S.RATED and order.minutes == 90 and order.rating == 5 and order.hours_text == "1:30"
    assert order.unit == member.unit and order.completion_photo
    assert log.actions() == ["service_order.placed", "service_order.dispatched", "service_order.accepted",
                             "service_order.completed", "service_order.rated"]
    assert log.new()[3].data == {"minutes": 90, "member": member.pk, "unit": member.unit_id}
    assert Message.objects.filter(user=cast["resident"], kind="service_order.done").exists()


def test_member_claims_accepts_and_gives_back(cast, order, member):
    log = AuditLog()
    services.order_claim(actor=user_of(member), order=order)
    order.refresh_from_db()
    assert order.status == S.CLAIMED and order.member == member
    services.order_decline(actor=user_of(member), order=order, reason="这周出差")
    order.refresh_from_db()
    assert order.status == S.PLACED and order.member is None and order.unit is None
    assert log.actions() == ["service_order.claimed", "service_order.declined"]


def test_a_second_claim_is_a_conflict_and_writes_nothing(order, member, member2):
    services.order_claim(actor=user_of(member), order=order)
    before = _snapshot(order)
    with pytest.raises(Conflict):
        services.order_claim(actor=user_of(member2), order=order)
    assert _snapshot(order) == before and order.member == member


@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_give_the_order_to_one_member(cast, org_tree, item, member, member2):
    """The row lock (PostgreSQL) or the IMMEDIATE transaction (SQLite) serialises the claims."""
    order = services.order_place(actor=cast["resident"], person=org_tree.resident_person, item=item,
                                 description="厨房水管漏水")
    users = [user_of(member), user_of(member2)]
    barrier, outcomes = threading.Barrier(2), []

    def claim(user):
        try:
            barrier.wait()
            services.order_claim(actor=user, order=order)
            outcomes.append("ok")
        except Conflict:
            outcomes.append("conflict")
        except Exception as other:  # SQLite may refuse a concurrent writer outright
            outcomes.append(type(other).__name__)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claim, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("ok") == 1
    assert AuditEvent.objects.filter(action="service_order.claimed").count() == 1
    if connection.vendor == "postgresql":
        assert outcomes.count("conflict") == 1


def test_claims_are_for_dispatched_members_of_the_community(cast, org_tree, order, member):
    from cocreate.orgs.models import DispatchedMember

    before = _snapshot(order)
    with pytest.raises(PermissionDenied):
        services.order_claim(actor=cast["link_head"], order=order)  # not a dispatched member
    DispatchedMember.objects.filter(pk=member.pk).update(home_community=org_tree.neighbour)
    with pytest.raises(DomainError):
        services.order_claim(actor=user_of(member), order=order)
    assert _snapshot(order) == before


def test_a_member_cannot_claim_or_be_given_their_own_order(cast, item, member):
    own = services.order_place(actor=user_of(member), person=member.person, item=item, description="家里灯坏了要修")
    with pytest.raises(DomainError):
        services.order_claim(actor=user_of(member), order=own)
    with pytest.raises(DomainError):
        services.order_dispatch(actor=cast["cadre"], order=own, member=member)
    assert ServiceOrder.objects.get(pk=own.pk).status == S.PLACED


# --- rating --------------------------------------------------------------------------------------------

@pytest.fixture
def done_order(cast, order, member):
    services.order_dispatch(actor=cast["cadre"], order=order, member=member)
    services.order_accept(actor=user_of(member), order=order)
    return services.order_complete(actor=user_of(member), order=order, minutes=45, photo=jpeg())


def test_only_the_resident_who_placed_the_order_rates_it_and_only_once(cast, done_order, member):
    before = _snapshot(done_order)
    for who in (cast["link_head"], cast["cadre"], user_of(member)):  # same household, staff, the member
        with pytest.raises(PermissionDenied):
            services.order_rate(actor=who, order=done_order, rating=5)
    for bad in (0, 6, True):
        with pytest.raises(DomainError):
            services.order_rate(actor=cast["resident"], order=done_order, rating=bad)
    assert _snapshot(done_order) == before
    services.order_rate(actor=cast["resident"], order=done_order, rating=4)
    rated = _snapshot(done_order)
    with pytest.raises(Conflict):
        services.order_rate(actor=cast["resident"], order=done_order, rating=1)
    assert _snapshot(done_order) == rated and done_order.rating == 4


def test_the_database_keeps_ratings_in_range_and_only_on_rated_orders(done_order):
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceOrder.objects.filter(pk=done_order.pk).update(rating=4)  # done, not rated
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceOrder.objects.filter(pk=done_order.pk).update(status=S.RATED, rating=6, rated_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceOrder.objects.filter(pk=done_order.pk).update(minutes=0)


def test_an_order_is_rated_once_done(cast, order):
    with pytest.raises(InvalidTransition):
        services.order_rate(actor=cast["resident"], order=order, rating=5)


# --- completing, dispatching, cancelling -------------------------------------------------------------

def test_completion_needs_a_photo_and_a_sensible_time(cast, order, member):
    services.order_dispatch(actor=cast["cadre"], order=order, member=member)
    with pytest.raises(InvalidTransition):  # not accepted yet
        services.order_complete(actor=user_of(member), order=order, minutes=30, photo=jpeg())
    services.order_accept(actor=user_of(member), order=order)
    before = _snapshot(order)
    for minutes, photo in ((30, None), (0, jpeg()), (24 * 60 + 1, jpeg()), (1.5, jpeg())):
        with pytest.raises(DomainError):
            services.order_complete(actor=user_of(member), order=order, minutes=minutes, photo=photo)
    with pytest.raises(PermissionDenied):
        services.order_complete(actor=cast["cadre"], order=order, minutes=30, photo=jpeg())
    assert _snapshot(order) == before


@pytest.mark.parametrize("who", ["grid_worker", "neighbour_cadre", "street_official", "resident"])
def test_only_the_communitys_cadre_dispatches(cast, order, member, who):
    before = _snapshot(order)
    with pytest.raises(PermissionDenied):
        services.order_dispatch(actor=cast[who], order=order, member=member)
    assert _snapshot(order) == before


def test_an_order_dispatched_to_a_unit_is_reported_by_the_cadre(cast, order, unit):
    services.order_dispatch(actor=cast["cadre"], order=order, unit=unit)
    services.order_accept(actor=cast["cadre"], order=order)
    services.order_complete(actor=cast["cadre"], order=order, minutes=120, photo=jpeg())
    order.refresh_from_db()
    assert order.status == S.DONE and order.member is None and order.unit == unit


def test_a_unit_that_is_not_paired_cannot_take_orders(cast, org_tree, order):
    from cocreate.orgs import services as org_services

    other = org_services.partner_unit_register(actor=None, node=org_tree.county, name="县医院")
    with pytest.raises(DomainError):
        services.order_dispatch(actor=cast["cadre"], order=order, unit=other)


def test_the_resident_cancels_until_accepted_then_only_the_cadre_with_a_reason(cast, org_tree, item, member):
    first = services.order_place(actor=cast["resident"], person=org_tree.resident_person, item=item,
                                 description="请帮忙换灯泡")
    log = AuditLog()
    services.order_cancel(actor=cast["resident"], order=first)
    assert ServiceOrder.objects.get(pk=first.pk).status == S.CANCELLED
    second = services.order_place(actor=cast["resident"], person=org_tree.resident_person, item=item,
                                  description="请帮忙修水管")
    services.order_dispatch(actor=cast["cadre"], order=second, member=member)
    services.order_accept(actor=user_of(member), order=second)
    with pytest.raises(InvalidTransition):
        services.order_cancel(actor=cast["resident"], order=second)
    with pytest.raises(DomainError):
        services.order_cancel(actor=cast["cadre"], order=second)
    with pytest.raises(PermissionDenied):
        services.order_cancel(actor=user_of(member), order=second, reason="不想做")
    services.order_cancel(actor=cast["cadre"], order=second, reason="居民已自行修好")
    assert [e.data.get("by") for e in log.new() if e.action == "service_order.cancelled"] == ["resident", "staff"]


# --- placing for a resident (代办) ----------------------------------------------------------------------

def test_grid_worker_places_an_order_for_a_resident_with_the_signed_slip(cast, org_tree, item):
    spouse = org_tree.household.members.get(relation="spouse")  # 李秀英 has no phone
    log = AuditLog()
    with pytest.raises(DomainError):
        services.order_place(actor=cast["grid_worker"], person=spouse, item=item, description="想请人来修门锁")
    made = services.order_place(actor=cast["grid_worker"], person=spouse, item=item, description="想请人来修门锁",
                                consent_slip=jpeg("slip.jpg"))
    assert made.recorded_by == cast["grid_worker"] and made.consent_slip
    [event] = log.new()
    assert event.action == "service_order.placed" and event.on_behalf_of_id == spouse.pk
    assert event.data["channel"] == "proxy"


@pytest.mark.parametrize("who", ["neighbour_cadre", "street_official"])
def test_placing_for_a_resident_outside_ones_households_is_refused(cast, org_tree, item, who):
    spouse = org_tree.household.members.get(relation="spouse")
    with pytest.raises(PermissionDenied):
        services.order_place(actor=cast[who], person=spouse, item=item, description="想请人来修门锁",
                             consent_slip=jpeg("slip.jpg"))
    assert not ServiceOrder.objects.exists()


def test_an_order_for_a_service_of_another_community_is_refused(cast, org_tree, item):
    neighbour = org_tree.neighbour_household.members.get()
    with pytest.raises(DomainError):
        services.order_place(actor=None, person=neighbour, item=item, description="楼道灯坏了")
    with pytest.raises(DomainError):
        services.order_place(actor=cast["resident"], person=org_tree.resident_person, description="修")
    assert not ServiceOrder.objects.exists()


# --- hours and ratings -----------------------------------------------------------------------------------

def test_stats_sum_minutes_and_ratings_per_member_and_unit_in_four_queries(
        cast, org_tree, item, member, member2, unit, django_assert_num_queries):
    def finish(by, minutes, rating=None):
        o = services.order_place(actor=cast["resident"], person=org_tree.resident_person, item=item,
                                 description="请帮忙修理一下")
        services.order_dispatch(actor=cast["cadre"], order=o, member=by)
        services.order_accept(actor=user_of(by), order=o)
        services.order_complete(actor=user_of(by), order=o, minutes=minutes, photo=jpeg())
        if rating:
            services.order_rate(actor=cast["resident"], order=o, rating=rating)

    finish(member, 60, 5)
    finish(member, 30, 4)
    finish(member, 15)
    finish(member2, 20, 3)
    services.order_place(actor=cast["resident"], person=org_tree.resident_person, item=item, description="还没人接的单")
    with django_assert_num_queries(4):
        per_member, per_unit = selectors.stats(node=org_tree.community)
    first, second = per_member
    assert (first.key, first.done, first.minutes, first.rated, first.rating_sum) == (member.pk, 3, 105, 2, 9)
    assert first.average_rating == "4.5" and first.hours_text == "1:45"
    assert (second.key, second.minutes, second.average_rating) == (member2.pk, 20, "3.0")
    [by_unit] = per_unit
    assert (by_unit.key, by_unit.done, by_unit.minutes, by_unit.rated, by_unit.rating_sum) == (unit.pk, 4, 125, 3, 12)
    assert by_unit.average_rating == "4.0"
    assert selectors.stats(node=org_tree.neighbour) == ([], [])
