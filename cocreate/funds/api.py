"""The funds endpoints of the JSON API (mounted by cocreate/api/api.py, URL names `api:funds_<function>`).

Public: a fund's allocation notice (JSON and the A4 PDF), as the page the printed notice's QR
code opens. Residents: a fund's approved applications and their own approvals, and the approval
vote. Staff: a node's funds, creating a fund and moving its status, applications (prepare,
submit, review at each level), running the allocation, approving proposals, and payments.

Every rule is the pages' own: the same forms validate, the same services write (one audit event
each, maker-checker included), the same scope look-ups (selectors.staff_pool, staff_application,
resident_pool, public_pool) decide what is visible — a forbidden object answers 404, a resident
on a staff endpoint 403. Money is answered in integer fen and typed in yuan, as on the pages."""

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from django.http import Http404, HttpResponse
from django.urls import reverse
from ninja import Field, Router, Schema, Status

from cocreate.api.auth import require_staff
from cocreate.api.idempotency import idempotent
from cocreate.api.schemas import responses, valid_form
from cocreate.orgs.permissions import has_perm, node_for, scope_paths

from . import pdf, selectors, services, wording
from .forms import ApplicationForm, DisbursementForm, PoolForm, ResubmitForm, ReviewForm, yuan_to_fen
from .models import Allocation, Application
from .selectors import ALLOCATE, MANAGE_POOL, PREPARE, VIEW

router = Router(tags=["funds"])

MethodName = Literal["score", "proportional", "greedy", "mes", "mes_complete"]
KindName = Literal["cash", "labour", "materials", "land", "equipment"]
Yuan = Field(None, gt=0, max_digits=14, decimal_places=2)


# --- schemas -------------------------------------------------------------------------------------

class Ref(Schema):
    id: int
    name: str


class PoolOut(Schema):
    id: int
    name: str
    year: int
    node: Ref
    status: str
    status_label: str
    budget_fen: int
    allocated_fen: int = Field(description="The sum of the current approved allocations.")
    rate_permille: int
    counted_kinds: list[str]
    labour_day_fen: int | None
    min_share_permille: int
    cap_project_fen: int | None
    cap_community_fen: int | None
    method: str
    method_explanation: str
    vote_opens_at: datetime | None
    vote_closes_at: datetime | None


class PoolPage(Schema):
    items: list[PoolOut]


class AllocationOut(Schema):
    id: int
    application: int
    amount_fen: int
    version: int
    supersedes: int | None
    status: str
    reason: str = Field(description="Why, in the request's language.")
    approved_at: datetime | None


class ApplicationRow(Schema):
    id: int
    project: Ref
    community: Ref
    status: str
    status_label: str
    requested_fen: int
    award_fen: int
    score: int | None
    approvals: int | None = Field(description="Residents' approvals (funds allocated by votes).")
    allocated_fen: int | None = Field(description="The current approved allocation, if any.")
    paid_fen: int


class StaffPoolOut(PoolOut):
    applications: list[ApplicationRow] = Field(description="Those in my scope.")
    proposals: list[AllocationOut]
    voters: int | None
    can_manage: bool
    can_allocate: bool
    notice_url: str


class PoolIn(Schema):
    name: str = Field(max_length=100)
    year: int = Field(ge=2000, le=2100)
    budget_yuan: Decimal = Field(gt=0, max_digits=14, decimal_places=2)
    rate_percent: Decimal = Field(gt=0, le=1000, max_digits=5, decimal_places=1,
                                  description="100 = one yuan of award per eligible yuan raised.")
    counted_kinds: list[KindName] = Field(min_length=1)
    labour_day_yuan: Decimal | None = Yuan
    min_share_percent: Decimal = Field(Decimal(0), ge=0, le=100, max_digits=4, decimal_places=1)
    cap_project_yuan: Decimal | None = Yuan
    cap_community_yuan: Decimal | None = Yuan
    method: MethodName
    vote_opens_at: datetime | None = Field(None, description="Needed for greedy, mes, mes_complete.")
    vote_closes_at: datetime | None = None
    notes: str = Field("", max_length=2000)


class StatusIn(Schema):
    status: Literal["open", "allocating", "closed"]


class ApplicationIn(Schema):
    project: int
    requested_yuan: Decimal = Field(gt=0, max_digits=14, decimal_places=2)
    note: str = Field("", max_length=2000)


class SubmitIn(Schema):
    requested_yuan: Decimal | None = Yuan


class ReviewIn(Schema):
    decision: Literal["approve", "return", "reject"]
    comment: str = Field("", max_length=500, description="Needed to return or reject.")
    score: int | None = Field(None, ge=0, le=100, description="Needed at the final approval of a score fund.")


