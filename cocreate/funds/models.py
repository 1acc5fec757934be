"""共建: 以奖代补 reward-fund pools, applications with maker-checker review, allocation and disbursement.

A `Pool` belongs to a county (or a street that runs its own) for a year, with a budget and its
rules (rate, caps, minimum self-raised share, counted contribution kinds, labour day value) and an
allocation method. Projects apply (`Application`), reviewed village → street → county (`Review`
rows); the award is computed from the confirmed contribution ledger by `rules.compute_award` and
its working is stored line by line. Allocations are proposed by a run of the pool's method
(`AllocationRun`) and approved one by one by a second official; the pool row is locked and
`allocated_fen` kept in the same transaction, with `CHECK (allocated_fen <= budget_fen)` as the
last guard. An approved allocation never changes (a trigger refuses it): an amendment is a new
version that supersedes it. Money is integer fen, rates integer per-mille.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cocreate.core.models import TimeStampedModel
from cocreate.orgs.models import OrgUnit, Person
from cocreate.orgs.querysets import PathScopedQuerySet
from cocreate.projects.models import ContributionKind, Project

from . import rules


class Pool(TimeStampedModel):
    class Method(models.TextChoices):
        SCORE = rules.SCORE, _("By review score")
        PROPORTIONAL = rules.PROPORTIONAL, _("Proportionally")
        GREEDY = rules.GREEDY, _("Residents' approval votes: greedy by approvals")
        MES = rules.MES, _("Residents' approval votes: Method of Equal Shares")
        MES_COMPLETE = rules.MES_COMPLETE, _("Residents' approval votes: Method of Equal Shares, completed")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Taking applications")
        ALLOCATING = "allocating", _("Allocating")
        CLOSED = "closed", _("Closed")

    TRANSITIONS = {
        Status.DRAFT: {Status.OPEN},
        Status.OPEN: {Status.ALLOCATING},
        Status.ALLOCATING: {Status.OPEN, Status.CLOSED},
        Status.CLOSED: set(),
    }

    node = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="fund_pools")  # county or street
    path = models.CharField(max_length=255)
    year = models.PositiveSmallIntegerField(_("year"))
    name = models.CharField(_("name"), max_length=100)
    budget_fen = models.BigIntegerField(_("budget (fen)"))
    rate_permille = models.PositiveIntegerField(_("award rate (‰ of the eligible self-raised value)"))
    cap_project_fen = models.BigIntegerField(_("cap per project (fen)"), null=True, blank=True)
    cap_community_fen = models.BigIntegerField(_("cap per community (fen)"), null=True, blank=True)
    min_share_permille = models.PositiveIntegerField(_("minimum self-raised share (‰ of the project budget)"),
                                                     default=0)
    counted_kinds = models.JSONField(_("contribution kinds that count"), default=list)
    labour_day_fen = models.PositiveIntegerField(_("value of one person-day (fen)"), null=True, blank=True)
    method = models.CharField(_("allocation method"), max_length=14, choices=Method.choices)
    vote_opens_at = models.DateTimeField(_("residents' voting opens"), null=True, blank=True)
    vote_closes_at = models.DateTimeField(_("residents' voting closes"), null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    notes = models.TextField(_("notes for the notice"), max_length=2000, blank=True)
    # Kept under the pool row's lock in the transaction of every approval.
    allocated_fen = models.BigIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")

    objects = PathScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "-id"]
        indexes = [models.Index(fields=["path"], name="fund_pool_path_like", opclasses=["varchar_pattern_ops"])]
        constraints = [
            models.UniqueConstraint(fields=["node", "year", "name"], name="fund_pool_name_once"),
            models.CheckConstraint(condition=Q(budget_fen__gte=0), name="fund_pool_budget_not_negative"),
            models.CheckConstraint(condition=Q(allocated_fen__gte=0, allocated_fen__lte=F("budget_fen")),
                                   name="fund_pool_allocated_within_budget"),
            models.CheckConstraint(condition=Q(min_share_permille__lte=1000), name="fund_pool_share_max_1000"),
            models.CheckConstraint(condition=Q(vote_opens_at__isnull=True) | Q(vote_closes_at__gt=F("vote_opens_at")),
                                   name="fund_pool_vote_window_order"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.year})"

    @property
    def uses_votes(self) -> bool:
        return self.method in rules.PB_METHODS

    @property
    def is_county(self) -> bool:
        return self.node.kind == "county"

    @property
    def left_fen(self) -> int:
        return self.budget_fen - self.allocated_fen

    def rules(self, hours_per_day: int = 8, labour_day_fen: int | None = None) -> rules.Rules:
        return rules.Rules(
            rate_permille=self.rate_permille, counted_kinds=frozenset(self.counted_kinds),
            min_share_permille=self.min_share_permille, cap_project_fen=self.cap_project_fen,
            cap_community_fen=self.cap_community_fen,
            labour_day_fen=self.labour_day_fen if self.labour_day_fen is not None else labour_day_fen,
            hours_per_day=hours_per_day)


class Application(TimeStampedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted: village review")
        VILLAGE_APPROVED = "village_approved", _("Village approved: street review")
        STREET_APPROVED = "street_approved", _("Street approved: county review")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned for changes")
        REJECTED = "rejected", _("Rejected")

    TRANSITIONS = {
        Status.DRAFT: {Status.SUBMITTED},
        Status.SUBMITTED: {Status.VILLAGE_APPROVED, Status.RETURNED, Status.REJECTED},
        Status.VILLAGE_APPROVED: {Status.STREET_APPROVED, Status.APPROVED, Status.RETURNED, Status.REJECTED},
        Status.STREET_APPROVED: {Status.APPROVED, Status.RETURNED, Status.REJECTED},
        Status.RETURNED: {Status.SUBMITTED},
        Status.APPROVED: set(),
        Status.REJECTED: set(),
    }
    # The level that reviews an application in each status.
    LEVEL_FOR = {Status.SUBMITTED: "village", Status.VILLAGE_APPROVED: "street", Status.STREET_APPROVED: "county"}

    pool = models.ForeignKey(Pool, on_delete=models.PROTECT, related_name="applications")
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="fund_applications")
    community = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    path = models.CharField(max_length=255)
    requested_fen = models.BigIntegerField(_("amount requested (fen)"))
    note = models.TextField(_("why this project"), max_length=2000, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True)
    score = models.PositiveSmallIntegerField(_("review score (0–100)"), null=True, blank=True)
    # The award computed from the confirmed ledger (at submission, again at the final approval).
    award_fen = models.BigIntegerField(default=0)
    eligible_fen = models.BigIntegerField(default=0)
    working = models.JSONField(default=list)
    computed_at = models.DateTimeField(null=True, blank=True)
    prepared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = PathScopedQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["pool", "status"], name="fund_application_pool_status")]
        constraints = [
            models.UniqueConstraint(fields=["pool", "project"], condition=~Q(status="rejected"),
                                    name="fund_application_once_per_pool"),
            models.CheckConstraint(condition=Q(requested_fen__gt=0), name="fund_application_request_positive"),
            models.CheckConstraint(condition=Q(award_fen__gte=0), name="fund_application_award_not_negative"),
            models.CheckConstraint(condition=Q(score__isnull=True) | Q(score__lte=100),
                                   name="fund_application_score_max_100"),
        ]

    def __str__(self) -> str:
        return f"{self.project} → {self.pool}"

    @property
    def key(self) -> str:
        """The id the allocation rules sort by (zero-padded, so string order is id order)."""
        return f"{self.pk:010d}"


class Review(models.Model):
    class Level(models.TextChoices):
        VILLAGE = "village", _("Village / community")
        STREET = "street", _("Street / township")
        COUNTY = "county", _("County")

    class Decision(models.TextChoices):
        APPROVE = "approve", _("Approve")
        RETURN = "return", _("Return for changes")
        REJECT = "reject", _("Reject")

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="reviews")
    level = models.CharField(max_length=8, choices=Level.choices)
    decision = models.CharField(max_length=8, choices=Decision.choices)
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.level} {self.decision} of application #{self.application_id}"


class ApprovalVote(models.Model):
    """A resident's approval ballot on a pool: the applications they support. One per person and
    pool; changed (the row updated) until the window closes."""

    pool = models.ForeignKey(Pool, on_delete=models.PROTECT, related_name="votes")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    approvals = models.JSONField(default=list)  # application ids
    cast_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    change_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["pool", "person"], name="fund_vote_once_per_person")]

    def __str__(self) -> str:
        return f"approval vote of person #{self.person_id} on pool #{self.pool_id}"


class AllocationRun(models.Model):
    """One run of the pool's method over its approved applications: the inputs and who ran it."""

    pool = models.ForeignKey(Pool, on_delete=models.PROTECT, related_name="runs")
    method = models.CharField(max_length=14, choices=Pool.Method.choices)
    budget_fen = models.BigIntegerField()
    requested_fen = models.BigIntegerField()  # the sum of the awards
    voters = models.PositiveIntegerField(default=0)
    ran_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"run #{self.pk} of pool #{self.pool_id}"


