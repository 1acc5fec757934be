"""The meetings endpoints of the JSON API (mounted by cocreate/api/api.py, URL names
`api:meetings_<function>`). Residents: their community's topics with the discussion and the
options (方案), my meetings, check-in by the QR code's token, the .ics file, a need raised at a
meeting. Staff: topics and meetings of a node, moderation, the meeting console (status,
host check-in, tallies, minutes, follow-up tasks).

Every rule is the pages' own: the same forms validate, the same services write (one audit
event each), the same scope look-ups (selectors.resident_topic, staff_meeting …) decide what
is visible — a forbidden object answers 404, a resident on a staff endpoint 403."""

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from cocreate.api.auth import require_staff
from cocreate.api.errors import require_valid
from cocreate.api.idempotency import idempotent
from cocreate.api.schemas import form_data, responses, valid_form
from cocreate.core.page_cache import api_cached
from cocreate.orgs.models import Person
from cocreate.orgs.page_scopes import node_in_address, residents_community
from cocreate.orgs.permissions import has_perm, node_for

from . import selectors, services
from .forms import (
    HostCheckinForm,
    LinkNeedsForm,
    MeetingForm,
    MeetingNeedForm,
    MeetingStatusForm,
    MinutesForm,
    OptionForm,
    PostForm,
    ReasonForm,
    TallyForm,
    TaskForm,
    TopicForm,
)
from .models import AgendaItem, FollowUpTask, Meeting, Option, Post, Topic
from .resident_views import ics_response

router = Router(tags=["meetings"])

KindName = Literal["wuchang", "wanzi", "bandeng", "yuanba", "yishi", "lianxi", "owners", "online"]


# --- schemas -------------------------------------------------------------------------------------

class NodeOut(Schema):
    id: int
    name: str


class TopicOut(Schema):
    id: int
    title: str
    status: str
    status_label: str
    node: NodeOut
    post_count: int
    created_at: datetime


class TopicPage(Schema):
    items: list[TopicOut]
    next: str | None = Field(description="Pass as `before` for the next page; null on the last page.")


class NeedRef(Schema):
    id: int
    text: str
    status: str
    status_label: str


class PostOut(Schema):
    id: int
    parent: int | None
    author: str = Field(description="The resident's name, masked; a staff member's display name.")
    by_staff: bool
    created_at: datetime
    hidden: bool
    body: str | None = Field(description="Null when a moderator hid the post: read `hide_reason`.")
    hide_reason: str
    reported: bool = Field(description="I reported it.")


class ThreadOut(PostOut):
    replies: list[PostOut]


class OptionOut(Schema):
    id: int
    title: str
    description: str
    cost_fen: int | None = Field(description="The cost estimate in fen (1 yuan = 100 fen).")
    status: str
    status_label: str
    mover: str = Field(description="The proposer's name, masked; empty when community staff proposed it.")
    seconder_count: int
    mine: bool = Field(description="I proposed it (I may withdraw it).")
    seconded: bool = Field(description="I seconded it.")


class TopicDetailOut(TopicOut):
    description: str
    needs: list[NeedRef]
    options: list[OptionOut]
    threads: list[ThreadOut] = Field(description="The discussion, oldest first; replies are one level deep.")
    can_moderate: bool


class MeetingOut(Schema):
    id: int
    kind: str
    kind_label: str
    title: str
    place: str
    starts_at: datetime
    ends_at: datetime
    status: str
    status_label: str
    node: NodeOut


class MyMeetingsOut(Schema):
    upcoming: list[MeetingOut] = Field(description="Soonest first.")
    past: list[MeetingOut] = Field(description="Latest first.")


class AgendaItemOut(Schema):
    id: int
    title: str
    topic: int | None
    votes_for: int | None = Field(description="The show of hands, once recorded (residents: once closed).")
    votes_against: int | None
    votes_abstain: int | None


class FiguresOut(Schema):
    invited: int = Field(description="Households invited.")
    households: int = Field(description="Households with someone checked in.")
    persons: int
    rate: int = Field(description="Percent of invited households that came.")


class TaskOut(Schema):
    id: int
    title: str
    owner: str
    due_on: date
    done: bool


class MeetingDetailOut(MeetingOut):
    cancel_reason: str
    agenda: list[AgendaItemOut]
    checked_in_at: datetime | None = Field(description="When I checked in.")
    figures: FiguresOut | None = Field(description="Once the meeting is closed.")
    minutes: str
    tasks: list[TaskOut]
    can_raise_need: bool


