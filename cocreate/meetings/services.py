"""Writes for topics (议题), their discussion and options (方案), and meetings: scheduling,
check-in, tallies, minutes, needs raised on the spot, follow-up tasks. One transaction and
one audit event each; refusals raise DomainError and write nothing."""

import secrets
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from cocreate.audit.services import record
from cocreate.core.errors import Conflict, DomainError, InvalidTransition
from cocreate.needs import services as needs_services
from cocreate.needs.models import Need
from cocreate.orgs.models import Household, OrgUnit, Person
from cocreate.orgs.permissions import has_perm

from .models import (
    AgendaItem,
    Attendance,
    FollowUpTask,
    Invitation,
    Meeting,
    Moderator,
    Option,
    Post,
    PostReport,
    Seconder,
    Topic,
)

MAX_AGENDA_ITEMS = 20
CHECKIN_OPENS_BEFORE = timedelta(hours=2)  # a QR code shared the day before checks no one in


def _require(actor, action: str, node: OrgUnit) -> None:
    """`actor=None` is the platform itself (seed commands, scheduled jobs)."""
    if actor is not None and not has_perm(actor, action, node):
        raise PermissionDenied(action)


def _person_of(user) -> Person | None:
    if user is None or not user.is_authenticated:
        return None
    return Person.objects.select_related("household__node").filter(user=user).first()


def resident_community(person: Person | None) -> OrgUnit | None:
    """The community a resident belongs to through their household, if any."""
    if person is None or person.household is None:
        return None
    try:
        return needs_services.community_of(person.household.node)
    except DomainError:
        return None


def _is_resident_of(person: Person | None, community: OrgUnit) -> bool:
    return person is not None and person.household is not None and person.household.path.startswith(community.path)


# --- topics ------------------------------------------------------------------------------------

def _clean_title(title: str, message) -> str:
    title = (title or "").strip()
    if len(title) < 2:
        raise DomainError(message)
    return title


def _link_needs(actor, topic: Topic, needs) -> list[int]:
    """Attach needs of the topic's community; needs received or accepted move on to
    deliberation through the needs service (their own timeline, audit and notices)."""
    linked = []
    for need in needs:
        need = Need.objects.select_related("node").get(pk=need.pk)
        if need.community_id != topic.community_id:
            raise DomainError(_("Only needs of the topic's community can be gathered in it."))
        if need.status not in (Need.Status.RECEIVED, Need.Status.ACCEPTED, Need.Status.DELIBERATION):
            raise DomainError(_("Only needs received, accepted or in deliberation can be gathered in a topic."))
        note = str(_("Gathered in the topic “%(title)s”.")) % {"title": topic.title}
        if need.status == Need.Status.RECEIVED:
            need = needs_services.need_transition(actor=actor, need=need, status=Need.Status.ACCEPTED,
                                                  assigned_node=topic.community, note=note)
        if need.status == Need.Status.ACCEPTED:
            needs_services.need_transition(actor=actor, need=need, status=Need.Status.DELIBERATION, note=note)
        topic.needs.add(need)
        linked.append(need.pk)
    return linked


@transaction.atomic
def topic_create(*, actor, node: OrgUnit, title: str, description: str = "", needs=()) -> Topic:
    """A cadre opens a topic in their community (or a grid of it), gathering related needs."""
    _require(actor, "meetings.manage_topic", node)
    community = needs_services.community_of(node)
    topic = Topic.objects.create(
        community=community, node=node, path=node.path, created_by=actor,
        title=_clean_title(title, _("Give the topic a title.")), description=(description or "").strip())
    linked = _link_needs(actor, topic, needs)
    record(actor=actor, action="topic.created", target=topic, node=node, data={"needs": linked})
    return topic


@transaction.atomic
def topic_link_needs(*, actor, topic: Topic, needs) -> Topic:
    _require(actor, "meetings.manage_topic", topic.node)
    topic = Topic.objects.select_for_update().get(pk=topic.pk)
    if not topic.is_open_for_discussion:
        raise DomainError(_("This topic is no longer open."))
    already = set(topic.needs.values_list("pk", flat=True))
    linked = _link_needs(actor, topic, [n for n in needs if n.pk not in already])
    if not linked:
        raise DomainError(_("Choose at least one need that is not in the topic yet."))
    record(actor=actor, action="topic.needs_linked", target=topic, node=topic.node, data={"needs": linked})
    return topic


