"""The decisions endpoints of the JSON API (mounted by cocreate/api/api.py, URL names
`api:decisions_<function>`). Residents: the ballots they may vote on, voting (and changing the
vote until the close), and the published result, public like the page the printed notice's QR
code opens. Staff: a node's ballots, creating, opening, closing and publishing a ballot, the
owners' roll, paper and show-of-hands entry, the notice PDF, and procedures with their stages.

Every rule is the pages' own: the same forms validate, the same services write (one audit
event each), the same scope look-ups (selectors.resident_ballot, staff_ballot, staff_topic,
staff_procedure) decide what is visible — a forbidden object answers 404, a resident on a staff
endpoint 403. Not offered: a stage's evidence photo (give `minutes_ref`, or use the page)."""

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from cocreate.api.auth import require_staff
from cocreate.api.errors import require_valid
from cocreate.api.idempotency import idempotent
from cocreate.api.schemas import cursor_text, form_data, parse_cursor, responses, valid_form
from cocreate.core.errors import DomainError
from cocreate.core.page_cache import api_cached
from cocreate.meetings.services import resident_community
from cocreate.orgs.page_scopes import node_in_address, residents_community
from cocreate.orgs.permissions import has_perm, node_for

from . import pdf, selectors, services
from .forms import BallotForm, OwnersForm, PaperTallyForm, ProcedureForm, PublishForm, StageForm
from .models import Ballot, Procedure, ProcedureStage
from .selectors import MANAGE, VIEW

router = Router(tags=["decisions"])

KindName = Literal["yes_no", "single", "approval", "ranked", "budget"]
StageName = Literal["party_proposal", "committees", "members_review", "villagers_resolution", "resolution_published",
                    "results_published", "vote", "consensus"]


# --- schemas -------------------------------------------------------------------------------------

class Ref(Schema):
    id: int
    name: str


class ChoiceOut(Schema):
    key: str = Field(description="What a vote names: `yes`/`no`/`abstain`, or `o<option id>`.")
    label: str
    option: int | None
    cost_fen: int | None


class BallotOut(Schema):
    id: int
    title: str
    topic: Ref
    kind: str
    kind_label: str
    status: str
    status_label: str
    opens_at: datetime
    closes_at: datetime
    can_vote: bool = Field(description="Open now, I am eligible, and not already counted on paper.")
    voted: bool


class BallotPage(Schema):
    items: list[BallotOut]
    next: str | None = Field(description="Pass as `before` for the next page; null on the last page.")


class MyVoteOut(Schema):
    channel: str = Field(description="`online`, or `paper`/`hands` when a cadre counted me (no choices then).")
    choices: list[str] | None = Field(description="Choice keys, in preference order on a ranked ballot.")
    cast_at: datetime
    updated_at: datetime
    change_count: int


class BallotDetailOut(BallotOut):
    max_choices: int
    budget_limit_fen: int | None
    voter_unit: str
    eligibility: str
    rule: str
    choices: list[ChoiceOut]
    voting_as: list[str] = Field(description="Who I vote as: myself, my household, or each unit I own.")
    my_vote: MyVoteOut | None


class VoteIn(Schema):
    choices: list[str] = Field(max_length=30, description=(
        "Choice keys. yes_no and single: exactly one; approval: 1 to `max_choices`; ranked: the keys in "
        "order of preference (first = best), each once, not all needed; budget: a set whose costs fit "
        "`budget_limit_fen`. Sending again changes the vote until the close."))


class VerdictOut(Schema):
    passed: bool
    quorum: bool
    reason: str


class ResultRow(Schema):
    key: str
    label: str
    count: int = Field(description="Votes (approvals; first preferences on a ranked ballot).")
    borda: int | None
    area: Decimal | None = Field(description="Owners' ballots: the floor area (m²) behind the count.")
    winner: bool
    selected: bool = Field(description="Budget ballots: funded within the limit.")


class ResultOut(Schema):
    id: int
    title: str
    topic: Ref
    community: Ref
    kind: str
    opens_at: datetime
    closes_at: datetime
    published_at: datetime | None
    public_note: str
    eligible: int
    voted: int
    online: int
    offline: int = Field(description="Counted on paper or by a show of hands.")
    turnout_percent: float
    eligible_area: Decimal | None
    voted_area: Decimal | None
    choices: list[ResultRow]
    winners: list[str]
    spent_fen: int
    budget_limit_fen: int | None
    irv_rounds: list[dict[str, int]] = Field(description="Ranked ballots: votes per continuing option, per round.")
    verdict: VerdictOut | None = Field(description="The threshold test, when the ballot has one.")
    fingerprint: str = Field(description="SHA-256 of the sealed ballot list (set at the close).")


