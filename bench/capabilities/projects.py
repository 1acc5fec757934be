"""Projects (发展共建): one project for every 30 households (10,000 at county scale), spread over
every community, each with three budget lines, a funding plan of four sources, two milestones
and a progress report, started from its community's bench topic and one of the topic's
published ballots (from the ballots module) and three of the community's needs; two past
meetings of each community get the topic on their agenda with a show of hands, so the trace
page has its whole thread. The contribution ledger has 50 entries a project (500,000): households
of the project's community giving cash, labour, materials, land or equipment, valued with the
county's valuation table (¥150 a person-day of 8 hours, five material prices); one project in
four has a reversal among them. `Project.contributed_fen` is the sum of its entries.

Written with COPY (see needs.py for why). The ledger is append-only (a trigger refuses UPDATE
and DELETE): regenerating disables that trigger inside the wiping transaction only.

Scenarios: recording a contribution through the JSON API (a cadre's multipart POST with an
evidence photo: project row lock, valuation, the ledger row, the audit event), the public trace
page (needs → meetings → ballot → project), and the projects lists of the API for staff and
residents.
"""

import base64
import io
import random
import time
import uuid
from datetime import timedelta
from decimal import Decimal

from bench.capabilities.copy import copy_only, copy_rows
from bench.loadgen import Request, Scenario

NAME = "projects"
HOUSEHOLDS_PER_PROJECT = 30
ENTRIES_PER_PROJECT = 50
REVERSAL_EVERY = 4  # one project in four has one reversal among its entries
NEEDS_PER_PROJECT = 3
AGENDA_MEETINGS = 2  # past meetings per community that discussed its topic
SAMPLE_PROJECTS = 64
SEED = 2029
AGENDA_TITLE = "bench: 项目议题"
LABOUR_DAY_FEN, HOURS_PER_DAY = 15000, 8
MATERIALS = (("水泥", "吨", 48000), ("砂石", "方", 12000), ("红砖", "千块", 50000), ("钢筋", "吨", 420000),
             ("木材", "方", 180000))
STATUSES = (("planning", 10), ("funding", 20), ("building", 40), ("completed", 20), ("handed_over", 10))
KINDS = (("cash", 40), ("labour", 35), ("materials", 15), ("land", 5), ("equipment", 5))
TITLES = ("路灯改造", "背街小巷硬化", "口袋公园", "老年食堂", "电动车充电棚", "垃圾分类亭", "休闲广场",
          "排水沟疏通", "文化墙", "停车位划线")
ITEMS = (("材料费", 0.5), ("人工费", 0.3), ("设备租赁", 0.2))
SOURCES = (("resident_cash", 0.15), ("partner", 0.1), ("award", 0.4), ("government", 0.25))
PROJECT_COLUMNS = ("created_at", "updated_at", "community_id", "node_id", "path", "title", "scope", "status",
                   "topic_id", "ballot_id", "budget_fen", "contributed_fen", "progress_percent", "status_changed_at")
ENTRY_COLUMNS = ("project_id", "community_id", "kind", "household_id", "cash_fen", "hours", "material_id",
                 "quantity", "area_m2", "description", "anonymous", "value_fen", "reverses_id", "reason", "evidence",
                 "created_at")
EVIDENCE = "projects/evidence/bench/receipt.jpg"


def available() -> bool:
    from django.apps import apps

    return apps.is_installed("cocreate.projects")


def _root():
    from bench.capabilities.orgs import _root as orgs_root

    return orgs_root()


