"""The partners endpoints of the JSON API (mounted by cocreate/api/api.py, URL names
`api:partners_<function>`). Residents: the service list of my community, placing an order,
my orders, rating and cancelling; a dispatched Party member: the orders to claim and their own,
claiming, accepting, giving back and reporting done (multipart, with the photo). Staff: a
node's orders, dispatching and cancelling, offers with matching suggestions, the service list,
pairings, and hours and ratings per member and per unit.

Every rule is the pages' own: the same forms validate, the same services write (one audit event
each), the same scope look-ups (selectors.resident_order, staff_order, staff_offer …) decide what
is visible — a forbidden object answers 404, a resident on a staff endpoint 403. Not offered:
placing an order for a resident without a phone (the signed slip: use the page)."""

from datetime import date, datetime

from django.utils.translation import gettext_lazy as _
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from cocreate.api.auth import require_staff
from cocreate.api.errors import require_valid
from cocreate.api.idempotency import idempotent
from cocreate.api.schemas import responses, valid_form
from cocreate.core.errors import DomainError
from cocreate.orgs.models import Kind
from cocreate.orgs.permissions import has_perm, node_for

from . import selectors, services
from .forms import CompleteForm, DispatchForm, ItemForm, OfferForm, OrderForm, PairingForm, RateForm, ReasonForm
from .models import ServiceOrder
from .selectors import MANAGE, VIEW

router = Router(tags=["partners"])


# --- schemas -------------------------------------------------------------------------------------

class Ref(Schema):
    id: int
    name: str


class ServiceOut(Schema):
    id: int
    title: str
    description: str
    unit: Ref
    category: str
    category_label: str
    capacity: str
    need: int | None = Field(description="The need it was matched to, if any.")


class ServicePage(Schema):
    items: list[ServiceOut]
    next: str | None = Field(description="Pass as `before` for the next page; null on the last page.")


class OrderOut(Schema):
    id: int
    description: str
    status: str
    status_label: str
    service: Ref | None
    household: str
    member: str | None = Field(description="The dispatched member who took it (name masked).")
    unit: Ref | None
    placed_at: datetime
    assigned_at: datetime | None
    accepted_at: datetime | None
    done_at: datetime | None
    minutes: int | None = Field(description="Time spent, in whole minutes.")
    completion_note: str
    has_photo: bool
    rating: int | None
    rating_comment: str
    cancel_reason: str


class OrderPage(Schema):
    items: list[OrderOut]
    next: str | None = Field(description="Pass as `before` for the next page; null on the last page.")


class MyOrderOut(OrderOut):
    mine: bool = Field(description="I placed it (or it was placed for me).")
    can_rate: bool
    can_cancel: bool
    can_claim: bool
    assigned_to_me: bool


class TasksOut(Schema):
    member: bool = Field(description="False when I am not a dispatched Party member (双报到): both lists are empty.")
    assigned: list[OrderOut] = Field(description="My orders (newest first, 30 at most).")
    claimable: OrderPage = Field(description="Orders of my home community waiting for someone.")


class OrderIn(Schema):
    item: int | None = Field(None, description="A service of the list (GET /services); leave out for anything else.")
    description: str = Field(max_length=500)


class RateIn(Schema):
    rating: int = Field(ge=1, le=5)
    comment: str = Field("", max_length=300)


class ReasonIn(Schema):
    reason: str = Field("", max_length=200)


class CompleteIn(Schema):
    minutes: int = Field(ge=1, le=24 * 60, description="Time spent, whole minutes.")
    note: str = Field("", max_length=500)


class StaffOrderOut(OrderOut):
    person: str = Field(description="Who it is for (name masked).")
    recorded_by: str | None = Field(description="Staff who placed it for the resident (代办).")
    can_manage: bool


class DispatchIn(Schema):
    member: int | None = Field(None, description="A dispatched member who reported to the community.")
    unit: int | None = Field(None, description="Or a partner unit paired with the community.")


class OfferOut(Schema):
    id: int
    title: str
    description: str
    unit: Ref
    community: Ref
    category: str
    category_label: str
    capacity: str
    active: bool


class OfferPage(Schema):
    items: list[OfferOut]
    next: str | None


class SuggestionOut(Schema):
    need: int
    text: str
    support_count: int
    score: float = Field(description="0 … 1: how alike the need and the offer read.")