class StaffBallotRow(Schema):
    id: int
    title: str
    topic: Ref
    node: Ref
    kind: str
    status: str
    status_label: str
    opens_at: datetime
    closes_at: datetime


class StaffBallotPage(Schema):
    items: list[StaffBallotRow]
    next: str | None = Field(description="Pass as `before` for the next page; null on the last page.")


class TallyOut(Schema):
    id: int
    method: str
    held_at: datetime
    voter_count: int
    invalid: int
    counts: dict[str, int]
    areas: dict[str, str]
    signatory_one: str
    signatory_two: str


class StaffBallotOut(StaffBallotRow):
    max_choices: int
    budget_limit_fen: int | None
    voter_unit: str
    eligibility: str
    meeting: int | None
    rule: str
    quorum_percent: int
    choices: list[ChoiceOut]
    result: ResultOut = Field(description="Counted from the votes so far (final once closed).")
    tallies: list[TallyOut]
    frozen_at: datetime | None
    can_manage: bool
    public_url: str = Field(description="The public result page (live once published).")


class BallotIn(Schema):
    title: str = Field(max_length=100)
    kind: KindName
    options: list[int] = Field([], description="Proposed options of the topic; not for yes_no.")
    max_choices: int | None = Field(None, ge=1, le=30, description="approval: at most how many.")
    budget_limit_yuan: Decimal | None = Field(None, gt=0, max_digits=14, decimal_places=2,
                                              description="budget: the cost limit, in yuan.")
    voter_unit: Literal["person", "household"] = "household"
    eligibility: Literal["subtree", "meeting", "owners"] = "subtree"
    node: int | None = Field(None, description="The area or estate whose people vote; the topic's node if left out.")
    meeting: int | None = Field(None, description="eligibility=meeting: whose check-ins vote.")
    rule: Literal["none", "majority", "owners_ordinary", "owners_major"] = "none"
    quorum_percent: int = Field(50, ge=1, le=100)
    opens_at: datetime
    closes_at: datetime


class PublishIn(Schema):
    note: str = Field("", max_length=2000, description="Printed on the notice.")


class OwnersIn(Schema):
    lines: str = Field(max_length=400_000, description="One owner per line: unit, name, area in m² "
                                                       "(e.g. `1栋101, 张三, 89.5`). A unit on the roll is updated.")


class OwnersOut(Schema):
    created: int
    updated: int
    owners: int = Field(description="Owners now on the estate's roll.")
    area_m2: Decimal


class PaperIn(Schema):
    method: Literal["paper", "hands"]
    held_at: datetime
    invalid: int = Field(0, ge=0, description="Blank or spoilt ballots.")
    voters: list[str] = Field(description="Roster keys of the eligible voters who voted this way "
                                          "(GET /staff/ballots/{id}: `roster`).")
    signatory_one: str = Field(max_length=50)
    signatory_two: str = Field(max_length=50)


class RosterOut(Schema):
    key: str
    label: str


class RosterPage(Schema):
    roster: list[RosterOut] = Field(description="Eligible voters who have not voted yet (names masked).")
    already: int
    eligible: int


class StageOut(Schema):
    id: int
    stage: str
    label: str
    order: int
    held_on: date
    body: str
    meeting: int | None
    ballot: int | None
    resolution_body: str
    expected: int | None
    present: int | None
    approving: int | None
    expected_households: int | None
    present_households: int | None
    expected_area_m2: Decimal | None
    present_area_m2: Decimal | None
    approving_area_m2: Decimal | None
    minutes_ref: str
    content: str
    has_evidence: bool
    passed: bool
    verdict_note: str


class UpcomingOut(Schema):
    stage: str
    label: str
    fields: list[str] = Field(description="What POST …/stages takes for this stage.")


class ProcedureOut(Schema):
    id: int
    topic: Ref
    kind: str
    kind_label: str
    matter: str
    quorum_percent: int
    status: str
    status_label: str
    stages: list[StageOut]
    all_stages: list[RosterOut] = Field(description="Every stage of this procedure, in order (key, label).")
    upcoming: UpcomingOut | None
    can_manage: bool


class ProcedureIn(Schema):
    kind: Literal["four_deliberations", "majority", "consensus", "owners_assembly"]
    matter: Literal["ordinary", "major"] = "ordinary"
    quorum_percent: int = Field(50, ge=1, le=100)