@transaction.atomic
def topic_set_status(*, actor, topic: Topic, status: str) -> Topic:
    """discussion → voting → decided, or closed without a decision. Called by the decisions
    app when a ballot opens or its result is published."""
    topic = Topic.objects.select_for_update().select_related("node").get(pk=topic.pk)
    _require(actor, "meetings.manage_topic", topic.node)
    if status == topic.status:
        return topic
    if status not in Topic.TRANSITIONS[topic.status]:
        raise InvalidTransition()
    old, topic.status = topic.status, status
    topic.save(update_fields=["status", "updated_at"])
    record(actor=actor, action="topic.status", target=topic, node=topic.node, data={"from": old, "to": status})
    return topic


# --- discussion and moderation -------------------------------------------------------------------

def can_moderate(user, community: OrgUnit) -> bool:
    """The community's cadres, and the residents they appointed moderators."""
    if user is None or not user.is_authenticated:
        return False
    return has_perm(user, "meetings.moderate", community) or Moderator.objects.filter(
        community=community, user=user).exists()


def can_take_part(user, topic: Topic) -> bool:
    """Residents of the topic's community, and the staff who manage or moderate its topics."""
    if user is None or not user.is_authenticated:
        return False
    return (_is_resident_of(_person_of(user), topic.community)
            or has_perm(user, "meetings.manage_topic", topic.node) or has_perm(user, "meetings.moderate", topic.node))


@transaction.atomic
def post_add(*, actor, topic: Topic, body: str, parent: Post | None = None) -> Post:
    topic = Topic.objects.select_for_update().select_related("community", "node").get(pk=topic.pk)
    if not can_take_part(actor, topic):
        raise PermissionDenied("meetings.post")
    if not topic.is_open_for_discussion:
        raise DomainError(_("The discussion of this topic is closed."))
    body = (body or "").strip()
    if len(body) < 2:
        raise DomainError(_("Write a few words."))
    if len(body) > 2000:
        raise DomainError(_("At most 2000 characters."))
    if parent is not None and parent.topic_id != topic.pk:
        raise DomainError(_("You can only reply to a post of this topic."))
    if parent is not None and parent.parent_id is not None:
        parent = parent.parent  # threads are one level deep: a reply to a reply joins its thread
    post = Post.objects.create(topic=topic, parent=parent, author=actor, person=_person_of(actor), body=body)
    Topic.objects.filter(pk=topic.pk).update(post_count=F("post_count") + 1)
    record(actor=actor, action="post.added", target=post, node=topic.node,
           data={"topic": topic.pk, **({"parent": parent.pk} if parent else {})})
    return post


@transaction.atomic
def post_report(*, actor, post: Post, reason: str) -> PostReport:
    """举报: one report per reader per post (a database constraint)."""
    post = Post.objects.select_for_update().select_related("topic__community", "topic__node").get(pk=post.pk)
    if not can_take_part(actor, post.topic):
        raise PermissionDenied("meetings.report")
    if post.author_id == actor.pk:
        raise DomainError(_("You cannot report your own post."))
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise DomainError(_("Say briefly what is wrong with this post."))
    try:
        with transaction.atomic():
            report = PostReport.objects.create(post=post, reporter=actor, reason=reason[:200])
    except IntegrityError as again:
        raise Conflict(_("You have already reported this post. A moderator will look at it.")) from again
    Post.objects.filter(pk=post.pk).update(report_count=F("report_count") + 1)
    record(actor=actor, action="post.reported", target=post, node=post.topic.node, data={"topic": post.topic_id})
    return report


@transaction.atomic
def post_hide(*, actor, post: Post, reason: str) -> Post:
    """A moderator hides a post with a reason; readers see the reason, not the text. Open
    reports on it are resolved."""
    post = Post.objects.select_for_update().select_related("topic__community", "topic__node").get(pk=post.pk)
    if not can_moderate(actor, post.topic.community):
        raise PermissionDenied("meetings.moderate")
    if post.hidden_at is not None:
        raise Conflict(_("This post is already hidden."))
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise DomainError(_("Say why the post is hidden; readers will see the reason."))
    now = timezone.now()
    post.hidden_at, post.hidden_by, post.hide_reason = now, actor, reason[:200]
    post.save(update_fields=["hidden_at", "hidden_by", "hide_reason"])
    Topic.objects.filter(pk=post.topic_id, post_count__gt=0).update(post_count=F("post_count") - 1)
    PostReport.objects.filter(post=post, resolved_at__isnull=True).update(resolved_at=now)
    record(actor=actor, action="post.hidden", target=post, node=post.topic.node,
           data={"topic": post.topic_id, "reason": post.hide_reason})
    return post