class CheckinOut(Schema):
    meeting: MeetingOut
    checked_in_at: datetime
    created: bool = Field(description="False when I was already checked in.")


class RaisedNeedOut(NeedRef):
    meeting: int


class AttendanceOut(Schema):
    person: int
    name: str = Field(description="Masked.")
    address: str
    method: str
    checked_in_at: datetime


class StaffMeetingOut(MeetingDetailOut):
    host: str
    can_run: bool
    checkin_url: str | None = Field(description="What the check-in QR code holds (for whoever runs the meeting).")
    transitions: list[str] = Field(description="The statuses POST …/status may move it to.")
    attendances: list[AttendanceOut]
    raised_needs: list[NeedRef]


class MeetingPage(Schema):
    items: list[MeetingOut]
    next: str | None = Field(description="Pass as `before` for the next page; null on the last page.")


class CandidateOut(Schema):
    id: int
    name: str = Field(description="Masked.")
    address: str
    checked_in: bool


class HostCheckinOut(Schema):
    person: int
    checked_in_at: datetime
    created: bool


class StaffTopicOut(TopicDetailOut):
    can_manage: bool


class PageQuery(Schema):
    before: str | None = Field(None, max_length=40, description="The `next` of the previous page.")
    limit: int = Field(selectors.PAGE_SIZE, ge=1, le=100)


class PostIn(Schema):
    body: str = Field(max_length=2000)
    parent: int | None = Field(None, description="The post this one replies to.")


class ReasonIn(Schema):
    reason: str = Field(max_length=200)


class OptionIn(Schema):
    title: str = Field(max_length=100)
    description: str = Field("", max_length=3000)
    cost_yuan: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2,
                                      description="In yuan (stored as integer fen); null if unknown.")


class CheckinIn(Schema):
    token: str = Field(min_length=1, max_length=64, description="The token of the meeting's QR code.")


class MeetingNeedIn(Schema):
    text: str = Field(min_length=4, max_length=500)
    category: int = Field(description="A category id from GET /categories.")


class TopicIn(Schema):
    title: str = Field(max_length=100)
    description: str = Field("", max_length=3000)
    node: int | None = Field(None, description="The community or a grid of it; the node of the URL if left out.")
    needs: list[int] = Field([], max_length=100, description="Open needs of the community it gathers.")


class LinkNeedsIn(Schema):
    needs: list[int] = Field(min_length=1, max_length=100)


class MeetingIn(Schema):
    kind: KindName
    title: str = Field(max_length=100)
    place: str = Field("", max_length=100)
    starts_at: datetime
    ends_at: datetime
    node: int | None = Field(None, description="The invited area; the node of the URL if left out.")
    households: list[int] = Field([], max_length=500, description="Invite only these households of the area.")
    topics: list[int] = Field([], max_length=20, description="Open topics of the community for the agenda.")
    other_items: list[str] = Field([], max_length=20, description="Other agenda items, by title.")


class StatusIn(Schema):
    status: Literal["open", "closed", "cancelled"]
    reason: str = Field("", max_length=200, description="Why it is cancelled (the invitees are told).")


class HostCheckinIn(Schema):
    person: int = Field(description="A member of an invited household (GET …/candidates).")


class TallyIn(Schema):
    votes_for: int = Field(ge=0, le=100000)
    votes_against: int = Field(ge=0, le=100000)
    votes_abstain: int = Field(ge=0, le=100000)


class MinutesIn(Schema):
    minutes: str = Field(max_length=20000)


class TaskIn(Schema):
    title: str = Field(max_length=200)
    due_on: date
    owner: int | None = Field(None, description="A staff member working where the meeting is.")
    owner_name: str = Field("", max_length=50, description="Or the name of someone without an account.")


# --- shaping answers -------------------------------------------------------------------------------


def _local(moment: datetime) -> str:
    """A datetime as the page's datetime-local field sends it (naive times are local)."""
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return moment.strftime("%Y-%m-%dT%H:%M")


def _node(node) -> dict:
    return {"id": node.pk, "name": node.name}


def _topic(topic: Topic) -> dict:
    return {"id": topic.pk, "title": topic.title, "status": topic.status,
            "status_label": str(topic.get_status_display()), "node": _node(topic.node),
            "post_count": topic.post_count, "created_at": topic.created_at}


