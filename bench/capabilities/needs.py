"""Needs: one need for every three households (100,000 at county scale) and ten supports a need
(1,000,000), spread over every community, with the statuses weeks of work leave behind.

Rows are written with PostgreSQL COPY (the bench's generator, not the services: a million
audited service calls would take hours and measure nothing the scenarios read).

Scenarios: the resident's needs home (their needs and 最大公约数 of the community), a need's
page for a resident, and a community's staff list — first page and a deep page by keyset,
newest first and most supported first.
"""

import random
import time
from datetime import timedelta

from bench.capabilities.copy import copy_only, copy_rows
from bench.loadgen import Request, Scenario

NAME = "needs"
NEEDS_PER_HOUSEHOLD = 1 / 3
SUPPORTS_PER_NEED = 10
DEEP_PAGE = 10
SAMPLE_NEEDS = 64
SEED = 2026
STATUSES = (("received", 40), ("accepted", 20), ("deliberation", 10), ("service", 5), ("resolved", 20),
            ("declined", 5))
TEXTS = (
    "小区路灯坏了，晚上回家看不清路", "楼下的路灯晚上不亮", "进村的路坑坑洼洼，下雨天全是积水",
    "垃圾站旁边气味太大", "电动车没地方充电，都拉线到楼道里充", "想在空地上装几个健身器材",
    "老人多，希望办个老年食堂", "门口的绿化带没人管，杂草很高", "楼道里堆满了杂物，担心着火",
    "自来水水压小，高楼层经常没水", "希望有个地方让小孩放学后写作业", "小区门口没有减速带，车开得太快",
)


def available() -> bool:
    from django.apps import apps

    return apps.is_installed("cocreate.needs")


def _root():
    from bench.capabilities.orgs import _root as orgs_root

    return orgs_root()


def _target_needs(scale) -> int:
    return int(scale.households * NEEDS_PER_HOUSEHOLD)


def generate(scale) -> dict:
    from cocreate.needs.models import Need, Support

    root = _root()
    want_needs = _target_needs(scale)
    needs = Need.objects.filter(path__startswith=root.path)
    if _same_share(needs.count(), want_needs, root):
        return {"seconds": 0.0, "reused": True, "needs": want_needs,
                "supports": Support.objects.filter(need__path__startswith=root.path).count()}
    started = time.perf_counter()
    _wipe(root)
    made_needs, made_supports = _build(root, want_needs, random.Random(SEED))
    return {"seconds": round(time.perf_counter() - started, 1), "reused": False,
            "needs": made_needs, "supports": made_supports}


def _same_share(have: int, want: int, root) -> bool:
    """What `_build` made for `want`: it rounds each community's share, so up to half a need per
    community either way."""
    from cocreate.orgs.models import Kind, OrgUnit

    communities = OrgUnit.objects.filter(path__startswith=root.path, kind=Kind.COMMUNITY).count()
    return have > 0 and abs(have - want) <= communities / 2


def _wipe(root) -> None:
    from django.db import connection

    from bench.capabilities.projects import wipe_dependents

    wipe_dependents(root)  # projects refer to these rows
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM needs_support s USING needs_need n WHERE s.need_id = n.id AND n.path LIKE %s",
                       [root.path + "%"])
        cursor.execute("DELETE FROM needs_need WHERE path LIKE %s", [root.path + "%"])


def _households_by_community(root) -> dict[int, list[tuple[int, int, str]]]:
    """community id → [(household id, node id, path)], in one pass over the households."""
    from cocreate.orgs.models import Household, Kind, OrgUnit

    communities = dict(OrgUnit.objects.in_subtree(root).of_kind(Kind.COMMUNITY).values_list("path", "id"))
    depth = len(next(iter(communities)))  # every community sits at the same depth in seed_scale's tree
    groups: dict[int, list] = {}
    for pk, node_id, path in Household.objects.in_subtree(root).values_list("id", "node_id", "path").iterator(
            chunk_size=20_000):
        community = communities.get(path[:depth])
        if community is not None:
            groups.setdefault(community, []).append((pk, node_id, path))
    return groups


def _build(root, want_needs: int, rng: random.Random) -> tuple[int, int]:
    from django.db import connection, transaction
    from django.utils import timezone

    from cocreate.needs import similarity
    from cocreate.needs.models import Category

    categories = list(Category.objects.values_list("id", flat=True))
    terms = {text: similarity.terms(text) for text in TEXTS}
    statuses = [s for s, weight in STATUSES for _ in range(weight)]
    groups = _households_by_community(root)
    total_households = sum(len(h) for h in groups.values())
    now = timezone.now()
    need_rows, support_plan = [], []
    for community, households in groups.items():
        share = round(want_needs * len(households) / total_households)
        for _ in range(share):
            household, node, path = rng.choice(households)
            text, status = rng.choice(TEXTS), rng.choice(statuses)
            created = now - timedelta(minutes=rng.randint(0, 60 * 24 * 180))
            closed = created + timedelta(days=3) if status in ("resolved", "declined") else None
            supporters = [h[0] for h in rng.sample(households, min(len(households), SUPPORTS_PER_NEED + 1))
                          if h[0] != household][:SUPPORTS_PER_NEED]
            need_rows.append((created, created, community, node, path, household, "self", "", "", text, terms[text],
                              rng.choice(categories), "household", status, "", "", len(supporters),
                              created + timedelta(days=7), closed))
            support_plan.append((supporters, created))
    with transaction.atomic(), connection.cursor() as cursor:
        ids = copy_rows(cursor, "needs_need", NEED_COLUMNS, need_rows)
        supports = copy_only(cursor, "needs_support", ("need_id", "household_id", "created_at"),
                             _support_rows(ids, support_plan))
    return len(ids), supports