class StageIn(Schema):
    stage: StageName | None = Field(None, description="The stage meant; the next one if left out (no skipping).")
    held_on: date
    body: str = Field("", max_length=100)
    meeting: int | None = None
    ballot: int | None = Field(None, description="A published yes/no ballot of the topic, for its counts.")
    resolution_body: Literal["", "villagers_meeting", "representatives_meeting"] = ""
    expected: int | None = Field(None, ge=0)
    present: int | None = Field(None, ge=0)
    approving: int | None = Field(None, ge=0)
    expected_households: int | None = Field(None, ge=0)
    present_households: int | None = Field(None, ge=0)
    expected_area: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)
    present_area: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)
    approving_area: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)
    minutes_ref: str = Field("", max_length=200, description="Needed unless evidence is given (a photo: page).")
    content: str = Field("", max_length=3000)


# --- shaping answers -----------------------------------------------------------------------------


def _ref(obj, name: str = "name") -> dict:
    return {"id": obj.pk, "name": getattr(obj, name)}


def _choices(ballot: Ballot) -> list[dict]:
    return [{"key": c.key, "label": c.label, "option": c.option_id, "cost_fen": c.cost_fen}
            for c in ballot.choices.all()]


def _ballot(mine: selectors.Standing) -> dict:
    b = mine.ballot
    return {"id": b.pk, "title": b.title, "topic": _ref(b.topic, "title"), "kind": b.kind,
            "kind_label": str(b.get_kind_display()), "status": b.status, "status_label": str(b.get_status_display()),
            "opens_at": b.opens_at, "closes_at": b.closes_at, "can_vote": mine.can_vote,
            "voted": mine.current is not None}


def _ballot_detail(mine: selectors.Standing) -> dict:
    b, vote = mine.ballot, mine.current
    return {**_ballot(mine), "max_choices": b.max_choices, "budget_limit_fen": b.budget_limit_fen,
            "voter_unit": b.voter_unit, "eligibility": b.eligibility, "rule": b.rule, "choices": _choices(b),
            "voting_as": [v.label for v in mine.voters],
            "my_vote": {"channel": vote.channel, "choices": vote.choices, "cast_at": vote.created_at,
                        "updated_at": vote.updated_at, "change_count": vote.change_count} if vote else None}


def _result(ballot: Ballot) -> dict:
    """Aggregate figures only: no voter, no name (the page's and the notice's content)."""
    r = selectors.ballot_result(ballot)
    return {
        "id": ballot.pk, "title": ballot.title, "topic": _ref(ballot.topic, "title"),
        "community": _ref(ballot.community), "kind": ballot.kind, "opens_at": ballot.opens_at,
        "closes_at": ballot.closes_at, "published_at": ballot.published_at, "public_note": ballot.public_note,
        "eligible": r.eligible, "voted": r.voted, "online": r.online, "offline": r.offline,
        "turnout_percent": r.turnout_percent, "eligible_area": r.eligible_area, "voted_area": r.voted_area,
        "choices": r.rows, "winners": r.winners, "spent_fen": r.spent_fen,
        "budget_limit_fen": ballot.budget_limit_fen, "irv_rounds": r.irv.rounds if r.irv else [],
        "verdict": {"passed": r.verdict.passed, "quorum": r.verdict.quorum, "reason": r.verdict.reason}
        if r.verdict else None,
        "fingerprint": ballot.ballots_hash,
    }


def _staff_row(b: Ballot) -> dict:
    return {"id": b.pk, "title": b.title, "topic": _ref(b.topic, "title"), "node": _ref(b.node), "kind": b.kind,
            "status": b.status, "status_label": str(b.get_status_display()), "opens_at": b.opens_at,
            "closes_at": b.closes_at}


def _staff_ballot(request, ballot_id: int) -> dict:
    b = selectors.staff_ballot(request.user, ballot_id)
    return {
        **_staff_row(b), "max_choices": b.max_choices, "budget_limit_fen": b.budget_limit_fen,
        "voter_unit": b.voter_unit, "eligibility": b.eligibility, "meeting": b.meeting_id, "rule": b.rule,
        "quorum_percent": b.quorum_percent, "choices": _choices(b), "result": _result(b),
        "tallies": [{"id": t.pk, "method": t.method, "held_at": t.held_at, "voter_count": t.voter_count,
                     "invalid": t.invalid, "counts": t.counts, "areas": t.areas or {},
                     "signatory_one": t.signatory_one, "signatory_two": t.signatory_two}
                    for t in b.paper_tallies.all()],
        "frozen_at": b.frozen_at, "can_manage": has_perm(request.user, MANAGE, b.node),
        "public_url": request.build_absolute_uri(reverse("decisions:result", args=[b.pk])),
    }