@transaction.atomic
def post_reports_dismiss(*, actor, post: Post) -> int:
    """The post is fine: its open reports are resolved without hiding it."""
    post = Post.objects.select_for_update().select_related("topic__community", "topic__node").get(pk=post.pk)
    if not can_moderate(actor, post.topic.community):
        raise PermissionDenied("meetings.moderate")
    resolved = PostReport.objects.filter(post=post, resolved_at__isnull=True).update(resolved_at=timezone.now())
    if not resolved:
        raise Conflict(_("There is no open report on this post."))
    record(actor=actor, action="post.reports_dismissed", target=post, node=post.topic.node,
           data={"reports": resolved})
    return resolved


@transaction.atomic
def moderator_appoint(*, actor, community: OrgUnit, person: Person) -> Moderator:
    _require(actor, "meetings.manage_topic", community)
    person = Person.objects.select_related("household").get(pk=person.pk)
    if person.user_id is None or not _is_resident_of(person, community):
        raise DomainError(_("Choose a resident of this community who uses Cocreate."))
    try:
        with transaction.atomic():
            moderator = Moderator.objects.create(community=community, user_id=person.user_id, appointed_by=actor)
    except IntegrityError as again:
        raise Conflict(_("This resident is already a moderator.")) from again
    record(actor=actor, action="moderator.appointed", target=moderator, node=community, on_behalf_of=person)
    return moderator


@transaction.atomic
def moderator_remove(*, actor, moderator: Moderator) -> None:
    _require(actor, "meetings.manage_topic", moderator.community)
    record(actor=actor, action="moderator.removed", target=moderator, node=moderator.community,
           data={"user": moderator.user_id})
    moderator.delete()


# --- options (方案) -------------------------------------------------------------------------------

def fen_from_yuan(value) -> int | None:
    """A yuan amount typed in a form (Decimal or str) as integer fen, never through a float."""
    from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except InvalidOperation as bad:
        raise DomainError(_("Write the cost in yuan, for example 12000 or 12000.50.")) from bad
    if amount < 0:
        raise DomainError(_("The cost cannot be negative."))
    return int(amount * 100)


@transaction.atomic
def option_propose(*, actor, topic: Topic, title: str, description: str = "", cost_fen: int | None = None) -> Option:
    """A resident or a cadre proposes a solution; the mover is the proposer's person."""
    topic = Topic.objects.select_for_update().select_related("community", "node").get(pk=topic.pk)
    if not can_take_part(actor, topic):
        raise PermissionDenied("meetings.propose")
    if topic.status != Topic.Status.DISCUSSION:
        raise DomainError(_("Options can be proposed while the topic is under discussion."))
    if cost_fen is not None and cost_fen < 0:
        raise DomainError(_("The cost cannot be negative."))
    option = Option.objects.create(
        topic=topic, title=_clean_title(title, _("Give the option a title.")),
        description=(description or "").strip(), cost_fen=cost_fen, mover=_person_of(actor), moved_by=actor)
    record(actor=actor, action="option.proposed", target=option, node=topic.node,
           data={"topic": topic.pk, "cost_fen": cost_fen})
    return option


@transaction.atomic
def option_second(*, actor, option: Option) -> Seconder:
    """附议: one per person (a database constraint); the count is kept in this transaction."""
    option = Option.objects.select_for_update().select_related("topic__community", "topic__node").get(pk=option.pk)
    person = _person_of(actor)
    if not _is_resident_of(person, option.topic.community):
        raise DomainError(_("Only residents of this community can second its options."))
    if option.status != Option.Status.PROPOSED or option.topic.status != Topic.Status.DISCUSSION:
        raise DomainError(_("This option can no longer be seconded."))
    if option.mover_id == person.pk or option.moved_by_id == actor.pk:
        raise DomainError(_("You proposed this option; ask your neighbours to second it."))
    try:
        with transaction.atomic():
            seconder = Seconder.objects.create(option=option, person=person)
    except IntegrityError as again:
        raise Conflict(_("You have already seconded this option.")) from again
    Option.objects.filter(pk=option.pk).update(seconder_count=F("seconder_count") + 1)
    record(actor=actor, action="option.seconded", target=option, node=option.topic.node,
           data={"topic": option.topic_id})
    return seconder


