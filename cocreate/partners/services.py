"""Writes for partners: pairings, resource offers, the service list, and service orders through
点单 → 派单/抢单 → 接单 → 办结 → 评单. One transaction and one audit event each; refusals raise
DomainError (or Conflict, PermissionDenied) and write nothing.

Concurrency: every transition of an order first takes `SELECT … FOR UPDATE` on the order row
and tests the status on the locked row, so two members cannot both claim an order (the second
gets a Conflict) and a member cannot complete an order a cadre is cancelling. SQLite has no row
locks; its IMMEDIATE transactions serialise writers there.
"""

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from cocreate.audit.services import record
from cocreate.core.errors import Conflict, DomainError, InvalidTransition
from cocreate.needs.models import Need
from cocreate.needs.services import community_of, require_act_for_household
from cocreate.orgs.models import DispatchedMember, Kind, OrgUnit, Pairing, PartnerUnit, Person
from cocreate.orgs.permissions import has_perm

from .models import MAX_ORDER_MINUTES, Category, ResourceOffer, ServiceItem, ServiceOrder

VIEW, MANAGE, FOR_RESIDENT = "partners.view", "partners.manage", "partners.order_for_resident"
S = ServiceOrder.Status


def _require(actor, node: OrgUnit, action: str = MANAGE) -> None:
    """`actor=None` is the platform itself (seed commands, scheduled jobs)."""
    if actor is not None and not has_perm(actor, action, node):
        raise PermissionDenied(action)


def _own_person(actor) -> Person | None:
    if actor is None or not actor.is_authenticated:
        return None
    return Person.objects.filter(user=actor).first()


def member_of(actor) -> DispatchedMember | None:
    """The dispatched Party member (双报到) behind a signed-in account, if it is one."""
    if actor is None or not actor.is_authenticated:
        return None
    return (DispatchedMember.objects.select_related("person", "unit", "home_community")
            .filter(person__user=actor).first())


def unit_may_serve(unit: PartnerUnit, community: OrgUnit) -> bool:
    """A unit registered on the community, above it or inside it may pair with it."""
    return community.path.startswith(unit.node.path) or unit.node.path.startswith(community.path)


def _is_paired(unit_id: int, community: OrgUnit) -> bool:
    return Pairing.objects.filter(unit_id=unit_id, community=community).exists()


# --- pairings ------------------------------------------------------------------------------------

def pairing_add(*, actor, unit: PartnerUnit, community: OrgUnit, since) -> Pairing:
    """Pair a partner unit with the community (orgs.services.pairing_create writes the pairing
    and its audit event `partner_unit.paired`). Raises Conflict when already paired."""
    from cocreate.orgs.services import pairing_create

    _require(actor, community)
    if community.kind != Kind.COMMUNITY:
        raise DomainError(_("Partner units pair with a community or village."))
    if not unit_may_serve(unit, community):
        raise DomainError(_("This unit is registered outside the community's county or street."))
    if since > timezone.localdate():
        raise DomainError(_("The pairing cannot start in the future."))
    try:
        with transaction.atomic():
            return pairing_create(actor=actor, unit=unit, community=community, since=since)
    except IntegrityError as again:
        raise Conflict(_("This unit is already paired with the community.")) from again


