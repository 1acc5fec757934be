"""共建: partner units and dispatched Party members — resource offers (资源清单), the service list
(服务清单) and service orders (点单 → 派单/抢单 → 接单 → 办结 → 评单).

Partner units (`PartnerUnit`), their pairings with communities (`Pairing`) and the Party members
who report where they live (`DispatchedMember`, 双报到) are orgs' models; this app adds what
they offer and the orders residents place. Rows that belong to a place carry its community
and the node's `path`, so that "everything in a subtree" is one prefix look-up (see orgs).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cocreate.core.models import TimeStampedModel
from cocreate.needs.models import Need
from cocreate.orgs.models import DispatchedMember, Household, OrgUnit, PartnerUnit, Person
from cocreate.orgs.querysets import PathScopedQuerySet

MAX_ORDER_MINUTES = 24 * 60  # one order is at most a day's work; longer work is several orders


class Category(models.TextChoices):
    """What an offer (and so a service on the list) is about."""

    REPAIR = "repair", _("Repairs (维修)")
    ELDERLY = "elderly", _("Help for older people (助老)")
    HEALTH = "health", _("Health (医疗健康)")
    LEGAL = "legal", _("Legal advice (法律咨询)")
    EDUCATION = "education", _("Tutoring and training (教育培训)")
    CULTURE = "culture", _("Culture and sport (文体)")
    ENVIRONMENT = "environment", _("Environment and cleaning (环境卫生)")
    OTHER = "other", _("Other")


class ResourceOffer(TimeStampedModel):
    """资源清单: what a partner unit offers one of its paired communities."""

    unit = models.ForeignKey(PartnerUnit, on_delete=models.PROTECT, related_name="offers")
    community = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="partner_offers")
    path = models.CharField(max_length=255)  # the community's path
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    category = models.CharField(_("category"), max_length=12, choices=Category.choices, default=Category.OTHER)
    capacity = models.CharField(_("how much, how often"), max_length=100, blank=True,
                                help_text=_("For example: two volunteers every Saturday morning."))
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")

    objects = PathScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["community", "active", "-id"], name="offer_community_active"),
            models.Index(fields=["path"], name="offer_path_like", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def text(self) -> str:
        """What is compared with the needs' texts (needs.similarity)."""
        return f"{self.title} {self.description}".strip()


class ServiceItem(TimeStampedModel):
    """服务清单: an offer listed for the residents, matched to a need or on its own."""

    community = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="service_items")
    path = models.CharField(max_length=255)
    offer = models.ForeignKey(ResourceOffer, on_delete=models.PROTECT, related_name="items")
    need = models.ForeignKey(Need, null=True, blank=True, on_delete=models.PROTECT, related_name="service_items")
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    published = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")

    objects = PathScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        constraints = [
            # A need is matched once to the same offer; listing the offer alone is also once.
            models.UniqueConstraint(fields=["offer", "need"], name="service_item_offer_need_once"),
            models.UniqueConstraint(fields=["offer"], condition=Q(need__isnull=True),
                                    name="service_item_offer_alone_once"),
        ]
        indexes = [
            models.Index(fields=["community", "published", "-id"], name="item_community_published"),
            models.Index(fields=["path"], name="item_path_like", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return self.title


class ServiceOrder(TimeStampedModel):
    """点单: a resident asks for a service; a cadre dispatches it (派单) or a dispatched member
    claims it (抢单); the member accepts (接单), does it and reports with a photo and the time
    spent (办结); the resident rates it (评单)."""

    class Status(models.TextChoices):
        PLACED = "placed", pgettext_lazy("service order", "Waiting for someone to take it")
        DISPATCHED = "dispatched", pgettext_lazy("service order", "Dispatched")
        CLAIMED = "claimed", pgettext_lazy("service order", "Claimed")
        ACCEPTED = "accepted", pgettext_lazy("service order", "Accepted")
        DONE = "done", pgettext_lazy("service order", "Done")
        RATED = "rated", pgettext_lazy("service order", "Rated")
        CANCELLED = "cancelled", pgettext_lazy("service order", "Cancelled")

    # A dispatched or claimed order goes back to the pool when its member gives it back.
    TRANSITIONS = {
        Status.PLACED: {Status.DISPATCHED, Status.CLAIMED, Status.CANCELLED},
        Status.DISPATCHED: {Status.ACCEPTED, Status.PLACED, Status.DISPATCHED, Status.CANCELLED},
        Status.CLAIMED: {Status.ACCEPTED, Status.PLACED, Status.DISPATCHED, Status.CANCELLED},
        Status.ACCEPTED: {Status.DONE, Status.CANCELLED},
        Status.DONE: {Status.RATED},
        Status.RATED: set(),
        Status.CANCELLED: set(),
    }
    TAKEN = (Status.DISPATCHED, Status.CLAIMED, Status.ACCEPTED, Status.DONE, Status.RATED)
    OPEN = (Status.PLACED, Status.DISPATCHED, Status.CLAIMED, Status.ACCEPTED)

    community = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="service_orders")
    node = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")  # the household's node
    path = models.CharField(max_length=255)
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="service_orders")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="service_orders")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")  # staff who placed it for the resident (代办)
    consent_slip = models.FileField(upload_to="partners/slips/%Y/%m/", blank=True)
    item = models.ForeignKey(ServiceItem, null=True, blank=True, on_delete=models.PROTECT, related_name="orders")
    description = models.CharField(_("what do you need?"), max_length=500)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLACED, db_index=True)
    member = models.ForeignKey(DispatchedMember, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="orders")
    unit = models.ForeignKey(PartnerUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="orders")
    dispatched_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+")
    assigned_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    minutes = models.PositiveIntegerField(_("time spent (minutes)"), null=True, blank=True)
    completion_photo = models.FileField(upload_to="partners/done/%Y/%m/", blank=True)
    completion_note = models.CharField(_("what was done"), max_length=500, blank=True)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    rating_comment = models.CharField(_("comment"), max_length=300, blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(_("reason"), max_length=200, blank=True)

    objects = PathScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                                   name="order_rating_1_to_5"),
            # One rating: it is given exactly when the order moves to rated, and only then.
            models.CheckConstraint(condition=Q(status="rated", rating__isnull=False, rated_at__isnull=False)
                                   | (~Q(status="rated") & Q(rating__isnull=True, rated_at__isnull=True)),
                                   name="order_rated_once"),
            models.CheckConstraint(condition=Q(minutes__isnull=True) | Q(minutes__gte=1,
                                                                       minutes__lte=MAX_ORDER_MINUTES),
                                   name="order_minutes_range"),
            models.CheckConstraint(condition=~Q(status__in=["done", "rated"])
                                   | Q(minutes__isnull=False, done_at__isnull=False),
                                   name="order_done_has_time"),
            models.CheckConstraint(condition=~Q(status__in=["dispatched", "claimed", "accepted", "done", "rated"])
                                   | Q(member__isnull=False) | Q(unit__isnull=False),
                                   name="order_taken_has_assignee"),
        ]
        indexes = [
            models.Index(fields=["community", "status", "-id"], name="order_community_status"),
            models.Index(fields=["person", "-id"], name="order_person"),
            models.Index(fields=["member", "-id"], name="order_member"),
            models.Index(fields=["path"], name="order_path_like", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return f"order #{self.pk}"

    def can_transition_to(self, status: str) -> bool:
        return status in self.TRANSITIONS.get(self.status, set())

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    @property
    def hours_text(self) -> str:
        """"1:30" for 90 minutes: integers only, no rounding."""
        if self.minutes is None:
            return ""
        return f"{self.minutes // 60}:{self.minutes % 60:02d}"
