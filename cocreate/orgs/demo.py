"""The Hubei demo county built by `manage.py seed_demo`, and the demo logins shown in demo mode.

Every row goes through the orgs and accounts services with actor=None, so the demo carries the
same audit trail and invariants as real data. A seeded random.Random builds the same county on
every run, so screenshots, manuals and tests can name its people.
"""

import base64
import datetime
import math
import random
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from cocreate.accounts.services import staff_user_create
from cocreate.audit.services import record

from . import services as svc
from .models import Body, Household, HouseholdLink, Kind, OrgLevel, OrgUnit, Person, Role

DEMO_ROOT = "湖北省"
# Passes the staff policy (4 character classes, no demo username inside); demo only.
DEMO_PASSWORD = "Cocreate#2026"  # noqa: S105
DEMO_RESIDENT_PHONE = "13800138000"
# The RFC 6238 test secret ("12345678901234567890"): published, so only ever for the demo.
DEMO_TOTP_KEY = "3132333435363738393031323334353637383930"
DEMO_TOTP_BASE32 = base64.b32encode(bytes.fromhex(DEMO_TOTP_KEY)).decode()
DEMO_TOTP_USER = "cadre"
RESIDENT = "resident"
SEED = 2026
REFERENCE_YEAR = 2026  # ages are computed against a fixed year so the demo does not drift
ELDERLY_BORN_BEFORE = 1963

# (kind, name, English name): what a level is called is data, what it is is code.
LEVELS = (
    (Kind.PROVINCE, "省", "Province"),
    (Kind.CITY, "市", "City"),
    (Kind.COUNTY, "县", "County"),
    (Kind.STREET, "街道", "Street"),
    (Kind.STREET, "镇", "Town"),
    (Kind.AREA, "片区", "Area"),
    (Kind.COMMUNITY, "社区", "Community"),
    (Kind.COMMUNITY, "村", "Village"),
    (Kind.GRID, "网格", "Grid"),
    (Kind.MICROGRID, "微网格", "Micro-grid"),
    (Kind.BUILDING, "楼栋", "Building"),
    (Kind.BUILDING, "湾组", "Hamlet"),
)

# Street or town, its level, whether it is urban, and its communities or villages. Urban
# communities have one grid per housing estate (小区); villages have two grids of hamlets.
STREETS = (
    ("马家店街道", "街道", True, ("团结社区", "胜利社区", "江口社区")),
    ("问安镇", "镇", False, ("关庙山村", "八亩滩村", "林桥村")),
)
ESTATES = {
    "团结社区": ("金桥花园", "团结小区", "丹阳花园"),
    "胜利社区": ("胜利小区", "阳光家园", "江山名苑"),
    "江口社区": ("滨江苑", "江口新村", "锦绣华庭"),
}
VILLAGE_GRIDS = 2
MICROGRIDS_PER_GRID = 2
BUILDINGS_PER_MICROGRID = 2  # 5 floors x 2 flats: 10 households each
HAMLETS_PER_MICROGRID = 3
HOUSEHOLDS_PER_HAMLET = 7
HOUSEHOLDS_PER_LINK_HEAD = 20  # Hubei practice: one 联户长 for 10-30 households
PARTY_HUBS_PER_GRID = 2
PARTY_HUB_SHARE = 0.4
CN_NUMBERS = "一二三四五六七八九十"

SURNAMES = "张王李刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯董程曹袁邓许彭曾熊向万余汪"
GIVEN = {
    "M": "伟强军磊勇杰涛明超刚平辉鹏华飞斌波宇浩峰建国志文俊凯林坤军红德成",
    "F": "芳娜敏静丽艳秀英桂兰玉梅霞燕萍红琴婷雪琳慧颖佳欣悦怡丹凤",
}


@dataclass(frozen=True)
class DemoAccount:
    """A demo login and the resident behind it (staff live in the county too)."""

    login: str  # the username, or the phone for the resident
    role: str  # a Role value, or RESIDENT
    scope: str  # the named demo node the role is granted on (see DemoBuilder.named)
    name: str
    gender: str
    born: int
    phone: str
    home: str = "grid"  # the named grid whose first households they head