@transaction.atomic
def pairing_end(*, actor, pairing: Pairing) -> None:
    """Unpair: the unit's offers in the community are deactivated and their services withdrawn.
    Refused while an order is assigned to the unit itself (dispatch it elsewhere first)."""
    pairing = Pairing.objects.select_for_update().select_related("unit", "community").filter(pk=pairing.pk).first()
    if pairing is None:
        raise Conflict(_("This pairing has already ended."))
    community, unit = pairing.community, pairing.unit
    _require(actor, community)
    if ServiceOrder.objects.filter(community=community, unit=unit, member__isnull=True,
                                   status__in=[S.DISPATCHED, S.ACCEPTED]).exists():
        raise DomainError(_("Orders dispatched to this unit are still open: dispatch them elsewhere first."))
    offers = ResourceOffer.objects.filter(unit=unit, community=community, active=True)
    withdrawn = ServiceItem.objects.filter(offer__in=offers, published=True).update(published=False)
    deactivated = offers.update(active=False)
    since, pairing_id = pairing.since.isoformat(), pairing.pk
    pairing.delete()
    record(actor=actor, action="partner_unit.unpaired", target=("orgs.pairing", pairing_id), node=community,
           data={"unit": unit.pk, "since": since, "offers": deactivated, "services": withdrawn})


# --- offers and the service list ------------------------------------------------------------------

@transaction.atomic
def offer_create(*, actor, unit: PartnerUnit, community: OrgUnit, title: str, description: str = "",
                 category: str = Category.OTHER, capacity: str = "") -> ResourceOffer:
    """资源清单: a paired unit's offer to the community."""
    _require(actor, community)
    title = (title or "").strip()
    if len(title) < 2:
        raise DomainError(_("Give the offer a title."))
    if category not in Category.values:
        raise DomainError(_("Choose a category."))
    if not _is_paired(unit.pk, community):
        raise DomainError(_("Only units paired with the community can offer it resources."))
    offer = ResourceOffer.objects.create(unit=unit, community=community, path=community.path, title=title,
                                         description=(description or "").strip(), category=category,
                                         capacity=(capacity or "").strip(), created_by=actor)
    record(actor=actor, action="offer.created", target=offer, node=community,
           data={"unit": unit.pk, "category": category})
    return offer


@transaction.atomic
def offer_deactivate(*, actor, offer: ResourceOffer) -> ResourceOffer:
    """The unit no longer offers it: its services leave the residents' list (orders stay)."""
    offer = ResourceOffer.objects.select_for_update().select_related("community").get(pk=offer.pk)
    _require(actor, offer.community)
    if not offer.active:
        raise Conflict(_("This offer is already inactive."))
    offer.active = False
    offer.save(update_fields=["active", "updated_at"])
    withdrawn = ServiceItem.objects.filter(offer=offer, published=True).update(published=False)
    record(actor=actor, action="offer.deactivated", target=offer, node=offer.community,
           data={"services": withdrawn})
    return offer


@transaction.atomic
def item_publish(*, actor, offer: ResourceOffer, need: Need | None = None, title: str = "",
                 description: str = "") -> ServiceItem:
    """服务清单: list an offer for the residents, matched to one of the community's open needs or
    on its own. Raises Conflict when that match (or the offer on its own) is already listed."""
    offer = ResourceOffer.objects.select_for_update().select_related("community").get(pk=offer.pk)
    _require(actor, offer.community)
    if not offer.active:
        raise DomainError(_("This offer is no longer active."))
    if need is not None and (need.community_id != offer.community_id or not need.is_open):
        raise DomainError(_("Match the offer with an open need of the same community."))
    title = (title or "").strip() or offer.title
    try:
        with transaction.atomic():
            item = ServiceItem.objects.create(
                community=offer.community, path=offer.path, offer=offer, need=need, title=title[:100],
                description=(description or "").strip() or offer.description, created_by=actor)
    except IntegrityError as again:
        raise Conflict(_("This offer is already on the service list for that need.")) from again
    record(actor=actor, action="service_item.published", target=item, node=offer.community,
           data={"offer": offer.pk, "need": need.pk if need else None})
    return item


@transaction.atomic
def item_withdraw(*, actor, item: ServiceItem) -> ServiceItem:
    item = ServiceItem.objects.select_for_update().select_related("community").get(pk=item.pk)
    _require(actor, item.community)
    if not item.published:
        raise Conflict(_("This service is already withdrawn."))
    item.published = False
    item.save(update_fields=["published", "updated_at"])
    record(actor=actor, action="service_item.withdrawn", target=item, node=item.community)
    return item