# --- residents -----------------------------------------------------------------------------------

class ListQuery(Schema):
    before: str | None = Field(None, max_length=32, description="The `next` of the previous page.")
    limit: int = Field(selectors.PAGE_SIZE, ge=1, le=100)


@router.get("/ballots", response=responses({200: BallotPage}), summary="The ballots I may vote on, open first")
@api_cached(residents_community)
def ballots(request, query: Query[ListQuery]):
    """My community's ballots on which I (or my household, or a unit I own) am a voter: the open
    ones first, then closed and published ones, newest first, by keyset (pass `next` as
    `before`). A page may hold fewer than `limit` items."""
    person = selectors.resident_person(request.user)
    community = resident_community(person)
    if community is None:
        return {"items": [], "next": None}
    rows, cursor = selectors.voter_ballot_page(community=community, person=person,
                                               before=parse_cursor(query.before), size=query.limit)
    return {"items": [_ballot(mine) for mine in rows], "next": cursor_text(cursor)}


def _standing(request, ballot_id: int) -> selectors.Standing:
    person = selectors.resident_person(request.user)
    return selectors.standing(selectors.resident_ballot(person, ballot_id), person)


@router.get("/ballots/{int:ballot_id}", response=responses({200: BallotDetailOut}),
            summary="A ballot: its choices, window, and my vote")
def ballot(request, ballot_id: int):
    return _ballot_detail(_standing(request, ballot_id))


@router.post("/ballots/{int:ballot_id}/vote", response=responses({200: BallotDetailOut}),
             summary="Vote, or change my vote until the close")
@idempotent
def vote(request, ballot_id: int, payload: VoteIn):
    """Refused with 400 when I am not a voter of this ballot, when voting has not started or is
    closed (code `closed`), or when the choices do not fit the ballot's type; 409 when I was
    already counted on paper or by a show of hands."""
    person = selectors.resident_person(request.user)
    ballot = selectors.resident_ballot(person, ballot_id)
    services.vote_cast(actor=request.user, ballot=ballot, person=person, choices=payload.choices)
    return _ballot_detail(selectors.standing(ballot, person))


@router.get("/ballots/{int:ballot_id}/result", response=responses({200: ResultOut}), auth=None,
            summary="A published result (public, no sign-in: turnout and counts, no voter)")
def result(request, ballot_id: int):
    return _result(selectors.published_ballot(ballot_id))


# --- staff: ballots --------------------------------------------------------------------------------

class StaffListQuery(Schema):
    before: int | None = Field(None, ge=1, description="The `next` of the previous page.")
    limit: int = Field(selectors.PAGE_SIZE, ge=1, le=100)


@router.get("/staff/nodes/{int:node_id}/ballots", response=responses({200: StaffBallotPage}),
            summary="The ballots of a node in my scope, newest first")
@api_cached(node_in_address(), check=require_staff)
def staff_ballots(request, node_id: int, query: Query[StaffListQuery]):
    require_staff(request)
    node = node_for(request.user, VIEW, node_id)
    rows, cursor = selectors.ballot_page(node=node, before=query.before, size=query.limit)
    return {"items": [_staff_row(b) for b in rows], "next": str(cursor) if cursor else None}


@router.post("/staff/topics/{int:topic_id}/ballots", response=responses({201: StaffBallotOut}),
             summary="Create a draft ballot on a topic")
@idempotent
def staff_ballot_create(request, topic_id: int, payload: BallotIn):
    """The choices are copied from the topic's proposed `options` (or yes / no / abstain). Open
    it with POST /staff/ballots/{id}/open."""
    require_staff(request)
    topic = selectors.staff_topic(request.user, topic_id)
    data = form_data(payload)
    data["node"] = data["node"] or str(topic.node_id)  # the page's initial value
    form = BallotForm(data, topic=topic)
    require_valid(form)
    made = services.ballot_create(actor=request.user, topic=topic, **form.service_kwargs())
    return Status(201, _staff_ballot(request, made.pk))


@router.get("/staff/ballots/{int:ballot_id}", response=responses({200: StaffBallotOut}),
            summary="A ballot, its live or final result and its paper tallies")