ACCOUNTS = (
    DemoAccount("county", Role.COUNTY_OFFICIAL, "county", "周建华", "M", 1971, "13900139001"),
    DemoAccount("street", Role.STREET_OFFICIAL, "street", "陈丽萍", "F", 1978, "13900139002"),
    DemoAccount("cadre", Role.CADRE, "community", "王志强", "M", 1980, "13900139003"),
    DemoAccount("cadre2", Role.CADRE, "community2", "李秀兰", "F", 1975, "13900139004", home="grid2"),
    DemoAccount("grid", Role.GRID_WORKER, "grid", "张敏", "F", 1991, "13900139005"),
    DemoAccount("linkhead", Role.LINK_HEAD, "grid", "刘国平", "M", 1962, "13900139006"),
    DemoAccount("sysadmin", Role.PLATFORM_ADMIN, "root", "吴涛", "M", 1988, "13900139007"),
    DemoAccount("secadmin", Role.SECURITY_ADMIN, "root", "孙静", "F", 1986, "13900139008"),
    DemoAccount("auditadmin", Role.AUDIT_ADMIN, "root", "胡斌", "M", 1983, "13900139009"),
    DemoAccount(DEMO_RESIDENT_PHONE, RESIDENT, "grid", "杨桂芳", "F", 1966, DEMO_RESIDENT_PHONE),
)
# Officials are Party members as a rule; the demo follows it so Party bodies can include them.
PARTY_ROLES = {Role.COUNTY_OFFICIAL, Role.STREET_OFFICIAL, Role.CADRE}
SCOPE_NAMES = {
    "root": DEMO_ROOT, "county": "枝江市", "street": "马家店街道", "community": "团结社区",
    "community2": "胜利社区", "grid": "团结社区第一网格",
}

PARTNERS = (  # 共建单位 at the county, each paired with two communities
    ("枝江市住建局", "机关", ("团结社区", "胜利社区")),
    ("枝江市第一中学", "学校", ("江口社区", "关庙山村")),
)
PAIRED_SINCE = datetime.date(2023, 3, 1)
REPORTED_AT = datetime.date(2023, 4, 15)

PARTY_BODIES = {Body.Type.PARTY_COMMITTEE, Body.Type.PARTY_GENERAL_BRANCH, Body.Type.PARTY_BRANCH,
                Body.Type.PARTY_GROUP}
TITLES = {  # the two memberships each body gets, as the body names its roles
    Body.Type.PARTY_COMMITTEE: ("书记", "委员"),
    Body.Type.PARTY_GENERAL_BRANCH: ("书记", "委员"),
    Body.Type.PARTY_BRANCH: ("书记", "委员"),
    Body.Type.PARTY_GROUP: ("组长", "组员"),
    Body.Type.RESIDENTS_COMMITTEE: ("主任", "委员"),
    Body.Type.SUPERVISORY: ("主任", "委员"),
    Body.Type.RED_WHITE_COUNCIL: ("会长", "理事"),
    Body.Type.SOCIAL_ORG: ("队长", "队员"),
    Body.Type.OWNERS_COMMITTEE: ("主任", "委员"),
    Body.Type.PROPERTY_FIRM: ("项目经理", "管家"),
}


def _second_factor(account: DemoAccount):
    if account.login == DEMO_TOTP_USER:
        return format_lazy("{}: {} · {}", _("TOTP key (base32)"), DEMO_TOTP_BASE32, _("or an SMS code"))
    return _("SMS code to the registered phone")


def _login_row(account: DemoAccount) -> dict:
    place = SCOPE_NAMES[account.scope]
    if account.role == RESIDENT:
        return {"role": RESIDENT, "login": account.login, "secret": _("SMS code"),
                "note": format_lazy("{} · {}", _("Resident, head of a household"), place)}
    return {"role": account.role, "login": account.login, "secret": DEMO_PASSWORD,
            "note": format_lazy("{} · {} · {}", Role(account.role).label, place, _second_factor(account))}


# For the login page in demo mode; the values are lazy so they follow the page's language.
DEMO_LOGINS = [_login_row(a) for a in ACCOUNTS]


def ensure_levels() -> dict[str, OrgLevel]:
    """The level rows by name, created when missing (seed_scale shares them)."""
    return {name: OrgLevel.objects.get_or_create(kind=kind, name=name, defaults={"name_en": en})[0]
            for kind, name, en in LEVELS}


def demo_exists() -> bool:
    return OrgUnit.objects.filter(parent__isnull=True, name=DEMO_ROOT).exists()


def _adult(born: int) -> bool:
    return REFERENCE_YEAR - born >= 18


