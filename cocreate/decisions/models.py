"""Ballots on a topic, their votes, paper and show-of-hands tallies, owners' rolls, and the
procedures (四议两公开, simple majority, meeting consensus, 业主大会) recorded on a topic.

One vote per eligible voter per ballot is `UNIQUE (ballot, voter_key)`, where `voter_key` names
the voting identity — ``p:<person id>``, ``h:<household id>`` or ``o:<owner id>`` — never the
login. Paper and show-of-hands voters hold a row too (channel ``paper``/``hands``, no choices),
so the same constraint keeps anyone from being counted twice across channels. Results are
derived from the rows (rules/tally.py); no counter is stored.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cocreate.core.models import TimeStampedModel
from cocreate.meetings.models import Meeting, Topic
from cocreate.orgs.models import Household, OrgUnit, Person
from cocreate.orgs.querysets import PathScopedQuerySet

from .rules import procedures as rules


class Owner(TimeStampedModel):
    """业主名册: one exclusive part (专有部分) of an estate and its owner, entered or imported by a cadre.

    One row is one owner in the head count (the judicial interpretation of art. 278 counts one
    exclusive part as one owner). `person` links the owner to a registered resident, who can then
    vote online for this part.
    """

    node = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="owners")  # the estate
    path = models.CharField(max_length=255)
    unit = models.CharField(_("unit (room number)"), max_length=50)
    name = models.CharField(_("owner's name"), max_length=50)
    area_m2 = models.DecimalField(_("exclusive floor area (m²)"), max_digits=9, decimal_places=2)
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_units")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")

    objects = PathScopedQuerySet.as_manager()

    class Meta:
        ordering = ["path", "unit", "id"]
        constraints = [
            models.UniqueConstraint(fields=["node", "unit"], name="owner_unit_once"),
            models.CheckConstraint(condition=Q(area_m2__gt=0), name="owner_area_positive"),
        ]

    def __str__(self) -> str:
        return self.unit


class Ballot(TimeStampedModel):
    class Kind(models.TextChoices):
        YES_NO = "yes_no", _("Yes / no / abstain")
        SINGLE = "single", _("Single choice")
        APPROVAL = "approval", _("Approval (choose up to k)")
        RANKED = "ranked", _("Ranked (instant runoff and Borda)")
        BUDGET = "budget", _("Budget (choose options within a cost limit)")

    class Unit(models.TextChoices):
        PERSON = "person", _("Each person votes")
        HOUSEHOLD = "household", _("One vote per household")

    class Eligibility(models.TextChoices):
        SUBTREE = "subtree", _("Everyone in an area")
        MEETING = "meeting", _("People checked in at a meeting")
        OWNERS = "owners", _("Owners of an estate (with floor area)")

    class Rule(models.TextChoices):
        NONE = "none", _("No threshold (the result is advisory)")
        MAJORITY = "majority", _("Simple majority with a quorum")
        OWNERS_ORDINARY = "owners_ordinary", _("Owners' assembly, ordinary matter (双过半)")
        OWNERS_MAJOR = "owners_major", _("Owners' assembly, major matter (双四分之三)")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", pgettext_lazy("ballot status", "Open")
        CLOSED = "closed", _("Closed")
        PUBLISHED = "published", _("Result published")

    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="ballots")
    community = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="community_ballots")
    node = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="ballots")  # eligible area / estate
    path = models.CharField(max_length=255)
    title = models.CharField(_("title"), max_length=100)
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices)
    max_choices = models.PositiveSmallIntegerField(_("at most how many choices"), default=1)
    budget_limit_fen = models.BigIntegerField(_("cost limit"), null=True, blank=True)
    voter_unit = models.CharField(_("who votes"), max_length=10, choices=Unit.choices, default=Unit.HOUSEHOLD)
    eligibility = models.CharField(_("eligible voters"), max_length=10, choices=Eligibility.choices,
                                   default=Eligibility.SUBTREE)
    meeting = models.ForeignKey(Meeting, null=True, blank=True, on_delete=models.PROTECT, related_name="ballots")
    rule = models.CharField(_("threshold"), max_length=16, choices=Rule.choices, default=Rule.NONE)
    quorum_percent = models.PositiveSmallIntegerField(_("quorum, as a percentage of eligible voters"), default=50)
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("closes"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    # Frozen at the close: who could vote then, and the hash of the sorted ballot list.
    frozen_at = models.DateTimeField(null=True, blank=True)
    eligible_count = models.PositiveIntegerField(null=True, blank=True)
    eligible_area_m2 = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    ballots_hash = models.CharField(max_length=64, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    public_note = models.TextField(_("note for the notice"), max_length=2000, blank=True)

    objects = PathScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["community", "status", "-id"], name="ballot_community_status"),
            models.Index(fields=["path"], name="ballot_path_like", opclasses=["varchar_pattern_ops"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(closes_at__gt=models.F("opens_at")), name="ballot_window_order"),
            models.CheckConstraint(condition=Q(max_choices__gte=1), name="ballot_max_choices_positive"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None

    @property
    def ranked(self) -> bool:
        return self.kind == self.Kind.RANKED


class BallotChoice(models.Model):
    """A choice on a ballot: one of the topic's options (copied, so that a later edit of the option
    does not change what people voted on), or yes / no / abstain."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="choices")
    key = models.CharField(max_length=20)  # "yes"/"no"/"abstain", or "o<option id>"
    label = models.CharField(max_length=100)
    option = models.ForeignKey("meetings.Option", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    cost_fen = models.BigIntegerField(null=True, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["ballot", "key"], name="ballot_choice_key_once")]

    def __str__(self) -> str:
        return self.label


