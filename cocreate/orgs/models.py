"""The organisation tree to the household, the people in it, and who may act where."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cocreate.core.crypto import decrypt
from cocreate.core.masking import mask_name, mask_phone
from cocreate.core.models import TimeStampedModel
from cocreate.core.phones import national_number

from .querysets import HouseholdQuerySet, OrgUnitQuerySet, PersonQuerySet

PATH_STEP = 4  # characters per level in OrgUnit.path (base 36: 1.6 million children a node)


class Kind(models.TextChoices):
    """What a level *is*; what it is *called* is data (OrgLevel.name)."""

    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    COUNTY = "county", _("County / district")
    STREET = "street", _("Street / township")
    AREA = "area", _("Area")
    COMMUNITY = "community", _("Community / village")
    GRID = "grid", _("Grid")
    MICROGRID = "microgrid", _("Micro-grid")
    BUILDING = "building", _("Building / hamlet")


KIND_ORDER = [k.value for k in Kind]


def ancestor_paths(path: str) -> list[str]:
    """The paths of a node's ancestors and its own, from the top."""
    return [path[:i] for i in range(PATH_STEP, len(path) + 1, PATH_STEP)]


class OrgLevel(models.Model):
    """A named level of the tree, e.g. 村 or 社区 (both of kind community), 湾组 or 楼栋."""

    kind = models.CharField(max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=30)
    name_en = models.CharField(_("English name"), max_length=40)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "name"], name="orglevel_unique_name")]

    def __str__(self) -> str:
        return self.name


class OrgUnit(models.Model):
    """A node of the tree. `path` is a materialized path: a subtree is one prefix look-up."""

    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    level = models.ForeignKey(OrgLevel, on_delete=models.PROTECT, related_name="units")
    kind = models.CharField(max_length=20, choices=Kind.choices, db_index=True)
    name = models.CharField(_("name"), max_length=80)
    path = models.CharField(max_length=255, unique=True)
    depth = models.PositiveSmallIntegerField()
    child_seq = models.PositiveIntegerField(default=0)  # last number handed to a child's path
    code = models.CharField(_("code"), max_length=30, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OrgUnitQuerySet.as_manager()

    class Meta:
        ordering = ["path"]
        indexes = [models.Index(fields=["path"], name="orgunit_path_like", opclasses=["varchar_pattern_ops"])]

    def __str__(self) -> str:
        return self.name

    def ancestor_paths(self) -> list[str]:
        return ancestor_paths(self.path)

    def is_within(self, other: "OrgUnit") -> bool:
        return self.path.startswith(other.path)

    @property
    def level_name(self) -> str:
        return self.level.name


class Household(TimeStampedModel):
    class Occupancy(models.TextChoices):
        RESIDENT = "resident", _("Owner-occupied (常住)")
        RENTED = "rented", _("Rented (租住)")
        VACANT = "vacant", _("Vacant (空置)")
        SHOP = "shop", _("Ground-floor shop (底商)")

    node = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="households")
    path = models.CharField(max_length=255)  # the node's path, kept in step by the services
    address = models.CharField(_("address"), max_length=200)
    occupancy = models.CharField(_("occupancy"), max_length=10, choices=Occupancy.choices,
                                 default=Occupancy.RESIDENT)
    custodian = models.ForeignKey("Person", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="custodian_of", verbose_name=_("custodian (居户代管)"))
    member_count = models.PositiveSmallIntegerField(default=0)  # kept by the services

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        ordering = ["path", "address", "id"]
        indexes = [
            models.Index(fields=["path", "id"], name="household_path_idx",
                         opclasses=["varchar_pattern_ops", "int8_ops"]),
            models.Index(fields=["node", "id"], name="household_node_idx"),
        ]

    def __str__(self) -> str:
        return self.address

    @property
    def head(self):
        return next((m for m in self.members.all() if m.relation == Person.Relation.HEAD), None)


class Person(TimeStampedModel):
    class Gender(models.TextChoices):
        FEMALE = "F", _("Female")
        MALE = "M", _("Male")

    class Relation(models.TextChoices):
        HEAD = "head", _("Head of household")
        SPOUSE = "spouse", _("Spouse")
        CHILD = "child", _("Child")
        PARENT = "parent", _("Parent")
        GRANDCHILD = "grandchild", _("Grandchild")
        OTHER = "other", _("Other relative")
        TENANT = "tenant", _("Tenant")

    household = models.ForeignKey(Household, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="members")
    node = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="persons")
    path = models.CharField(max_length=255)
    name = models.CharField(_("name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("birth year"), null=True, blank=True)
    phone_enc = models.CharField(max_length=200, blank=True)
    phone_index = models.CharField(max_length=64, blank=True, db_index=True)
    is_party_member = models.BooleanField(_("Party member"), default=False)
    relation = models.CharField(_("relation to the head"), max_length=12, choices=Relation.choices,
                                default=Relation.HEAD)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="person")

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["path"], name="person_path_like", opclasses=["varchar_pattern_ops"])]

    def __str__(self) -> str:
        return self.masked_name

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)

    @property
    def has_phone(self) -> bool:
        return bool(self.phone_enc)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone_national()) if self.phone_enc else ""

    def phone_national(self) -> str:
        """The decrypted number. Callers other than the reveal service must mask it."""
        return national_number(decrypt(self.phone_enc)) if self.phone_enc else ""