# --- orders ----------------------------------------------------------------------------------------

def _acting_for(actor, person: Person) -> bool:
    """Whether `actor` places the order for someone else (代办); the platform never does."""
    if actor is None:
        return False
    own = _own_person(actor)
    return own is None or own.pk != person.pk


@transaction.atomic
def order_place(*, actor, person: Person, description: str, item: ServiceItem | None = None,
                consent_slip=None) -> ServiceOrder:
    """点单: a resident asks for a service (one on the list, or anything described). Staff and
    联户长 placing it for a resident need the permission for the household and the photo of the
    slip the resident signed (as for a need recorded for them); the audit event names the resident."""
    household = person.household
    if household is None:
        raise DomainError(_("The resident is not registered in a household yet."))
    description = (description or "").strip()
    if len(description) < 4:
        raise DomainError(_("Describe what you need in a few words (at least 4 characters)."))
    community = community_of(household.node)
    if item is not None:
        item = ServiceItem.objects.select_related("offer").get(pk=item.pk)
        if item.community_id != community.pk or not item.published or not item.offer.active:
            raise DomainError(_("This service is not on your community's list."))
    proxy = _acting_for(actor, person)
    if proxy:
        require_act_for_household(actor, household, FOR_RESIDENT)
        if not consent_slip:
            raise DomainError(_("Add a photo of the slip the resident signed."))
    order = ServiceOrder.objects.create(
        community=community, node=household.node, path=household.path, household=household, person=person,
        recorded_by=actor if proxy else None, consent_slip=consent_slip if proxy else None, item=item,
        description=description)
    record(actor=actor, action="service_order.placed", target=order, node=household.node,
           on_behalf_of=person if proxy else None,
           data={"item": item.pk if item else None, "channel": "proxy" if proxy else "self"})
    return order


def _lock(order: ServiceOrder) -> ServiceOrder:
    # `of=("self",)`: PostgreSQL cannot lock the nullable side of the member and unit joins.
    return (ServiceOrder.objects.select_for_update(of=("self",))
            .select_related("community", "node", "member__person", "unit", "person").get(pk=order.pk))


def _move(order: ServiceOrder, status: str) -> str:
    if not order.can_transition_to(status):
        raise InvalidTransition(_("This order is no longer at that step."))
    old, order.status = order.status, status
    return old


def _is_placer(actor, order: ServiceOrder) -> bool:
    own = _own_person(actor)
    return own is not None and own.pk == order.person_id


def _is_worker(actor, order: ServiceOrder) -> bool:
    """The assigned member's own account; for an order dispatched to a unit (no member), the
    community's cadre records what the unit reports."""
    if actor is None:
        return True
    if order.member_id is not None:
        return order.member.person.user_id == actor.pk
    return order.unit_id is not None and has_perm(actor, MANAGE, order.node)


def _notify(user_id: int | None, order: ServiceOrder, *, kind: str, message) -> None:
    """An in-app message in the user's language (the daily digest sends the SMS)."""
    from cocreate.accounts.models import User
    from cocreate.notify.services import message_queue

    user = User.objects.filter(pk=user_id, is_active=True).only("id", "language").first() if user_id else None
    if user is None:
        return
    with override(user.language or "zh-hans"):
        text = str(message) % {"text": order.description[:20]}
    message_queue(user_id=user.pk, kind=kind, target_id=order.pk, text=text)


