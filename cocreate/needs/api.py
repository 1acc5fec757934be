"""The needs endpoints of the JSON API (mounted by cocreate/api/api.py, URL names
`api:needs_<function>`). Residents: their community's needs, raising, supporting, similar
needs, categories. Staff: a node's needs, one need, triage, merge, recording for a resident.

Every rule is the pages' own: the same forms validate, the same services write, the same
look-ups decide what is visible (a forbidden object answers 404, a resident on a staff
endpoint 403). Photos by multipart upload are not offered yet: raise, then add photos on
the page (or a later endpoint)."""

from datetime import datetime
from decimal import Decimal
from typing import Literal

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema, Status

from cocreate.api.auth import require_staff
from cocreate.api.errors import require_valid
from cocreate.api.idempotency import idempotent
from cocreate.api.schemas import DetailOut, cursor_text, form_data, parse_cursor, responses, valid_form
from cocreate.core.errors import DomainError
from cocreate.core.page_cache import api_cached
from cocreate.orgs.page_scopes import node_in_address, residents_community
from cocreate.orgs.permissions import has_perm, node_for

from . import selectors, services
from . import views as staff_pages
from .forms import MergeForm, NeedForm, RecordForm
from .models import Need
from .resident_views import _resident, _visible_need
from .views import image_response

router = Router(tags=["needs"])

Sort = Literal["new", "support"]
StatusName = Literal["received", "accepted", "deliberation", "service", "resolved", "declined"]
PlaceName = Literal["household", "node", "point"]


# --- schemas -------------------------------------------------------------------------------

class CategoryOut(Schema):
    id: int
    code: str
    name: str
    sla_days: int


class NodeOut(Schema):
    id: int
    name: str


class NeedOut(Schema):
    id: int
    text: str
    category: CategoryOut
    status: str
    status_label: str
    scope: str
    place: str
    node: NodeOut
    support_count: int
    created_at: datetime
    due_at: datetime | None
    closed_at: datetime | None
    supported: bool = Field(description="My household supports it.")
    own: bool = Field(description="My household raised it.")


class UpdateOut(Schema):
    status: str
    status_label: str
    note: str
    at: datetime


class NeedDetailOut(NeedOut):
    decline_reason: str
    merged_into: int | None
    latitude: Decimal | None
    longitude: Decimal | None
    photos: list[int] = Field(description="Photo ids: GET /needs/{id}/photos/{photo_id} (JPEG).")
    updates: list[UpdateOut]


class NeedPage(Schema):
    items: list[NeedOut]
    next: str | None = Field(description="Pass as `before` for the next page; null on the last page.")


class StaffNeedOut(NeedOut):
    channel: str
    overdue: bool


class StaffNeedPage(Schema):
    items: list[StaffNeedOut]
    next: str | None


class HouseholdRef(Schema):
    id: int
    address: str


class StaffNeedDetailOut(NeedDetailOut):
    channel: str
    overdue: bool
    person: str = Field(description="The resident's name, masked.")
    household: HouseholdRef | None
    recorded_by: str
    consent_method: str
    consent_confirmed_at: datetime | None
    assigned_node: NodeOut | None
    assigned_to: str
    sources: list[int] = Field(description="Needs merged into this one.")
    next_statuses: list[str] = Field(description="The statuses triage may move it to (empty if not yours).")
    can_merge: bool
    merge_candidates: list[int] = Field(description="Similar open needs this one may be merged into.")


class RecordedOut(StaffNeedDetailOut):
    consent_code_sent: bool


class NeedIn(Schema):
    text: str = Field(min_length=4, max_length=500)
    category: int = Field(description="A category id from GET /categories.")
    place: PlaceName = "household"
    node: int | None = Field(None, description="A building or hamlet of the community, for place=node.")
    latitude: Decimal | None = Field(None, ge=-90, le=90, max_digits=9, decimal_places=6)
    longitude: Decimal | None = Field(None, ge=-180, le=180, max_digits=9, decimal_places=6)