class PaperTally(models.Model):
    """纸质票 or 举手表决 results entered by a cadre: per-choice counts, the roster of eligible voters
    who voted this way (each gets a Vote row with this channel), and the attestation — a photo of
    the tally sheet and the names of the two people who signed it."""

    class Method(models.TextChoices):
        PAPER = "paper", _("Paper ballots")
        HANDS = "hands", _("Show of hands")

    ballot = models.ForeignKey(Ballot, on_delete=models.PROTECT, related_name="paper_tallies")
    method = models.CharField(_("how they voted"), max_length=5, choices=Method.choices)
    held_at = models.DateTimeField(_("when the vote was held"))
    meeting = models.ForeignKey(Meeting, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    counts = models.JSONField(default=dict)  # choice key → count
    areas = models.JSONField(default=dict, blank=True)  # choice key → m² as a string (owners' ballots)
    invalid = models.PositiveIntegerField(_("blank or spoilt"), default=0)
    voter_count = models.PositiveIntegerField(default=0)
    sheet_photo = models.ImageField(_("photo of the tally sheet"), upload_to="decisions/sheets/%Y/%m/")
    signatory_one = models.CharField(_("first signatory"), max_length=50)
    signatory_two = models.CharField(_("second signatory"), max_length=50)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.method} tally #{self.pk} of ballot #{self.ballot_id}"


class Vote(models.Model):
    """One voter's vote. Changing it updates the row (until the close); the row of a paper or
    show-of-hands voter has no choices (their choice is in the tally's counts, unlinked)."""

    class Channel(models.TextChoices):
        ONLINE = "online", _("Online")
        PAPER = "paper", _("Paper ballot")
        HANDS = "hands", _("Show of hands")

    ballot = models.ForeignKey(Ballot, on_delete=models.PROTECT, related_name="votes")
    voter_key = models.CharField(max_length=24)
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(Household, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey(Owner, null=True, blank=True, on_delete=models.PROTECT, related_name="votes")
    area_m2 = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)  # owners' ballots
    channel = models.CharField(max_length=6, choices=Channel.choices, default=Channel.ONLINE)
    tally = models.ForeignKey(PaperTally, null=True, blank=True, on_delete=models.PROTECT, related_name="votes")
    choices = models.JSONField(null=True, blank=True)  # choice keys, in preference order when ranked
    cast_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    change_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["ballot", "voter_key"], name="one_vote_per_voter"),
            models.CheckConstraint(
                condition=(Q(channel="online", choices__isnull=False, tally__isnull=True)
                           | (Q(channel__in=["paper", "hands"], choices__isnull=True, tally__isnull=False))),
                name="vote_channel_consistent"),
        ]

    def __str__(self) -> str:
        return f"vote of {self.voter_key} on ballot #{self.ballot_id}"