@transaction.atomic
def order_dispatch(*, actor, order: ServiceOrder, member: DispatchedMember | None = None,
                   unit: PartnerUnit | None = None) -> ServiceOrder:
    """派单: a cadre gives the order to a dispatched member of the community, or to a paired unit.
    A claimed or dispatched order may be given to someone else."""
    order = _lock(order)
    _require(actor, order.node)
    if member is None and unit is None:
        raise DomainError(_("Choose a dispatched member or a partner unit."))
    if member is not None:
        member = DispatchedMember.objects.select_related("person", "unit").get(pk=member.pk)
        if member.home_community_id != order.community_id:
            raise DomainError(_("The member must have reported to this community (双报到)."))
        if member.person_id == order.person_id:
            raise DomainError(_("A member cannot serve their own order."))
        unit = member.unit
    elif not _is_paired(unit.pk, order.community):
        raise DomainError(_("Only units paired with the community can take its orders."))
    if order.status == S.ACCEPTED:
        raise InvalidTransition(_("The order is already accepted; cancel it to start again."))
    old = _move(order, S.DISPATCHED)
    order.member, order.unit, order.dispatched_by, order.assigned_at = member, unit, actor, timezone.now()
    order.accepted_at = None
    order.save(update_fields=["status", "member", "unit", "dispatched_by", "assigned_at", "accepted_at",
                              "updated_at"])
    record(actor=actor, action="service_order.dispatched", target=order, node=order.node,
           data={"from": old, "member": member.pk if member else None, "unit": unit.pk})
    if member is not None:
        _notify(member.person.user_id, order, kind="service_order.dispatched",
                message=_("A service order was dispatched to you: “%(text)s”. Please accept it in Cocreate."))
    return order


@transaction.atomic
def order_claim(*, actor, order: ServiceOrder) -> ServiceOrder:
    """抢单: a dispatched member takes a waiting order of their home community. The order row is
    locked: of two members claiming at once, the second gets a Conflict."""
    member = member_of(actor)
    if member is None:
        raise PermissionDenied(_("Only dispatched Party members can claim orders."))
    order = _lock(order)
    if order.community_id != member.home_community_id:
        raise DomainError(_("You can claim orders of the community you reported to."))
    if order.status != S.PLACED:
        raise Conflict(_("Someone has already taken this order."))
    if order.person_id == member.person_id:
        raise DomainError(_("A member cannot serve their own order."))
    _move(order, S.CLAIMED)
    order.member, order.unit, order.assigned_at = member, member.unit, timezone.now()
    order.save(update_fields=["status", "member", "unit", "assigned_at", "updated_at"])
    record(actor=actor, action="service_order.claimed", target=order, node=order.node,
           data={"member": member.pk, "unit": member.unit_id})
    return order


@transaction.atomic
def order_accept(*, actor, order: ServiceOrder) -> ServiceOrder:
    """接单: the assigned member confirms they will do it."""
    order = _lock(order)
    if not _is_worker(actor, order):
        raise PermissionDenied(_("Only the member the order is assigned to can accept it."))
    if order.status not in (S.DISPATCHED, S.CLAIMED):
        raise InvalidTransition(_("This order is no longer at that step."))
    old = _move(order, S.ACCEPTED)
    order.accepted_at = timezone.now()
    order.save(update_fields=["status", "accepted_at", "updated_at"])
    record(actor=actor, action="service_order.accepted", target=order, node=order.node, data={"from": old})
    _notify(order.person.user_id, order, kind="service_order.accepted",
            message=_("Your service order “%(text)s” was accepted."))
    return order


@transaction.atomic
def order_decline(*, actor, order: ServiceOrder, reason: str = "") -> ServiceOrder:
    """The assigned member gives a dispatched or claimed order back: it waits for someone else."""
    order = _lock(order)
    if not _is_worker(actor, order):
        raise PermissionDenied(_("Only the member the order is assigned to can give it back."))
    if order.status not in (S.DISPATCHED, S.CLAIMED):
        raise InvalidTransition(_("An accepted order cannot be given back; ask the community to cancel it."))
    old_member, old_unit = order.member_id, order.unit_id
    old = _move(order, S.PLACED)
    order.member = order.unit = order.dispatched_by = order.assigned_at = None
    order.save(update_fields=["status", "member", "unit", "dispatched_by", "assigned_at", "updated_at"])
    record(actor=actor, action="service_order.declined", target=order, node=order.node,
           data={"from": old, "member": old_member, "unit": old_unit, "reason": (reason or "").strip()[:200]})
    return order