class RecordIn(NeedIn):
    person: int = Field(description="The household member the need is recorded for.")
    consent_method: Literal["sms"] = Field(
        description="Only `sms` for now (a code is sent to the resident, who reads it back: POST "
                    "/staff/needs/{id}/consent). A signed slip needs a photo upload: use the page.")


class TriageIn(Schema):
    status: StatusName
    note: str = Field("", max_length=300)
    assigned_node: int | None = None
    assigned_to: int | None = None
    scope: Literal["", "common", "individual"] | None = Field(None, description="Unchanged when left out.")


class MergeIn(Schema):
    target: int = Field(description="The need to merge this one into (one of merge_candidates).")


class ConsentIn(Schema):
    code: str = Field(pattern=r"^\s*\d{6}\s*$")


class ListQuery(Schema):
    sort: Sort = "new"
    status: StatusName | None = None
    before: str | None = Field(None, max_length=32, description="The `next` of the previous page.")
    limit: int = Field(selectors.PAGE_SIZE, ge=1, le=100)


# --- shaping answers -------------------------------------------------------------------------

def _category(category) -> dict:
    return {"id": category.pk, "code": category.code, "name": category.label, "sla_days": category.sla_days}


def _need(need: Need, *, household_id: int | None = None, supported: set[int] = frozenset()) -> dict:
    return {
        "id": need.pk, "text": need.text, "category": _category(need.category), "status": need.status,
        "status_label": str(need.get_status_display()), "scope": need.scope, "place": need.place,
        "node": {"id": need.node.pk, "name": need.node.name}, "support_count": need.support_count,
        "created_at": need.created_at, "due_at": need.due_at, "closed_at": need.closed_at,
        "supported": need.pk in supported, "own": household_id is not None and need.household_id == household_id,
    }


def _detail(need: Need, **kwargs) -> dict:
    return {
        **_need(need, **kwargs), "decline_reason": need.decline_reason, "merged_into": need.merged_into_id,
        "latitude": need.latitude, "longitude": need.longitude, "photos": [p.pk for p in need.photos.all()],
        "updates": [{"status": u.status, "status_label": str(u.get_status_display()), "note": u.note,
                     "at": u.created_at} for u in need.updates.all()],
    }


def _overdue(need: Need, now) -> bool:
    return need.is_open and need.due_at is not None and need.due_at < now



# --- residents -----------------------------------------------------------------------------

def _my_community(me):
    if me.person is None or me.community is None:
        raise DomainError(_("Your account is not linked to a registered household yet. Ask your grid worker."),
                          code="no_household")
    return me.community


@router.get("/categories", response=responses({200: list[CategoryOut]}), summary="What a need can be about")
def categories(request):
    return [_category(c) for c in selectors.categories()]


@router.get("/needs", response=responses({200: NeedPage}), summary="My community's needs, a page at a time")
@api_cached(residents_community)
def index(request, query: Query[ListQuery]):
    """Newest first (`sort=new`) or most supported first (`sort=support`), by keyset: pass
    `next` as `before`. Needs classified as individual (个性) appear only to their own
    household and its supporters, so a page may hold fewer than `limit` items."""
    me = _resident(request.user)
    if me.community is None:
        return {"items": [], "next": None}
    rows, cursor = selectors.need_page(node=me.community, status=query.status or "", order=query.sort,
                                       before=parse_cursor(query.before), size=query.limit)
    supported = selectors.household_supports(household_id=me.household.pk, need_ids=[n.pk for n in rows])
    visible = [n for n in rows if n.scope != Need.Scope.INDIVIDUAL or n.household_id == me.household.pk
               or n.pk in supported]
    return {"items": [_need(n, household_id=me.household.pk, supported=supported) for n in visible],
            "next": cursor_text(cursor)}


@router.get("/needs/similar", response=responses({200: list[NeedOut]}),
            summary="Open needs of my community that read like this text")
def similar(request, text: str = Query("", max_length=500)):
    me = _resident(request.user)
    if me.community is None:
        return []
    found = [need for _score, need in selectors.similar_open_needs(
        community=me.community, text=text.replace("\x00", ""), public_only=True)]
    supported = selectors.household_supports(household_id=me.household.pk, need_ids=[n.pk for n in found])
    return [_need(n, household_id=me.household.pk, supported=supported) for n in found]