class OfferDetailOut(OfferOut):
    suggestions: list[SuggestionOut]
    services: list[ServiceOut]
    can_manage: bool


class OfferIn(Schema):
    unit: int = Field(description="A unit paired with the community.")
    title: str = Field(max_length=100)
    category: str = "other"
    description: str = Field("", max_length=2000)
    capacity: str = Field("", max_length=100)


class ItemIn(Schema):
    need: int | None = Field(None, description="An open need of the community to match; leave out to list alone.")
    title: str = Field("", max_length=100)
    description: str = Field("", max_length=2000)


class StaffServiceOut(ServiceOut):
    published: bool


class StaffServicePage(Schema):
    items: list[StaffServiceOut]
    next: str | None


class PairingOut(Schema):
    id: int
    unit: Ref
    community: Ref
    since: date


class PairingIn(Schema):
    unit: int
    since: date


class TallyOut(Schema):
    id: int
    name: str
    unit: str = Field(description="Per member: their unit; per unit: its kind.")
    done: int
    minutes: int
    rated: int
    rating_sum: int = Field(description="Average = rating_sum / rated.")
    average_rating: str = Field(description="One decimal, \"\" before the first rating.")


class StatsOut(Schema):
    members: list[TallyOut]
    units: list[TallyOut]


class ListQuery(Schema):
    before: int | None = Field(None, ge=1, description="The `next` of the previous page.")
    limit: int = Field(selectors.PAGE_SIZE, ge=1, le=100)


class StaffOrderQuery(ListQuery):
    status: str = Field("", description="Only orders in this status.")


# --- shaping answers -----------------------------------------------------------------------------

def _ref(obj, name: str = "name") -> dict | None:
    return {"id": obj.pk, "name": getattr(obj, name)} if obj is not None else None


def _cursor(cursor: int | None) -> str | None:
    return str(cursor) if cursor else None


def _service(item) -> dict:
    offer = item.offer
    return {"id": item.pk, "title": item.title, "description": item.description, "unit": _ref(offer.unit),
            "category": offer.category, "category_label": str(offer.get_category_display()),
            "capacity": offer.capacity, "need": item.need_id}


def _order(o: ServiceOrder) -> dict:
    return {
        "id": o.pk, "description": o.description, "status": o.status, "status_label": str(o.get_status_display()),
        "service": _ref(o.item, "title"), "household": o.household.address,
        "member": o.member.person.masked_name if o.member_id else None, "unit": _ref(o.unit),
        "placed_at": o.created_at, "assigned_at": o.assigned_at, "accepted_at": o.accepted_at,
        "done_at": o.done_at, "minutes": o.minutes, "completion_note": o.completion_note,
        "has_photo": bool(o.completion_photo), "rating": o.rating, "rating_comment": o.rating_comment,
        "cancel_reason": o.cancel_reason,
    }


def _my_order(request, o: ServiceOrder) -> dict:
    S = ServiceOrder.Status
    member = selectors.member_of(request.user)
    mine = o.person.user_id == request.user.pk
    working = member is not None and o.member_id == member.pk
    return {**_order(o), "mine": mine, "assigned_to_me": working,
            "can_rate": mine and o.status == S.DONE,
            "can_cancel": mine and o.status in (S.PLACED, S.DISPATCHED, S.CLAIMED),
            "can_claim": (member is not None and not mine and o.status == S.PLACED
                          and o.community_id == member.home_community_id)}


def _staff_order(request, o: ServiceOrder) -> dict:
    return {**_order(o), "person": o.person.masked_name,
            "recorded_by": o.recorded_by.display_name if o.recorded_by_id else None,
            "can_manage": has_perm(request.user, MANAGE, o.node)}


def _offer(o) -> dict:
    return {"id": o.pk, "title": o.title, "description": o.description, "unit": _ref(o.unit),
            "community": _ref(o.community), "category": o.category,
            "category_label": str(o.get_category_display()), "capacity": o.capacity, "active": o.active}


def _offer_detail(request, offer) -> dict:
    return {**_offer(offer), "can_manage": has_perm(request.user, MANAGE, offer.community),
            "suggestions": [{"need": n.pk, "text": n.text, "support_count": n.support_count, "score": round(s, 3)}
                            for s, n in selectors.match_suggestions(offer=offer)],
            "services": [_service(i) for i in offer.items.select_related("offer__unit").order_by("-id")]}