@transaction.atomic
def order_complete(*, actor, order: ServiceOrder, minutes: int, photo, note: str = "") -> ServiceOrder:
    """办结: the member reports the order done, with a photo and the time spent (whole minutes)."""
    order = _lock(order)
    if not _is_worker(actor, order):
        raise PermissionDenied(_("Only the member the order is assigned to can complete it."))
    if order.status != S.ACCEPTED:
        raise InvalidTransition(_("Accept the order before reporting it done."))
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= MAX_ORDER_MINUTES:
        raise DomainError(_("Give the time spent: at least 1 minute, at most 24 hours."))
    if not photo:
        raise DomainError(_("Add a photo of the work done."))
    _move(order, S.DONE)
    order.minutes, order.completion_photo, order.done_at = minutes, photo, timezone.now()
    order.completion_note = (note or "").strip()[:500]
    order.save(update_fields=["status", "minutes", "completion_photo", "completion_note", "done_at", "updated_at"])
    record(actor=actor, action="service_order.completed", target=order, node=order.node,
           data={"minutes": minutes, "member": order.member_id, "unit": order.unit_id})
    _notify(order.person.user_id, order, kind="service_order.done",
            message=_("Your service order “%(text)s” is done. Please rate it in Cocreate."))
    return order


@transaction.atomic
def order_rate(*, actor, order: ServiceOrder, rating: int, comment: str = "") -> ServiceOrder:
    """评单: the resident who placed the order rates it, once, 1 to 5 stars."""
    order = _lock(order)
    if not _is_placer(actor, order):
        raise PermissionDenied(_("Only the resident who placed the order can rate it."))
    if order.status == S.RATED:
        raise Conflict(_("You have already rated this order."))
    if order.status != S.DONE:
        raise InvalidTransition(_("An order is rated once it is done."))
    if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
        raise DomainError(_("Give 1 to 5 stars."))
    _move(order, S.RATED)
    order.rating, order.rating_comment, order.rated_at = rating, (comment or "").strip()[:300], timezone.now()
    order.save(update_fields=["status", "rating", "rating_comment", "rated_at", "updated_at"])
    record(actor=actor, action="service_order.rated", target=order, node=order.node,
           data={"rating": rating, "member": order.member_id, "unit": order.unit_id})
    return order


@transaction.atomic
def order_cancel(*, actor, order: ServiceOrder, reason: str = "") -> ServiceOrder:
    """The resident cancels their order until it is accepted; a cadre until it is done, with a reason."""
    order = _lock(order)
    reason = (reason or "").strip()
    if _is_placer(actor, order) and order.status in (S.PLACED, S.DISPATCHED, S.CLAIMED):
        by = "resident"
    elif actor is None or has_perm(actor, MANAGE, order.node):
        by = "staff"
        if len(reason) < 2:
            raise DomainError(_("Say why the order is cancelled; the resident will read it."))
    elif _is_placer(actor, order):
        raise InvalidTransition(_("The order is already accepted; ask the community to cancel it."))
    else:
        raise PermissionDenied(_("You cannot cancel this order."))
    old = _move(order, S.CANCELLED)
    order.cancelled_at, order.cancel_reason = timezone.now(), reason[:200]
    order.save(update_fields=["status", "cancelled_at", "cancel_reason", "updated_at"])
    record(actor=actor, action="service_order.cancelled", target=order, node=order.node,
           data={"from": old, "by": by, "reason": order.cancel_reason})
    if by == "staff":
        _notify(order.person.user_id, order, kind="service_order.cancelled",
                message=_("Your service order “%(text)s” was cancelled by the community."))
    return order
