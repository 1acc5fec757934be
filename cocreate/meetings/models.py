"""Topics (议题) with threaded discussion and options (方案), and meetings under their local names.

A topic gathers related needs; a meeting puts topics on its agenda; a ballot (decisions) is
held on a topic. Rows that belong to a place carry its community and the node's `path`, so
that "everything in a subtree" is one prefix look-up (see orgs).
"""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cocreate.core.models import TimeStampedModel
from cocreate.needs.models import Need
from cocreate.orgs.models import Household, OrgUnit, Person
from cocreate.orgs.querysets import PathScopedQuerySet


class Topic(TimeStampedModel):
    """议题: a question the community deliberates, gathering the needs behind it."""

    class Status(models.TextChoices):
        DISCUSSION = "discussion", _("Under discussion")
        VOTING = "voting", _("Being decided")
        DECIDED = "decided", _("Decided")
        CLOSED = "closed", _("Closed without a decision")

    # A decided or closed topic stays so; a ballot that fails can send it back to discussion.
    TRANSITIONS = {
        Status.DISCUSSION: {Status.VOTING, Status.DECIDED, Status.CLOSED},
        Status.VOTING: {Status.DISCUSSION, Status.DECIDED, Status.CLOSED},
        Status.DECIDED: set(),
        Status.CLOSED: set(),
    }

    community = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="community_topics")
    node = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="topics")
    path = models.CharField(max_length=255)
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), max_length=3000, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DISCUSSION, db_index=True)
    needs = models.ManyToManyField(Need, blank=True, related_name="topics")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    post_count = models.PositiveIntegerField(default=0)  # visible posts, kept in the post transaction

    objects = PathScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["community", "status", "-id"], name="topic_community_status"),
            models.Index(fields=["path"], name="topic_path_like", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open_for_discussion(self) -> bool:
        return self.status in (self.Status.DISCUSSION, self.Status.VOTING)


class Moderator(models.Model):
    """A resident (or cadre) appointed to moderate a community's discussions."""

    community = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="moderators")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="moderates")
    appointed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["community", "user"], name="moderator_once")]

    def __str__(self) -> str:
        return f"moderator #{self.user_id} of node #{self.community_id}"


class Post(models.Model):
    """One contribution to a topic's discussion; `parent` makes the threads."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="posts")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    body = models.TextField(_("what do you think?"), max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    hide_reason = models.CharField(_("reason"), max_length=200, blank=True)
    report_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["topic", "created_at", "id"], name="post_topic_time")]

    def __str__(self) -> str:
        return f"post #{self.pk} on topic #{self.topic_id}"


class PostReport(models.Model):
    """举报: a reader reports abuse; one report per reader per post."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("reason"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "reporter"], name="report_once_per_reader")]

    def __str__(self) -> str:
        return f"report on post #{self.post_id}"