@transaction.atomic
def option_withdraw(*, actor, option: Option) -> Option:
    option = Option.objects.select_for_update().select_related("topic__node").get(pk=option.pk)
    if actor is None or option.moved_by_id != actor.pk:
        raise PermissionDenied("meetings.withdraw")
    if option.status != Option.Status.PROPOSED:
        raise InvalidTransition(_("Only a proposed option can be withdrawn."))
    option.status = Option.Status.WITHDRAWN
    option.save(update_fields=["status", "updated_at"])
    record(actor=actor, action="option.withdrawn", target=option, node=option.topic.node,
           data={"topic": option.topic_id})
    return option


@transaction.atomic
def option_set_status(*, actor, option: Option, status: str) -> Option:
    """Adopted or not adopted, when the topic is decided (the decisions app calls this)."""
    option = Option.objects.select_for_update().select_related("topic__node").get(pk=option.pk)
    _require(actor, "meetings.manage_topic", option.topic.node)
    if option.status != Option.Status.PROPOSED or status not in (Option.Status.ADOPTED, Option.Status.REJECTED):
        raise InvalidTransition()
    option.status = status
    option.save(update_fields=["status", "updated_at"])
    record(actor=actor, action=f"option.{status}", target=option, node=option.topic.node,
           data={"topic": option.topic_id})
    return option


# --- meetings --------------------------------------------------------------------------------------

def _invited_households(node: OrgUnit, households) -> list[int]:
    """The households of the subtree (vacant ones have no one to invite), or the list given,
    which must lie in the subtree."""
    if households is None:
        qs = Household.objects.in_subtree(node).exclude(occupancy=Household.Occupancy.VACANT)
        return list(qs.values_list("pk", flat=True))
    ids = {h.pk for h in households}
    inside = set(Household.objects.in_subtree(node).filter(pk__in=ids).values_list("pk", flat=True))
    if inside != ids:
        raise DomainError(_("Every invited household must live in the chosen area."))
    return sorted(ids)


def _notify_invitees(meeting: Meeting, household_ids, *, kind: str, message) -> int:
    """One in-app message per invited resident with an account, in their own language; the SMS
    goes out in the daily digest."""
    from cocreate.accounts.models import User
    from cocreate.notify.services import message_queue

    user_ids = Person.objects.filter(household_id__in=household_ids, user__isnull=False).values("user_id")
    sent = 0
    for user in User.objects.filter(pk__in=user_ids, is_active=True).only("id", "language").order_by("id"):
        with override(user.language or "zh-hans"):
            text = str(message) % {"title": meeting.title, "kind": Meeting.Kind(meeting.kind).label,
                                   "when": timezone.localtime(meeting.starts_at).strftime("%m-%d %H:%M"),
                                   "place": meeting.place, "reason": meeting.cancel_reason}
        message_queue(user_id=user.pk, kind=kind, target_id=meeting.pk, text=text)
        sent += 1
    return sent


def _agenda_entry(entry) -> tuple[Topic | None, str]:
    if isinstance(entry, tuple):
        return entry
    return (entry, "") if isinstance(entry, Topic) else (None, entry)


def _agenda_rows(meeting: Meeting, agenda) -> list[AgendaItem]:
    """Agenda entries are topics of the meeting's community, free titles, or (topic, title)."""
    rows = []
    for order, entry in enumerate(agenda, start=1):
        topic, title = _agenda_entry(entry)
        if topic is not None and topic.community_id != meeting.community_id:
            raise DomainError(_("Agenda topics must belong to the meeting's community."))
        title = (title or (topic.title if topic else "")).strip()
        if not title:
            continue
        rows.append(AgendaItem(meeting=meeting, topic=topic, title=title[:100], order=order))
    if len(rows) > MAX_AGENDA_ITEMS:
        raise DomainError(_("At most 20 agenda items."))
    return rows


