"""The projects endpoints of the JSON API (mounted by cocreate/api/api.py, URL names
`api:projects_<function>`). Residents: my community's projects, a project's public page (the
funding plan with its shares and gap, budget, milestones, progress, ledger totals per kind and
the honour roll, names masked), its trace back to the decision (needs → meetings → ballot →
project), pledging a contribution, my pledges and withdrawing one. Staff: a node's projects,
creating one from its decision, status, the plan (budget lines, funding sources, milestones,
tasks), progress (multipart, optional photo), the pledge queue, confirming (multipart, evidence
photo) or declining a pledge, recording a contribution (multipart, evidence photo), reversing
a ledger entry, the ledger, and the valuation table (person-day value, material prices).

Every rule is the pages' own: the same forms validate, the same services write (one audit
event each), the same scope look-ups (selectors.staff_project, staff_node, selectors.*)
decide what is visible — a forbidden object answers 404, a resident on a staff endpoint 403.
Money is answered as integer fen (`*_fen`), typed in yuan (`*_yuan`) as on the pages."""

from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Literal

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from cocreate.api.auth import require_staff
from cocreate.api.errors import require_valid
from cocreate.api.idempotency import idempotent
from cocreate.api.schemas import form_data, responses, valid_form
from cocreate.core.masking import mask_name
from cocreate.core.page_cache import api_cached
from cocreate.decisions.forms import yuan_to_fen
from cocreate.meetings import selectors as meeting_selectors
from cocreate.needs.views import image_response
from cocreate.orgs.page_scopes import node_in_address, residents_community
from cocreate.orgs.permissions import has_perm, node_for

from . import selectors, services
from .forms import (
    BudgetLineForm,
    EvidenceForm,
    MaterialPriceForm,
    MilestoneForm,
    PledgeForm,
    ProgressForm,
    ProjectForm,
    ReasonForm,
    RecordForm,
    SourceForm,
    StatusForm,
    TaskForm,
    ValuationForm,
)
from .models import Contribution, ContributionKind, Pledge, ProgressUpdate, Project
from .selectors import MANAGE
from .services import CONFIGURE

router = Router(tags=["projects"])

StatusName = Literal["planning", "funding", "building", "completed", "handed_over", "cancelled"]
KindName = Literal["cash", "labour", "materials", "land", "equipment"]
SourceName = Literal["resident_cash", "in_kind", "labour", "partner", "donation", "award", "yishiyiyi",
                     "government", "other"]
NEXT = "Pass as `before` for the next page; null on the last page."


# --- schemas -------------------------------------------------------------------------------------

class Ref(Schema):
    id: int
    name: str


class ProjectOut(Schema):
    id: int
    title: str
    status: str
    status_label: str
    community: Ref
    node: Ref
    budget_fen: int
    contributed_fen: int = Field(description="折合资金 of the ledger, reversals included.")
    progress_percent: int
    created_at: datetime


class ProjectPage(Schema):
    items: list[ProjectOut]
    next: str | None = Field(description=NEXT)


class SourceOut(Schema):
    id: int
    kind: str
    kind_label: str
    amount_fen: int
    note: str
    self_raised: bool = Field(description="Residents', partners' and donors' money (not government funds).")
    share_percent: float | None = Field(description="Of the budget; null while there is no budget.")


class PlanOut(Schema):
    budget_fen: int
    planned_fen: int = Field(description="The sum of the funding sources.")
    self_raised_fen: int
    self_raised_percent: float | None = Field(description="Self-raised share of the budget.")
    gap_fen: int = Field(description="Budget − planned sources, never below zero.")
    sources: list[SourceOut]


class BudgetLineOut(Schema):
    id: int
    item: str
    amount_fen: int


class MilestoneOut(Schema):
    id: int
    title: str
    due_date: date
    done_on: date | None


class UpdateOut(Schema):
    id: int
    text: str
    percent: int
    has_photo: bool = Field(description="GET /projects/{id}/updates/{update_id}/photo (JPEG).")
    created_at: datetime


class KindTotalOut(Schema):
    kind: str
    label: str
    value_fen: int = Field(description="折合资金, net of reversals.")
    cash_fen: int
    hours: int = Field(description="Labour hours, net of reversals.")


class RollLineOut(Schema):
    name: str = Field(description="Masked (张*明家); anonymous givers share one line.")
    anonymous: bool
    value_fen: int
    entries: int
    kinds: list[str]


class MaterialOut(Schema):
    id: int
    name: str
    unit: str
    price_fen: int


class ValuationOut(Schema):
    node: Ref = Field(description="Whose table it is (the nearest up the tree).")
    labour_day_fen: int
    hours_per_day: int
    materials: list[MaterialOut]


class OriginOut(Schema):
    topic: Ref | None
    ballot: Ref | None
    option: Ref | None