def _tally(t: selectors.Tally) -> dict:
    return {"id": t.key, "name": t.label, "unit": t.unit, "done": t.done, "minutes": t.minutes, "rated": t.rated,
            "rating_sum": t.rating_sum, "average_rating": t.average_rating}


# --- residents -----------------------------------------------------------------------------------

@router.get("/services", response=responses({200: ServicePage}), summary="The service list of my community")
def service_list(request, query: Query[ListQuery]):
    me = selectors.resident(request.user)
    if me.community is None:
        return {"items": [], "next": None}
    rows, cursor = selectors.service_page(community=me.community, before=query.before, size=query.limit)
    return {"items": [_service(i) for i in rows], "next": _cursor(cursor)}


@router.get("/service-orders", response=responses({200: OrderPage}), summary="The orders I placed, newest first")
def my_orders(request, query: Query[ListQuery]):
    me = selectors.resident(request.user)
    rows, cursor = selectors.my_order_page(person=me.person, before=query.before, size=query.limit)
    return {"items": [_order(o) for o in rows], "next": _cursor(cursor)}


@router.post("/service-orders", response=responses({201: MyOrderOut}), summary="Place an order (点单)")
@idempotent
def order_place(request, payload: OrderIn):
    me = selectors.resident(request.user)
    data = valid_form(OrderForm, payload, community=me.community).cleaned_data
    if me.person is None:
        raise DomainError(_("The resident is not registered in a household yet."),
                                   code="no_household")
    made = services.order_place(actor=request.user, person=me.person, item=data["item"],
                                description=data["description"])
    return Status(201, _my_order(request, selectors.resident_order(request.user, made.pk)))


@router.get("/service-orders/{int:order_id}", response=responses({200: MyOrderOut}),
            summary="An order I placed, was given, or may claim")
def order(request, order_id: int):
    return _my_order(request, selectors.resident_order(request.user, order_id))


def _act(request, order_id: int, service, **kwargs) -> dict:
    service(actor=request.user, order=selectors.resident_order(request.user, order_id), **kwargs)
    return _my_order(request, selectors.resident_order(request.user, order_id))


@router.post("/service-orders/{int:order_id}/rate", response=responses({200: MyOrderOut}),
             summary="Rate a done order (评单), once, by whoever placed it")
@idempotent
def order_rate(request, order_id: int, payload: RateIn):
    """409 when already rated; 403 for anyone but the resident who placed it."""
    data = valid_form(RateForm, payload).cleaned_data
    return _act(request, order_id, services.order_rate, rating=data["rating"], comment=data["comment"])


@router.post("/service-orders/{int:order_id}/cancel", response=responses({200: MyOrderOut}),
             summary="Cancel my order until it is accepted")
@idempotent
def order_cancel(request, order_id: int, payload: ReasonIn):
    data = valid_form(ReasonForm, payload).cleaned_data
    return _act(request, order_id, services.order_cancel, reason=data["reason"])


@router.get("/service-tasks", response=responses({200: TasksOut}),
            summary="For a dispatched Party member: my orders, and the ones waiting to be claimed")
def tasks(request, query: Query[ListQuery]):
    member = selectors.member_of(request.user)
    if member is None:
        return {"member": False, "assigned": [], "claimable": {"items": [], "next": None}}
    assigned, _more = selectors.assigned_page(member=member)
    rows, cursor = selectors.claimable_page(member=member, before=query.before, size=query.limit)
    return {"member": True, "assigned": [_order(o) for o in assigned],
            "claimable": {"items": [_order(o) for o in rows], "next": _cursor(cursor)}}


@router.post("/service-orders/{int:order_id}/claim", response=responses({200: MyOrderOut}),
             summary="Claim a waiting order of my home community (抢单)")
@idempotent
def order_claim(request, order_id: int):
    """409 when someone took it first; 403 when I am not a dispatched member."""
    return _act(request, order_id, services.order_claim)


@router.post("/service-orders/{int:order_id}/accept", response=responses({200: MyOrderOut}),
             summary="Accept an order given to me (接单)")
@idempotent
def order_accept(request, order_id: int):
    return _act(request, order_id, services.order_accept)


@router.post("/service-orders/{int:order_id}/decline", response=responses({200: MyOrderOut}),
             summary="Give back an order I have not accepted yet")
@idempotent
def order_decline(request, order_id: int, payload: ReasonIn):
    data = valid_form(ReasonForm, payload).cleaned_data
    return _act(request, order_id, services.order_decline, reason=data["reason"])