class ReviewOut(Schema):
    level: str
    decision: str
    comment: str
    score: int | None
    reviewer: str
    created_at: datetime


class DisbursementOut(Schema):
    id: int
    kind: str
    amount_fen: int
    paid_on: date
    reference: str


class ApplicationOut(ApplicationRow):
    pool: int
    note: str
    eligible_fen: int
    working: list[str] = Field(description="The computation of the award, line by line.")
    working_data: list[dict] = Field(description="The same lines as codes and integers.")
    review_level: str | None = Field(description="The level that reviews it now.")
    can_review: bool
    reviews: list[ReviewOut]
    allocation: AllocationOut | None
    disbursements: list[DisbursementOut]


class DisbursementIn(Schema):
    kind: Literal["advance", "reimbursement"]
    amount_yuan: Decimal = Field(gt=0, max_digits=14, decimal_places=2)
    paid_on: date
    reference: str = Field(max_length=100)
    note: str = Field("", max_length=200)


class VotableOut(Schema):
    id: int
    project: str
    community: str
    award_fen: int


class BallotOut(Schema):
    pool: int
    name: str
    method: str
    vote_opens_at: datetime | None
    vote_closes_at: datetime | None
    can_vote: bool
    applications: list[VotableOut]
    my_approvals: list[int] | None = Field(description="null before my first vote.")


class VoteIn(Schema):
    applications: list[int] = Field(max_length=200, description="The application ids I support (any number).")


class NoticeRowOut(Schema):
    application: int
    project: str
    community: str
    requested_fen: int
    award_fen: int
    amount_fen: int
    reason: str
    version: int
    approvals: int | None


class NoticeOut(Schema):
    pool: int
    name: str
    year: int
    area: str
    budget_fen: int
    allocated_fen: int
    method: str
    explanation: str
    voters: int | None
    rows: list[NoticeRowOut]
    pending: int


# --- shaping answers -------------------------------------------------------------------------------

def _ref(obj, name: str = "name") -> dict:
    return {"id": obj.pk, "name": getattr(obj, name)}


def _pool(p) -> dict:
    return {"id": p.pk, "name": p.name, "year": p.year, "node": _ref(p.node), "status": p.status,
            "status_label": str(p.get_status_display()), "budget_fen": p.budget_fen, "allocated_fen": p.allocated_fen,
            "rate_permille": p.rate_permille, "counted_kinds": p.counted_kinds, "labour_day_fen": p.labour_day_fen,
            "min_share_permille": p.min_share_permille, "cap_project_fen": p.cap_project_fen,
            "cap_community_fen": p.cap_community_fen, "method": p.method,
            "method_explanation": wording.method_explanation(p.method), "vote_opens_at": p.vote_opens_at,
            "vote_closes_at": p.vote_closes_at}


def _allocation(a: Allocation | None) -> dict | None:
    if a is None:
        return None
    return {"id": a.pk, "application": a.application_id, "amount_fen": a.amount_fen, "version": a.version,
            "supersedes": a.supersedes_id, "status": a.status, "reason": wording.reason_text(a.reason, a.params),
            "approved_at": a.approved_at}


def _row(a: Application, allocation, paid: int, approvals) -> dict:
    return {"id": a.pk, "project": _ref(a.project, "title"), "community": _ref(a.community), "status": a.status,
            "status_label": str(a.get_status_display()), "requested_fen": a.requested_fen, "award_fen": a.award_fen,
            "score": a.score, "approvals": approvals, "allocated_fen": allocation.amount_fen if allocation else None,
            "paid_fen": paid}


def _staff_pool(request, pool_id: int) -> dict:
    pool = selectors.staff_pool(request.user, pool_id)
    apps = list(selectors.visible_applications(request.user, pool))
    current = selectors.current_allocations(pool)
    paid = selectors.disbursed([a.pk for a in apps])
    summary = selectors.vote_summary(pool) if pool.uses_votes else None
    return {
        **_pool(pool),
        "applications": [_row(a, current.get(a.pk), paid.get(a.pk, 0),
                              summary.approvals.get(a.pk, 0) if summary else None) for a in apps],
        "proposals": [_allocation(p) for p in selectors.proposals(pool)],
        "voters": summary.voters if summary else None,
        "can_manage": has_perm(request.user, MANAGE_POOL, pool.node),
        "can_allocate": has_perm(request.user, ALLOCATE, pool.node),
        "notice_url": request.build_absolute_uri(reverse("funds:notice", args=[pool.pk])),
    }