class ProjectDetailOut(ProjectOut):
    scope: str
    latitude: Decimal | None
    longitude: Decimal | None
    origin: OriginOut
    plan: PlanOut
    budget_lines: list[BudgetLineOut]
    milestones: list[MilestoneOut]
    updates: list[UpdateOut] = Field(description="Progress, newest first (20).")
    totals: list[KindTotalOut] = Field(description="The ledger per contribution kind.")
    roll: list[RollLineOut] = Field(description="The honour roll, by value (30).")
    valuation: ValuationOut | None = Field(description="How in-kind gifts are valued here (for the pledge form).")


class TaskOut(Schema):
    id: int
    title: str
    owner_name: str
    due_date: date
    done: bool


class StaffProjectOut(ProjectDetailOut):
    tasks: list[TaskOut]
    pledges_waiting: int
    transitions: list[str] = Field(description="The statuses POST …/status may move it to.")
    can_manage: bool


class NeedOut(Schema):
    id: int
    text: str
    status: str
    status_label: str
    support_count: int
    created_at: datetime


class TallyOut(Schema):
    id: int
    title: str
    votes_for: int | None = Field(description="The show of hands, once the meeting is closed.")
    votes_against: int | None
    votes_abstain: int | None


class TraceMeetingOut(Schema):
    id: int
    kind: str
    kind_label: str
    title: str
    starts_at: datetime
    status: str
    status_label: str
    agenda_item: TallyOut


class ResultRowOut(Schema):
    key: str
    label: str
    count: int
    winner: bool


class BallotSummaryOut(Schema):
    id: int
    title: str
    kind: str
    published_at: datetime | None
    eligible: int
    voted: int
    turnout_percent: float
    winners: list[str]
    choices: list[ResultRowOut]


class StageOut(Schema):
    stage: str
    label: str
    held_on: date
    passed: bool


class ProcedureOut(Schema):
    id: int
    kind: str
    kind_label: str
    status: str
    status_label: str
    stages: list[StageOut]


class TraceOut(Schema):
    needs: list[NeedOut] = Field(description="What residents asked for, most supported first.")
    topic: Ref | None
    meetings: list[TraceMeetingOut] = Field(description="Meetings whose agenda held the topic, in date order.")
    ballot: BallotSummaryOut | None = Field(description="The published result that decided it.")
    procedures: list[ProcedureOut]
    project: ProjectOut


class ContributorOut(Schema):
    kind: Literal["household", "person", "unit"]
    id: int
    name: str = Field(description="A household's address, a person's masked name, or a partner unit's name.")


class GiftOut(Schema):
    kind: str
    kind_label: str
    cash_fen: int
    hours: int
    material: MaterialOut | None
    quantity: Decimal
    area_m2: Decimal
    description: str
    anonymous: bool
    value_fen: int = Field(description="折合资金 (negative on a reversal).")
    contributor: ContributorOut


class PledgeOut(GiftOut):
    id: int
    project: Ref
    status: str
    status_label: str
    created_at: datetime
    decided_at: datetime | None
    decline_reason: str


class PledgePage(Schema):
    items: list[PledgeOut]
    next: str | None = Field(description=NEXT)


class EntryOut(GiftOut):
    id: int
    project: int
    pledge: int | None
    reverses: int | None = Field(description="The entry this one reverses.")
    reversed: bool = Field(description="A later entry reverses this one.")
    reason: str
    has_evidence: bool = Field(description="GET /staff/contributions/{id}/evidence (JPEG).")
    created_at: datetime


class LedgerPage(Schema):
    items: list[EntryOut]
    next: str | None = Field(description=NEXT)
    contributed_fen: int


class StaffValuationOut(Schema):
    valuation: ValuationOut | None = Field(description="The table in force for this node; null if none.")
    own: bool = Field(description="The table is this node's own (prices can be set here).")
    can_configure: bool


# --- input ---------------------------------------------------------------------------------------

class PageQuery(Schema):
    before: int | None = Field(None, ge=1, description="The `next` of the previous page.")
    limit: int = Field(selectors.PAGE_SIZE, ge=1, le=100)


class PledgeQuery(PageQuery):
    status: Literal["pledged", "confirmed", "declined", "withdrawn", "all"] = "pledged"


class GiftIn(Schema):
    kind: KindName
    cash_yuan: Decimal | None = Field(None, gt=0, max_digits=14, decimal_places=2, description="cash")
    days: Decimal | None = Field(None, gt=0, max_digits=6, decimal_places=1,
                                 description="labour: person-days (halves are fine)")
    hours: int | None = Field(None, ge=1, le=24 * 366, description="labour: or hours")
    material: int | None = Field(None, description="materials: a price-list id (`valuation.materials`)")
    quantity: Decimal | None = Field(None, gt=0, max_digits=12, decimal_places=3, description="materials")
    area_m2: Decimal | None = Field(None, gt=0, max_digits=12, decimal_places=2, description="land")
    value_yuan: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2,
                                       description="land (optional), equipment: the declared value")
    description: str = Field("", max_length=200, description="equipment: what it is (挖掘机 2 台班)")
    anonymous: bool = Field(False, description="Appear as “anonymous” on the honour roll.")