def _need_ref(need) -> dict:
    return {"id": need.pk, "text": need.text, "status": need.status, "status_label": str(need.get_status_display())}


def _post(post: Post, reported: set[int]) -> dict:
    hidden = post.hidden_at is not None
    return {"id": post.pk, "parent": post.parent_id,
            "author": post.person.masked_name if post.person else (post.author.display_name or post.author.username),
            "by_staff": post.person is None, "created_at": post.created_at, "hidden": hidden,
            "body": None if hidden else post.body, "hide_reason": post.hide_reason if hidden else "",
            "reported": post.pk in reported}


def _option(option: Option, *, user, seconded: set[int]) -> dict:
    return {"id": option.pk, "title": option.title, "description": option.description, "cost_fen": option.cost_fen,
            "status": option.status, "status_label": str(option.get_status_display()),
            "mover": option.mover.masked_name if option.mover else "", "seconder_count": option.seconder_count,
            "mine": option.moved_by_id == user.pk, "seconded": option.pk in seconded}


def _topic_detail(user, topic: Topic, person: Person | None) -> dict:
    threads = selectors.topic_threads(topic=topic)
    options = selectors.topic_options(topic=topic)
    reported = selectors.reported_by(user=user, post_ids=[p.pk for t in threads for p in (t.post, *t.replies)])
    seconded = selectors.seconded_by(person=person, option_ids=[o.pk for o in options])
    return {
        **_topic(topic), "description": topic.description, "needs": [_need_ref(n) for n in topic.needs.all()],
        "options": [_option(o, user=user, seconded=seconded) for o in options],
        "threads": [{**_post(t.post, reported), "replies": [_post(r, reported) for r in t.replies]}
                    for t in threads],
        "can_moderate": services.can_moderate(user, topic.community),
    }


def _meeting(meeting: Meeting) -> dict:
    return {"id": meeting.pk, "kind": meeting.kind, "kind_label": str(meeting.get_kind_display()),
            "title": meeting.title, "place": meeting.place, "starts_at": meeting.starts_at,
            "ends_at": meeting.ends_at, "status": meeting.status, "status_label": str(meeting.get_status_display()),
            "node": _node(meeting.node)}


def _agenda_item(item: AgendaItem, *, with_tally: bool = True) -> dict:
    tally = with_tally and item.tally_recorded_at is not None
    return {"id": item.pk, "title": item.title, "topic": item.topic_id,
            "votes_for": item.votes_for if tally else None, "votes_against": item.votes_against if tally else None,
            "votes_abstain": item.votes_abstain if tally else None}


def _task(task: FollowUpTask) -> dict:
    owner = (task.owner.display_name or task.owner.username) if task.owner else task.owner_name
    return {"id": task.pk, "title": task.title, "owner": owner, "due_on": task.due_on, "done": task.done_at is not None}


def _figures(meeting: Meeting) -> dict:
    figures = selectors.attendance_figures(meeting=meeting)
    return {"invited": figures.invited, "households": figures.households, "persons": figures.persons,
            "rate": figures.rate}


def _meeting_detail(meeting: Meeting, *, person: Person | None, staff: bool = False) -> dict:
    """What the meeting page shows; a resident sees tallies, figures, minutes and tasks once it is closed."""
    shown = staff or meeting.status == Meeting.Status.CLOSED
    attendance = selectors.my_attendance(meeting=meeting, person=person)
    return {
        **_meeting(meeting), "cancel_reason": meeting.cancel_reason,
        "agenda": [_agenda_item(i, with_tally=shown) for i in selectors.agenda(meeting=meeting)],
        "checked_in_at": attendance.checked_in_at if attendance else None,
        "figures": _figures(meeting) if shown else None, "minutes": meeting.minutes if shown else "",
        "tasks": [_task(t) for t in selectors.tasks(meeting=meeting)] if shown else [],
        "can_raise_need": meeting.is_live,
    }


# --- residents: topics ------------------------------------------------------------------------------