@transaction.atomic
def meeting_schedule(*, actor, node: OrgUnit, kind: str, title: str, starts_at: datetime, ends_at: datetime,
                     place: str = "", households=None, agenda=()) -> Meeting:
    """Schedule a meeting: the households of `node`'s subtree are invited, or the `households`
    listed (all inside it). Invitations are written in bulk; invited residents with an
    account get an in-app message."""
    _require(actor, "meetings.run_meeting", node)
    community = needs_services.community_of(node)
    if kind not in Meeting.Kind.values:
        raise DomainError(_("Choose the kind of meeting."))
    if ends_at <= starts_at:
        raise DomainError(_("The meeting must end after it starts."))
    invited = _invited_households(node, households)
    if not invited:
        raise DomainError(_("No household would be invited: choose another area or some households."))
    meeting = Meeting.objects.create(
        community=community, node=node, path=node.path, kind=kind,
        title=_clean_title(title, _("Give the meeting a title.")), place=(place or "").strip(),
        starts_at=starts_at, ends_at=ends_at, host=actor, invited_count=len(invited))
    AgendaItem.objects.bulk_create(_agenda_rows(meeting, agenda))
    now = timezone.now()
    Invitation.objects.bulk_create([Invitation(meeting=meeting, household_id=h, notified_at=now) for h in invited],
                                   batch_size=500)
    notified = _notify_invitees(meeting, invited, kind="meeting.invited",
                                message=_("You are invited: %(kind)s “%(title)s”, %(when)s at %(place)s."))
    record(actor=actor, action="meeting.scheduled", target=meeting, node=node,
           data={"kind": kind, "invited": len(invited), "notified": notified,
                 "list": households is not None})
    return meeting


def _live_meeting(meeting: Meeting, *, for_update: bool = True) -> Meeting:
    qs = Meeting.objects.select_related("node", "community")
    meeting = (qs.select_for_update() if for_update else qs).get(pk=meeting.pk)
    if not meeting.is_live:
        raise DomainError(_("This meeting is closed: attendance and tallies can no longer change."))
    return meeting


@transaction.atomic
def agenda_item_add(*, actor, meeting: Meeting, topic: Topic | None = None, title: str = "") -> AgendaItem:
    meeting = _live_meeting(meeting)
    _require(actor, "meetings.run_meeting", meeting.node)
    if meeting.agenda.count() >= MAX_AGENDA_ITEMS:
        raise DomainError(_("At most 20 agenda items."))
    rows = _agenda_rows(meeting, [(topic, title)])
    if not rows:
        raise DomainError(_("Choose a topic or write a title."))
    item = rows[0]
    item.order = (meeting.agenda.order_by("-order").values_list("order", flat=True).first() or 0) + 1
    item.save()
    record(actor=actor, action="meeting.agenda_added", target=meeting, node=meeting.node,
           data={"item": item.pk, "topic": topic.pk if topic else None})
    return item


@transaction.atomic
def meeting_set_status(*, actor, meeting: Meeting, status: str, reason: str = "") -> Meeting:
    """planned → open → closed, or cancelled before it starts (the invitees are told).
    Closing freezes attendance and tallies."""
    meeting = Meeting.objects.select_for_update().select_related("node").get(pk=meeting.pk)
    _require(actor, "meetings.run_meeting", meeting.node)
    if status not in Meeting.TRANSITIONS[meeting.status]:
        raise InvalidTransition()
    reason = (reason or "").strip()
    if status == Meeting.Status.CANCELLED and len(reason) < 2:
        raise DomainError(_("Say why the meeting is cancelled; the invited residents will be told."))
    old, meeting.status = meeting.status, status
    if status == Meeting.Status.CLOSED:
        meeting.closed_at = timezone.now()
    if status == Meeting.Status.CANCELLED:
        meeting.cancel_reason = reason[:200]
    meeting.save(update_fields=["status", "closed_at", "cancel_reason", "updated_at"])
    data = {"from": old, "to": status}
    if status == Meeting.Status.CANCELLED:
        households = Invitation.objects.filter(meeting=meeting).values_list("household_id", flat=True)
        data["notified"] = _notify_invitees(
            meeting, list(households), kind="meeting.cancelled",
            message=_("Cancelled: %(kind)s “%(title)s” on %(when)s. Reason: %(reason)s"))
        data["reason"] = meeting.cancel_reason
    record(actor=actor, action=f"meeting.{status}", target=meeting, node=meeting.node, data=data)
    return meeting


def is_invited(meeting: Meeting, person: Person | None) -> bool:
    return (person is not None and person.household_id is not None
            and Invitation.objects.filter(meeting=meeting, household_id=person.household_id).exists())