class Allocation(models.Model):
    """A proposed or approved allocation to one application. Approved rows never change (a trigger
    refuses UPDATE and DELETE of them); a later approved version supersedes the earlier one."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        APPROVED = "approved", pgettext_lazy("allocation", "Approved")
        WITHDRAWN = "withdrawn", _("Replaced by a later run")

    pool = models.ForeignKey(Pool, on_delete=models.PROTECT, related_name="allocations")
    run = models.ForeignKey(AllocationRun, on_delete=models.PROTECT, related_name="allocations")
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="allocations")
    amount_fen = models.BigIntegerField()
    reason = models.CharField(max_length=20)
    params = models.JSONField(default=dict)
    version = models.PositiveSmallIntegerField(default=1)
    supersedes = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="amendments")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED, db_index=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["application_id", "-version", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gte=0), name="fund_allocation_not_negative"),
            models.CheckConstraint(condition=~Q(status="approved") | Q(approved_by__isnull=False),
                                   name="fund_allocation_approved_by_someone"),
        ]

    def __str__(self) -> str:
        return f"allocation #{self.pk} (v{self.version}) to application #{self.application_id}"


class Disbursement(models.Model):
    class Kind(models.TextChoices):
        ADVANCE = "advance", _("Advance (事前预拨)")
        REIMBURSEMENT = "reimbursement", _("Reimbursement (事后报账)")

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="disbursements")
    kind = models.CharField(_("kind"), max_length=14, choices=Kind.choices)
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    paid_on = models.DateField(_("paid on"))
    reference = models.CharField(_("voucher or transfer reference"), max_length=100)
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["paid_on", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount_fen__gt=0), name="fund_disbursement_positive")]

    def __str__(self) -> str:
        return f"{self.kind} of {self.amount_fen} fen to application #{self.application_id}"


COUNTABLE_KINDS = ContributionKind.choices