class Option(TimeStampedModel):
    """方案: a proposed solution with its mover, seconders and cost estimate (integer fen)."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        ADOPTED = "adopted", _("Adopted")
        REJECTED = "rejected", _("Not adopted")

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="options")
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), max_length=3000, blank=True)
    cost_fen = models.BigIntegerField(_("cost estimate"), null=True, blank=True)
    mover = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    moved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    seconder_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.title


class Seconder(models.Model):
    option = models.ForeignKey(Option, on_delete=models.CASCADE, related_name="seconders")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["option", "person"], name="second_once")]

    def __str__(self) -> str:
        return f"#{self.person_id} seconds option #{self.option_id}"


def new_checkin_token() -> str:
    return secrets.token_urlsafe(16)


class Meeting(TimeStampedModel):
    """A meeting under its local name; invited households come from a subtree or a list."""

    class Kind(models.TextChoices):
        WUCHANG = "wuchang", _("屋场会 (house-yard meeting)")
        WANZI = "wanzi", _("湾子会 (hamlet meeting)")
        BANDENG = "bandeng", _("板凳会 (bench meeting)")
        YUANBA = "yuanba", _("院坝会 (courtyard meeting)")
        YISHI = "yishi", _("议事会 (council meeting)")
        LIANXI = "lianxi", _("联席会议 (joint meeting)")
        OWNERS = "owners", _("业主大会 (owners' assembly)")
        ONLINE = "online", _("Online meeting")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        OPEN = "open", _("In progress")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")

    TRANSITIONS = {
        Status.PLANNED: {Status.OPEN, Status.CLOSED, Status.CANCELLED},
        Status.OPEN: {Status.CLOSED},
        Status.CLOSED: set(),
        Status.CANCELLED: set(),
    }

    community = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="community_meetings")
    node = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="meetings")  # invited subtree
    path = models.CharField(max_length=255)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.WUCHANG)
    title = models.CharField(_("title"), max_length=100)
    place = models.CharField(_("place"), max_length=100, blank=True)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED, db_index=True)
    host = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    cancel_reason = models.CharField(_("why it is cancelled"), max_length=200, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)  # attendance and tallies are frozen from then on
    checkin_token = models.CharField(max_length=32, default=new_checkin_token, unique=True)
    minutes = models.TextField(_("minutes"), max_length=20000, blank=True)
    minutes_recorded_at = models.DateTimeField(null=True, blank=True)
    invited_count = models.PositiveIntegerField(default=0)
    attended_household_count = models.PositiveIntegerField(default=0)  # kept in the check-in transaction
    raised_needs = models.ManyToManyField(Need, blank=True, related_name="raised_at_meetings")

    objects = PathScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "-id"]
        indexes = [
            models.Index(fields=["community", "-starts_at", "-id"], name="meeting_community_time"),
            models.Index(fields=["path"], name="meeting_path_like", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_live(self) -> bool:
        """Check-ins and tallies are taken until the meeting is closed or cancelled."""
        return self.status in (self.Status.PLANNED, self.Status.OPEN)

    @property
    def attendance_rate(self) -> int:
        return round(100 * self.attended_household_count / self.invited_count) if self.invited_count else 0


class Invitation(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="invitations")
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="meeting_invitations")
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["meeting", "household"], name="invite_once")]

    def __str__(self) -> str:
        return f"household #{self.household_id} invited to meeting #{self.meeting_id}"


class Attendance(models.Model):
    """签到: by the resident scanning the meeting's QR code, or by the host for people without phones."""

    class Method(models.TextChoices):
        QR = "qr", _("Scanned the QR code")
        HOST = "host", _("Checked in by the host")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendances")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="attendances")
    household = models.ForeignKey(Household, null=True, on_delete=models.SET_NULL, related_name="+")
    method = models.CharField(max_length=4, choices=Method.choices)
    checked_in_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT,
                                      related_name="+")
    checked_in_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["checked_in_at", "id"]
        constraints = [models.UniqueConstraint(fields=["meeting", "person"], name="attend_once")]

    def __str__(self) -> str:
        return f"#{self.person_id} at meeting #{self.meeting_id}"


class AgendaItem(models.Model):
    """An item of the agenda, usually a topic, with its show-of-hands tally (举手表决)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda")
    topic = models.ForeignKey(Topic, null=True, blank=True, on_delete=models.PROTECT, related_name="agenda_items")
    title = models.CharField(_("title"), max_length=100)
    order = models.PositiveSmallIntegerField(default=0)
    votes_for = models.PositiveIntegerField(null=True, blank=True)
    votes_against = models.PositiveIntegerField(null=True, blank=True)
    votes_abstain = models.PositiveIntegerField(null=True, blank=True)
    tally_recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                          related_name="+")
    tally_recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.title


class FollowUpTask(models.Model):
    """A follow-up task decided at a meeting, with its owner and due date."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="tasks")
    agenda_item = models.ForeignKey(AgendaItem, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="tasks")
    title = models.CharField(_("task"), max_length=200)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="meeting_tasks")
    owner_name = models.CharField(_("owner"), max_length=50, blank=True)  # someone without an account
    due_on = models.DateField(_("due"))
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return self.title