class People:
    """Made-up residents: names, birth years, relations and unique mainland mobile numbers."""

    PHONE_RATE = {"child": 0.0, "adult": 0.4, "old": 0.12}  # about 30% of all residents
    PARTY_RATE = 0.085  # of adults: about 8% of all residents

    def __init__(self, rng: random.Random, reserved=()):
        self.rng = rng
        self.used_phones = set(reserved)

    def name(self, gender: str, surname: str = "") -> str:
        given = "".join(self.rng.choices(GIVEN[gender], k=self.rng.choice((1, 2, 2))))
        return (surname or self.rng.choice(SURNAMES)) + given

    def phone(self) -> str:
        # Unique, so that an SMS login finds exactly one registered person.
        while True:
            number = f"1{self.rng.randint(3, 9)}{self.rng.randrange(10**9):09d}"
            if number not in self.used_phones:
                self.used_phones.add(number)
                return number

    def _has_phone(self, born: int) -> bool:
        age = REFERENCE_YEAR - born
        band = "child" if age < 14 else "old" if age > 75 else "adult"
        return self.rng.random() < self.PHONE_RATE[band]

    def member(self, relation: str, born: int, gender: str = "", surname: str = "") -> dict:
        gender = gender or self.rng.choice("MF")
        return {"name": self.name(gender, surname), "gender": gender, "birth_year": born, "relation": relation,
                "is_party_member": _adult(born) and self.rng.random() < self.PARTY_RATE,
                "phone": self.phone() if self._has_phone(born) else ""}

    def family(self, occupancy: str, rural: bool, head: dict | None = None) -> list[dict]:
        """The members of one household, head first; vacant homes have none."""
        if occupancy == Household.Occupancy.VACANT:
            return []
        head = head or self._head(occupancy, rural)
        if occupancy == Household.Occupancy.SHOP:
            return [head]
        members = [head, *self._spouse(head)]
        if head["birth_year"] < ELDERLY_BORN_BEFORE:
            return members + self._grandchildren(head, rural)
        return members + self._children(head) + self._parent(head, occupancy)

    def _head(self, occupancy: str, rural: bool) -> dict:
        # Villages keep many elderly people whose children work in the cities.
        elderly = occupancy == Household.Occupancy.RESIDENT and self.rng.random() < (0.5 if rural else 0.25)
        born = self.rng.randint(1938, ELDERLY_BORN_BEFORE - 1) if elderly else self.rng.randint(1966, 2000)
        return self.member(Person.Relation.HEAD, born, gender="M" if self.rng.random() < 0.7 else "F")

    def _spouse(self, head: dict) -> list[dict]:
        if self.rng.random() >= 0.8:
            return []
        gender = "F" if head["gender"] == "M" else "M"
        return [self.member(Person.Relation.SPOUSE, head["birth_year"] + self.rng.randint(-3, 3), gender=gender)]

    def _grandchildren(self, head: dict, rural: bool) -> list[dict]:
        # Children left with their grandparents (留守儿童) are common in villages.
        if not rural or self.rng.random() >= 0.35:
            return []
        return [self.member(Person.Relation.GRANDCHILD, self.rng.randint(2010, 2021), surname=head["name"][0])
                for _ in range(self.rng.randint(1, 2))]

    def _children(self, head: dict) -> list[dict]:
        return [self.member(Person.Relation.CHILD, min(head["birth_year"] + self.rng.randint(23, 33),
                                                       REFERENCE_YEAR - 1), surname=head["name"][0])
                for _ in range(self.rng.choice((0, 1, 1, 2)))]

    def _parent(self, head: dict, occupancy: str) -> list[dict]:
        if occupancy != Household.Occupancy.RESIDENT or self.rng.random() >= 0.2:
            return []
        return [self.member(Person.Relation.PARENT, head["birth_year"] - self.rng.randint(24, 30),
                            surname=head["name"][0])]

    def account_head(self, account: DemoAccount) -> dict:
        return {"name": account.name, "gender": account.gender, "birth_year": account.born,
                "relation": Person.Relation.HEAD, "phone": account.phone,
                "is_party_member": account.role in PARTY_ROLES}


@dataclass
class GridInfo:
    node: OrgUnit
    estate: str  # the housing estate of an urban grid, "" in villages
    micros: list[OrgUnit] = field(default_factory=list)
    leaves: list[tuple[OrgUnit, str]] = field(default_factory=list)  # (building or hamlet, address prefix)


@dataclass
class CommunityInfo:
    node: OrgUnit
    urban: bool
    grids: list[GridInfo] = field(default_factory=list)


