"""Meetings: one meeting for every 60 households (5,000 at county scale), each in a grid with
every household of the grid invited, two agenda items with show-of-hands tallies, and a
check-in for four households in ten. Written with COPY (see needs.py for why).

Scenarios: a community's meetings list (staff), a meeting's console (staff), a resident's
meetings and a meeting's page for a resident.
"""

import random
import secrets
import time
from datetime import timedelta

from bench.capabilities.copy import copy_only, copy_rows
from bench.loadgen import Request, Scenario

NAME = "meetings"
HOUSEHOLDS_PER_MEETING = 60
ATTENDING_SHARE = 0.4
SAMPLE_MEETINGS = 64
SEED = 2027
KINDS = ("wuchang", "wanzi", "bandeng", "yuanba", "yishi")
TITLES = ("路灯改造屋场会", "小区停车议事会", "老旧小区改造板凳会", "垃圾分类院坝会", "助餐点选址湾子会")
MEETING_COLUMNS = ("created_at", "updated_at", "community_id", "node_id", "path", "kind", "title", "place",
                   "starts_at", "ends_at", "status", "checkin_token", "minutes", "invited_count",
                   "attended_household_count", "cancel_reason", "closed_at")


def available() -> bool:
    from django.apps import apps

    return apps.is_installed("cocreate.meetings")


def _root():
    from bench.capabilities.orgs import _root as orgs_root

    return orgs_root()


def generate(scale) -> dict:
    from cocreate.meetings.models import Meeting

    root = _root()
    want = scale.households // HOUSEHOLDS_PER_MEETING
    existing = Meeting.objects.filter(path__startswith=root.path)
    if existing.count() == want:
        return {"seconds": 0.0, "reused": True, "meetings": want}
    started = time.perf_counter()
    _wipe(root)
    counts = _build(root, want, random.Random(SEED))
    return {"seconds": round(time.perf_counter() - started, 1), "reused": False, **counts}


def _wipe(root) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for table in ("meetings_attendance", "meetings_invitation", "meetings_agendaitem"):
            cursor.execute(f"DELETE FROM {table} t USING meetings_meeting m "  # noqa: S608 -- our tables
                           "WHERE t.meeting_id = m.id AND m.path LIKE %s", [root.path + "%"])
        cursor.execute("DELETE FROM meetings_meeting WHERE path LIKE %s", [root.path + "%"])


def _grids(root) -> list[tuple[int, int, str, list[tuple[int, int]]]]:
    """(grid id, community id, grid path, [(household id, head person id)]) for every grid."""
    from cocreate.orgs.models import Kind, OrgUnit, Person

    communities = dict(OrgUnit.objects.in_subtree(root).of_kind(Kind.COMMUNITY).values_list("path", "id"))
    grids = list(OrgUnit.objects.in_subtree(root).of_kind(Kind.GRID).values_list("id", "path"))
    depth_c, depth_g = len(next(iter(communities))), len(grids[0][1])
    heads: dict[str, list] = {}
    for household, person, path in (Person.objects.in_subtree(root).filter(relation=Person.Relation.HEAD)
                                    .values_list("household_id", "id", "path").iterator(chunk_size=20_000)):
        heads.setdefault(path[:depth_g], []).append((household, person))
    return [(pk, communities[path[:depth_c]], path, heads.get(path, [])) for pk, path in grids]