def _resident_detail(me, need: Need) -> dict:
    supported = selectors.household_supports(household_id=me.household.pk, need_ids=[need.pk])
    return _detail(need, household_id=me.household.pk, supported=supported)


@router.post("/needs", response=responses({201: NeedDetailOut}), summary="Raise a need")
@idempotent
def create(request, payload: NeedIn):
    me = _resident(request.user)
    form = valid_form(NeedForm, payload, community=_my_community(me))
    data = form.cleaned_data
    need = services.need_raise(actor=request.user, person=me.person, text=data["text"], category=data["category"],
                               place=data["place"], node=data["node"], latitude=data["latitude"],
                               longitude=data["longitude"])
    return Status(201, _resident_detail(me, selectors.resident_need_detail(need_id=need.pk)))


@router.get("/needs/{int:need_id}", response=responses({200: NeedDetailOut}), summary="A need and its timeline")
def detail(request, need_id: int):
    me = _resident(request.user)
    return _resident_detail(me, _visible_need(me, need_id))


@router.post("/needs/{int:need_id}/support", response=responses({200: NeedDetailOut}),
             summary="我也有这个需求: my household supports this need")
@idempotent
def support(request, need_id: int):
    """One support per household: a second one answers 409 (code `conflict`)."""
    me = _resident(request.user)
    need = _visible_need(me, need_id)
    services.need_support(actor=request.user, need=need, person=me.person)
    return _resident_detail(me, selectors.resident_need_detail(need_id=need.pk))


@router.get("/needs/{int:need_id}/photos/{int:photo_id}", summary="A photo of a need (JPEG)",
            response=responses({200: None}), openapi_extra={
                "responses": {200: {"description": "The photo", "content": {"image/jpeg": {}}}}})
def photo(request, need_id: int, photo_id: int):
    need = _visible_need(_resident(request.user), need_id)
    picture = next((p for p in need.photos.all() if p.pk == photo_id), None)
    if picture is None:
        raise Http404
    return image_response(picture.image)


# --- staff -----------------------------------------------------------------------------------

@router.get("/staff/nodes/{int:node_id}/needs", response=responses({200: StaffNeedPage}),
            summary="The needs of a node in my scope, a page at a time")
@api_cached(node_in_address(), check=require_staff)
def staff_index(request, node_id: int, query: Query[ListQuery]):
    require_staff(request)
    node = node_for(request.user, "needs.view", node_id)
    rows, cursor = selectors.need_page(node=node, status=query.status or "", order=query.sort,
                                       before=parse_cursor(query.before), size=query.limit)
    now = timezone.now()
    return {"items": [{**_need(n), "channel": n.channel, "overdue": _overdue(n, now)} for n in rows],
            "next": cursor_text(cursor)}


def _merge_candidates(user, need: Need) -> list[Need]:
    """As on the merge page: similar open needs of the community the user may merge."""
    return [n for _score, n in selectors.similar_open_needs(
        community=need.community, text=need.text, exclude_id=need.pk, limit=10)
        if has_perm(user, "needs.merge", n.node)]


def _staff_detail(user, need: Need) -> dict:
    can_handle = has_perm(user, "needs.handle", need.node)
    can_merge = need.is_open and has_perm(user, "needs.merge", need.node)
    return {
        **_detail(need), "channel": need.channel, "overdue": _overdue(need, timezone.now()),
        "person": need.person.masked_name if need.person else "",
        "household": {"id": need.household.pk, "address": need.household.address} if need.household else None,
        "recorded_by": str(need.recorded_by or ""), "consent_method": need.consent_method,
        "consent_confirmed_at": need.consent_confirmed_at,
        "assigned_node": {"id": need.assigned_node.pk, "name": need.assigned_node.name} if need.assigned_node
        else None,
        "assigned_to": str(need.assigned_to or ""), "sources": [n.pk for n in need.merged.all()],
        "next_statuses": [s.value for s in Need.Status if s != Need.Status.MERGED and need.can_transition_to(s)]
        if can_handle else [],
        "can_merge": can_merge,
        "merge_candidates": [n.pk for n in _merge_candidates(user, need)] if can_merge else [],
    }