class DemoBuilder:
    """Builds the demo county top-down; each step is one short method."""

    def __init__(self):
        self.rng = random.Random(SEED)
        self.people = People(self.rng, reserved={a.phone for a in ACCOUNTS})
        self.levels = ensure_levels()
        self.streets: list[OrgUnit] = []
        self.communities: list[CommunityInfo] = []
        self.vacant: list[Household] = []
        self.heads: dict[str, Person] = {}  # login -> the Person of a demo account

    def build(self) -> None:
        self.tree()
        self.households()
        self.accounts()
        self.custodians()
        for community in self.communities:
            for grid in community.grids:
                self.link_grid(grid)
        self.bodies()
        self.partners()

    # --- the tree ---------------------------------------------------------------------------

    def node(self, parent: OrgUnit | None, level: str, name: str) -> OrgUnit:
        return svc.node_create(actor=None, parent=parent, level=self.levels[level], name=name)

    def tree(self) -> None:
        self.root = self.node(None, "省", DEMO_ROOT)
        self.county = self.node(self.node(self.root, "市", "宜昌市"), "县", "枝江市")
        for street_name, level, urban, names in STREETS:
            street = self.node(self.county, level, street_name)
            self.streets.append(street)
            self.communities += [self.community(street, name, urban) for name in names]

    def community(self, street: OrgUnit, name: str, urban: bool) -> CommunityInfo:
        info = CommunityInfo(self.node(street, "社区" if urban else "村", name), urban)
        estates = ESTATES[name] if urban else ("",) * VILLAGE_GRIDS
        # Hamlets are named after the family that settled them; distinct within a village.
        clans = iter(self.rng.sample(SURNAMES, VILLAGE_GRIDS * MICROGRIDS_PER_GRID * HAMLETS_PER_MICROGRID))
        for i, estate in enumerate(estates):
            grid = GridInfo(self.node(info.node, "网格", f"{name}第{CN_NUMBERS[i]}网格"), estate)
            for m in range(MICROGRIDS_PER_GRID):
                grid.micros.append(self.node(grid.node, "微网格", f"第{CN_NUMBERS[m]}微网格"))
                grid.leaves += self.buildings(grid) if urban else self.hamlets(grid, name, clans)
            info.grids.append(grid)
        return info

    def buildings(self, grid: GridInfo) -> list[tuple[OrgUnit, str]]:
        first = len(grid.leaves) + 1  # buildings are numbered across the whole estate
        names = [f"{grid.estate}{b}栋" for b in range(first, first + BUILDINGS_PER_MICROGRID)]
        return [(self.node(grid.micros[-1], "楼栋", name), name) for name in names]

    def hamlets(self, grid: GridInfo, village: str, clans) -> list[tuple[OrgUnit, str]]:
        names = [f"{next(clans)}家{self.rng.choice('湾台岗冲垸')}" for _ in range(HAMLETS_PER_MICROGRID)]
        return [(self.node(grid.micros[-1], "湾组", name), f"{village}{name}") for name in names]

    # --- households -------------------------------------------------------------------------

    def named_grids(self) -> dict[str, GridInfo]:
        return {"grid": self.communities[0].grids[0], "grid2": self.communities[1].grids[0]}

    def households(self) -> None:
        homes = self.named_grids()
        for community in self.communities:
            for grid in community.grids:
                accounts = [a for a in ACCOUNTS if homes[a.home] is grid]
                for leaf, prefix in grid.leaves:
                    for address, occupancy in self.addresses(prefix, community.urban):
                        self.household(leaf, address, occupancy, community.urban, accounts)

    def addresses(self, prefix: str, urban: bool):
        """(address, occupancy) for each home of a building (5 floors x 2 flats) or hamlet."""
        rng, occ = self.rng, Household.Occupancy
        if not urban:
            for number in range(1, HOUSEHOLDS_PER_HAMLET + 1):
                yield f"{prefix}{number}号", rng.choices((occ.RESIDENT, occ.VACANT), (88, 12))[0]
            return
        for floor in range(1, 6):
            for flat in (1, 2):
                shop = floor == 1 and rng.random() < 0.3  # ground-floor shops (底商)
                occupancy = occ.SHOP if shop else rng.choices((occ.RESIDENT, occ.RENTED, occ.VACANT), (78, 14, 8))[0]
                yield f"{prefix}{floor}0{flat}室", occupancy

    def household(self, leaf: OrgUnit, address: str, occupancy: str, urban: bool, accounts: list) -> None:
        # Demo accounts take the first homes of their grid, so they live among the residents.
        account = accounts.pop(0) if accounts else None
        head = None
        if account:
            occupancy, head = Household.Occupancy.RESIDENT, self.people.account_head(account)
        members = self.people.family(occupancy, rural=not urban, head=head)
        household = svc.household_register(actor=None, node=leaf, address=address, occupancy=occupancy,
                                           members=members)
        if account:
            self.heads[account.login] = household.members.get(relation=Person.Relation.HEAD)
        if occupancy == Household.Occupancy.VACANT:
            self.vacant.append(household)

    def custodians(self) -> None:
        """Half the vacant homes are looked after by a neighbour (居户代管)."""
        for household in self.vacant[::2]:
            neighbours = list(Person.objects.filter(node=household.node, relation=Person.Relation.HEAD,
                                                    user__isnull=True))
            if neighbours:
                svc.household_update(actor=None, household=household, address=household.address,
                                     occupancy=household.occupancy, custodian=self.rng.choice(neighbours))

    # --- accounts ---------------------------------------------------------------------------

    def named_nodes(self) -> dict[str, OrgUnit]:
        first, second = self.communities[0], self.communities[1]
        return {"root": self.root, "county": self.county, "street": self.streets[0],
                "community": first.node, "community2": second.node, "grid": first.grids[0].node}

    def accounts(self) -> None:
        nodes = self.named_nodes()
        for account in ACCOUNTS:
            if account.role == RESIDENT:
                continue  # residents get their account at their first SMS login
            user = staff_user_create(actor=None, username=account.login, password=DEMO_PASSWORD,
                                     display_name=account.name, phone=account.phone)
            self.link_person(self.heads[account.login], user)
            svc.role_grant(actor=None, user=user, node=nodes[account.scope], role=account.role)
            if account.login == DEMO_TOTP_USER:
                self.add_totp(user)

    @staticmethod
    def link_person(person: Person, user) -> None:
        svc.person_link_account(actor=None, person=person, user=user)

    @staticmethod
    def add_totp(user) -> None:
        device = TOTPDevice.objects.create(user=user, name="Demo authenticator", key=DEMO_TOTP_KEY, confirmed=True)
        record(actor=None, action="account.totp_added", target=user, data={"device": device.pk})

    # --- 联户长 and 党员中心户 ------------------------------------------------------------------

    def link_grid(self, grid: GridInfo) -> None:
        households = list(Household.objects.in_subtree(grid.node).order_by("id"))
        heads = {p.household_id: p for p in Person.objects.in_subtree(grid.node).filter(
            relation=Person.Relation.HEAD, user__isnull=True)}
        preferred = self.heads["linkhead"] if grid is self.named_grids()["grid"] else None
        for group in _split(households, max(1, round(len(households) / HOUSEHOLDS_PER_LINK_HEAD))):
            leader = self.link_head(group, heads, preferred)
            for household in group:
                svc.household_link_set(actor=None, household=household, leader=leader,
                                       type=HouseholdLink.Type.LINK_HEAD)
        self.party_hubs(grid, households)

    def link_head(self, group: list[Household], heads: dict[int, Person], preferred: Person | None) -> Person:
        if preferred and any(h.pk == preferred.household_id for h in group):
            return preferred
        # A group of empty homes borrows a leader from elsewhere in the grid.
        return self.rng.choice([heads[h.pk] for h in group if h.pk in heads] or list(heads.values()))

    def party_hubs(self, grid: GridInfo, households: list[Household]) -> None:
        members = [p for p in Person.objects.in_subtree(grid.node).filter(is_party_member=True, user__isnull=True)
                   if _adult(p.birth_year)]
        hubs = self.rng.sample(members, min(PARTY_HUBS_PER_GRID, len(members)))
        linked = [h for h in households if self.rng.random() < PARTY_HUB_SHARE] if hubs else []
        for i, household in enumerate(linked):
            svc.household_link_set(actor=None, household=household, leader=hubs[i % len(hubs)],
                                   type=HouseholdLink.Type.PARTY_HUB)

    # --- bodies -----------------------------------------------------------------------------

    def bodies(self) -> None:
        for street in self.streets:
            suffix = "工作委员会" if street.level.name == "街道" else "委员会"
            self.body(street, Body.Type.PARTY_COMMITTEE, f"中共{street.name}{suffix}")
        for community in self.communities:
            for body_type, name in _community_bodies(community):
                self.body(community.node, body_type, name)
            for grid in community.grids:
                self.grid_bodies(grid)

    def grid_bodies(self, grid: GridInfo) -> None:
        self.body(grid.node, Body.Type.PARTY_BRANCH, f"{grid.node.name}党支部")
        if grid.estate:
            self.body(grid.node, Body.Type.OWNERS_COMMITTEE, f"{grid.estate}业主委员会")
            self.body(grid.node, Body.Type.PROPERTY_FIRM, f"枝江市{grid.estate}物业服务有限公司")
        for micro in grid.micros:
            self.body(micro, Body.Type.PARTY_GROUP, f"{grid.node.name}{micro.name}党小组")

    def body(self, node: OrgUnit, body_type: str, name: str) -> None:
        body = svc.body_create(actor=None, node=node, type=body_type, name=name)
        people = self.rng.sample(_candidates(node, party=body_type in PARTY_BODIES), 2)
        for person, title in zip(people, TITLES[body_type], strict=True):
            svc.body_member_add(actor=None, body=body, person=person, role=title)

    # --- partner units (共建单位) and 双报到 -------------------------------------------------

    def partners(self) -> None:
        by_name = {c.node.name: c for c in self.communities}
        for name, kind, paired in PARTNERS:
            unit = svc.partner_unit_register(actor=None, node=self.county, name=name, kind=kind)
            for community in (by_name[n] for n in paired):
                svc.pairing_create(actor=None, unit=unit, community=community.node, since=PAIRED_SINCE)
                self.dispatch(unit, community)

    def dispatch(self, unit, community: CommunityInfo) -> None:
        """One of the unit's Party members reports where they live and joins that grid."""
        grid = self.rng.choice(community.grids)
        candidates = list(Person.objects.in_subtree(grid.node).filter(
            is_party_member=True, user__isnull=True, dispatch__isnull=True,
            birth_year__range=(1966, REFERENCE_YEAR - 22)))
        if candidates:
            svc.dispatched_member_register(actor=None, person=self.rng.choice(candidates), unit=unit,
                                           home_community=community.node, grid=grid.node,
                                           reported_at=REPORTED_AT)