class PledgeIn(GiftIn):
    as_household: bool = Field(True, description="For my household (the usual unit), or in my own name.")


class RecordIn(GiftIn):
    household: int | None = Field(None, description="A household of the community …")
    unit: int | None = Field(None, description="… or a partner unit paired with it.")


class ProjectIn(Schema):
    title: str = Field(max_length=100)
    scope: str = Field(max_length=3000)
    node: int | None = Field(None, description="The community or a place in it; the node of the URL if left out.")
    topic: int | None = Field(None, description="The decided topic.")
    ballot: int | None = Field(None, description="Its published ballot.")
    option: int | None = Field(None, description="The option chosen.")
    needs: list[int] = Field([], max_length=100, description="Needs it answers (without deliberation).")
    latitude: Decimal | None = Field(None, ge=-90, le=90, max_digits=9, decimal_places=6)
    longitude: Decimal | None = Field(None, ge=-180, le=180, max_digits=9, decimal_places=6)


class StatusIn(Schema):
    status: StatusName
    note: str = Field("", max_length=200)


class BudgetLineIn(Schema):
    item: str = Field(max_length=100)
    amount_yuan: Decimal = Field(gt=0, max_digits=14, decimal_places=2)


class SourceIn(Schema):
    kind: SourceName
    amount_yuan: Decimal = Field(gt=0, max_digits=14, decimal_places=2)
    note: str = Field("", max_length=100)


class MilestoneIn(Schema):
    title: str = Field(max_length=100)
    due_date: date


class ReachIn(Schema):
    on: date | None = Field(None, description="The day it was reached; today if left out.")


class TaskIn(Schema):
    title: str = Field(max_length=200)
    owner_name: str = Field(max_length=40)
    due_date: date


class ProgressIn(Schema):
    text: str = Field(max_length=1000)
    percent: int = Field(ge=0, le=100)


class ReasonIn(Schema):
    reason: str = Field(max_length=200)


class ValuationIn(Schema):
    labour_day_yuan: Decimal = Field(gt=0, max_digits=14, decimal_places=2)
    hours_per_day: int = Field(8, ge=1, le=24)


class MaterialPriceIn(Schema):
    name: str = Field(max_length=40)
    unit: str = Field(max_length=10)
    price_yuan: Decimal = Field(gt=0, max_digits=14, decimal_places=2)


# --- shaping answers -------------------------------------------------------------------------------

def _ref(obj, name: str = "name") -> dict | None:
    return {"id": obj.pk, "name": getattr(obj, name)} if obj is not None else None


def _percent(share) -> float | None:
    return None if share is None else round(float(share) * 100, 1)


def _project(p: Project) -> dict:
    return {"id": p.pk, "title": p.title, "status": p.status, "status_label": str(p.get_status_display()),
            "community": _ref(p.community), "node": _ref(p.node), "budget_fen": p.budget_fen,
            "contributed_fen": p.contributed_fen, "progress_percent": p.progress_percent, "created_at": p.created_at}


def _valuation(table) -> dict | None:
    if table is None:
        return None
    return {"node": _ref(table.node), "labour_day_fen": table.labour_day_fen, "hours_per_day": table.hours_per_day,
            "materials": [_material(m) for m in table.prices.filter(active=True)]}


def _material(m) -> dict:
    return {"id": m.pk, "name": m.name, "unit": m.unit, "price_fen": m.price_fen}


def _plan(plan: selectors.FundingPlan) -> dict:
    budget = plan.budget_fen
    return {"budget_fen": budget, "planned_fen": plan.planned_fen, "self_raised_fen": plan.self_raised_fen,
            "self_raised_percent": _percent(plan.self_raised_share), "gap_fen": plan.gap_fen,
            "sources": [{"id": s.pk, "kind": s.kind, "kind_label": str(s.get_kind_display()),
                         "amount_fen": s.amount_fen, "note": s.note, "self_raised": s.is_self_raised,
                         "share_percent": _percent(Fraction(s.amount_fen, budget) if budget else None)}
                        for s in plan.sources]}


def _totals(totals: dict) -> list[dict]:
    empty = selectors.KindTotal()
    return [{"kind": kind, "label": str(label), "value_fen": totals.get(kind, empty).value_fen,
             "cash_fen": totals.get(kind, empty).cash_fen, "hours": totals.get(kind, empty).hours}
            for kind, label in ContributionKind.choices]