def staff_ballot(request, ballot_id: int):
    require_staff(request)
    return _staff_ballot(request, ballot_id)


def _move(request, ballot_id: int, service, **kwargs) -> dict:
    require_staff(request)
    service(actor=request.user, ballot=selectors.staff_ballot(request.user, ballot_id, MANAGE), **kwargs)
    return _staff_ballot(request, ballot_id)


@router.post("/staff/ballots/{int:ballot_id}/open", response=responses({200: StaffBallotOut}),
             summary="Open a draft ballot: votes count from `opens_at` to `closes_at`")
@idempotent
def staff_ballot_open(request, ballot_id: int):
    return _move(request, ballot_id, services.ballot_open)


@router.post("/staff/ballots/{int:ballot_id}/close", response=responses({200: StaffBallotOut}),
             summary="Close now: no more votes; the eligible count and the ballot list are sealed")
@idempotent
def staff_ballot_close(request, ballot_id: int):
    return _move(request, ballot_id, services.ballot_close)


@router.post("/staff/ballots/{int:ballot_id}/publish", response=responses({200: StaffBallotOut}),
             summary="Publish the result of a closed ballot")
@idempotent
def staff_ballot_publish(request, ballot_id: int, payload: PublishIn):
    form = valid_form(PublishForm, payload)
    return _move(request, ballot_id, services.ballot_publish, note=form.cleaned_data["note"])


@router.get("/staff/ballots/{int:ballot_id}/notice.pdf", summary="The printable result notice (PDF, A4)",
            response=responses({200: None}), openapi_extra={
                "responses": {200: {"description": "The notice", "content": {"application/pdf": {}}}}})