class Consent(models.Model):
    """A resident's consent (PIPL Art. 13-17, security.md P-3), also when recorded for them."""

    class Channel(models.TextChoices):
        SELF = "self", _("Given by the resident online")
        STAFF = "staff", _("Recorded by staff on the resident's behalf")
        PAPER = "paper", _("Signed paper slip")

    class Purpose(models.TextChoices):
        REGISTRATION = "registration", _("Household and contact details for community services")
        SENSITIVE = "sensitive", _("Sensitive personal information")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    policy_version = models.CharField(max_length=20)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    evidence = models.CharField(_("evidence"), max_length=200, blank=True)
    given_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-given_at"]

    def __str__(self) -> str:
        return f"{self.purpose} {self.policy_version}"


class Body(TimeStampedModel):
    """A Party organisation, council, committee, social organisation or firm on a node."""

    class Type(models.TextChoices):
        PARTY_COMMITTEE = "party_committee", _("Party committee (党委)")
        PARTY_GENERAL_BRANCH = "party_general_branch", _("General Party branch (党总支)")
        PARTY_BRANCH = "party_branch", _("Party branch (党支部)")
        PARTY_GROUP = "party_group", _("Party group (党小组)")
        RESIDENTS_COMMITTEE = "residents_committee", _("Residents' / villagers' committee (居委会/村委会)")
        SUPERVISORY = "supervisory", _("Affairs supervisory committee (居务监督委员会)")
        RED_WHITE_COUNCIL = "red_white_council", _("Weddings and funerals council (红白理事会)")
        SELF_MANAGEMENT = "self_management", _("Self-management committee (自管委)")
        SOCIAL_ORG = "social_org", _("Social organisation (社会组织)")
        PROPERTY_FIRM = "property_firm", _("Property management firm (物业)")
        OWNERS_COMMITTEE = "owners_committee", _("Owners' committee (业委会)")

    node = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="bodies")
    type = models.CharField(_("type"), max_length=30, choices=Type.choices)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["node__path", "type", "name"]

    def __str__(self) -> str:
        return self.name


class BodyMembership(models.Model):
    body = models.ForeignKey(Body, on_delete=models.CASCADE, related_name="memberships")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="body_memberships")
    role = models.CharField(_("role"), max_length=40)  # 书记, 委员, 主任 … as the body names it
    term_start = models.DateField(_("term start"), null=True, blank=True)
    term_end = models.DateField(_("term end"), null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["body", "person", "role"], name="body_member_unique")]

    def __str__(self) -> str:
        return f"{self.body}: {self.role}"


class HouseholdLink(models.Model):
    """A household linked to its 联户长 or 党员中心户 (one of each at most)."""

    class Type(models.TextChoices):
        LINK_HEAD = "link_head", _("Household-cluster head (联户长)")
        PARTY_HUB = "party_hub", _("Party-member hub household (党员中心户)")

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="links")
    leader = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="linked_households")
    type = models.CharField(max_length=10, choices=Type.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["household", "type"], name="household_link_unique")]

    def __str__(self) -> str:
        return f"{self.get_type_display()} → {self.household}"


class PartnerUnit(TimeStampedModel):
    """共建单位: an agency, firm or school that pairs with communities."""

    node = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="partner_units")
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=40, blank=True)

    def __str__(self) -> str:
        return self.name


class Pairing(models.Model):
    unit = models.ForeignKey(PartnerUnit, on_delete=models.CASCADE, related_name="pairings")
    community = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="pairings")
    since = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "community"], name="pairing_unique")]

    def __str__(self) -> str:
        return f"{self.unit} ↔ {self.community}"


class DispatchedMember(models.Model):
    """A Party member reporting to the community where they live (双报到), placed in a grid."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="dispatch")
    unit = models.ForeignKey(PartnerUnit, on_delete=models.PROTECT, related_name="members")
    home_community = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reported_at = models.DateField()

    def __str__(self) -> str:
        return f"{self.person} @ {self.home_community}"


class Role(models.TextChoices):
    LINK_HEAD = "link_head", _("Household-cluster head (联户长)")
    GRID_WORKER = "grid_worker", _("Grid worker (网格员)")
    CADRE = "cadre", _("Community cadre (社区/村干部)")
    STREET_OFFICIAL = "street_official", _("Street / township official")
    COUNTY_OFFICIAL = "county_official", _("County / district official")
    PLATFORM_ADMIN = "platform_admin", _("System administrator")
    SECURITY_ADMIN = "security_admin", _("Security administrator")
    AUDIT_ADMIN = "audit_admin", _("Audit administrator")


class RoleGrant(models.Model):
    """A role on a node; it flows down the node's subtree."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="grants")
    node = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="grants")
    role = models.CharField(max_length=20, choices=Role.choices)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "node", "role"], condition=Q(revoked_at__isnull=True),
                                    name="rolegrant_active_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} @ {self.node}"