class Procedure(TimeStampedModel):
    """The procedure that decides a topic, and where it stands. Its stages are recorded in order."""

    class Kind(models.TextChoices):
        FOUR_DELIBERATIONS = rules.FOUR_DELIBERATIONS, _("四议两公开 (four deliberations, two disclosures)")
        MAJORITY = rules.MAJORITY, _("Simple majority with a quorum")
        CONSENSUS = rules.MEETING_CONSENSUS, _("Consensus at a meeting")
        OWNERS = rules.OWNERS_ASSEMBLY, _("Owners' assembly (Civil Code art. 278)")

    class Matter(models.TextChoices):
        ORDINARY = rules.ORDINARY, _("Ordinary matter (more than half)")
        MAJOR = rules.MAJOR, _("Major matter: maintenance fund raising, rebuilding, change of use (3/4)")

    class Status(models.TextChoices):
        RUNNING = "running", _("In progress")
        COMPLETED = "completed", _("Completed")
        REJECTED = "rejected", _("Not passed")

    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="procedures")
    community = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    path = models.CharField(max_length=255)
    kind = models.CharField(_("procedure"), max_length=20, choices=Kind.choices)
    matter = models.CharField(_("matter"), max_length=10, choices=Matter.choices, default=Matter.ORDINARY)
    quorum_percent = models.PositiveSmallIntegerField(_("quorum, as a percentage of eligible voters"), default=50)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")

    objects = PathScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.topic}"

    @property
    def stage_codes(self) -> tuple[str, ...]:
        return rules.STAGES[self.kind]


class ProcedureStage(models.Model):
    """One recorded stage: when, which body or meeting, counts where the rule needs them, evidence."""

    class Stage(models.TextChoices):
        PARTY_PROPOSAL = rules.PARTY_PROPOSAL, _("党组织提议 (Party organisation proposes)")
        COMMITTEES = rules.COMMITTEES, _("两委商议 (the two committees deliberate)")
        MEMBERS_REVIEW = rules.MEMBERS_REVIEW, _("党员大会审议 (Party members' meeting reviews)")
        VILLAGERS_RESOLUTION = rules.VILLAGERS_RESOLUTION, _("村民会议/村民代表会议决议 (villagers resolve)")
        RESOLUTION_PUBLISHED = rules.RESOLUTION_PUBLISHED, _("决议公开 (resolution made public)")
        RESULTS_PUBLISHED = rules.RESULTS_PUBLISHED, _("实施结果公开 (results made public)")
        VOTE = rules.VOTE, _("Vote")
        CONSENSUS = rules.CONSENSUS, _("Consensus reached at a meeting")

    class Body(models.TextChoices):
        VILLAGERS_MEETING = rules.VILLAGERS_MEETING, _("村民会议 (villagers' meeting)")
        REPRESENTATIVES_MEETING = rules.REPRESENTATIVES_MEETING, _("村民代表会议 (villagers' representatives)")

    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="stages")
    stage = models.CharField(max_length=24, choices=Stage.choices)
    order = models.PositiveSmallIntegerField()
    held_on = models.DateField(_("date"))
    body = models.CharField(_("body or meeting"), max_length=100)
    meeting = models.ForeignKey(Meeting, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    ballot = models.ForeignKey(Ballot, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    resolution_body = models.CharField(max_length=24, choices=Body.choices, blank=True)
    expected = models.PositiveIntegerField(_("expected (members, voters or representatives)"), null=True,
                                           blank=True)
    present = models.PositiveIntegerField(_("present or voted"), null=True, blank=True)
    approving = models.PositiveIntegerField(_("approving"), null=True, blank=True)
    expected_households = models.PositiveIntegerField(_("households (villagers' meeting)"), null=True, blank=True)
    present_households = models.PositiveIntegerField(_("households represented"), null=True, blank=True)
    expected_area_m2 = models.DecimalField(_("total area (m²)"), max_digits=12, decimal_places=2, null=True,
                                           blank=True)
    present_area_m2 = models.DecimalField(_("participating area (m²)"), max_digits=12, decimal_places=2, null=True,
                                          blank=True)
    approving_area_m2 = models.DecimalField(_("approving area (m²)"), max_digits=12, decimal_places=2, null=True,
                                            blank=True)
    minutes_ref = models.CharField(_("minutes or document reference"), max_length=200, blank=True)
    content = models.TextField(_("content"), max_length=3000, blank=True)
    evidence = models.ImageField(_("evidence (photo of the record or notice)"), upload_to="decisions/evidence/%Y/%m/",
                                 blank=True)
    passed = models.BooleanField(default=True)
    verdict_note = models.CharField(max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["order"]
        constraints = [
            models.UniqueConstraint(fields=["procedure", "stage"], name="stage_once"),
            models.UniqueConstraint(fields=["procedure", "order"], name="stage_order_once"),
        ]

    def __str__(self) -> str:
        return self.get_stage_display()