def _roll(lines) -> list[dict]:
    def named(line):
        anonymous = line.name == selectors.ANONYMOUS_LABEL
        return {"name": _("Anonymous") if anonymous else line.name, "anonymous": anonymous,
                "value_fen": line.value_fen, "entries": line.entries, "kinds": list(line.kinds)}

    return [named(line) for line in lines]


def _detail(p: Project) -> dict:
    """What the project page shows, from the page's own selector."""
    page = selectors.project_page(p)
    return {
        **_project(p), "scope": p.scope, "latitude": p.latitude, "longitude": p.longitude,
        "origin": {"topic": _ref(p.topic, "title"), "ballot": _ref(p.ballot, "title"),
                   "option": _ref(p.option, "title")},
        "plan": _plan(page["plan"]),
        "budget_lines": [{"id": b.pk, "item": b.item, "amount_fen": b.amount_fen} for b in page["budget_lines"]],
        "milestones": [{"id": m.pk, "title": m.title, "due_date": m.due_date, "done_on": m.done_on}
                       for m in page["milestones"]],
        "updates": [{"id": u.pk, "text": u.text, "percent": u.percent, "has_photo": bool(u.photo),
                     "created_at": u.created_at} for u in page["updates"]],
        "totals": _totals(page["totals"]),
        "roll": _roll(page["roll"]),
        "valuation": _valuation(selectors.valuation_for(p.node)),
    }


def _staff_detail(request, project_id: int) -> dict:
    p = selectors.staff_project(request.user, project_id)
    return {**_detail(p), "tasks": [_task(t) for t in p.tasks.all()],
            "pledges_waiting": p.pledges.filter(status=Pledge.Status.PLEDGED).count(),
            "transitions": sorted(Project.TRANSITIONS[p.status]),
            "can_manage": has_perm(request.user, MANAGE, p.node)}


def _contributor(row) -> dict:
    if row.household_id:
        return {"kind": "household", "id": row.household_id, "name": row.household.address}
    if row.person_id:
        return {"kind": "person", "id": row.person_id, "name": mask_name(row.person.name)}
    return {"kind": "unit", "id": row.unit_id, "name": row.unit.name}


def _gift(row) -> dict:
    return {"kind": row.kind, "kind_label": str(row.get_kind_display()), "cash_fen": row.cash_fen,
            "hours": row.hours, "material": _material(row.material) if row.material_id else None,
            "quantity": row.quantity, "area_m2": row.area_m2, "description": row.description,
            "anonymous": row.anonymous, "value_fen": row.value_fen, "contributor": _contributor(row)}


def _pledge(row: Pledge) -> dict:
    return {**_gift(row), "id": row.pk, "project": _ref(row.project, "title"), "status": row.status,
            "status_label": str(row.get_status_display()), "created_at": row.created_at,
            "decided_at": row.decided_at, "decline_reason": row.decline_reason}


def _entry(row: Contribution, reversed_ids: set[int] = frozenset()) -> dict:
    return {**_gift(row), "id": row.pk, "project": row.project_id, "pledge": row.pledge_id,
            "reverses": row.reverses_id, "reversed": row.pk in reversed_ids, "reason": row.reason,
            "has_evidence": bool(row.evidence), "created_at": row.created_at}


def _fresh_entry(entry_id: int) -> dict:
    row = Contribution.objects.select_related(*selectors.CONTRIBUTOR_RELATED).get(pk=entry_id)
    return _entry(row, set(Contribution.objects.filter(reverses=row).values_list("reverses_id", flat=True)))


def _fresh_pledge(pledge_id: int) -> dict:
    return _pledge(Pledge.objects.select_related("project", *selectors.CONTRIBUTOR_RELATED).get(pk=pledge_id))


def _next(cursor) -> str | None:
    return str(cursor) if cursor else None


# --- residents -----------------------------------------------------------------------------------

@router.get("/projects", response=responses({200: ProjectPage}), summary="My community's projects, newest first")
@api_cached(residents_community)
def projects(request, query: Query[PageQuery]):
    """As on the page, without the cancelled ones (their page stays public)."""
    me = meeting_selectors.resident(request.user)
    if me.community is None:
        return {"items": [], "next": None}
    rows, cursor = selectors.community_project_page(me.community, before=query.before, size=query.limit)
    return {"items": [_project(p) for p in rows], "next": _next(cursor)}


@router.get("/projects/{int:project_id}", response=responses({200: ProjectDetailOut}), auth=None,
            summary="A project's public page: plan, budget, progress, ledger totals, honour roll")
def project(request, project_id: int):
    """Public, no sign-in, like the page the QR code on the site's notice board opens. Names
    on the honour roll are masked; anonymous givers share one line."""
    return _detail(selectors.public_project(project_id))