def _fresh(user, need_id: int) -> dict:
    return _staff_detail(user, selectors.need_detail(need_id=need_id))


@router.get("/staff/needs/{int:need_id}", response=responses({200: StaffNeedDetailOut}),
            summary="A need, for the staff who may see it")
def staff_detail(request, need_id: int):
    require_staff(request)
    return _staff_detail(request.user, staff_pages._need_for(request.user, need_id))


@router.post("/staff/needs/{int:need_id}/triage", response=responses({200: StaffNeedDetailOut}),
             summary="Move a need on: accept and assign, deliberate, serve, resolve or decline")
@idempotent
def triage(request, need_id: int, payload: TriageIn):
    """Declining needs a note (the resident reads it); accepting needs a responsible node or
    person unless one is set already."""
    require_staff(request)
    need = staff_pages._need_for(request.user, need_id, "needs.handle")
    data = form_data(payload)
    if payload.scope is None:
        data["scope"] = need.scope  # as the page, which posts the current classification
    form = staff_pages._triage_form(need, data)
    require_valid(form)
    cleaned = form.cleaned_data
    services.need_transition(actor=request.user, need=need, status=cleaned["status"], note=cleaned["note"],
                             assigned_node=cleaned["assigned_node"], assigned_to=cleaned["assigned_to"],
                             scope=cleaned["scope"])
    return _fresh(request.user, need.pk)


@router.post("/staff/needs/{int:need_id}/merge", response=responses({200: StaffNeedDetailOut}),
             summary="Merge this need into a similar one; every supporter and source is kept")
@idempotent
def merge(request, need_id: int, payload: MergeIn):
    """Answers the need merged into."""
    require_staff(request)
    need = staff_pages._need_for(request.user, need_id, "needs.merge")
    if not need.is_open:
        raise Http404
    form = MergeForm({"target": payload.target}, candidates=_merge_candidates(request.user, need))
    require_valid(form)
    target = services.need_merge(actor=request.user, source=need, target=form.cleaned_data["target"])
    return _fresh(request.user, target.pk)


@router.post("/staff/households/{int:household_id}/needs", response=responses({201: RecordedOut}),
             summary="Record a need for a resident of this household, with their consent")
@idempotent
def record(request, household_id: int, payload: RecordIn):
    """A 联户长 for the households linked to them; a grid worker or cadre in their area. An SMS
    code goes to the resident at once; they read it back (POST /staff/needs/{id}/consent)."""
    require_staff(request)
    household = staff_pages._household_for(request.user, household_id)
    form = valid_form(RecordForm, payload, community=services.community_of(household.node),
                      members=household.members.all())
    need = staff_pages._raise_for(request.user, form)
    try:
        services.need_consent_request(actor=request.user, need=need)
        sent = True
    except DomainError:
        sent = False  # recorded all the same; the code can be sent again (POST …/consent-code)
    # The recorder sees what they recorded, even a 联户长 who may not list the community's needs.
    return Status(201, {**_fresh(request.user, need.pk), "consent_code_sent": sent})


@router.post("/staff/needs/{int:need_id}/consent-code", response=responses({200: DetailOut}),
             summary="Send the resident a new consent code")
@idempotent
def consent_code(request, need_id: int):
    require_staff(request)
    need = staff_pages._need_for(request.user, need_id, "needs.record_for_resident")
    services.need_consent_request(actor=request.user, need=need)
    return {"detail": str(_("A new code was sent to the resident's phone."))}


@router.post("/staff/needs/{int:need_id}/consent", response=responses({200: StaffNeedDetailOut}),
             summary="The code the resident read back: their consent is confirmed")
@idempotent
def consent(request, need_id: int, payload: ConsentIn):
    require_staff(request)
    need = staff_pages._need_for(request.user, need_id, "needs.record_for_resident")
    if need.consent_method != Need.ConsentMethod.SMS:
        raise Http404
    services.need_consent_confirm(actor=request.user, need=need, code=payload.code)
    return _fresh(request.user, need.pk)
