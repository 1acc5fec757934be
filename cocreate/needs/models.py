"""Needs (民声/诉求) from every channel, their supporters, and door-to-door campaigns."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from cocreate.core.models import TimeStampedModel
from cocreate.orgs.models import Household, OrgUnit, Person
from cocreate.orgs.querysets import PathScopedQuerySet

MAX_PHOTOS = 9


class Category(models.Model):
    """What a need is about; its service-level time is per category (e.g. 路灯 3 days)."""

    code = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=30)
    name_en = models.CharField(_("English name"), max_length=40)
    sla_days = models.PositiveSmallIntegerField(_("days to handle"), default=7)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return self.name_en if get_language() == "en" else self.name


class NeedQuerySet(PathScopedQuerySet):
    def open(self):
        return self.filter(status__in=Need.OPEN_STATUSES)


class Need(TimeStampedModel):
    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        ACCEPTED = "accepted", _("Accepted")
        DELIBERATION = "deliberation", _("In deliberation")
        SERVICE = "service", _("Handled as an individual service")
        RESOLVED = "resolved", _("Resolved")
        DECLINED = "declined", _("Declined")
        MERGED = "merged", _("Merged into another need")

    class Channel(models.TextChoices):
        SELF = "self", _("Raised by the resident")
        PROXY = "proxy", _("Recorded for the resident")
        VISIT = "visit", _("Door-to-door visit")
        MEETING = "meeting", _("Raised at a meeting")
        PAPER = "paper", _("Paper box or slip")

    class Scope(models.TextChoices):
        UNSET = "", _("Not yet classified")
        COMMON = "common", _("Common (共性)")
        INDIVIDUAL = "individual", _("Individual (个性)")

    class Place(models.TextChoices):
        HOUSEHOLD = "household", _("My home")
        NODE = "node", _("A building or hamlet")
        POINT = "point", _("A point on the map")

    class ConsentMethod(models.TextChoices):
        NONE = "", _("Not needed (raised by the resident)")
        SMS = "sms", _("The resident confirms by SMS")
        SLIP = "slip", _("Photo of a signed slip")

    OPEN_STATUSES = (Status.RECEIVED, Status.ACCEPTED, Status.DELIBERATION, Status.SERVICE)
    TRANSITIONS = {
        Status.RECEIVED: {Status.ACCEPTED, Status.DECLINED, Status.MERGED},
        Status.ACCEPTED: {Status.DELIBERATION, Status.SERVICE, Status.DECLINED, Status.MERGED},
        Status.DELIBERATION: {Status.RESOLVED, Status.DECLINED, Status.MERGED},
        Status.SERVICE: {Status.RESOLVED, Status.DECLINED},
        Status.RESOLVED: set(),
        Status.DECLINED: set(),
        Status.MERGED: set(),
    }

    community = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="community_needs")
    node = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="needs")
    path = models.CharField(max_length=255)
    household = models.ForeignKey(Household, null=True, blank=True, on_delete=models.SET_NULL, related_name="needs")
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="needs")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="recorded_needs")
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.SELF)
    consent_method = models.CharField(max_length=5, choices=ConsentMethod.choices, blank=True)
    consent_confirmed_at = models.DateTimeField(null=True, blank=True)
    consent_slip = models.FileField(upload_to="needs/slips/%Y/%m/", blank=True)
    text = models.CharField(_("what is the need?"), max_length=500)
    terms = models.CharField(max_length=500, blank=True)  # jieba words, for similarity
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="needs")
    place = models.CharField(max_length=10, choices=Place.choices, default=Place.HOUSEHOLD)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.RECEIVED, db_index=True)
    scope = models.CharField(max_length=10, choices=Scope.choices, blank=True)
    assigned_node = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="assigned_needs")
    decline_reason = models.CharField(max_length=300, blank=True)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged")
    due_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    support_count = models.PositiveIntegerField(default=0)  # kept in the support transaction
    visit = models.ForeignKey("Visit", null=True, blank=True, on_delete=models.SET_NULL, related_name="needs")

    objects = NeedQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["community", "status", "-id"], name="need_community_status"),
            models.Index(fields=["community", "-support_count", "-id"], name="need_community_support"),
            models.Index(fields=["path"], name="need_path_like", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["due_at"], name="need_due", condition=Q(closed_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return self.text[:30]

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    def can_transition_to(self, status: str) -> bool:
        return status in self.TRANSITIONS[self.status]


class NeedPhoto(models.Model):
    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to="needs/photos/%Y/%m/")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"photo of need #{self.need_id}"


class NeedUpdate(models.Model):
    """A step in the need's life that the resident sees on its timeline."""

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="updates")
    status = models.CharField(max_length=12, choices=Need.Status.choices)
    note = models.CharField(max_length=300, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"#{self.need_id} → {self.status}"


class Support(models.Model):
    """我也有这个需求 — one per household, enforced by the database."""

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="supports")
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="supports")
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["need", "household"], name="support_one_per_household")]

    def __str__(self) -> str:
        return f"household #{self.household_id} supports need #{self.need_id}"


class VisitCampaign(TimeStampedModel):
    """敲门行动: door-to-door visits over a subtree."""

    node = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="visit_campaigns")
    title = models.CharField(_("title"), max_length=100)
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-starts_on", "-id"]

    def __str__(self) -> str:
        return self.title


class Visit(models.Model):
    campaign = models.ForeignKey(VisitCampaign, on_delete=models.CASCADE, related_name="visits")
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="visits")
    visitor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    visited_at = models.DateTimeField()
    at_home = models.BooleanField(_("someone was at home"), default=True)
    special_care = models.BooleanField(_("needs special care (elderly alone, ill, disabled)"), default=False)
    notes = models.CharField(_("notes"), max_length=500, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campaign", "household"], name="visit_once_per_campaign")]

    def __str__(self) -> str:
        return f"visit to household #{self.household_id}"