def _check_in(meeting: Meeting, person: Person, *, method: str, by) -> tuple[Attendance, bool]:
    """Called with the meeting row locked: the household count cannot be raced."""
    if not is_invited(meeting, person):
        raise DomainError(_("This person's household is not invited to this meeting."), code="not_invited")
    existing = Attendance.objects.filter(meeting=meeting, person=person).first()
    if existing is not None:
        return existing, False
    first_of_household = not Attendance.objects.filter(meeting=meeting, household_id=person.household_id).exists()
    attendance = Attendance.objects.create(meeting=meeting, person=person, household_id=person.household_id,
                                           method=method, checked_in_by=by)
    if first_of_household:
        Meeting.objects.filter(pk=meeting.pk).update(attended_household_count=F("attended_household_count") + 1)
    return attendance, True


@transaction.atomic
def checkin_by_qr(*, actor, meeting: Meeting, token: str) -> tuple[Attendance, bool]:
    """签到 by scanning the meeting's QR code on one's own phone. A second scan is a friendly
    no-op: (the attendance, False)."""
    meeting = _live_meeting(meeting)
    if not secrets.compare_digest(str(token or ""), meeting.checkin_token):
        raise DomainError(_("This check-in code is not valid. Scan the code shown at the meeting."))
    if timezone.now() < meeting.starts_at - CHECKIN_OPENS_BEFORE:
        raise DomainError(_("Check-in opens two hours before the meeting starts."))
    person = _person_of(actor)
    if person is None:
        raise DomainError(_("Your account is not linked to a registered resident. Ask the host to check you in."))
    if not is_invited(meeting, person):
        raise DomainError(_("Your household is not on the list for this meeting. Please tell the host: they "
                            "can check you in if you should be here."), code="not_invited")
    attendance, created = _check_in(meeting, person, method=Attendance.Method.QR, by=actor)
    if created:
        record(actor=actor, action="meeting.checked_in", target=meeting, node=meeting.node,
               data={"person": person.pk, "method": Attendance.Method.QR})
    return attendance, created


@transaction.atomic
def checkin_by_host(*, actor, meeting: Meeting, person: Person) -> tuple[Attendance, bool]:
    """The host checks in someone without a phone; the audit names that resident."""
    meeting = _live_meeting(meeting)
    _require(actor, "meetings.run_meeting", meeting.node)
    person = Person.objects.get(pk=person.pk)
    attendance, created = _check_in(meeting, person, method=Attendance.Method.HOST, by=actor)
    if created:
        record(actor=actor, action="meeting.checked_in", target=meeting, node=meeting.node, on_behalf_of=person,
               data={"person": person.pk, "method": Attendance.Method.HOST})
    return attendance, created


@transaction.atomic
def tally_record(*, actor, item: AgendaItem, votes_for: int, votes_against: int, votes_abstain: int) -> AgendaItem:
    """举手表决: the show of hands on an agenda item. The hands counted cannot exceed the
    persons checked in — whoever votes must be checked in first."""
    meeting = _live_meeting(item.meeting)
    _require(actor, "meetings.run_meeting", meeting.node)
    counts = (votes_for, votes_against, votes_abstain)
    if any(not isinstance(n, int) or n < 0 for n in counts):
        raise DomainError(_("The counts must be whole numbers, zero or more."))
    present = Attendance.objects.filter(meeting=meeting).count()
    if sum(counts) > present:
        raise DomainError(_("%(hands)d hands counted, but only %(present)d people are checked in. Check the others "
                            "in first, or count again.") % {"hands": sum(counts), "present": present})
    item = AgendaItem.objects.select_for_update().get(pk=item.pk, meeting=meeting)
    item.votes_for, item.votes_against, item.votes_abstain = counts
    item.tally_recorded_by, item.tally_recorded_at = actor, timezone.now()
    item.save()
    record(actor=actor, action="meeting.tally_recorded", target=meeting, node=meeting.node,
           data={"item": item.pk, "for": votes_for, "against": votes_against, "abstain": votes_abstain,
                 "present": present})
    return item