def _staff_application(request, application_id: int) -> dict:
    a = selectors.staff_application(request.user, application_id)
    allocation = selectors.current_allocation(a)
    disbursements = list(a.disbursements.all())
    approvals = selectors.vote_summary(a.pool).approvals.get(a.pk, 0) if a.pool.uses_votes else None
    return {
        **_row(a, allocation, sum(d.amount_fen for d in disbursements), approvals),
        "pool": a.pool_id, "note": a.note, "eligible_fen": a.eligible_fen,
        "working": wording.working_text(a.working), "working_data": a.working,
        "review_level": services.review_level(a), "can_review": services.can_review(request.user, a),
        "reviews": [{"level": r.level, "decision": r.decision, "comment": r.comment, "score": r.score,
                     "reviewer": r.reviewer.display_name, "created_at": r.created_at}
                    for r in a.reviews.select_related("reviewer")],
        "allocation": _allocation(allocation),
        "disbursements": [{"id": d.pk, "kind": d.kind, "amount_fen": d.amount_fen, "paid_on": d.paid_on,
                           "reference": d.reference} for d in disbursements],
    }


def _notice(pool) -> dict:
    n = selectors.notice(pool)
    return {"pool": pool.pk, "name": pool.name, "year": pool.year, "area": pool.node.name,
            "budget_fen": pool.budget_fen, "allocated_fen": n.allocated_fen, "method": n.method,
            "explanation": n.explanation, "voters": n.voters, "pending": n.pending,
            "rows": [{"application": r.application_id, "project": r.project, "community": r.community,
                      "requested_fen": r.requested_fen, "award_fen": r.award_fen, "amount_fen": r.amount_fen,
                      "reason": r.reason, "version": r.version, "approvals": r.approvals} for r in n.rows]}


# --- public and residents --------------------------------------------------------------------------

@router.get("/funds/pools/{int:pool_id}/notice", response=responses({200: NoticeOut}), auth=None,
            summary="A fund's allocation notice (public)")
def notice(request, pool_id: int):
    """Public, like the page the printed notice's QR code opens: the approved allocations, each with
    why it got what it got; project titles and communities only, no person."""
    return _notice(selectors.public_pool(pool_id))


@router.get("/funds/pools/{int:pool_id}/notice.pdf", auth=None, summary="The printable allocation notice (PDF, A4)",
            response=responses({200: None}), openapi_extra={
                "responses": {200: {"description": "The notice", "content": {"application/pdf": {}}}}})