def _build(root, want: int, rng: random.Random) -> dict:
    from django.db import connection, transaction
    from django.utils import timezone

    grids = [g for g in _grids(root) if g[3]]
    now = timezone.now()
    meetings, plan = [], []
    for i in range(want):
        grid, community, path, heads = grids[i % len(grids)]
        starts = now + timedelta(days=rng.randint(-365, 30), hours=rng.randint(8, 19))
        past = starts < now
        attending = rng.sample(heads, int(len(heads) * ATTENDING_SHARE)) if past else []
        meetings.append((starts, starts, community, grid, path, rng.choice(KINDS), rng.choice(TITLES), "党群服务中心",
                         starts, starts + timedelta(hours=2), "closed" if past else "planned",
                         secrets.token_urlsafe(16), "会议纪要：议定事项见附件。" if past else "", len(heads),
                         len(attending), "", starts + timedelta(hours=2) if past else None))
        plan.append((heads, attending, starts, past))
    with transaction.atomic(), connection.cursor() as cursor:
        ids = copy_rows(cursor, "meetings_meeting", MEETING_COLUMNS, meetings)
        invitations = copy_only(cursor, "meetings_invitation", ("meeting_id", "household_id"),
                                ((m, h) for m, (heads, *_rest) in zip(ids, plan, strict=True) for h, _p in heads))
        attendances = copy_only(
            cursor, "meetings_attendance", ("meeting_id", "person_id", "household_id", "method", "checked_in_at"),
            ((m, p, h, "qr", starts) for m, (_heads, attending, starts, _past) in zip(ids, plan, strict=True)
             for h, p in attending))
        agenda = copy_only(
            cursor, "meetings_agendaitem", ("meeting_id", "title", "order", "votes_for", "votes_against",
                                            "votes_abstain"),
            ((m, title, order, *(_tally(len(attending)) if past else (None, None, None)))
             for m, (_heads, attending, _starts, past) in zip(ids, plan, strict=True)
             for order, title in enumerate(("议定方案", "确定下次会议时间"))))
    return {"meetings": len(ids), "invitations": invitations, "attendances": attendances, "agenda_items": agenda}


def _tally(present: int) -> tuple[int, int, int]:
    against = present // 10
    abstain = present // 20
    return present - against - abstain, against, abstain


def fixtures(scale, sessions) -> dict:
    from cocreate.meetings.models import Invitation, Meeting
    from cocreate.orgs.models import Kind, OrgUnit, Person, Role, RoleGrant

    root = _root()
    communities = OrgUnit.objects.in_subtree(root).of_kind(Kind.COMMUNITY).order_by("path")
    community = communities[communities.count() // 2]
    meetings = Meeting.objects.filter(community=community).order_by("-starts_at", "-id")
    official = sessions.staff_user("bench_county", display_name="规模测试县干部")
    RoleGrant.objects.get_or_create(user=official, node=root, role=Role.COUNTY_OFFICIAL, revoked_at=None)
    sample = list(meetings.values_list("id", flat=True)[:SAMPLE_MEETINGS])
    # Residents invited to the community's latest meetings, and one of their meetings each.
    invited = (Invitation.objects.filter(meeting_id__in=sample).order_by("meeting_id", "household_id")
               .values_list("household_id", "meeting_id"))
    seen, pairs = set(), []
    for household, meeting in invited:
        if household not in seen:
            seen.add(household)
            pairs.append((household, meeting))
        if len(pairs) == scale.users:
            break
    heads = {p.household_id: p for p in Person.objects.filter(household_id__in=[h for h, _m in pairs],
                                                               relation=Person.Relation.HEAD)}
    residents = [(sessions.resident_for(heads[h], label=f"bench meetings resident {i}"), m)
                 for i, (h, m) in enumerate(pairs) if h in heads]
    return {
        "community": {"id": community.pk, "meetings": meetings.count()},
        "meeting_ids": sample,
        "staff_cookies": [sessions.mint(official) for _ in range(scale.users)],
        "residents": [{"cookie": sessions.mint(user), "meeting": meeting} for user, meeting in residents],
    }


def scenarios(t: dict) -> list[Scenario]:
    staff, residents = t["staff_cookies"], t["residents"]

    def as_staff(paths: list[str]) -> list[Request]:
        paths = paths * len(staff) if len(paths) < len(staff) else paths
        return [Request(p, headers={"Cookie": staff[i % len(staff)]}) for i, p in enumerate(paths)]

    return [
        Scenario("meetings_list", "Community meetings list (staff)", NAME,
                 as_staff([f"/staff/meetings/nodes/{t['community']['id']}/"]), expect_text="/staff/meetings/"),
        Scenario("meeting_console", "Meeting console (staff: attendance, agenda, tallies)", NAME,
                 as_staff([f"/staff/meetings/{pk}/" for pk in t["meeting_ids"]]), expect_text="/staff/meetings/"),
        Scenario("my_meetings", "My meetings (resident)", NAME,
                 [Request("/me/meetings/", headers={"Cookie": r["cookie"]}) for r in residents],
                 expect_text="/me/meetings/"),
        Scenario("meeting_page", "Meeting page (resident)", NAME,
                 [Request(f"/me/meetings/{r['meeting']}/", headers={"Cookie": r["cookie"]}) for r in residents],
                 expect_text="/me/meetings/"),
    ]