@router.post("/service-orders/{int:order_id}/complete", response=responses({200: MyOrderOut}),
             summary="Report an accepted order done (multipart: minutes, note and the photo)")
@idempotent
def order_complete(request, order_id: int, payload: Form[CompleteIn], photo: File[UploadedFile] = None):
    """`multipart/form-data`: `minutes` (whole minutes, 1 to 1440), `note`, and `photo`, the photo of
    the work done — without it the report is refused (400, `fields.photo`)."""
    the_order = selectors.resident_order(request.user, order_id)
    minutes = payload.minutes
    form = CompleteForm({"hours": minutes // 60, "minutes": minutes % 60, "note": payload.note}, request.FILES)
    data = require_valid(form)
    services.order_complete(actor=request.user, order=the_order, minutes=data["total_minutes"],
                            photo=data["photo"], note=data["note"])
    return _my_order(request, selectors.resident_order(request.user, order_id))


# --- staff: orders -----------------------------------------------------------------------------------

@router.get("/staff/nodes/{int:node_id}/service-orders", response=responses({200: OrderPage}),
            summary="The service orders of a node in my scope, newest first")
def staff_orders(request, node_id: int, query: Query[StaffOrderQuery]):
    require_staff(request)
    node = node_for(request.user, VIEW, node_id)
    status = query.status if query.status in ServiceOrder.Status.values else ""
    rows, cursor = selectors.order_page(node=node, status=status, before=query.before, size=query.limit)
    return {"items": [_order(o) for o in rows], "next": _cursor(cursor)}


@router.get("/staff/service-orders/{int:order_id}", response=responses({200: StaffOrderOut}),
            summary="A service order")
def staff_order(request, order_id: int):
    require_staff(request)
    return _staff_order(request, selectors.staff_order(request.user, order_id))


@router.post("/staff/service-orders/{int:order_id}/dispatch", response=responses({200: StaffOrderOut}),
             summary="Dispatch an order to a member or a paired unit (派单)")
@idempotent
def staff_dispatch(request, order_id: int, payload: DispatchIn):
    require_staff(request)
    the_order = selectors.staff_order(request.user, order_id, MANAGE)
    data = valid_form(DispatchForm, payload, community=the_order.community).cleaned_data
    services.order_dispatch(actor=request.user, order=the_order, member=data["member"],
                            unit=None if data["member"] else data["unit"])
    return _staff_order(request, selectors.staff_order(request.user, order_id))


@router.post("/staff/service-orders/{int:order_id}/cancel", response=responses({200: StaffOrderOut}),
             summary="Cancel an open order, with the reason the resident will read")
@idempotent
def staff_order_cancel(request, order_id: int, payload: ReasonIn):
    require_staff(request)
    the_order = selectors.staff_order(request.user, order_id, MANAGE)
    data = valid_form(ReasonForm, payload).cleaned_data
    services.order_cancel(actor=request.user, order=the_order, reason=data["reason"])
    return _staff_order(request, selectors.staff_order(request.user, order_id))


# --- staff: offers, the service list, pairings, statistics ---------------------------------------------

@router.get("/staff/nodes/{int:node_id}/offers", response=responses({200: OfferPage}),
            summary="The resource offers (资源清单) of a node's community")
def staff_offers(request, node_id: int, query: Query[ListQuery]):
    require_staff(request)
    node = node_for(request.user, VIEW, node_id)
    rows, cursor = selectors.offer_page(node=node, before=query.before, size=query.limit)
    return {"items": [_offer(o) for o in rows], "next": _cursor(cursor)}


@router.post("/staff/nodes/{int:node_id}/offers", response=responses({201: OfferDetailOut}),
             summary="Add a paired unit's offer to the community")
@idempotent
def staff_offer_create(request, node_id: int, payload: OfferIn):
    require_staff(request)
    node = node_for(request.user, MANAGE, node_id)
    if node.kind != Kind.COMMUNITY:
        raise DomainError(_("Offers are made to a community or village."), code="not_community")
    data = valid_form(OfferForm, payload, community=node).cleaned_data
    made = services.offer_create(actor=request.user, community=node, **data)
    return Status(201, _offer_detail(request, selectors.staff_offer(request.user, made.pk)))


@router.get("/staff/offers/{int:offer_id}", response=responses({200: OfferDetailOut}),
            summary="An offer, its services and the open needs that read like it")
def staff_offer(request, offer_id: int):
    require_staff(request)
    return _offer_detail(request, selectors.staff_offer(request.user, offer_id))


@router.post("/staff/offers/{int:offer_id}/deactivate", response=responses({200: OfferDetailOut}),
             summary="The unit no longer offers it: its services leave the list")
@idempotent
def staff_offer_deactivate(request, offer_id: int):
    require_staff(request)
    services.offer_deactivate(actor=request.user, offer=selectors.staff_offer(request.user, offer_id, MANAGE))
    return _offer_detail(request, selectors.staff_offer(request.user, offer_id))


@router.post("/staff/offers/{int:offer_id}/services", response=responses({201: OfferDetailOut}),
             summary="List an offer for the residents (服务清单), matched to a need or alone")
@idempotent
def staff_service_publish(request, offer_id: int, payload: ItemIn):
    """409 when that match (or the offer alone) is already listed."""
    require_staff(request)
    the_offer = selectors.staff_offer(request.user, offer_id, MANAGE)
    data = valid_form(ItemForm, payload, offer=the_offer).cleaned_data
    services.item_publish(actor=request.user, offer=the_offer, **data)
    return Status(201, _offer_detail(request, selectors.staff_offer(request.user, offer_id)))


@router.get("/staff/nodes/{int:node_id}/services", response=responses({200: StaffServicePage}),
            summary="The service list of a node's community, withdrawn services included")
def staff_services(request, node_id: int, query: Query[ListQuery]):
    require_staff(request)
    node = node_for(request.user, VIEW, node_id)
    rows, cursor = selectors.item_page(node=node, before=query.before, size=query.limit)
    return {"items": [{**_service(i), "published": i.published and i.offer.active} for i in rows],
            "next": _cursor(cursor)}


@router.post("/staff/services/{int:item_id}/withdraw", response=responses({200: StaffServiceOut}),
             summary="Take a service off the residents' list")
@idempotent
def staff_service_withdraw(request, item_id: int):
    require_staff(request)
    item = services.item_withdraw(actor=request.user, item=selectors.staff_item(request.user, item_id, MANAGE))
    item = selectors.staff_item(request.user, item.pk)
    return {**_service(item), "published": item.published}


@router.get("/staff/nodes/{int:node_id}/pairings", response=responses({200: list[PairingOut]}),
            summary="The partner units paired with the communities of a node")
def staff_pairings(request, node_id: int):
    require_staff(request)
    node = node_for(request.user, VIEW, node_id)
    return [{"id": p.pk, "unit": _ref(p.unit), "community": _ref(p.community), "since": p.since}
            for p in selectors.pairings(node=node)]


@router.post("/staff/nodes/{int:node_id}/pairings", response=responses({201: PairingOut}),
             summary="Pair a partner unit with the community")
@idempotent
def staff_pairing_add(request, node_id: int, payload: PairingIn):
    """`unit`: a unit registered on the community, above it or inside it, not yet paired (409 if it is)."""
    require_staff(request)
    node = node_for(request.user, MANAGE, node_id)
    if node.kind != Kind.COMMUNITY:
        raise DomainError(_("Partner units pair with a community or village."),
                                   code="not_community")
    # Already paired units are choices too, so that pairing one again answers 409, not 400.
    units = selectors.pairable_units(community=node) + selectors.paired_units(community=node)
    data = valid_form(PairingForm, payload, units=units).cleaned_data
    made = services.pairing_add(actor=request.user, community=node, **data)
    return Status(201, {"id": made.pk, "unit": _ref(made.unit), "community": _ref(made.community),
                        "since": made.since})


@router.post("/staff/pairings/{int:pairing_id}/end", response=responses({204: None}),
             summary="End a pairing: the unit's offers in the community become inactive")
@idempotent
def staff_pairing_end(request, pairing_id: int):
    require_staff(request)
    services.pairing_end(actor=request.user, pairing=selectors.staff_pairing(request.user, pairing_id))
    return Status(204, None)


@router.get("/staff/nodes/{int:node_id}/partner-stats", response=responses({200: StatsOut}),
            summary="Hours and ratings of the orders done in a node, per member and per unit")
def staff_stats(request, node_id: int):
    require_staff(request)
    per_member, per_unit = selectors.stats(node=node_for(request.user, VIEW, node_id))
    return {"members": [_tally(t) for t in per_member], "units": [_tally(t) for t in per_unit]}