@transaction.atomic
def minutes_record(*, actor, meeting: Meeting, minutes: str) -> Meeting:
    """The host's minutes; they may be written up after the meeting is closed."""
    meeting = Meeting.objects.select_for_update().select_related("node").get(pk=meeting.pk)
    _require(actor, "meetings.run_meeting", meeting.node)
    if meeting.status == Meeting.Status.CANCELLED:
        raise DomainError(_("This meeting was cancelled."))
    minutes = (minutes or "").strip()
    if len(minutes) < 2:
        raise DomainError(_("Write the minutes."))
    meeting.minutes, meeting.minutes_recorded_at = minutes[:20000], timezone.now()
    meeting.save(update_fields=["minutes", "minutes_recorded_at", "updated_at"])
    record(actor=actor, action="meeting.minutes_recorded", target=meeting, node=meeting.node,
           data={"length": len(meeting.minutes)})
    return meeting


@transaction.atomic
def meeting_need_raise(*, actor, meeting: Meeting, person: Person, **need_fields) -> Need:
    """A need raised on the spot: a need with the meeting as its source (channel 'meeting',
    linked through Meeting.raised_needs). The resident raises it on their own phone, or the
    host records it for a resident who is checked in — with the same consent evidence as any
    need recorded for someone (a code read back or a signed slip): being in the room is not
    a record of consent. The audit event is need_raise's (need.raised)."""
    meeting = Meeting.objects.select_related("node").get(pk=meeting.pk)
    if meeting.status == Meeting.Status.CANCELLED:
        raise DomainError(_("This meeting was cancelled."))
    person = Person.objects.select_related("household__node").get(pk=person.pk)
    own = actor is not None and person.user_id == actor.pk
    if own and not is_invited(meeting, person):
        raise DomainError(_("Your household is not on the list for this meeting."))
    if not own:
        _require(actor, "meetings.run_meeting", meeting.node)
        if not Attendance.objects.filter(meeting=meeting, person=person).exists():
            raise DomainError(_("Check the resident in first: needs are recorded for people present."))
    need = needs_services.need_raise(actor=actor, person=person, channel=Need.Channel.MEETING, **need_fields)
    meeting.raised_needs.add(need)
    return need


@transaction.atomic
def task_add(*, actor, meeting: Meeting, title: str, due_on: date, owner=None, owner_name: str = "",
             agenda_item: AgendaItem | None = None) -> FollowUpTask:
    meeting = Meeting.objects.select_related("node").get(pk=meeting.pk)
    _require(actor, "meetings.run_meeting", meeting.node)
    if meeting.status == Meeting.Status.CANCELLED:
        raise DomainError(_("This meeting was cancelled."))
    owner_name = (owner_name or "").strip()
    if owner is None and not owner_name:
        raise DomainError(_("Say who will do it: a staff member or a name."))
    if owner is not None and not has_perm(owner, "meetings.view", meeting.node):
        raise DomainError(_("The owner must be staff working where the meeting is, or write a name."))
    if agenda_item is not None and agenda_item.meeting_id != meeting.pk:
        raise DomainError(_("That agenda item is from another meeting."))
    task = FollowUpTask.objects.create(meeting=meeting, agenda_item=agenda_item, owner=owner,
                                       owner_name=owner_name[:50], due_on=due_on,
                                       title=_clean_title(title, _("Say what is to be done.")))
    if owner is not None and owner.pk != getattr(actor, "pk", None):
        from cocreate.notify.services import message_queue

        with override(owner.language or "zh-hans"):
            text = str(_("New task from the meeting “%(title)s”: %(task)s, due %(due)s.")) % {
                "title": meeting.title, "task": task.title, "due": due_on.isoformat()}
        message_queue(user_id=owner.pk, kind="meeting.task", target_id=meeting.pk, text=text)
    record(actor=actor, action="meeting.task_added", target=task, node=meeting.node,
           data={"meeting": meeting.pk, "owner": owner.pk if owner else None, "due_on": due_on.isoformat()})
    return task


@transaction.atomic
def task_done(*, actor, task: FollowUpTask) -> FollowUpTask:
    task = FollowUpTask.objects.select_for_update().select_related("meeting__node").get(pk=task.pk)
    if not (task.owner_id == getattr(actor, "pk", None) or actor is None
            or has_perm(actor, "meetings.run_meeting", task.meeting.node)):
        raise PermissionDenied("meetings.task_done")
    if task.done_at is not None:
        raise Conflict(_("This task is already done."))
    task.done_at = timezone.now()
    task.save(update_fields=["done_at"])
    record(actor=actor, action="meeting.task_done", target=task, node=task.meeting.node,
           data={"meeting": task.meeting_id})
    return task