def _trace(t: selectors.Trace) -> dict:
    result = t.result
    ballot = None
    if t.ballot is not None and result is not None:
        ballot = {"id": t.ballot.pk, "title": t.ballot.title, "kind": t.ballot.kind,
                  "published_at": t.ballot.published_at, "eligible": result.eligible, "voted": result.voted,
                  "turnout_percent": result.turnout_percent, "winners": result.winners,
                  "choices": [{"key": r["key"], "label": r["label"], "count": r["count"], "winner": r["winner"]}
                              for r in result.rows]}
    meetings = []
    for meeting, item, shown in t.meetings:
        meetings.append({
            "id": meeting.pk, "kind": meeting.kind, "kind_label": str(meeting.get_kind_display()),
            "title": meeting.title, "starts_at": meeting.starts_at, "status": meeting.status,
            "status_label": str(meeting.get_status_display()),
            "agenda_item": {"id": item.pk, "title": item.title, **{
                f: getattr(item, f) if shown else None for f in ("votes_for", "votes_against", "votes_abstain")}}})
    return {
        "needs": [{"id": n.pk, "text": n.text, "status": n.status, "status_label": str(n.get_status_display()),
                   "support_count": n.support_count, "created_at": n.created_at} for n in t.needs],
        "topic": _ref(t.project.topic, "title"),
        "meetings": meetings, "ballot": ballot,
        "procedures": [{"id": pr.pk, "kind": pr.kind, "kind_label": str(pr.get_kind_display()), "status": pr.status,
                        "status_label": str(pr.get_status_display()),
                        "stages": [{"stage": s.stage, "label": str(s.get_stage_display()),
                                    "held_on": s.held_on, "passed": s.passed} for s in pr.stages.all()]}
                       for pr in t.procedures],
        "project": _project(t.project),
    }


@router.get("/projects/{int:project_id}/trace", response=responses({200: TraceOut}), auth=None,
            summary="How the project was decided: needs → meetings → ballot → project (public)")
def trace(request, project_id: int):
    """Public like the project page. Show-of-hands tallies appear once their meeting is closed;
    the ballot is summarised from its published result (aggregates only, no voter)."""
    return _trace(selectors.trace(selectors.public_project(project_id)))


IMAGE = {"responses": {200: {"description": "The photo (JPEG)", "content": {"image/jpeg": {}}}}}


@router.get("/projects/{int:project_id}/updates/{int:update_id}/photo", response=responses({200: None}),
            auth=None, openapi_extra=IMAGE, summary="The photo of a progress report (public, like the page)")
def update_photo(request, project_id: int, update_id: int):
    update = ProgressUpdate.objects.filter(pk=update_id, project_id=project_id).first()
    if update is None or not update.photo:
        raise Http404
    return image_response(update.photo)


def _resident_project(request, project_id: int) -> Project:
    """A project of the resident's own community (another community's answers 404). Without a
    registered household the service refuses with its own message."""
    me = meeting_selectors.resident(request.user)
    project = selectors.public_project(project_id)
    if me.community is not None and project.community_id != me.community.pk:
        raise Http404
    return project


@router.post("/projects/{int:project_id}/pledge", response=responses({201: PledgeOut}),
             summary="Pledge cash, labour, materials, land or equipment")
@idempotent
def pledge(request, project_id: int, payload: PledgeIn):
    """Only the fields of the `kind` are read: cash `cash_yuan`; labour `days` (halves) or
    `hours`; materials `material` (an id of `valuation.materials`) and `quantity`; land
    `area_m2` (and `value_yuan` if it has one); equipment `description` and `value_yuan`.
    `value_fen` in the answer is the estimate at today's valuation; a cadre confirms it."""
    the_project = _resident_project(request, project_id)
    form = valid_form(PledgeForm, payload, project=the_project)
    made = services.pledge_make(actor=request.user, project=the_project, gift=form.gift(),
                                as_household=form.cleaned_data["as_household"],
                                anonymous=form.cleaned_data["anonymous"])
    return Status(201, _fresh_pledge(made.pk))


@router.get("/pledges", response=responses({200: PledgePage}), summary="My pledges, newest first")
def my_pledges(request, query: Query[PageQuery]):
    rows, cursor = selectors.my_pledges(request.user, before=query.before, size=query.limit)
    return {"items": [_pledge(p) for p in rows], "next": _next(cursor)}


@router.post("/pledges/{int:pledge_id}/withdraw", response=responses({200: PledgeOut}),
             summary="Withdraw a pledge not yet confirmed")
@idempotent
def pledge_withdraw(request, pledge_id: int):
    """Only my own pledge (another's answers 404); once confirmed or declined, 409."""
    services.pledge_withdraw(actor=request.user, pledge=selectors.own_pledge(request.user, pledge_id))
    return _fresh_pledge(pledge_id)


