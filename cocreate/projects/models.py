"""发展共建: projects traced back to their decision, with a funding plan, progress, and the
contribution ledger (cash, labour, materials, land, equipment valued in money — 折合资金).

A project belongs to its community and a node of it (`path` copied for subtree look-ups, as in
orgs). It keeps the link to what decided it: a topic (and its meetings and needs), a ballot and
the option chosen, or needs directly. Money is integer fen everywhere.

Contributions are pledged (`Pledge`, a mutable request) and become ledger entries
(`Contribution`) when a cadre confirms them with evidence. The ledger is append-only (a database
trigger refuses UPDATE and DELETE); a correction is a reversal entry with the opposite value that
points at the entry it reverses, at most once.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cocreate.core.models import TimeStampedModel
from cocreate.decisions.models import Ballot
from cocreate.meetings.models import Option, Topic
from cocreate.needs.models import Need
from cocreate.orgs.models import Household, OrgUnit, PartnerUnit, Person
from cocreate.orgs.querysets import PathScopedQuerySet


class Valuation(models.Model):
    """A county's (or street's) valuation table for in-kind contributions: the value of one
    person-day of labour and the length of that day; the price list is `MaterialPrice`.
    The nearest table up the tree applies."""

    node = models.OneToOneField(OrgUnit, on_delete=models.CASCADE, related_name="valuation")
    labour_day_fen = models.PositiveIntegerField(_("value of one person-day (fen)"))
    hours_per_day = models.PositiveSmallIntegerField(_("hours in a working day"), default=8)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(hours_per_day__gt=0), name="valuation_day_has_hours")]

    def __str__(self) -> str:
        return f"valuation of node #{self.node_id}"


class MaterialPrice(models.Model):
    """One line of a county price table: 水泥 per 吨, 砂石 per 方 …"""

    valuation = models.ForeignKey(Valuation, on_delete=models.CASCADE, related_name="prices")
    name = models.CharField(_("material"), max_length=40)
    unit = models.CharField(_("unit"), max_length=10)
    price_fen = models.PositiveIntegerField(_("price per unit (fen)"))
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["valuation", "name", "unit"], name="material_price_once")]

    def __str__(self) -> str:
        return f"{self.name}/{self.unit}"


class Project(TimeStampedModel):
    class Status(models.TextChoices):
        PLANNING = "planning", _("Planning")
        FUNDING = "funding", _("Raising funds")
        BUILDING = "building", _("Under construction")
        COMPLETED = "completed", _("Completed")
        HANDED_OVER = "handed_over", _("Handed over to management")
        CANCELLED = "cancelled", _("Cancelled")

    TRANSITIONS = {
        Status.PLANNING: {Status.FUNDING, Status.BUILDING, Status.CANCELLED},
        Status.FUNDING: {Status.BUILDING, Status.PLANNING, Status.CANCELLED},
        Status.BUILDING: {Status.COMPLETED},
        Status.COMPLETED: {Status.HANDED_OVER, Status.BUILDING},
        Status.HANDED_OVER: set(),
        Status.CANCELLED: set(),
    }
    # Contributions are taken while the project is being prepared or built.
    TAKES_CONTRIBUTIONS = {Status.PLANNING, Status.FUNDING, Status.BUILDING}

    community = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="community_projects")
    node = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="projects")
    path = models.CharField(max_length=255)
    title = models.CharField(_("title"), max_length=100)
    scope = models.TextField(_("scope"), max_length=3000, help_text=_("What will be built, how big, for whom."))
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PLANNING, db_index=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    # Where it came from: a topic (its meetings and needs), the ballot and option that decided it,
    # or needs directly when no deliberation was needed.
    topic = models.ForeignKey(Topic, null=True, blank=True, on_delete=models.PROTECT, related_name="projects")
    ballot = models.ForeignKey(Ballot, null=True, blank=True, on_delete=models.PROTECT, related_name="projects")
    option = models.ForeignKey(Option, null=True, blank=True, on_delete=models.PROTECT, related_name="projects")
    needs = models.ManyToManyField(Need, blank=True, related_name="projects")
    # Kept in the transaction of every budget-line, ledger and progress write.
    budget_fen = models.BigIntegerField(default=0)
    contributed_fen = models.BigIntegerField(default=0)
    progress_percent = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    status_changed_at = models.DateTimeField(null=True, blank=True)

    objects = PathScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["community", "status", "-id"], name="project_community_status"),
            models.Index(fields=["path"], name="project_path_like", opclasses=["varchar_pattern_ops"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(progress_percent__lte=100), name="project_progress_max_100"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def takes_contributions(self) -> bool:
        return self.status in self.TAKES_CONTRIBUTIONS

    @property
    def plan_is_open(self) -> bool:
        """Budget and funding plan are written before construction starts."""
        return self.status in (self.Status.PLANNING, self.Status.FUNDING)


class BudgetLine(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="budget_lines")
    item = models.CharField(_("item"), max_length=100)
    amount_fen = models.PositiveBigIntegerField(_("amount (fen)"))

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.item


class FundingSource(models.Model):
    """A line of the funding plan. The self-raised kinds are the residents' own and their
    partners' (everything but government money)."""

    class Kind(models.TextChoices):
        RESIDENT_CASH = "resident_cash", _("Residents' cash")
        IN_KIND = "in_kind", _("In kind (materials, land, equipment)")
        LABOUR = "labour", _("Labour (投工投劳)")
        PARTNER = "partner", _("Partner units")
        DONATION = "donation", _("Donations and 乡贤")
        AWARD = "award", _("以奖代补 award")
        YISHIYIYI = "yishiyiyi", _("一事一议 subsidy")
        GOVERNMENT = "government", _("Other government funds")
        OTHER = "other", pgettext_lazy("funding source", "Other")

    SELF_RAISED = {Kind.RESIDENT_CASH, Kind.IN_KIND, Kind.LABOUR, Kind.PARTNER, Kind.DONATION}

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="funding_sources")
    kind = models.CharField(_("source"), max_length=14, choices=Kind.choices)
    amount_fen = models.PositiveBigIntegerField(_("amount (fen)"))
    note = models.CharField(_("note"), max_length=100, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.get_kind_display()

    @property
    def is_self_raised(self) -> bool:
        return self.kind in self.SELF_RAISED


class Milestone(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("milestone"), max_length=100)
    due_date = models.DateField(_("due date"))
    done_on = models.DateField(_("reached on"), null=True, blank=True)

    class Meta:
        ordering = ["due_date", "id"]

    def __str__(self) -> str:
        return self.title


class ProjectTask(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(_("task"), max_length=200)
    owner_name = models.CharField(pgettext_lazy("task", "Owner"), max_length=40)
    due_date = models.DateField(_("due date"))
    done_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["done_at", "due_date", "id"]

    def __str__(self) -> str:
        return self.title


class ProgressUpdate(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="updates")
    text = models.TextField(_("what happened"), max_length=1000)
    percent = models.PositiveSmallIntegerField(_("progress (%)"))
    photo = models.ImageField(_("photo"), upload_to="projects/progress/%Y/%m/", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        constraints = [models.CheckConstraint(condition=Q(percent__lte=100), name="progress_update_max_100")]

    def __str__(self) -> str:
        return f"{self.percent}% on project #{self.project_id}"


class ContributionKind(models.TextChoices):
    CASH = "cash", _("Cash")
    LABOUR = "labour", _("Labour")
    MATERIALS = "materials", _("Materials")
    LAND = "land", _("Land ceded")
    EQUIPMENT = "equipment", _("Equipment")


class ContributionFields(models.Model):
    """What was given and by whom — shared by the pledge and the ledger entry.

    Exactly one contributor: a household, a person, or a partner unit. Quantities by kind: cash
    in fen; labour in hours (a person-day is `Valuation.hours_per_day` hours); materials as a
    quantity of a priced material; land as an area in m² (value optional); equipment by its
    value."""

    Kind = ContributionKind

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=ContributionKind.choices)
    household = models.ForeignKey(Household, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(PartnerUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    cash_fen = models.BigIntegerField(default=0)
    hours = models.IntegerField(default=0)
    material = models.ForeignKey(MaterialPrice, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(max_digits=12, decimal_places=3, default=0)
    area_m2 = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    description = models.CharField(_("description"), max_length=200, blank=True)
    anonymous = models.BooleanField(_("appear anonymously on the honour roll"), default=False)

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=(Q(household__isnull=False, person__isnull=True, unit__isnull=True)
                           | Q(household__isnull=True, person__isnull=False, unit__isnull=True)
                           | Q(household__isnull=True, person__isnull=True, unit__isnull=False)),
                name="%(class)s_one_contributor",
            ),
        ]


class Pledge(ContributionFields):
    """A promise to contribute; a cadre confirms it into the ledger with evidence, or declines it."""

    class Status(models.TextChoices):
        PLEDGED = "pledged", _("Pledged")
        CONFIRMED = "confirmed", _("Confirmed")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="pledges")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLEDGED, db_index=True)
    value_fen = models.BigIntegerField(default=0)  # estimated at pledge time, from the same valuation
    pledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta(ContributionFields.Meta):
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"pledge #{self.pk} to project #{self.project_id}"


class Contribution(ContributionFields):
    """One entry of the append-only contribution ledger. `value_fen` is the money value (折合资金)
    at confirmation; a reversal has the opposite signs and points at the entry it reverses."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="contributions")
    community = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    value_fen = models.BigIntegerField()
    pledge = models.OneToOneField(Pledge, null=True, blank=True, on_delete=models.PROTECT, related_name="entry")
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="reversed_by")
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    evidence = models.ImageField(_("evidence photo"), upload_to="projects/evidence/%Y/%m/", blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(ContributionFields.Meta):
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["project", "-id"], name="contribution_project"),
            models.Index(fields=["community", "-id"], name="contribution_community"),
            models.Index(fields=["household", "-id"], name="contribution_household"),
        ]

    def __str__(self) -> str:
        return f"entry #{self.pk} of project #{self.project_id}"

    @property
    def is_reversal(self) -> bool:
        return self.reverses_id is not None