def _community_bodies(community: CommunityInfo) -> list[tuple[str, str]]:
    name = community.node.name
    if community.urban:
        return [(Body.Type.PARTY_COMMITTEE, f"中共{name}委员会"),
                (Body.Type.RESIDENTS_COMMITTEE, f"{name}居民委员会"),
                (Body.Type.SUPERVISORY, f"{name}居务监督委员会"),
                (Body.Type.SOCIAL_ORG, f"{name}志愿服务队")]
    return [(Body.Type.PARTY_GENERAL_BRANCH, f"中共{name}总支部委员会"),
            (Body.Type.RESIDENTS_COMMITTEE, f"{name}村民委员会"),
            (Body.Type.SUPERVISORY, f"{name}村务监督委员会"),
            (Body.Type.RED_WHITE_COUNCIL, f"{name}红白理事会"),
            (Body.Type.SOCIAL_ORG, f"{name}志愿服务队")]


def _candidates(node: OrgUnit, *, party: bool) -> list[Person]:
    """Adults who may sit on a body at `node`; a small node borrows from its parent."""
    people = Person.objects.in_subtree(node).filter(birth_year__lte=REFERENCE_YEAR - 18)
    if party:
        people = people.filter(is_party_member=True)
    found = list(people.order_by("id"))
    if len(found) < 2 and node.parent_id:
        return _candidates(node.parent, party=party)
    return found


def _split(items: list, parts: int) -> list[list]:
    """`items` in `parts` consecutive groups of nearly equal size."""
    size = max(1, math.ceil(len(items) / parts))
    return [items[i:i + size] for i in range(0, len(items), size)]


@transaction.atomic
def seed_demo() -> dict[str, int] | None:
    """Build the demo county in one transaction; None when it is already there."""
    if demo_exists():
        return None
    DemoBuilder().build()
    root = OrgUnit.objects.get(parent__isnull=True, name=DEMO_ROOT)
    return {
        "nodes": OrgUnit.objects.in_subtree(root).count(),
        "households": Household.objects.in_subtree(root).count(),
        "persons": Person.objects.in_subtree(root).count(),
        "party_members": Person.objects.in_subtree(root).filter(is_party_member=True).count(),
        "with_phone": Person.objects.in_subtree(root).exclude(phone_enc="").count(),
        "links": HouseholdLink.objects.filter(household__path__startswith=root.path).count(),
        "bodies": Body.objects.filter(node__path__startswith=root.path).count(),
    }