# --- staff: projects and their plan ------------------------------------------------------------------

@router.get("/staff/nodes/{int:node_id}/projects", response=responses({200: ProjectPage}),
            summary="The projects of a node in my scope, newest first")
@api_cached(node_in_address(), check=require_staff)
def staff_projects(request, node_id: int, query: Query[PageQuery]):
    require_staff(request)
    node = selectors.staff_node(request.user, node_id)
    rows, cursor = selectors.project_list(node=node, before=query.before, size=query.limit)
    return {"items": [_project(p) for p in rows], "next": _next(cursor)}


@router.post("/staff/nodes/{int:node_id}/projects", response=responses({201: StaffProjectOut}),
             summary="Start a project from its decision: a topic, its ballot and option, or needs")
@idempotent
def staff_project_create(request, node_id: int, payload: ProjectIn):
    require_staff(request)
    node = node_for(request.user, MANAGE, node_id)
    community = meeting_selectors.community_or_none(node)
    if community is None:
        raise Http404  # projects belong to a community or a place in it
    data = form_data(payload)
    data["node"] = data["node"] or str(node.pk)
    form = ProjectForm(data, community=community)
    require_valid(form)
    if not has_perm(request.user, MANAGE, form.cleaned_data["node"]):
        raise Http404
    made = services.project_create(actor=request.user, **form.service_kwargs())
    return Status(201, _staff_detail(request, made.pk))


@router.get("/staff/projects/{int:project_id}", response=responses({200: StaffProjectOut}),
            summary="A project in my scope: plan, tasks, progress, ledger totals")
def staff_project(request, project_id: int):
    require_staff(request)
    return _staff_detail(request, project_id)


def _managed(request, project_id: int) -> Project:
    require_staff(request)
    return selectors.staff_project(request.user, project_id, MANAGE)


@router.post("/staff/projects/{int:project_id}/status", response=responses({200: StaffProjectOut}),
             summary="Move the project on: funding, building, completed, handed over, or cancelled")
@idempotent
def staff_project_status(request, project_id: int, payload: StatusIn):
    """A move not allowed from the current status answers 400 `invalid_transition`; building
    needs a budget."""
    the_project = _managed(request, project_id)
    form = valid_form(StatusForm, payload)
    services.project_set_status(actor=request.user, project=the_project, **form.cleaned_data)
    return _staff_detail(request, project_id)


@router.post("/staff/projects/{int:project_id}/budget-lines", response=responses({201: StaffProjectOut}),
             summary="Add a budget line (in yuan); the budget is their sum")
@idempotent
def staff_budget_line_add(request, project_id: int, payload: BudgetLineIn):
    """While planning or raising funds: the plan is fixed once construction starts."""
    the_project = _managed(request, project_id)
    form = valid_form(BudgetLineForm, payload)
    services.budget_line_add(actor=request.user, project=the_project, **form.service_kwargs())
    return Status(201, _staff_detail(request, project_id))


@router.post("/staff/budget-lines/{int:line_id}/remove", response=responses({200: StaffProjectOut}),
             summary="Remove a budget line")
@idempotent
def staff_budget_line_remove(request, line_id: int):
    require_staff(request)
    line = selectors.staff_budget_line(request.user, line_id, MANAGE)
    project_id = line.project_id
    services.budget_line_remove(actor=request.user, line=line)
    return _staff_detail(request, project_id)


@router.post("/staff/projects/{int:project_id}/sources", response=responses({201: StaffProjectOut}),
             summary="Add a funding source to the plan (in yuan)")
@idempotent
def staff_source_add(request, project_id: int, payload: SourceIn):
    the_project = _managed(request, project_id)
    form = valid_form(SourceForm, payload)
    services.funding_source_add(actor=request.user, project=the_project, **form.service_kwargs())
    return Status(201, _staff_detail(request, project_id))


@router.post("/staff/sources/{int:source_id}/remove", response=responses({200: StaffProjectOut}),
             summary="Remove a funding source")
@idempotent
def staff_source_remove(request, source_id: int):
    require_staff(request)
    source = selectors.staff_source(request.user, source_id, MANAGE)
    project_id = source.project_id
    services.funding_source_remove(actor=request.user, source=source)
    return _staff_detail(request, project_id)


@router.post("/staff/projects/{int:project_id}/milestones", response=responses({201: MilestoneOut}),
             summary="Add a milestone")
@idempotent
def staff_milestone_add(request, project_id: int, payload: MilestoneIn):
    the_project = _managed(request, project_id)
    form = valid_form(MilestoneForm, payload)
    m = services.milestone_add(actor=request.user, project=the_project, **form.cleaned_data)
    return Status(201, {"id": m.pk, "title": m.title, "due_date": m.due_date, "done_on": m.done_on})


