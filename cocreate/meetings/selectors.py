"""Reads for topics and meetings: scoped first, fixed query counts, keyset pages."""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from cocreate.needs.models import Need
from cocreate.orgs.models import Household, Kind, OrgUnit, Person, RoleGrant
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

PAGE_SIZE = 30
MAX_POSTS = 500  # a topic page shows its first 500 posts; discussions in a community stay short
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _within(qs, node: OrgUnit):
    """Rows of a community by its indexed column, of any other node by path prefix."""
    return qs.filter(community=node) if node.kind == Kind.COMMUNITY else qs.filter(path__startswith=node.path)


# --- topics --------------------------------------------------------------------------------------

def topic_page(*, node: OrgUnit, status: str = "", before: int | None = None,
               size: int = PAGE_SIZE) -> tuple[list[Topic], int | None]:
    """Topics of a community (or below a node), newest first, one query a page."""
    qs = _within(Topic.objects.all(), node).select_related("node")
    if status:
        qs = qs.filter(status=status)
    if before:
        qs = qs.filter(id__lt=before)
    rows = list(qs.order_by("-id")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return rows, (rows[-1].pk if more else None)


def topic_detail(*, topic_id: int) -> Topic | None:
    return (Topic.objects.select_related("community", "node", "created_by")
            .prefetch_related("needs__category").filter(pk=topic_id).first())


@dataclass
class Thread:
    post: Post
    replies: list[Post] = field(default_factory=list)


def topic_threads(*, topic: Topic) -> list[Thread]:
    """The discussion as threads (a post and its replies), oldest first. One query."""
    posts = list(Post.objects.filter(topic=topic).select_related("person", "author", "hidden_by")
                 .order_by("created_at", "id")[:MAX_POSTS])
    threads: dict[int, Thread] = {}
    for post in posts:
        if post.parent_id is None:
            threads[post.pk] = Thread(post)
        elif post.parent_id in threads:
            threads[post.parent_id].replies.append(post)
    return list(threads.values())


def topic_options(*, topic: Topic) -> list[Option]:
    return list(Option.objects.filter(topic=topic).select_related("mover").order_by("id"))


def seconded_by(*, person: Person | None, option_ids: list[int]) -> set[int]:
    if person is None or not option_ids:
        return set()
    return set(Seconder.objects.filter(person=person, option_id__in=option_ids).values_list("option_id", flat=True))


def reported_by(*, user, post_ids: list[int]) -> set[int]:
    if not user.is_authenticated or not post_ids:
        return set()
    return set(PostReport.objects.filter(reporter=user, post_id__in=post_ids).values_list("post_id", flat=True))


def linkable_needs(*, topic: Topic, limit: int = 100) -> list[Need]:
    """Open needs of the topic's community that a topic can gather, most supported first."""
    return list(Need.objects.filter(community=topic.community_id, status__in=[
        Need.Status.RECEIVED, Need.Status.ACCEPTED, Need.Status.DELIBERATION])
        .exclude(topics=topic).select_related("category").order_by("-support_count", "-id")[:limit])


def open_topics(*, community: OrgUnit) -> list[Topic]:
    """Topics a meeting's agenda can take."""
    return list(Topic.objects.filter(community=community, status__in=[Topic.Status.DISCUSSION, Topic.Status.VOTING])
                .order_by("-id")[:100])


def moderation_queue(*, node: OrgUnit, limit: int = 100) -> list[Post]:
    """Posts with open reports in the node's subtree, most reported first. Two queries."""
    posts = list(Post.objects.filter(topic__path__startswith=node.path, reports__resolved_at__isnull=True)
                 .distinct().select_related("topic", "person", "author").order_by("-report_count", "-id")[:limit])
    reasons: dict[int, list[str]] = {}
    for post_id, reason in (PostReport.objects.filter(post__in=[p.pk for p in posts], resolved_at__isnull=True)
                            .order_by("id").values_list("post_id", "reason")):
        reasons.setdefault(post_id, []).append(reason)
    for post in posts:
        post.open_reasons = reasons.get(post.pk, [])
    return posts


def moderators(*, community: OrgUnit) -> list[Moderator]:
    return list(Moderator.objects.filter(community=community).select_related("user__person").order_by("id"))


def moderator_candidates(*, community: OrgUnit, limit: int = 300) -> list[Person]:
    """Residents of the community with an account, who are not moderators yet."""
    taken = Moderator.objects.filter(community=community).values("user_id")
    return list(Person.objects.in_subtree(community).filter(user__isnull=False, household__isnull=False)
                .exclude(user_id__in=taken).select_related("household").order_by("path", "id")[:limit])


# --- meetings ------------------------------------------------------------------------------------

def cursor_of(meeting: Meeting) -> str:
    delta = meeting.starts_at - EPOCH
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return f"{micros}.{meeting.pk}"


def parse_cursor(text: str) -> tuple[datetime, int] | None:
    try:
        micros, pk = (int(part) for part in text.split("."))
    except ValueError:
        return None
    if not (0 <= micros < 10**17 and 0 < pk < 10**18):
        return None
    return EPOCH + timedelta(microseconds=micros), pk


def meeting_page(*, node: OrgUnit, before: tuple[datetime, int] | None = None,
                 size: int = PAGE_SIZE) -> tuple[list[Meeting], str | None]:
    """Meetings of a community (or below a node), latest start first, by keyset on
    (starts_at, id): one query a page whatever the depth."""
    qs = _within(Meeting.objects.all(), node).select_related("node")
    if before:
        qs = qs.filter(Q(starts_at__lt=before[0]) | Q(starts_at=before[0], id__lt=before[1]))
    rows = list(qs.order_by("-starts_at", "-id")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return rows, (cursor_of(rows[-1]) if more else None)


def meeting_detail(*, meeting_id: int) -> Meeting | None:
    return Meeting.objects.select_related("community", "node__level", "host").filter(pk=meeting_id).first()


def agenda(*, meeting: Meeting) -> list[AgendaItem]:
    return list(AgendaItem.objects.filter(meeting=meeting).select_related("topic").order_by("order", "id"))


@dataclass
class Figures:
    invited: int
    households: int
    persons: int

    @property
    def rate(self) -> int:
        return round(100 * self.households / self.invited) if self.invited else 0


def attendance_figures(*, meeting: Meeting) -> Figures:
    return Figures(meeting.invited_count, meeting.attended_household_count,
                   Attendance.objects.filter(meeting=meeting).count())


def attendances(*, meeting: Meeting, limit: int = 500) -> list[Attendance]:
    return list(Attendance.objects.filter(meeting=meeting).select_related("person", "household", "checked_in_by")
                .order_by("-checked_in_at", "-id")[:limit])


def checkin_candidates(*, meeting: Meeting, query: str = "", limit: int = 30) -> list[Person]:
    """Members of invited households for the host to check in, found by name or address;
    those already checked in are marked. Two queries."""
    people = Person.objects.filter(household__meeting_invitations__meeting=meeting).select_related("household")
    query = (query or "").strip()[:50]
    if query:
        people = people.filter(Q(name__contains=query) | Q(household__address__contains=query))
    rows = list(people.order_by("household__path", "household__address", "id")[:limit])
    present = set(Attendance.objects.filter(meeting=meeting, person__in=[p.pk for p in rows])
                  .values_list("person_id", flat=True))
    for person in rows:
        person.checked_in = person.pk in present
    return rows


def present_persons(*, meeting: Meeting) -> list[Person]:
    return list(Person.objects.filter(attendances__meeting=meeting).select_related("household").order_by("id"))


def raised_needs(*, meeting: Meeting) -> list[Need]:
    return list(meeting.raised_needs.select_related("category").order_by("id"))


def tasks(*, meeting: Meeting) -> list[FollowUpTask]:
    return list(FollowUpTask.objects.filter(meeting=meeting).select_related("owner", "agenda_item")
                .order_by("done_at", "due_on", "id"))


def task_owners(*, meeting: Meeting):
    """Staff who may see the meeting: a meetings.view role on its node or above it."""
    from cocreate.accounts.models import User
    from cocreate.orgs.permissions import ROLES_FOR

    grants = RoleGrant.objects.filter(revoked_at__isnull=True, role__in=ROLES_FOR["meetings.view"],
                                      node__path__in=meeting.node.ancestor_paths())
    return User.objects.filter(is_active=True, pk__in=grants.values("user_id")).order_by("display_name", "id")


@dataclass
class MyMeetings:
    upcoming: list[Meeting]
    past: list[Meeting]


def my_meetings(*, person: Person | None, now=None, limit: int = 30) -> MyMeetings:
    """The meetings the resident's household is invited to: upcoming first (soonest first),
    then the past ones (latest first). Two queries."""
    if person is None or person.household_id is None:
        return MyMeetings([], [])
    now = now or timezone.now()
    invited = Meeting.objects.filter(invitations__household_id=person.household_id)
    upcoming = list(invited.filter(ends_at__gte=now).exclude(status=Meeting.Status.CLOSED)
                    .order_by("starts_at", "id")[:limit])
    past = list(invited.filter(Q(ends_at__lt=now) | Q(status=Meeting.Status.CLOSED))
                .order_by("-starts_at", "-id")[:limit])
    return MyMeetings(upcoming, past)


def my_attendance(*, meeting: Meeting, person: Person | None) -> Attendance | None:
    if person is None:
        return None
    return Attendance.objects.filter(meeting=meeting, person=person).first()


def is_invited(*, meeting: Meeting, household_id: int | None) -> bool:
    return bool(household_id) and Invitation.objects.filter(meeting=meeting, household_id=household_id).exists()


# --- scope look-ups shared by the pages and the API ------------------------------------------------
# A forbidden object answers 404 exactly like a missing one.

@dataclass
class Resident:
    person: Person | None
    household: Household | None
    community: OrgUnit | None


def resident(user) -> Resident:
    """The signed-in resident: their person, household and community (any may be None)."""
    from .services import resident_community

    person = Person.objects.select_related("household__node").filter(user=user).first()
    return Resident(person, person.household if person else None, resident_community(person))


def resident_topic(me: Resident, topic_id: int) -> Topic:
    """A topic of the resident's own community."""
    topic = topic_detail(topic_id=topic_id)
    if topic is None or me.community is None or topic.community_id != me.community.pk:
        raise Http404
    return topic


def resident_post(me: Resident, post_id: int) -> Post:
    post = Post.objects.select_related("topic__community", "topic__node").filter(pk=post_id).first()
    if post is None or me.community is None or post.topic.community_id != me.community.pk:
        raise Http404
    return post


def resident_option(me: Resident, option_id: int) -> Option:
    option = Option.objects.select_related("topic__community", "topic__node").filter(pk=option_id).first()
    if option is None or me.community is None or option.topic.community_id != me.community.pk:
        raise Http404
    return option


def invited_meeting(me: Resident, meeting_id: int) -> Meeting:
    """A meeting the resident's household is invited to."""
    meeting = meeting_detail(meeting_id=meeting_id)
    if meeting is None or not is_invited(meeting=meeting, household_id=me.household and me.household.pk):
        raise Http404
    return meeting


def staff_meeting(user, meeting_id: int, action: str = "meetings.view") -> Meeting:
    """A meeting on whose node the staff member holds `action`."""
    meeting = meeting_detail(meeting_id=meeting_id)
    if meeting is None or not has_perm(user, action, meeting.node):
        raise Http404
    return meeting


def staff_topic(user, topic_id: int, action: str = "meetings.view") -> Topic:
    topic = topic_detail(topic_id=topic_id)
    if topic is None or not has_perm(user, action, topic.node):
        raise Http404
    return topic


def moderated_post(user, post_id: int) -> Post:
    """A post the staff member may moderate."""
    post = Post.objects.select_related("topic__community", "topic__node").filter(pk=post_id).first()
    if post is None or not has_perm(user, "meetings.moderate", post.topic.node):
        raise Http404
    return post


def community_or_none(node: OrgUnit) -> OrgUnit | None:
    """The community a node lies in (itself for a community); None above communities."""
    from cocreate.core.errors import DomainError
    from cocreate.needs.services import community_of

    try:
        return community_of(node)
    except DomainError:
        return None


AREA_KINDS = (Kind.COMMUNITY, Kind.GRID, Kind.MICROGRID, Kind.BUILDING)
MAX_LISTED_HOUSEHOLDS = 500


def areas(node: OrgUnit):
    """The nodes of a subtree a topic or a meeting can be held for."""
    return OrgUnit.objects.in_subtree(node).filter(kind__in=AREA_KINDS).select_related("level").order_by("path")


def invitable_households(node: OrgUnit):
    """The households a meeting of `node` may list as its only invitees (vacant ones have no one)."""
    listed = (Household.objects.in_subtree(node).exclude(occupancy=Household.Occupancy.VACANT)
              .order_by("path", "address", "id").values_list("pk", flat=True)[:MAX_LISTED_HOUSEHOLDS])
    return Household.objects.filter(pk__in=list(listed)).order_by("path", "address", "id")


def topic_need_candidates(*, community: OrgUnit, limit: int = 100) -> list[Need]:
    """Open needs of a community a new topic can gather, most supported first."""
    return list(Need.objects.filter(community=community, status__in=[
        Need.Status.RECEIVED, Need.Status.ACCEPTED, Need.Status.DELIBERATION])
        .order_by("-support_count", "-id")[:limit])


def reply_parent(topic: Topic, post_id: int) -> Post:
    """The post of this topic a reply answers."""
    post = Post.objects.filter(pk=post_id, topic=topic).first()
    if post is None:
        raise Http404
    return post


def meeting_by_checkin_token(token: str) -> Meeting:
    """The meeting whose QR code carries `token`: whoever holds the code may see which meeting it is."""
    meeting = Meeting.objects.select_related("community", "node").filter(checkin_token=str(token)[:32]).first()
    if meeting is None:
        raise Http404
    return meeting


def staff_agenda_item(user, item_id: int, action: str = "meetings.run_meeting") -> AgendaItem:
    item = AgendaItem.objects.select_related("meeting").filter(pk=item_id).first()
    if item is None:
        raise Http404
    item.meeting = staff_meeting(user, item.meeting_id, action)
    return item


def staff_task(user, task_id: int) -> FollowUpTask:
    """A follow-up task of a meeting the staff member may see (marking it done is the service's call)."""
    task = FollowUpTask.objects.select_related("meeting").filter(pk=task_id).first()
    if task is None:
        raise Http404
    task.meeting = staff_meeting(user, task.meeting_id)
    return task
