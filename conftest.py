"""The shared organisation tree and cast (style.md §4): a county with a street, two
neighbouring communities, a grid with a building and households, and one user per role."""

from dataclasses import dataclass

import pytest

from cocreate.core.testing import STAFF_PASSWORD, sign_in

pytest_plugins = ["cocreate.api.testing"]  # the `api` and `token` fixtures of the API tests


@dataclass
class Tree:
    county: object
    street: object
    community: object
    neighbour: object
    grid: object
    building: object
    neighbour_grid: object
    household: object
    neighbour_household: object
    resident_person: object


def _levels():
    from cocreate.orgs.models import Kind, OrgLevel

    names = {Kind.PROVINCE: ("省", "Province"), Kind.CITY: ("市", "City"), Kind.COUNTY: ("县", "County"),
             Kind.STREET: ("街道", "Street"), Kind.COMMUNITY: ("社区", "Community"), Kind.GRID: ("网格", "Grid"),
             Kind.MICROGRID: ("微网格", "Micro-grid"), Kind.BUILDING: ("楼栋", "Building")}
    return {kind: OrgLevel.objects.get_or_create(kind=kind, name=zh, defaults={"name_en": en})[0]
            for kind, (zh, en) in names.items()}


@pytest.fixture
def org_tree(db) -> Tree:
    from cocreate.orgs import services
    from cocreate.orgs.models import Kind

    lv = _levels()
    county = services.node_create(actor=None, parent=None, level=lv[Kind.COUNTY], name="测试县")
    street = services.node_create(actor=None, parent=county, level=lv[Kind.STREET], name="和平街道")
    community = services.node_create(actor=None, parent=street, level=lv[Kind.COMMUNITY], name="幸福社区")
    neighbour = services.node_create(actor=None, parent=street, level=lv[Kind.COMMUNITY], name="友谊社区")
    grid = services.node_create(actor=None, parent=community, level=lv[Kind.GRID], name="第一网格")
    building = services.node_create(actor=None, parent=grid, level=lv[Kind.BUILDING], name="1栋")
    neighbour_grid = services.node_create(actor=None, parent=neighbour, level=lv[Kind.GRID], name="友谊一网格")
    household = services.household_register(
        actor=None, node=building, address="1栋101", occupancy="resident",
        members=[{"name": "张小明", "phone": "13800138000", "relation": "head", "birth_year": 1950},
                 {"name": "李秀英", "relation": "spouse", "birth_year": 1952}])
    neighbour_household = services.household_register(
        actor=None, node=neighbour_grid, address="友谊路8号", occupancy="rented",
        members=[{"name": "王大伟", "phone": "13900139000", "relation": "head"}])
    return Tree(county, street, community, neighbour, grid, building, neighbour_grid, household,
                neighbour_household, household.members.get(relation="head"))


def make_staff(username: str, *, node=None, role: str | None = None, phone: str = ""):
    from cocreate.accounts.services import staff_user_create
    from cocreate.orgs.models import RoleGrant

    user = staff_user_create(actor=None, username=username, password=STAFF_PASSWORD, display_name=username,
                             phone=phone)
    if role:
        RoleGrant.objects.create(user=user, node=node, role=role)
    return user


@pytest.fixture
def cast(org_tree):
    """One account per role in the URL × role matrix."""
    from cocreate.accounts.services import resident_account_for_phone
    from cocreate.orgs import services
    from cocreate.orgs.models import Role

    resident = resident_account_for_phone(phone_e164="+8613800138000")
    link_head = make_staff("linkhead", node=org_tree.grid, role=Role.LINK_HEAD)
    leader = services.person_add(actor=None, household=org_tree.household,
                                 data={"name": "赵联户", "relation": "other"})
    leader.user = link_head
    leader.save()
    services.household_link_set(actor=None, household=org_tree.household, leader=leader, type="link_head")
    return {
        "resident": resident,
        "link_head": link_head,
        "grid_worker": make_staff("gridworker", node=org_tree.grid, role=Role.GRID_WORKER, phone="13700137000"),
        "cadre": make_staff("cadre", node=org_tree.community, role=Role.CADRE),
        "neighbour_cadre": make_staff("cadre2", node=org_tree.neighbour, role=Role.CADRE),
        "street_official": make_staff("street", node=org_tree.street, role=Role.STREET_OFFICIAL),
        "county_official": make_staff("county", node=org_tree.county, role=Role.COUNTY_OFFICIAL),
        "audit_admin": make_staff("auditor", node=org_tree.county, role=Role.AUDIT_ADMIN),
        "security_admin": make_staff("security", node=org_tree.county, role=Role.SECURITY_ADMIN),
    }


@pytest.fixture
def signed_in(client):
    def _sign_in(user, **kwargs):
        return sign_in(client, user, **kwargs)

    return _sign_in


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttles and rate limits live in the cache; no test inherits another's counters."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


QUERY_COUNTS = {"django_assert_num_queries", "django_assert_max_num_queries"}


@pytest.fixture(autouse=True)
def _pages_built_when_counted(request, settings):
    """The suite runs with pages kept (PAGE_CACHE_LOCAL); a test that counts a page's queries
    counts what building it costs, so it builds every time."""
    module = vars(request.module)
    if QUERY_COUNTS & set(request.fixturenames) or "CaptureQueriesContext" in module or "count_queries" in module:
        settings.PAGE_CACHE_SECONDS = 0