@router.post("/staff/milestones/{int:milestone_id}/reach", response=responses({200: MilestoneOut}),
             summary="Mark a milestone reached (today, or the day given)")
@idempotent
def staff_milestone_reach(request, milestone_id: int, payload: ReachIn):
    """A day in the future answers 400; a milestone already reached 409."""
    require_staff(request)
    milestone = selectors.staff_milestone(request.user, milestone_id, MANAGE)
    m = services.milestone_reach(actor=request.user, milestone=milestone, on=payload.on or timezone.localdate())
    return {"id": m.pk, "title": m.title, "due_date": m.due_date, "done_on": m.done_on}


def _task(t) -> dict:
    return {"id": t.pk, "title": t.title, "owner_name": t.owner_name, "due_date": t.due_date,
            "done": t.done_at is not None}


@router.post("/staff/projects/{int:project_id}/tasks", response=responses({201: TaskOut}),
             summary="Add a task with who does it and when")
@idempotent
def staff_task_add(request, project_id: int, payload: TaskIn):
    the_project = _managed(request, project_id)
    form = valid_form(TaskForm, payload)
    return Status(201, _task(services.task_add(actor=request.user, project=the_project, **form.cleaned_data)))


@router.post("/staff/project-tasks/{int:task_id}/done", response=responses({200: TaskOut}),
             summary="Mark a project task done")
@idempotent
def staff_task_done(request, task_id: int):
    """Already done: 409."""
    require_staff(request)
    task = selectors.staff_task(request.user, task_id, MANAGE)
    return _task(services.task_done(actor=request.user, task=task))


@router.post("/staff/projects/{int:project_id}/progress", response=responses({201: UpdateOut}),
             summary="Report progress (multipart, with an optional photo)")
@idempotent
def staff_progress(request, project_id: int, payload: Form[ProgressIn], photo: File[UploadedFile] = None):
    """`multipart/form-data`, as the page posts it: `text`, `percent` and an optional `photo`
    (JPEG, PNG or WebP; re-encoded like the needs photos). The project's progress becomes
    `percent`."""
    the_project = _managed(request, project_id)
    form = ProgressForm(request.POST, request.FILES)
    require_valid(form)
    data = form.cleaned_data
    u = services.progress_post(actor=request.user, project=the_project, text=data["text"], percent=data["percent"],
                               photo=data.get("photo"))
    return Status(201, {"id": u.pk, "text": u.text, "percent": u.percent, "has_photo": bool(u.photo),
                        "created_at": u.created_at})


# --- staff: pledges and the ledger -------------------------------------------------------------------

@router.get("/staff/projects/{int:project_id}/pledges", response=responses({200: PledgePage}),
            summary="A project's pledges: those waiting for a decision by default")
def staff_pledges(request, project_id: int, query: Query[PledgeQuery]):
    require_staff(request)
    the_project = selectors.staff_project(request.user, project_id)
    rows, cursor = selectors.pledge_page(the_project, status=None if query.status == "all" else query.status,
                                           before=query.before, size=query.limit)
    for row in rows:
        row.project = the_project
    return {"items": [_pledge(p) for p in rows], "next": _next(cursor)}


@router.post("/staff/pledges/{int:pledge_id}/confirm", response=responses({201: EntryOut}),
             summary="Confirm a pledge into the ledger (multipart, with the evidence photo)")
@idempotent
def staff_pledge_confirm(request, pledge_id: int, evidence: File[UploadedFile] = None):
    """`multipart/form-data` with `evidence`, a photo of the receipt, the work done or the
    material delivered — without it, 400 (`fields.evidence`). The value is computed again at
    today's valuation. A pledge already dealt with: 409."""
    require_staff(request)
    the_pledge = selectors.staff_pledge(request.user, pledge_id, MANAGE)
    form = EvidenceForm(request.POST, request.FILES)
    require_valid(form)
    entry = services.pledge_confirm(actor=request.user, pledge=the_pledge, evidence=form.cleaned_data["evidence"])
    return Status(201, _fresh_entry(entry.pk))


@router.post("/staff/pledges/{int:pledge_id}/decline", response=responses({200: PledgeOut}),
             summary="Decline a pledge, saying why (the resident sees it)")
@idempotent
def staff_pledge_decline(request, pledge_id: int, payload: ReasonIn):
    require_staff(request)
    the_pledge = selectors.staff_pledge(request.user, pledge_id, MANAGE)
    form = valid_form(ReasonForm, payload)
    services.pledge_decline(actor=request.user, pledge=the_pledge, reason=form.cleaned_data["reason"])
    return _fresh_pledge(pledge_id)


