"""The organisation tree: county → streets → communities → grids → households and persons,
built by `manage.py seed_scale` (its share: the tree itself, 3 persons a household).

Scenarios: the resident's home, a community's household list (first page, the rows of the
first page and of a deep page by keyset cursor), a deep page of the whole county's list, a
household's page and the county overview, read by a county official.
"""

import time

from bench.loadgen import Request, Scenario

NAME = "orgs"
ROOT_NAME = "规模测试县"  # the root seed_scale builds under
DEEP_PAGE = 15  # the deep page of a community's list: rows 751-800 (a community has ~1,000)
SAMPLE_HOUSEHOLDS = 64  # household pages and resident homes are spread over this many rows


def available() -> bool:
    return True


def _root():
    from cocreate.orgs.models import OrgUnit

    return OrgUnit.objects.filter(name=ROOT_NAME).order_by("depth", "id").first()


def generate(scale) -> dict:
    from django.core.management import call_command

    from cocreate.orgs.models import Household, Kind, OrgUnit

    root = _root()
    if root is not None:
        households = Household.objects.in_subtree(root).count()
        communities = OrgUnit.objects.in_subtree(root).of_kind(Kind.COMMUNITY).count()
        if households == scale.households and communities == scale.communities:
            return {"seconds": 0.0, "reused": True, "households": households, "communities": communities}
    started = time.perf_counter()
    call_command("seed_scale", households=scale.households, communities=scale.communities,
                 grids_per_community=scale.grids_per_community, verbosity=1)
    seconds = time.perf_counter() - started
    root = _root()
    return {"seconds": round(seconds, 1), "reused": False,
            "households": Household.objects.in_subtree(root).count(),
            "communities": OrgUnit.objects.in_subtree(root).of_kind(Kind.COMMUNITY).count()}


def _spread_ids(model, root, count: int) -> list[int]:
    """`count` primary keys evenly spread over the subtree, in one query each."""
    qs = model.objects.in_subtree(root).order_by("pk")
    first, last = qs.values_list("pk", flat=True).first(), qs.reverse().values_list("pk", flat=True).first()
    step = max(1, (last - first) // count)
    ids = []
    for i in range(count):
        pk = qs.filter(pk__gte=first + i * step).values_list("pk", flat=True).first()
        if pk is not None and pk not in ids:
            ids.append(pk)
    return ids


def _cursor(households, offset: int) -> str:
    path, pk = households.order_by("path", "id").values_list("path", "id")[offset]
    return f"{path}.{pk}"


def fixtures(scale, sessions) -> dict:
    from django.db.models import Count

    from cocreate.orgs.models import Household, Kind, OrgUnit, Person, Role, RoleGrant
    from cocreate.orgs.selectors import PAGE_SIZE

    root = _root()
    county_households = Household.objects.in_subtree(root)
    # The community in the middle of the county (by path), of typical size.
    communities = OrgUnit.objects.in_subtree(root).of_kind(Kind.COMMUNITY).order_by("path")
    community = communities[communities.count() // 2]
    community_households = Household.objects.in_subtree(community)
    size = community_households.count()
    deep_page = max(1, min(DEEP_PAGE, size // PAGE_SIZE - 1))
    deep_offset = deep_page * PAGE_SIZE - 1  # the last row of the page before the deep page

    county_size = county_households.count()
    household_ids = _spread_ids(Household, root, SAMPLE_HOUSEHOLDS)

    official = sessions.staff_user("bench_county", display_name="规模测试县干部")
    RoleGrant.objects.get_or_create(user=official, node=root, role=Role.COUNTY_OFFICIAL, revoked_at=None)

    # Residents: the heads of the sampled households, one account each.
    heads = (Person.objects.filter(household_id__in=household_ids, relation=Person.Relation.HEAD)
             .order_by("household_id"))
    residents = [sessions.resident_for(person, label=f"bench resident {i}")
                 for i, person in enumerate(heads[: scale.users])]
    members = dict(Household.objects.filter(pk__in=household_ids).annotate(n=Count("members"))
                   .values_list("pk", "n"))
    return {
        "county": {"id": root.pk, "name": root.name, "households": county_size,
                   "persons": Person.objects.in_subtree(root).count(),
                   "deep_after": _cursor(county_households, county_size // 2)},
        "community": {"id": community.pk, "name": community.name, "households": size,
                      "deep_page": deep_page + 1, "deep_after": _cursor(community_households, deep_offset)},
        "household_ids": household_ids,
        "members_per_household": round(sum(members.values()) / max(1, len(members)), 2),
        "staff_cookies": [sessions.mint(official) for _ in range(scale.users)],
        "resident_cookies": [sessions.mint(user) for user in residents],
    }


def scenarios(t: dict) -> list[Scenario]:
    staff, residents = t["staff_cookies"], t["resident_cookies"]
    htmx = {"HX-Request": "true"}
    community, county = t["community"], t["county"]

    def as_staff(paths: list[str], extra: dict | None = None) -> list[Request]:
        # With as many paths as sessions or a multiple, user u keeps session u.
        paths = paths * len(staff) if len(paths) < len(staff) else paths
        return [Request(p, headers={"Cookie": staff[i % len(staff)], **(extra or {})}) for i, p in enumerate(paths)]

    node = f"/staff/nodes/{community['id']}/"
    return [
        Scenario("resident_home", "Resident home (/me/)", NAME,
                 [Request("/me/", headers={"Cookie": c}) for c in residents],
                 expect_text='data-testid="household-address"'),
        Scenario("list_first", "Community household list, first page (full node page)", NAME,
                 as_staff([node]), expect_text='data-testid="stat-households"', group="growth"),
        Scenario("list_first_rows", "Community household list, first page (htmx rows)", NAME,
                 as_staff([node], htmx), expect_text="/staff/households/", group="growth"),
        Scenario("list_deep_rows", f"Community household list, page {community['deep_page']} (htmx rows, ?after=)",
                 NAME, as_staff([f"{node}?after={community['deep_after']}"], htmx),
                 expect_text="/staff/households/", group="growth"),
        Scenario("county_list_deep_rows", "County household list, middle page (htmx rows, ?after=)", NAME,
                 as_staff([f"/staff/nodes/{county['id']}/?after={county['deep_after']}"], htmx),
                 expect_text="/staff/households/"),
        Scenario("household_detail", "Household detail (/staff/households/<id>/)", NAME,
                 as_staff([f"/staff/households/{pk}/" for pk in t["household_ids"]]),
                 expect_text="/staff/nodes/"),
        Scenario("county_overview", "County overview (county node page)", NAME,
                 as_staff([f"/staff/nodes/{county['id']}/"]), expect_text='data-testid="stat-households"'),
    ]