def _want(scale) -> int:
    return max(1, scale.households // HOUSEHOLDS_PER_PROJECT)


def generate(scale) -> dict:
    from cocreate.projects.models import Contribution, Project

    root = _root()
    want = _want(scale)
    projects = Project.objects.filter(path__startswith=root.path)
    entries = Contribution.objects.filter(project__path__startswith=root.path).count()
    if projects.count() == want and entries >= want * ENTRIES_PER_PROJECT:  # the write scenario adds entries
        return {"seconds": 0.0, "reused": True, "projects": want, "contributions": entries}
    started = time.perf_counter()
    _wipe(root)
    counts = _build(root, want, random.Random(SEED))
    return {"seconds": round(time.perf_counter() - started, 1), "reused": False, **counts}


def wipe_dependents(root) -> None:
    """For the modules the projects are built on (needs, ballots): before they regenerate their
    rows, the projects referring to them go (and are built again by `generate`, which finds them
    missing)."""
    if available():
        _wipe(root)


def _wipe(root) -> None:
    from django.db import connection, transaction

    like = [root.path + "%"]
    with transaction.atomic(), connection.cursor() as cursor:
        # The ledger's trigger refuses DELETE; off for this transaction's DELETE only (ALTER TABLE is
        # transactional). Foreign keys are checked at once: ALTER TABLE refuses pending (deferred) checks.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE projects_contribution DISABLE TRIGGER contribution_append_only")
        cursor.execute("DELETE FROM projects_contribution c USING projects_project p "
                       "WHERE c.project_id = p.id AND p.path LIKE %s", like)
        cursor.execute("ALTER TABLE projects_contribution ENABLE TRIGGER contribution_append_only")
        for table in ("projects_pledge", "projects_budgetline", "projects_fundingsource", "projects_milestone",
                      "projects_projecttask", "projects_progressupdate", "projects_project_needs"):
            cursor.execute(f"DELETE FROM {table} t USING projects_project p "  # noqa: S608 -- our tables
                           "WHERE t.project_id = p.id AND p.path LIKE %s", like)
        cursor.execute("DELETE FROM projects_project WHERE path LIKE %s", like)
        cursor.execute("DELETE FROM meetings_agendaitem a USING meetings_meeting m "
                       "WHERE a.meeting_id = m.id AND m.path LIKE %s AND a.title = %s", [*like, AGENDA_TITLE])
        # The county's valuation table stays: `_valuation` sets it again.


def _communities(root) -> list[dict]:
    """Every community with its households, needs, bench topic, published ballots and past
    meetings, in one pass over each table."""
    from cocreate.decisions.models import Ballot
    from cocreate.meetings.models import Meeting, Topic
    from cocreate.needs.models import Need
    from cocreate.orgs.models import Household, Kind, OrgUnit

    communities = dict(OrgUnit.objects.in_subtree(root).of_kind(Kind.COMMUNITY).values_list("path", "id"))
    depth = len(next(iter(communities)))
    rows = {pk: {"id": pk, "path": path, "households": [], "needs": [], "topic": None, "ballots": [], "meetings": []}
            for path, pk in communities.items()}
    for pk, path in Household.objects.in_subtree(root).values_list("id", "path").iterator(chunk_size=20_000):
        community = communities.get(path[:depth])
        if community is not None:
            rows[community]["households"].append(pk)
    for community, pk in Need.objects.filter(path__startswith=root.path).exclude(status="merged").order_by(
            "community_id", "-support_count", "id").values_list("community_id", "id").iterator(chunk_size=20_000):
        if community in rows and len(rows[community]["needs"]) < 60:
            rows[community]["needs"].append(pk)
    for community, pk in Topic.objects.filter(path__startswith=root.path, title__startswith="bench:").values_list(
            "community_id", "id"):
        if community in rows:
            rows[community]["topic"] = pk
    for community, pk, topic in Ballot.objects.filter(path__startswith=root.path, status="published").values_list(
            "community_id", "id", "topic_id"):
        if community in rows and topic == rows[community]["topic"]:
            rows[community]["ballots"].append(pk)
    for community, pk, present in (Meeting.objects.filter(path__startswith=root.path, status="closed")
                                   .order_by("community_id", "-starts_at").values_list(
                                       "community_id", "id", "attended_household_count")):
        if community in rows and len(rows[community]["meetings"]) < AGENDA_MEETINGS:
            rows[community]["meetings"].append((pk, present))
    return [row for row in rows.values() if row["households"]]


def _valuation(root) -> list[tuple[int, int]]:
    """The county's table through the ORM (six rows); [(material id, price in fen)]."""
    from cocreate.projects.models import MaterialPrice, Valuation

    table, _made = Valuation.objects.update_or_create(node=root, defaults={
        "labour_day_fen": LABOUR_DAY_FEN, "hours_per_day": HOURS_PER_DAY})
    return [(MaterialPrice.objects.update_or_create(valuation=table, name=name, unit=unit,
                                                    defaults={"price_fen": price, "active": True})[0].pk, price)
            for name, unit, price in MATERIALS]


def _weighted(pairs) -> list[str]:
    return [value for value, weight in pairs for _ in range(weight)]


def _gift(rng: random.Random, materials: list[tuple[int, int]], kinds: list[str], val) -> tuple:
    """(kind, cash_fen, hours, material id, quantity, area_m2, description, value_fen), valued by
    `val` (cocreate.projects.valuation), as the services do."""
    kind = rng.choice(kinds)
    if kind == "cash":
        cash = rng.randint(50, 2000) * 100
        return kind, cash, 0, None, Decimal(0), Decimal(0), "", cash
    if kind == "labour":
        hours = rng.choice((4, 8, 8, 16, 24, 40))
        return kind, 0, hours, None, Decimal(0), Decimal(0), "", val.labour_value(
            hours, day_fen=LABOUR_DAY_FEN, hours_per_day=HOURS_PER_DAY)
    if kind == "materials":
        material, price = rng.choice(materials)
        quantity = Decimal(rng.randint(500, 5000)) / 1000
        return kind, 0, 0, material, quantity, Decimal(0), "", val.material_value(quantity, price_fen=price)
    if kind == "land":
        return kind, 0, 0, None, Decimal(0), Decimal(rng.randint(1000, 20000)) / 100, "让出菜地", 0
    value = rng.randint(5, 50) * 10000
    return kind, 0, 0, None, Decimal(0), Decimal(0), "挖掘机 1 台班", value


def _build(root, want: int, rng: random.Random) -> dict:
    from django.db import connection, transaction
    from django.utils import timezone

    from cocreate.projects import valuation as val

    communities = _communities(root)
    materials = _valuation(root)
    statuses, kinds = _weighted(STATUSES), _weighted(KINDS)
    now = timezone.now()
    projects, plans = [], []
    for i in range(want):
        c = communities[i % len(communities)]
        status = rng.choice(statuses)
        created = now - timedelta(days=rng.randint(30, 720), minutes=rng.randint(0, 1440))
        lines = [(item, int(share * rng.randint(50_000, 500_000)) * 100) for item, share in ITEMS]
        budget = sum(amount for _item, amount in lines)
        entries = [(created + timedelta(hours=rng.randint(1, 24 * 25)), rng.choice(c["households"]),
                    _gift(rng, materials, kinds, val), rng.random() < 0.05)
                   for _ in range(ENTRIES_PER_PROJECT - (1 if i % REVERSAL_EVERY == 0 else 0))]
        reverses_first = i % REVERSAL_EVERY == 0
        contributed = sum(gift[-1] for _at, _h, gift, _anon in entries) - (entries[0][2][-1] if reverses_first else 0)
        progress = {"planning": 0, "funding": 10, "building": rng.randint(20, 90)}.get(status, 100)
        ballot = rng.choice(c["ballots"]) if c["ballots"] else None
        projects.append((created, created, c["id"], c["id"], c["path"], f"{rng.choice(TITLES)} {i}",
                         "bench: 施工范围、规模与受益户数见方案。", status, c["topic"], ballot, budget, contributed,
                         progress, created + timedelta(days=3)))
        needs = rng.sample(c["needs"], min(NEEDS_PER_PROJECT, len(c["needs"])))
        plans.append((c, created, lines, budget, entries, reverses_first, needs, progress))
    with transaction.atomic(), connection.cursor() as cursor:
        ids = copy_rows(cursor, "projects_project", PROJECT_COLUMNS, projects)
        plan = list(zip(ids, plans, strict=True))
        copy_only(cursor, "projects_budgetline", ("project_id", "item", "amount_fen"),
                  ((p, item, amount) for p, (_c, _at, lines, *_r) in plan for item, amount in lines))
        copy_only(cursor, "projects_fundingsource", ("project_id", "kind", "amount_fen", "note"),
                  ((p, kind, int(budget * share), "") for p, (_c, _at, _l, budget, *_r) in plan
                   for kind, share in SOURCES))
        copy_only(cursor, "projects_milestone", ("project_id", "title", "due_date", "done_on"),
                  ((p, title, (at + timedelta(days=days)).date(), (at + timedelta(days=days)).date()
                    if progress >= done_at else None)
                   for p, (_c, at, _l, _b, _e, _r, _n, progress) in plan
                   for title, days, done_at in (("材料进场", 30, 30), ("完工验收", 90, 100))))
        copy_only(cursor, "projects_progressupdate", ("project_id", "text", "percent", "photo", "created_at"),
                  ((p, "bench: 施工进展顺利。", progress, "", at + timedelta(days=20))
                   for p, (_c, at, _l, _b, _e, _r, _n, progress) in plan if progress))
        copy_only(cursor, "projects_project_needs", ("project_id", "need_id"),
                  ((p, need) for p, (_c, _at, _l, _b, _e, _r, needs, _p) in plan for need in needs))
        entry_ids = copy_rows(cursor, "projects_contribution", ENTRY_COLUMNS, _entry_rows(plan))
        firsts, k = [], 0
        for _p, (_c, _at, _l, _b, entries, reverses_first, *_r) in plan:
            if reverses_first:
                firsts.append(entry_ids[k])
            k += len(entries)
        reversals = copy_only(cursor, "projects_contribution", ENTRY_COLUMNS, _reversal_rows(plan, firsts))
        agenda = copy_only(
            cursor, "meetings_agendaitem", ("meeting_id", "topic_id", "title", "order", "votes_for", "votes_against",
                                            "votes_abstain", "tally_recorded_at"),
            ((meeting, c["topic"], AGENDA_TITLE, 2, present - present // 10, present // 10, 0, now)
             for c in communities if c["topic"] for meeting, present in c["meetings"]))
    return {"projects": len(ids), "contributions": len(entry_ids) + reversals, "reversals": reversals,
            "agenda_items": agenda, "materials": len(materials)}


def _entry_rows(plan):
    for p, (c, _at, _l, _b, entries, *_r) in plan:
        for at, household, gift, anonymous in entries:
            kind, cash, hours, material, quantity, area, description, value = gift
            yield (p, c["id"], kind, household, cash, hours, material, quantity, area, description, anonymous, value,
                   None, "", EVIDENCE, at)


def _reversal_rows(plan, firsts: list[int]):
    first = iter(firsts)
    for p, (c, _at, _l, _b, entries, reverses_first, *_r) in plan:
        if not reverses_first:
            continue
        at, household, gift, anonymous = entries[0]
        kind, cash, hours, material, quantity, area, description, value = gift
        yield (p, c["id"], kind, household, -cash, -hours, material, -quantity, -area, description, anonymous,
               -value, next(first), "bench: 录入错误，冲销", "", at + timedelta(days=1))


# --- fixtures and scenarios ------------------------------------------------------------------------

def _jpeg() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (320, 240), (170, 160, 150)).save(out, "JPEG", quality=80)
    return out.getvalue()


def fixtures(scale, sessions) -> dict:
    from django.conf import settings
    from django.utils.crypto import get_random_string

    from cocreate.orgs.models import Kind, OrgUnit, Person, Role, RoleGrant
    from cocreate.projects.models import Contribution, Project

    root = _root()
    communities = OrgUnit.objects.in_subtree(root).of_kind(Kind.COMMUNITY).order_by("path")
    community = communities[communities.count() // 2]
    projects = Project.objects.filter(community=community).order_by("-id")
    official = sessions.staff_user("bench_county", display_name="规模测试县干部")
    RoleGrant.objects.get_or_create(user=official, node=root, role=Role.COUNTY_OFFICIAL, revoked_at=None)
    cadre = sessions.staff_user("bench_cadre", display_name="规模测试社区干部")
    RoleGrant.objects.filter(user=cadre).exclude(node=community).delete()  # the same community on every run
    RoleGrant.objects.get_or_create(user=cadre, node=community, role=Role.CADRE, revoked_at=None)
    # Each user records into a project of their own that takes contributions (row locks do not
    # pile up on one project), for households of the community.
    open_projects = list(projects.filter(status__in=Project.TAKES_CONTRIBUTIONS).values_list("id", flat=True)[
        : scale.users])
    heads = list(Person.objects.in_subtree(community).filter(relation=Person.Relation.HEAD).order_by("id")
                 .values_list("household_id", flat=True)[: 64])
    residents = [sessions.resident_for(person, label=f"bench projects resident {i}") for i, person in enumerate(
        Person.objects.in_subtree(community).filter(relation=Person.Relation.HEAD).order_by("-id")[: scale.users])]
    sample = list(projects.values_list("id", flat=True)[:: max(1, projects.count() // SAMPLE_PROJECTS)][
        :SAMPLE_PROJECTS])
    csrf = get_random_string(32)
    return {
        "community": {"id": community.pk, "projects": projects.count()},
        "record_projects": open_projects,
        "households": heads,
        "entries_before": Contribution.objects.filter(project_id__in=open_projects).count(),
        "trace_projects": sample,
        "photo_b64": base64.b64encode(_jpeg()).decode(),
        "cadre_cookies": [sessions.mint(cadre, csrf) for _ in range(scale.users)],
        "csrf": csrf,
        "staff_cookies": [sessions.mint(official) for _ in range(scale.users)],
        "resident_cookies": [sessions.mint(user) for user in residents],
        # A visitor of the public trace page is not signed in, but their browser keeps the CSRF
        # cookie the site set on their first visit.
        "visitor_cookies": [f"{settings.CSRF_COOKIE_NAME}={get_random_string(32)}" for _ in range(scale.users)],
    }


def _multipart(fields: dict, photo: bytes) -> tuple[str, bytes]:
    boundary = f"bench{uuid.uuid4().hex}"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="evidence"; filename="receipt.jpg"\r\n'
                 "Content-Type: image/jpeg\r\n\r\n".encode() + photo + b"\r\n")
    return f"multipart/form-data; boundary={boundary}", b"".join(parts) + f"--{boundary}--\r\n".encode()


def scenarios(t: dict) -> list[Scenario]:
    photo = base64.b64decode(t["photo_b64"])
    cadres, staff, residents = t["cadre_cookies"], t["staff_cookies"], t["resident_cookies"]
    visitors = t["visitor_cookies"]
    community = t["community"]["id"]
    records = []
    # User u sends requests u, u + users, …: with as many requests as cookies, user u keeps
    # cookie u and project u; the gifts vary with the household.
    for i, cookie in enumerate(cadres):
        project = t["record_projects"][i % len(t["record_projects"])]
        kind = ("cash", "labour")[i % 2]
        fields = {"kind": kind, "household": t["households"][i % len(t["households"])],
                  **({"cash_yuan": 100 + i} if kind == "cash" else {"hours": 4 + i % 8})}
        content_type, body = _multipart(fields, photo)
        records.append(Request(f"/api/v1/staff/projects/{project}/contributions", method="POST", body=body,
                               headers={"Cookie": cookie, "Content-Type": content_type, "X-CSRFToken": t["csrf"],
                                        "Accept": "application/json"}))

    def cycle(paths: list[str], cookies: list[str]) -> list[Request]:
        paths = paths * len(cookies) if len(paths) < len(cookies) else paths
        return [Request(p, headers={"Cookie": cookies[i % len(cookies)], "Accept": "application/json"})
                for i, p in enumerate(paths)]

    return [
        Scenario("contribution_record", "Record a contribution (API, multipart with photo: lock, value, ledger, audit)",
                 NAME, records, expect_status=201, expect_text='"value_fen"', read=False,
                 note="entries afterwards: SELECT count(*) FROM projects_contribution WHERE project_id = ANY(the "
                      "record projects) — entries_before + every request sent, check included"),
        Scenario("project_trace", "Project trace page, public (需求→会议→投票→项目)", NAME,
                 [Request(f"/me/projects/{pk}/trace/", headers={"Cookie": visitors[n % len(visitors)]})
                  for n, pk in enumerate(t["trace_projects"] * len(visitors))],
                 expect_text='id="trace-project"'),
        Scenario("api_projects_staff", "API: a community's projects, staff (first page)", NAME,
                 cycle([f"/api/v1/staff/nodes/{community}/projects"], staff), expect_text='"items"'),
        Scenario("api_projects_resident", "API: my community's projects, resident (first page)", NAME,
                 cycle(["/api/v1/projects"], residents), expect_text='"items"'),
    ]