NEED_COLUMNS = ("created_at", "updated_at", "community_id", "node_id", "path", "household_id", "channel",
                "consent_method", "consent_slip", "text", "terms", "category_id", "place", "status", "scope",
                "decline_reason", "support_count", "due_at", "closed_at")


def _support_rows(need_ids: list[int], plan: list[tuple[list[int], object]]):
    for need_id, (households, created) in zip(need_ids, plan, strict=True):
        for household_id in households:
            yield need_id, household_id, created


def fixtures(scale, sessions) -> dict:
    from cocreate.needs.models import Need
    from cocreate.needs.selectors import PAGE_SIZE
    from cocreate.orgs.models import Kind, OrgUnit, Person, Role, RoleGrant

    root = _root()
    communities = OrgUnit.objects.in_subtree(root).of_kind(Kind.COMMUNITY).order_by("path")
    community = communities[communities.count() // 2]
    needs = Need.objects.filter(community=community).exclude(status="merged").order_by("-id")
    deep = needs.values_list("id", flat=True)[DEEP_PAGE * PAGE_SIZE - 1]
    by_support = needs.order_by("-support_count", "-id").values_list("support_count", "id")[DEEP_PAGE * PAGE_SIZE - 1]
    official = sessions.staff_user("bench_county", display_name="规模测试县干部")
    RoleGrant.objects.get_or_create(user=official, node=root, role=Role.COUNTY_OFFICIAL, revoked_at=None)
    heads = Person.objects.in_subtree(community).filter(relation=Person.Relation.HEAD).order_by("id")[: scale.users]
    residents = [sessions.resident_for(person, label=f"bench needs resident {i}") for i, person in enumerate(heads)]
    step = max(1, needs.count() // SAMPLE_NEEDS)
    return {
        "community": {"id": community.pk, "needs": needs.count(), "deep_page": DEEP_PAGE + 1,
                      "deep_before": f"0.{deep}", "deep_before_support": f"{by_support[0]}.{by_support[1]}"},
        "need_ids": list(needs.values_list("id", flat=True)[::step][:SAMPLE_NEEDS]),
        "staff_cookies": [sessions.mint(official) for _ in range(scale.users)],
        "resident_cookies": [sessions.mint(user) for user in residents],
    }


def scenarios(t: dict) -> list[Scenario]:
    staff, residents, community = t["staff_cookies"], t["resident_cookies"], t["community"]
    htmx = {"HX-Request": "true"}

    def cycle(paths: list[str], cookies: list[str], extra: dict | None = None) -> list[Request]:
        paths = paths * len(cookies) if len(paths) < len(cookies) else paths
        return [Request(p, headers={"Cookie": cookies[i % len(cookies)], **(extra or {})})
                for i, p in enumerate(paths)]

    lst = f"/staff/needs/nodes/{community['id']}/"
    return [
        Scenario("needs_resident_home", "Resident needs home (/me/needs/: mine + 最大公约数)", NAME,
                 cycle(["/me/needs/"], residents), expect_text="/me/needs/new/"),
        Scenario("need_detail", "Need page, resident (/me/needs/<id>/)", NAME,
                 cycle([f"/me/needs/{pk}/" for pk in t["need_ids"]], residents), expect_text="/me/needs/"),
        Scenario("needs_list_first", "Community needs list, staff, first page (full page)", NAME,
                 cycle([lst], staff), expect_text="/staff/needs/"),
        Scenario("needs_list_first_rows", "Community needs list, staff, first page (htmx rows)", NAME,
                 cycle([lst], staff, htmx), expect_text="/staff/needs/"),
        Scenario("needs_list_deep_rows", f"Community needs list, page {community['deep_page']} (htmx rows)", NAME,
                 cycle([f"{lst}?before={community['deep_before']}"], staff, htmx), expect_text="/staff/needs/"),
        Scenario("needs_list_support_deep", f"Most supported needs, page {community['deep_page']} (htmx rows)",
                 NAME, cycle([f"{lst}?order=support&before={community['deep_before_support']}"], staff, htmx),
                 expect_text="/staff/needs/"),
    ]