def notice_pdf(request, pool_id: int):
    pool = selectors.public_pool(pool_id)
    url = request.build_absolute_uri(reverse("funds:notice", args=[pool.pk]))
    response = HttpResponse(pdf.notice_pdf(selectors.notice(pool), public_url=url), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="fund-{pool.pk}-notice.pdf"'
    return response


def _ballot(pool, person) -> dict:
    mine = selectors.my_vote(pool, person)
    return {"pool": pool.pk, "name": pool.name, "method": pool.method, "vote_opens_at": pool.vote_opens_at,
            "vote_closes_at": pool.vote_closes_at,
            "can_vote": selectors.voting_open(pool) and selectors.is_voter(pool, person),
            "applications": [{"id": a.pk, "project": a.project.title, "community": a.community.name,
                              "award_fen": a.award_fen} for a in selectors.votable(pool)],
            "my_approvals": [int(x) for x in mine.approvals] if mine else None}


@router.get("/funds/pools/{int:pool_id}/ballot", response=responses({200: BallotOut}),
            summary="A fund's approved applications and my approvals")
def ballot(request, pool_id: int):
    person = selectors.resident_person(request.user)
    return _ballot(selectors.resident_pool(person, pool_id), person)


@router.post("/funds/pools/{int:pool_id}/vote", response=responses({200: BallotOut}),
             summary="Approve the applications I support (again to change, until the close)")
@idempotent
def vote(request, pool_id: int, payload: VoteIn):
    """400 `closed` outside the voting window; 400 when I do not live in the fund's area or name an
    application that is not approved."""
    person = selectors.resident_person(request.user)
    pool = selectors.resident_pool(person, pool_id)
    services.vote_cast(actor=request.user, pool=pool, person=person, application_ids=payload.applications)
    return _ballot(pool, person)


# --- staff: pools ------------------------------------------------------------------------------------

@router.get("/staff/nodes/{int:node_id}/pools", response=responses({200: PoolPage}),
            summary="The funds of an area (above it and inside it)")
def staff_pools(request, node_id: int):
    require_staff(request)
    node = node_for(request.user, VIEW, node_id)
    return {"items": [_pool(p) for p in selectors.pools_for(node)[:50]]}


@router.post("/staff/nodes/{int:node_id}/pools", response=responses({201: StaffPoolOut}),
             summary="Create a fund (a draft) on a county or street")
@idempotent
def staff_pool_create(request, node_id: int, payload: PoolIn):
    require_staff(request)
    node = node_for(request.user, MANAGE_POOL, node_id)
    form = valid_form(PoolForm, payload)
    pool = services.pool_create(actor=request.user, node=node, **form.service_kwargs())
    return Status(201, _staff_pool(request, pool.pk))


@router.get("/staff/pools/{int:pool_id}", response=responses({200: StaffPoolOut}),
            summary="A fund: rules, applications in my scope, proposals")
def staff_pool(request, pool_id: int):
    require_staff(request)
    return _staff_pool(request, pool_id)


@router.post("/staff/pools/{int:pool_id}/status", response=responses({200: StaffPoolOut}),
             summary="Move a fund on: open, allocating, closed")
@idempotent
def staff_pool_status(request, pool_id: int, payload: StatusIn):
    require_staff(request)
    pool = selectors.staff_pool(request.user, pool_id, MANAGE_POOL)
    services.pool_set_status(actor=request.user, pool=pool, status=payload.status)
    return _staff_pool(request, pool_id)


@router.post("/staff/pools/{int:pool_id}/run", response=responses({200: StaffPoolOut}),
             summary="Run the fund's allocation method (proposals only)")
@idempotent
def staff_pool_run(request, pool_id: int):
    require_staff(request)
    pool = selectors.staff_pool(request.user, pool_id, ALLOCATE)
    services.allocation_run(actor=request.user, pool=pool)
    return _staff_pool(request, pool_id)


@router.post("/staff/allocations/{int:allocation_id}/approve", response=responses({200: AllocationOut}),
             summary="Approve a proposed allocation (another official than who ran it)")
@idempotent
def staff_allocation_approve(request, allocation_id: int):
    """400 `maker_checker` for whoever ran the allocation, 400 `over_budget` when the approved
    total would exceed the budget, 409 when it is no longer a proposal."""
    require_staff(request)
    allocation = Allocation.objects.filter(pk=allocation_id).first()
    if allocation is None:
        raise Http404
    selectors.staff_pool(request.user, allocation.pool_id, ALLOCATE)
    return _allocation(services.allocation_approve(actor=request.user, allocation=allocation))


# --- staff: applications --------------------------------------------------------------------------------

@router.post("/staff/pools/{int:pool_id}/applications", response=responses({201: ApplicationOut}),
             summary="Prepare a project's application (a draft, with its computed award)")
@idempotent
def staff_application_create(request, pool_id: int, payload: ApplicationIn):
    require_staff(request)
    pool = selectors.staff_pool(request.user, pool_id)
    if not scope_paths(request.user, PREPARE):
        raise Http404
    d = valid_form(ApplicationForm, payload, projects=selectors.projects_to_apply(request.user, pool)).cleaned_data
    made = services.application_create(actor=request.user, pool=pool, project=d["project"],
                                       requested_fen=yuan_to_fen(d["requested_yuan"]), note=d["note"])
    return Status(201, _staff_application(request, made.pk))


@router.get("/staff/applications/{int:application_id}", response=responses({200: ApplicationOut}),
            summary="An application: the working of its award, reviews, allocation, payments")
def staff_application(request, application_id: int):
    require_staff(request)
    return _staff_application(request, application_id)


@router.post("/staff/applications/{int:application_id}/submit", response=responses({200: ApplicationOut}),
             summary="Submit (or resubmit) for review, by whoever prepared it")
@idempotent
def staff_application_submit(request, application_id: int, payload: SubmitIn):
    require_staff(request)
    app = selectors.staff_application(request.user, application_id, PREPARE)
    d = valid_form(ResubmitForm, payload).cleaned_data
    services.application_submit(actor=request.user, application=app, requested_fen=yuan_to_fen(d["requested_yuan"]))
    return _staff_application(request, application_id)


@router.post("/staff/applications/{int:application_id}/review", response=responses({200: ApplicationOut}),
             summary="Review at the current level: approve, return, reject")
@idempotent
def staff_application_review(request, application_id: int, payload: ReviewIn):
    """400 `maker_checker` for whoever prepared it, or approved it at another level."""
    require_staff(request)
    app = selectors.staff_application(request.user, application_id)
    d = valid_form(ReviewForm, payload).cleaned_data
    services.application_review(actor=request.user, application=app, decision=d["decision"], comment=d["comment"],
                                score=d["score"])
    return _staff_application(request, application_id)


@router.post("/staff/applications/{int:application_id}/disbursements", response=responses({201: ApplicationOut}),
             summary="Record an advance or a reimbursement paid")
@idempotent
def staff_disbursement(request, application_id: int, payload: DisbursementIn):
    require_staff(request)
    app = selectors.staff_application(request.user, application_id)
    if not has_perm(request.user, MANAGE_POOL, app.pool.node):
        raise Http404
    form = valid_form(DisbursementForm, payload)
    services.disbursement_record(actor=request.user, application=app, **form.service_kwargs())
    return Status(201, _staff_application(request, application_id))