def staff_notice_pdf(request, ballot_id: int):
    """As on the staff page: a published ballot, for whoever may see it. The QR code opens the
    public result."""
    require_staff(request)
    ballot = selectors.staff_ballot(request.user, ballot_id)
    if ballot.status != Ballot.Status.PUBLISHED:
        raise Http404
    url = request.build_absolute_uri(reverse("decisions:result", args=[ballot.pk]))
    response = HttpResponse(pdf.notice_pdf(selectors.ballot_result(ballot), public_url=url),
                            content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="ballot-{ballot.pk}-notice.pdf"'
    return response


# --- staff: owners, paper and show of hands ---------------------------------------------------------

@router.post("/staff/ballots/{int:ballot_id}/owners", response=responses({200: OwnersOut}),
             summary="Enter or update the owners' roll of an owners' ballot's estate")
@idempotent
def staff_owners(request, ballot_id: int, payload: OwnersIn):
    """The roll of the ballot's estate (the page: the estate's owners' roll). An owner is linked to
    the registered resident of that address with the same name, who may then vote online."""
    require_staff(request)
    ballot = selectors.staff_ballot(request.user, ballot_id, MANAGE)
    if ballot.eligibility != Ballot.Eligibility.OWNERS:
        raise DomainError(_("This ballot's voters are not an owners' roll."), code="not_owners_ballot")
    form = valid_form(OwnersForm, payload)
    done = services.owners_import(actor=request.user, node=ballot.node, text=form.cleaned_data["lines"])
    _rows, count, area = selectors.owner_roll(node=ballot.node)
    return {**done, "owners": count, "area_m2": area}


@router.get("/staff/ballots/{int:ballot_id}/roster", response=responses({200: RosterPage}),
            summary="The roster to tick for a paper or show-of-hands entry")
def staff_roster(request, ballot_id: int):
    require_staff(request)
    roster, already, eligible = selectors.paper_roster(selectors.staff_ballot(request.user, ballot_id, MANAGE))
    return {"roster": [{"key": v.key, "label": v.label} for v in roster], "already": already, "eligible": eligible}


@router.post("/staff/ballots/{int:ballot_id}/paper", response=responses({201: StaffBallotOut}),
             summary="Enter a paper or show-of-hands tally (multipart, with the photo of the sheet)")
@idempotent
def staff_paper(request, ballot_id: int, payload: Form[PaperIn], sheet_photo: File[UploadedFile] = None):
    """`multipart/form-data`, as the page posts it: the fields below, `voters` repeated once per
    ticked voter, one `count_<choice key>` per choice (owners' ballots also `area_<choice key>`,
    m²), and `sheet_photo`, the photo of the tally sheet both signatories signed — without it the
    entry is refused (400, `fields.sheet_photo`). While the ballot is open."""
    require_staff(request)
    ballot = selectors.staff_ballot(request.user, ballot_id, MANAGE)
    roster, _already, _eligible = selectors.paper_roster(ballot)
    form = PaperTallyForm(request.POST, request.FILES, ballot=ballot, roster=roster)
    require_valid(form)
    data = form.cleaned_data
    services.paper_tally_record(
        actor=request.user, ballot=ballot, method=data["method"], held_at=data["held_at"], counts=form.counts(),
        areas=form.areas(), voter_keys=data["voters"], invalid=data["invalid"], sheet_photo=data["sheet_photo"],
        signatory_one=data["signatory_one"], signatory_two=data["signatory_two"])
    return Status(201, _staff_ballot(request, ballot.pk))


# --- staff: procedures ---------------------------------------------------------------------------------

def _procedure(request, procedure: Procedure) -> dict:
    upcoming = selectors.upcoming_stage(procedure)
    can_manage = has_perm(request.user, MANAGE, procedure.topic.node)
    fields = [name for name in StageForm(procedure=procedure, stage=upcoming).fields if name != "evidence"] \
        if upcoming else []
    stage_fields = ("id", "stage", "order", "held_on", "body", "resolution_body", "expected", "present",
                    "approving", "expected_households", "present_households", "expected_area_m2", "present_area_m2",
                    "approving_area_m2", "minutes_ref", "content", "passed", "verdict_note")
    return {
        "id": procedure.pk, "topic": _ref(procedure.topic, "title"), "kind": procedure.kind,
        "kind_label": str(procedure.get_kind_display()), "matter": procedure.matter,
        "quorum_percent": procedure.quorum_percent, "status": procedure.status,
        "status_label": str(procedure.get_status_display()),
        "stages": [{**{f: getattr(s, f if f != "id" else "pk") for f in stage_fields},
                    "label": str(s.get_stage_display()), "meeting": s.meeting_id, "ballot": s.ballot_id,
                    "has_evidence": bool(s.evidence)} for s in procedure.stages.all()],
        "all_stages": [{"key": code, "label": str(ProcedureStage.Stage(code).label)}
                       for code in procedure.stage_codes],
        "upcoming": {"stage": upcoming, "label": str(ProcedureStage.Stage(upcoming).label), "fields": fields}
        if upcoming else None,
        "can_manage": can_manage,
    }


@router.get("/staff/procedures/{int:procedure_id}", response=responses({200: ProcedureOut}),
            summary="A procedure, its recorded stages and the stage to record next")
def staff_procedure(request, procedure_id: int):
    require_staff(request)
    return _procedure(request, selectors.staff_procedure(request.user, procedure_id))


@router.post("/staff/topics/{int:topic_id}/procedures", response=responses({201: ProcedureOut}),
             summary="Start the procedure that decides a topic")
@idempotent
def staff_procedure_start(request, topic_id: int, payload: ProcedureIn):
    require_staff(request)
    topic = selectors.staff_topic(request.user, topic_id)
    form = valid_form(ProcedureForm, payload)
    made = services.procedure_start(actor=request.user, topic=topic, **form.cleaned_data)
    return Status(201, _procedure(request, selectors.staff_procedure(request.user, made.pk)))


@router.post("/staff/procedures/{int:procedure_id}/stages", response=responses({201: ProcedureOut}),
             summary="Record the next stage of a procedure")
@idempotent
def staff_stage(request, procedure_id: int, payload: StageIn):
    """Stages cannot be skipped, reordered or dated before the previous one; a stage whose
    threshold fails ends the procedure as not passed. JSON only: the evidence is the reference
    of the minutes or document (`minutes_ref`); a photo is added on the page."""
    require_staff(request)
    procedure = selectors.staff_procedure(request.user, procedure_id, MANAGE)
    # A finished procedure or a skipped stage is refused by the service, with the page's message.
    stage = payload.stage or selectors.upcoming_stage(procedure) or ""
    form = valid_form(StageForm, payload, procedure=procedure, stage=stage)
    data = form.cleaned_data
    services.procedure_record_stage(actor=request.user, procedure=procedure, stage=stage, **{
        k: data.get(k) for k in ("held_on", "body", "meeting", "ballot", "expected", "present", "approving",
                                 "expected_households", "present_households", "expected_area", "present_area",
                                 "approving_area")},
        resolution_body=data.get("resolution_body") or "", minutes_ref=data.get("minutes_ref") or "",
        content=data.get("content") or "")
    return Status(201, _procedure(request, selectors.staff_procedure(request.user, procedure.pk)))