def _before_id(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() and len(text) < 19 else None


@router.get("/topics", response=responses({200: TopicPage}), summary="My community's topics, newest first")
@api_cached(residents_community)
def topics(request, query: Query[PageQuery]):
    me = selectors.resident(request.user)
    if me.community is None:
        return {"items": [], "next": None}
    rows, cursor = selectors.topic_page(node=me.community, before=_before_id(query.before), size=query.limit)
    return {"items": [_topic(t) for t in rows], "next": str(cursor) if cursor else None}


@router.get("/topics/{int:topic_id}", response=responses({200: TopicDetailOut}),
            summary="A topic: the needs it gathers, its options and the discussion")
def topic(request, topic_id: int):
    me = selectors.resident(request.user)
    return _topic_detail(request.user, selectors.resident_topic(me, topic_id), me.person)


@router.post("/topics/{int:topic_id}/posts", response=responses({201: PostOut}), summary="Post, or reply to a post")
@idempotent
def post_add(request, topic_id: int, payload: PostIn):
    me = selectors.resident(request.user)
    the_topic = selectors.resident_topic(me, topic_id)
    form = valid_form(PostForm, payload)
    parent = selectors.reply_parent(the_topic, form.cleaned_data["parent"]) if form.cleaned_data["parent"] else None
    post = services.post_add(actor=request.user, topic=the_topic, body=form.cleaned_data["body"], parent=parent)
    return Status(201, _post(Post.objects.select_related("person", "author").get(pk=post.pk), set()))


@router.post("/posts/{int:post_id}/report", response=responses({201: PostOut}),
             summary="举报: report a post to the moderators")
@idempotent
def post_report(request, post_id: int, payload: ReasonIn):
    """One report per reader per post: a second one answers 409."""
    me = selectors.resident(request.user)
    the_post = selectors.resident_post(me, post_id)
    form = valid_form(ReasonForm, payload)
    services.post_report(actor=request.user, post=the_post, reason=form.cleaned_data["reason"])
    return Status(201, _post(Post.objects.select_related("person", "author").get(pk=the_post.pk), {the_post.pk}))


def _fresh_option(request, me, option_id: int) -> dict:
    option = Option.objects.select_related("mover").get(pk=option_id)
    return _option(option, user=request.user, seconded=selectors.seconded_by(person=me.person, option_ids=[option.pk]))


@router.post("/topics/{int:topic_id}/options", response=responses({201: OptionOut}),
             summary="Propose an option (方案), with a cost estimate in yuan")
@idempotent
def option_propose(request, topic_id: int, payload: OptionIn):
    me = selectors.resident(request.user)
    the_topic = selectors.resident_topic(me, topic_id)
    form = valid_form(OptionForm, payload)
    option = services.option_propose(actor=request.user, topic=the_topic, **form.proposal())
    return Status(201, _fresh_option(request, me, option.pk))


@router.post("/options/{int:option_id}/second", response=responses({200: OptionOut}),
             summary="附议: second an option")
@idempotent
def option_second(request, option_id: int):
    """One per person: a second one answers 409."""
    me = selectors.resident(request.user)
    option = selectors.resident_option(me, option_id)
    services.option_second(actor=request.user, option=option)
    return _fresh_option(request, me, option.pk)


@router.post("/options/{int:option_id}/withdraw", response=responses({200: OptionOut}),
             summary="Withdraw an option I proposed")
@idempotent
def option_withdraw(request, option_id: int):
    me = selectors.resident(request.user)
    option = selectors.resident_option(me, option_id)
    if option.moved_by_id != request.user.pk:
        raise Http404  # as on the page: someone else's option has no withdraw button
    services.option_withdraw(actor=request.user, option=option)
    return _fresh_option(request, me, option.pk)


# --- residents: meetings ----------------------------------------------------------------------------

@router.get("/meetings", response=responses({200: MyMeetingsOut}),
            summary="The meetings my household is invited to: upcoming first")
def meetings(request):
    """The 30 soonest upcoming and the 30 latest past meetings, as on the page."""
    mine = selectors.my_meetings(person=selectors.resident(request.user).person)
    return {"upcoming": [_meeting(m) for m in mine.upcoming], "past": [_meeting(m) for m in mine.past]}


@router.get("/meetings/{int:meeting_id}", response=responses({200: MeetingDetailOut}),
            summary="A meeting I am invited to")
def meeting(request, meeting_id: int):
    me = selectors.resident(request.user)
    return _meeting_detail(selectors.invited_meeting(me, meeting_id), person=me.person)


@router.post("/meetings/checkin", response=responses({200: CheckinOut}),
             summary="签到: check in with the token of the meeting's QR code")
@idempotent
def checkin(request, payload: CheckinIn):
    """The QR code holds the check-in page's URL; its last part is the token. A second
    check-in is not an error (`created` is false). Check-in opens two hours before the start."""
    the_meeting = selectors.meeting_by_checkin_token(payload.token)
    attendance, created = services.checkin_by_qr(actor=request.user, meeting=the_meeting, token=payload.token)
    return {"meeting": _meeting(the_meeting), "checked_in_at": attendance.checked_in_at, "created": created}


@router.get("/meetings/{int:meeting_id}/ics", summary="The meeting as a calendar file (text/calendar)",
            response=responses({200: None}), openapi_extra={
                "responses": {200: {"description": "An iCalendar file", "content": {"text/calendar": {}}}}})
def meeting_ics(request, meeting_id: int):
    the_meeting = selectors.invited_meeting(selectors.resident(request.user), meeting_id)
    return ics_response(request, the_meeting, reverse("meetings:meeting", args=[the_meeting.pk]))


@router.post("/meetings/{int:meeting_id}/needs", response=responses({201: RaisedNeedOut}),
             summary="Raise a need at the meeting, on my own phone")
@idempotent
def meeting_need(request, meeting_id: int, payload: MeetingNeedIn):
    """The need's source is the meeting (channel `meeting`); follow it with GET /needs/{id}."""
    me = selectors.resident(request.user)
    the_meeting = selectors.invited_meeting(me, meeting_id)
    form = valid_form(MeetingNeedForm, payload)
    need = services.meeting_need_raise(actor=request.user, meeting=the_meeting, person=me.person,
                                       text=form.cleaned_data["text"], category=form.cleaned_data["category"])
    return Status(201, {**_need_ref(need), "meeting": the_meeting.pk})


# --- staff: topics and moderation ---------------------------------------------------------------------

@router.get("/staff/nodes/{int:node_id}/topics", response=responses({200: TopicPage}),
            summary="The topics of a node in my scope, newest first")
def staff_topics(request, node_id: int, query: Query[PageQuery]):
    require_staff(request)
    node = node_for(request.user, "meetings.view", node_id)
    rows, cursor = selectors.topic_page(node=node, before=_before_id(query.before), size=query.limit)
    return {"items": [_topic(t) for t in rows], "next": str(cursor) if cursor else None}


def _staff_topic(user, topic_id: int) -> dict:
    the_topic = selectors.staff_topic(user, topic_id)
    return {**_topic_detail(user, the_topic, None),
            "can_manage": has_perm(user, "meetings.manage_topic", the_topic.node)}


@router.get("/staff/topics/{int:topic_id}", response=responses({200: StaffTopicOut}),
            summary="A topic in my scope, with its discussion (to moderate it)")
def staff_topic(request, topic_id: int):
    require_staff(request)
    return _staff_topic(request.user, topic_id)


@router.post("/staff/nodes/{int:node_id}/topics", response=responses({201: StaffTopicOut}),
             summary="Open a topic, gathering needs of the community")
@idempotent
def staff_topic_create(request, node_id: int, payload: TopicIn):
    require_staff(request)
    node = node_for(request.user, "meetings.manage_topic", node_id)
    community = selectors.community_or_none(node)
    if community is None:
        raise Http404  # topics belong to a community or a part of it
    if payload.node is None:
        payload.node = node.pk
    form = valid_form(TopicForm, payload, nodes=selectors.areas(node),
                      needs=selectors.topic_need_candidates(community=community))
    data = form.cleaned_data
    if not has_perm(request.user, "meetings.manage_topic", data["node"]):
        raise Http404
    the_topic = services.topic_create(actor=request.user, node=data["node"], title=data["title"],
                                      description=data["description"], needs=list(data["needs"]))
    return Status(201, _staff_topic(request.user, the_topic.pk))


@router.post("/staff/topics/{int:topic_id}/needs", response=responses({200: StaffTopicOut}),
             summary="Gather more needs of the community in a topic")
@idempotent
def staff_topic_link(request, topic_id: int, payload: LinkNeedsIn):
    """Needs received or accepted move on to deliberation (their own timeline and notices)."""
    require_staff(request)
    the_topic = selectors.staff_topic(request.user, topic_id, "meetings.manage_topic")
    form = valid_form(LinkNeedsForm, payload, needs=selectors.linkable_needs(topic=the_topic))
    services.topic_link_needs(actor=request.user, topic=the_topic, needs=list(form.cleaned_data["needs"]))
    return _staff_topic(request.user, the_topic.pk)


@router.post("/staff/posts/{int:post_id}/hide", response=responses({200: PostOut}),
             summary="Hide a post; readers see the reason instead")
@idempotent
def staff_post_hide(request, post_id: int, payload: ReasonIn):
    require_staff(request)
    the_post = selectors.moderated_post(request.user, post_id)
    form = valid_form(ReasonForm, payload)
    services.post_hide(actor=request.user, post=the_post, reason=form.cleaned_data["reason"])
    return _post(Post.objects.select_related("person", "author").get(pk=the_post.pk), set())


# --- staff: meetings -----------------------------------------------------------------------------------

@router.get("/staff/nodes/{int:node_id}/meetings", response=responses({200: MeetingPage}),
            summary="The meetings of a node in my scope, latest first")
@api_cached(node_in_address(), check=require_staff)
def staff_meetings(request, node_id: int, query: Query[PageQuery]):
    require_staff(request)
    node = node_for(request.user, "meetings.view", node_id)
    rows, cursor = selectors.meeting_page(node=node, before=selectors.parse_cursor(query.before or ""),
                                          size=query.limit)
    return {"items": [_meeting(m) for m in rows], "next": cursor}


def _staff_meeting(request, meeting: Meeting) -> dict:
    can_run = has_perm(request.user, "meetings.run_meeting", meeting.node)
    checkin_url = request.build_absolute_uri(reverse("meetings:checkin", args=[meeting.checkin_token]))
    return {
        **_meeting_detail(meeting, person=None, staff=True),
        "host": (meeting.host.display_name or meeting.host.username) if meeting.host else "",
        "can_run": can_run, "checkin_url": checkin_url if can_run and meeting.is_live else None,
        "transitions": sorted(Meeting.TRANSITIONS[meeting.status]),
        "attendances": [{"person": a.person_id, "name": a.person.masked_name,
                         "address": a.household.address if a.household else "", "method": a.method,
                         "checked_in_at": a.checked_in_at} for a in selectors.attendances(meeting=meeting)],
        "raised_needs": [_need_ref(n) for n in selectors.raised_needs(meeting=meeting)],
    }


def _fresh_meeting(request, meeting_id: int) -> dict:
    return _staff_meeting(request, selectors.meeting_detail(meeting_id=meeting_id))


@router.post("/staff/nodes/{int:node_id}/meetings", response=responses({201: StaffMeetingOut}),
             summary="Schedule a meeting: agenda and invitations")
@idempotent
def staff_meeting_create(request, node_id: int, payload: MeetingIn):
    """Every household of the area is invited (with an in-app message), unless `households`
    lists some of them. Times without a zone are local (Asia/Shanghai)."""
    require_staff(request)
    node = node_for(request.user, "meetings.run_meeting", node_id)
    community = selectors.community_or_none(node)
    if community is None:
        raise Http404  # meetings are held in a community or below it
    data = form_data(payload)
    data |= {"node": str(payload.node or node.pk), "starts_at": _local(payload.starts_at),
             "ends_at": _local(payload.ends_at), "other_items": "\n".join(payload.other_items)}
    form = MeetingForm(data, nodes=selectors.areas(node), households=selectors.invitable_households(node),
                       topics=selectors.open_topics(community=community))
    require_valid(form)
    cleaned = form.cleaned_data
    if not has_perm(request.user, "meetings.run_meeting", cleaned["node"]):
        raise Http404
    the_meeting = services.meeting_schedule(
        actor=request.user, node=cleaned["node"], kind=cleaned["kind"], title=cleaned["title"],
        place=cleaned["place"], starts_at=cleaned["starts_at"], ends_at=cleaned["ends_at"],
        households=list(cleaned["households"]) or None, agenda=form.agenda())
    return Status(201, _fresh_meeting(request, the_meeting.pk))


@router.get("/staff/meetings/{int:meeting_id}", response=responses({200: StaffMeetingOut}),
            summary="A meeting in my scope, with its attendance figures")
def staff_meeting(request, meeting_id: int):
    require_staff(request)
    return _staff_meeting(request, selectors.staff_meeting(request.user, meeting_id))


@router.get("/staff/meetings/{int:meeting_id}/candidates", response=responses({200: list[CandidateOut]}),
            summary="Members of the invited households, found by name or address, for host check-in")
def staff_checkin_candidates(request, meeting_id: int, q: str = Query("", max_length=50)):
    require_staff(request)
    the_meeting = selectors.staff_meeting(request.user, meeting_id, "meetings.run_meeting")
    return [{"id": p.pk, "name": p.masked_name, "address": p.household.address, "checked_in": p.checked_in}
            for p in selectors.checkin_candidates(meeting=the_meeting, query=q.replace("\x00", ""))]


@router.post("/staff/meetings/{int:meeting_id}/status", response=responses({200: StaffMeetingOut}),
             summary="Open, close or cancel a meeting")
@idempotent
def staff_meeting_status(request, meeting_id: int, payload: StatusIn):
    """Closing freezes attendance and tallies; cancelling needs a reason, which the invitees are told."""
    require_staff(request)
    the_meeting = selectors.staff_meeting(request.user, meeting_id, "meetings.run_meeting")
    form = valid_form(MeetingStatusForm, payload)
    services.meeting_set_status(actor=request.user, meeting=the_meeting, status=form.cleaned_data["status"],
                                reason=form.cleaned_data["reason"])
    return _fresh_meeting(request, the_meeting.pk)


@router.post("/staff/meetings/{int:meeting_id}/checkins", response=responses({200: HostCheckinOut,
                                                                              201: HostCheckinOut}),
             summary="Check in someone without a phone")
@idempotent
def staff_checkin(request, meeting_id: int, payload: HostCheckinIn):
    """201 when checked in now, 200 when they already were."""
    require_staff(request)
    the_meeting = selectors.staff_meeting(request.user, meeting_id, "meetings.run_meeting")
    form = valid_form(HostCheckinForm, payload)
    person = Person.objects.filter(pk=form.cleaned_data["person"]).first()
    if person is None:
        raise Http404
    attendance, created = services.checkin_by_host(actor=request.user, meeting=the_meeting, person=person)
    return Status(201 if created else 200, {"person": person.pk, "checked_in_at": attendance.checked_in_at,
                                            "created": created})


@router.post("/staff/agenda/{int:item_id}/tally", response=responses({200: AgendaItemOut}),
             summary="举手表决: record the show of hands on an agenda item")
@idempotent
def staff_tally(request, item_id: int, payload: TallyIn):
    """The hands counted cannot exceed the people checked in."""
    require_staff(request)
    item = selectors.staff_agenda_item(request.user, item_id)
    form = valid_form(TallyForm, payload)
    return _agenda_item(services.tally_record(actor=request.user, item=item, **form.cleaned_data))


@router.post("/staff/meetings/{int:meeting_id}/minutes", response=responses({200: StaffMeetingOut}),
             summary="Record the minutes (also after the meeting is closed)")
@idempotent
def staff_minutes(request, meeting_id: int, payload: MinutesIn):
    require_staff(request)
    the_meeting = selectors.staff_meeting(request.user, meeting_id, "meetings.run_meeting")
    form = valid_form(MinutesForm, payload)
    services.minutes_record(actor=request.user, meeting=the_meeting, minutes=form.cleaned_data["minutes"])
    return _fresh_meeting(request, the_meeting.pk)


@router.post("/staff/meetings/{int:meeting_id}/tasks", response=responses({201: TaskOut}),
             summary="Add a follow-up task with its owner and due date")
@idempotent
def staff_task_add(request, meeting_id: int, payload: TaskIn):
    """The owner is staff working where the meeting is (they get a message), or a name."""
    require_staff(request)
    the_meeting = selectors.staff_meeting(request.user, meeting_id, "meetings.run_meeting")
    form = TaskForm(form_data(payload, prefix="task"), owners=selectors.task_owners(meeting=the_meeting))
    require_valid(form)
    task = services.task_add(actor=request.user, meeting=the_meeting, **form.cleaned_data)
    return Status(201, _task(FollowUpTask.objects.select_related("owner").get(pk=task.pk)))


@router.post("/staff/tasks/{int:task_id}/done", response=responses({200: TaskOut}),
             summary="Mark a follow-up task done (its owner, or whoever runs the meeting)")
@idempotent
def staff_task_done(request, task_id: int):
    require_staff(request)
    task = services.task_done(actor=request.user, task=selectors.staff_task(request.user, task_id))
    return _task(FollowUpTask.objects.select_related("owner").get(pk=task.pk))