@router.post("/staff/projects/{int:project_id}/contributions", response=responses({201: EntryOut}),
             summary="Record a contribution given without a pledge (multipart, with the evidence photo)")
@idempotent
def staff_contribution_record(request, project_id: int, payload: Form[RecordIn],
                              evidence: File[UploadedFile] = None):
    """`multipart/form-data`, as the page posts it: who gave (`household` of the community or a
    paired partner `unit`), the gift's fields (see POST /projects/{id}/pledge) and `evidence`,
    the photo — without it, 400 (`fields.evidence`)."""
    the_project = _managed(request, project_id)
    form = RecordForm(request.POST, request.FILES, project=the_project)
    require_valid(form)
    entry = services.contribution_record(actor=request.user, project=the_project, contributor=form.contributor(),
                                         gift=form.gift(), evidence=form.cleaned_data["evidence"],
                                         anonymous=form.cleaned_data["anonymous"])
    return Status(201, _fresh_entry(entry.pk))


@router.post("/staff/contributions/{int:entry_id}/reverse", response=responses({201: EntryOut}),
             summary="Reverse a ledger entry (the correction is a new entry; the original stays)")
@idempotent
def staff_contribution_reverse(request, entry_id: int, payload: ReasonIn):
    """Once per entry (409 after); a reversal cannot be reversed (400)."""
    require_staff(request)
    entry = selectors.staff_entry(request.user, entry_id, MANAGE)
    form = valid_form(ReasonForm, payload)
    reversal = services.contribution_reverse(actor=request.user, entry=entry, reason=form.cleaned_data["reason"])
    return Status(201, _fresh_entry(reversal.pk))


@router.get("/staff/projects/{int:project_id}/ledger", response=responses({200: LedgerPage}),
            summary="A project's ledger, newest entry first")
def staff_ledger(request, project_id: int, query: Query[PageQuery]):
    require_staff(request)
    the_project = selectors.staff_project(request.user, project_id)
    rows, cursor = selectors.ledger_page(the_project, before=query.before, size=query.limit)
    reversed_ids = set(Contribution.objects.filter(reverses_id__in=[r.pk for r in rows])
                       .values_list("reverses_id", flat=True)) if rows else set()
    return {"items": [_entry(r, reversed_ids) for r in rows], "next": _next(cursor),
            "contributed_fen": the_project.contributed_fen}


@router.get("/staff/contributions/{int:entry_id}/evidence", response=responses({200: None}), openapi_extra=IMAGE,
            summary="The evidence photo of a ledger entry")
def staff_evidence(request, entry_id: int):
    require_staff(request)
    entry = selectors.staff_entry(request.user, entry_id)
    if not entry.evidence:
        raise Http404
    return image_response(entry.evidence)


# --- staff: the valuation table ------------------------------------------------------------------------

def _staff_valuation(request, node) -> dict:
    table = selectors.valuation_for(node)
    return {"valuation": _valuation(table), "own": table is not None and table.node_id == node.pk,
            "can_configure": has_perm(request.user, CONFIGURE, node)}


@router.get("/staff/nodes/{int:node_id}/valuation", response=responses({200: StaffValuationOut}),
            summary="The valuation table in force for a node: person-day value and material prices")
def staff_valuation(request, node_id: int):
    require_staff(request)
    return _staff_valuation(request, selectors.staff_node(request.user, node_id))


@router.post("/staff/nodes/{int:node_id}/valuation", response=responses({200: StaffValuationOut}),
             summary="Set this node's person-day value (county and street officials)")
@idempotent
def staff_valuation_set(request, node_id: int, payload: ValuationIn):
    """Starts the node's own table if it has none. Entries already in the ledger keep the value
    they were confirmed at."""
    require_staff(request)
    node = node_for(request.user, CONFIGURE, node_id)
    form = valid_form(ValuationForm, payload)
    services.valuation_set(actor=request.user, node=node,
                           labour_day_fen=yuan_to_fen(form.cleaned_data["labour_day_yuan"]),
                           hours_per_day=form.cleaned_data["hours_per_day"])
    return _staff_valuation(request, node)


@router.post("/staff/nodes/{int:node_id}/valuation/prices", response=responses({200: StaffValuationOut}),
             summary="Add a material to this node's price table, or change its price")
@idempotent
def staff_material_price_set(request, node_id: int, payload: MaterialPriceIn):
    """The node needs its own table first (POST …/valuation): 400 otherwise."""
    require_staff(request)
    node = node_for(request.user, CONFIGURE, node_id)
    form = valid_form(MaterialPriceForm, payload)
    services.material_price_set(actor=request.user, node=node, name=form.cleaned_data["name"],
                                unit=form.cleaned_data["unit"], price_fen=yuan_to_fen(form.cleaned_data["price_yuan"]))
    return _staff_valuation(request, node)
