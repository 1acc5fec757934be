"""The projects endpoints of the JSON API: the pages' forms, services and selectors, in JSON."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cocreate.api.tests.test_needs_api import NewEvents
from cocreate.decisions.tests import conftest as decisions_fixtures
from cocreate.projects import services
from cocreate.projects.models import Contribution, Pledge, Project
from cocreate.projects.services import Contributor, Gift, Origin

from .conftest import photo

pytestmark = pytest.mark.django_db
topic, make_ballot = decisions_fixtures.topic, decisions_fixtures.make_ballot  # the decisions tests' fixtures


# --- fixtures ------------------------------------------------------------------------------------

def multipart(client, name, token, fields, *, headers=None, **kwargs):
    return client.post(reverse(f"api:{name}", kwargs=kwargs), fields,
                       headers={"Authorization": f"Bearer {token}", "Accept-Language": "en", **(headers or {})})


@pytest.fixture
def category(db):
    from cocreate.needs.models import Category

    return Category.objects.update_or_create(code="lighting", defaults={
        "name": "路灯照明", "name_en": "Street lighting", "sla_days": 3})[0]


@pytest.fixture
def valuation(org_tree):
    """The county's table: a person-day is worth ¥150 (8 hours); cement ¥480 a tonne."""
    table = services.valuation_set(actor=None, node=org_tree.county, labour_day_fen=15000, hours_per_day=8)
    cement = services.material_price_set(actor=None, node=org_tree.county, name="水泥", unit="吨", price_fen=48000)
    return table, cement


@pytest.fixture
def need(cast, org_tree, category):
    from cocreate.needs.services import need_raise

    return need_raise(actor=cast["resident"], person=org_tree.resident_person, text="小区路灯坏了，晚上看不清路",
                      category=category)


def _project(cast, node, *, needs, title="小区路灯改造") -> Project:
    return services.project_create(actor=cast["cadre"] if cast else None, node=node, title=title,
                                   scope="更换20盏LED路灯，覆盖1栋到6栋", origin=Origin(needs=tuple(needs)))


@pytest.fixture
def project(cast, org_tree, need, valuation):
    """A project of the community, started from the resident's need, with a budget of ¥10,000 and
    a plan: ¥2,000 from residents, ¥5,000 as an award."""
    made = _project(cast, org_tree.community, needs=[need])
    services.budget_line_add(actor=cast["cadre"], project=made, item="LED路灯20盏", amount_fen=800_000)
    services.budget_line_add(actor=cast["cadre"], project=made, item="安装人工", amount_fen=200_000)
    services.funding_source_add(actor=cast["cadre"], project=made, kind="resident_cash", amount_fen=200_000)
    services.funding_source_add(actor=cast["cadre"], project=made, kind="award", amount_fen=500_000)
    return Project.objects.get(pk=made.pk)


@pytest.fixture
def neighbour_project(org_tree, valuation, category):
    from cocreate.needs.services import need_raise

    other = need_raise(actor=None, person=org_tree.neighbour_household.members.get(), text="楼道堆放杂物",
                       category=category)
    return _project(None, org_tree.neighbour, needs=[other], title="楼道清理")


def _more_households(org_tree, count):
    from cocreate.orgs.services import household_register

    return [household_register(actor=None, node=org_tree.building, address=f"2栋{i:03d}", occupancy="resident",
                               members=[{"name": f"住户{i}", "relation": "head"}]) for i in range(count)]


def _count(call) -> int:
    with CaptureQueriesContext(connection) as queries:
        call()
    return len(queries)


# --- residents -----------------------------------------------------------------------------------

def test_my_community_projects_by_keyset_with_a_fixed_number_of_queries(
        api, token, cast, org_tree, project, need, neighbour_project, django_assert_num_queries):
    more = [_project(cast, org_tree.community, needs=[need], title=f"项目{i}") for i in range(4)]
    services.project_set_status(actor=cast["cadre"], project=_project(cast, org_tree.community, needs=[need],
                                                                      title="取消了"), status="cancelled")
    resident = token("resident")
    api.get("me_profile", token=resident)  # last_used_at is written once a minute: warm it up
    seen, cursor = [], None
    while True:
        body = api.get("projects_projects", token=resident,
                       query={"limit": 2, **({"before": cursor} if cursor else {})}).json()
        seen += [p["id"] for p in body["items"]]
        cursor = body["next"]
        if cursor is None:
            break
    assert seen == [p.pk for p in reversed(more)] + [project.pk]  # not the neighbour's
    small = _count(lambda: api.get("projects_projects", token=resident, query={"limit": 1}))
    with django_assert_num_queries(small):
        items = api.get("projects_projects", token=resident, query={"limit": 100}).json()["items"]
    assert len(items) == 5 and items[-1]["budget_fen"] == 1_000_000 and items[-1]["community"]["name"] == "幸福社区"


def test_project_page_is_public_with_plan_shares_gap_totals_and_a_masked_roll(api, cast, org_tree, project):
    services.milestone_add(actor=cast["cadre"], project=project, title="路灯进场", due_date=timezone.localdate())
    services.progress_post(actor=cast["cadre"], project=project, text="灯杆基础已浇筑", percent=30)
    services.contribution_record(actor=cast["cadre"], project=project, contributor=Contributor(
        household=org_tree.household), gift=Gift(kind="labour", hours=12), evidence=photo())
    services.contribution_record(actor=cast["cadre"], project=project, contributor=Contributor(
        household=_more_households(org_tree, 1)[0]), gift=Gift(kind="cash", cash_fen=50_000), evidence=photo(),
        anonymous=True)
    response = api.get("projects_project", project_id=project.pk, language="en")  # no token, no session
    assert response.status_code == 200
    body = response.json()
    plan = body["plan"]
    assert (plan["budget_fen"], plan["planned_fen"], plan["self_raised_fen"], plan["gap_fen"]) == (
        1_000_000, 700_000, 200_000, 300_000)
    assert plan["self_raised_percent"] == 20.0
    assert [(s["kind"], s["share_percent"], s["self_raised"]) for s in plan["sources"]] == [
        ("resident_cash", 20.0, True), ("award", 50.0, False)]
    assert [b["amount_fen"] for b in body["budget_lines"]] == [800_000, 200_000]
    assert body["milestones"][0]["title"] == "路灯进场" and body["progress_percent"] == 30
    assert body["updates"][0]["percent"] == 30 and body["updates"][0]["has_photo"] is False
    totals = {t["kind"]: t for t in body["totals"]}
    assert totals["labour"]["value_fen"] == 22_500 and totals["labour"]["hours"] == 12
    assert totals["cash"]["cash_fen"] == 50_000 and totals["land"]["value_fen"] == 0
    assert body["contributed_fen"] == 72_500
    assert [(r["name"], r["anonymous"], r["value_fen"]) for r in body["roll"]] == [
        ("Anonymous", True, 50_000), ("张*明's household", False, 22_500)]
    assert "张小明" not in response.content.decode()
    assert body["valuation"]["labour_day_fen"] == 15000 and body["valuation"]["materials"][0]["name"] == "水泥"
    assert body["origin"] == {"topic": None, "ballot": None, "option": None}
    assert api.get("projects_project", project_id=987_654).status_code == 404


def test_trace_from_needs_through_the_meeting_and_the_ballot_to_the_project(
        api, cast, org_tree, topic, make_ballot, need, valuation):
    from cocreate.decisions import services as decisions
    from cocreate.meetings import services as meetings
    from cocreate.meetings.services import topic_link_needs

    topic_link_needs(actor=cast["cadre"], topic=topic, needs=[need])
    now = timezone.now()
    meeting = meetings.meeting_schedule(actor=cast["grid_worker"], node=org_tree.grid, kind="wuchang",
                                        title="1栋屋场会", place="1栋门前", starts_at=now - timedelta(minutes=5),
                                        ends_at=now + timedelta(hours=2), agenda=[topic])
    meetings.meeting_set_status(actor=cast["grid_worker"], meeting=meeting, status="open")
    meetings.checkin_by_host(actor=cast["grid_worker"], meeting=meeting, person=org_tree.resident_person)
    item = meeting.agenda.get()
    meetings.tally_record(actor=cast["grid_worker"], item=item, votes_for=1, votes_against=0, votes_abstain=0)
    meetings.meeting_set_status(actor=cast["grid_worker"], meeting=meeting, status="closed")
    ballot = make_ballot()
    decisions.vote_cast(actor=cast["resident"], ballot=ballot, person=org_tree.resident_person, choices=["yes"])
    decisions.ballot_close(actor=cast["cadre"], ballot=ballot)
    ballot = decisions.ballot_publish(actor=cast["cadre"], ballot=ballot, note="公示七天")
    made = services.project_create(actor=cast["cadre"], node=org_tree.community, title="停车位划线",
                                   scope="划线停车位40个", origin=Origin(topic=topic, ballot=ballot))
    response = api.get("projects_trace", project_id=made.pk, language="en")  # public
    assert response.status_code == 200, response.content
    body = response.json()
    need.refresh_from_db()
    assert [(n["id"], n["support_count"]) for n in body["needs"]] == [(need.pk, need.support_count)]
    assert body["topic"] == {"id": topic.pk, "name": topic.title}
    [met] = body["meetings"]
    assert met["id"] == meeting.pk and met["status"] == "closed"
    assert (met["agenda_item"]["votes_for"], met["agenda_item"]["votes_against"]) == (1, 0)
    assert body["ballot"]["id"] == ballot.pk and body["ballot"]["winners"] == ["yes"]
    assert (body["ballot"]["eligible"], body["ballot"]["voted"], body["ballot"]["turnout_percent"]) == (1, 1, 100.0)
    assert body["project"]["id"] == made.pk and body["project"]["status"] == "planning"
    assert "张小明" not in response.content.decode()


def test_pledge_labour_in_days_then_see_it_and_withdraw_it(api, token, project):
    resident = token("resident")
    with NewEvents() as events:
        response = api.post("projects_pledge", project_id=project.pk, token=resident,
                            json_body={"kind": "labour", "days": "1.5", "anonymous": True})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["hours"], body["value_fen"], body["status"]) == (12, 22_500, "pledged")
    assert body["contributor"] == {"kind": "household", "id": project.community and body["contributor"]["id"],
                                   "name": "1栋101"} and body["anonymous"]
    assert events.actions == ["projects.pledged"]
    mine = api.get("projects_my_pledges", token=resident).json()
    assert [p["id"] for p in mine["items"]] == [body["id"]] and mine["next"] is None
    with NewEvents() as events:
        withdrawn = api.post("projects_pledge_withdraw", pledge_id=body["id"], token=resident)
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    assert events.actions == ["projects.pledge_withdrawn"]
    again = api.post("projects_pledge_withdraw", pledge_id=body["id"], token=resident)
    assert again.status_code == 409 and again.json()["code"] == "conflict"


def test_pledge_materials_in_my_own_name(api, token, project, valuation):
    _table, cement = valuation
    response = api.post("projects_pledge", project_id=project.pk, token=token("resident"), json_body={
        "kind": "materials", "material": cement.pk, "quantity": "2.5", "as_household": False})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["value_fen"] == 120_000 and body["material"]["name"] == "水泥" and body["quantity"] == "2.500"
    assert body["contributor"]["kind"] == "person" and body["contributor"]["name"] == "张*明"


def test_pledge_errors_have_the_error_shape(api, token, project, neighbour_project):
    resident = token("resident")
    empty = api.post("projects_pledge", project_id=project.pk, token=resident, json_body={"kind": "cash"},
                     language="en")
    assert empty.status_code == 400 and empty.json()["detail"] == "Give the amount in yuan."
    days = api.post("projects_pledge", project_id=project.pk, token=resident,
                    json_body={"kind": "labour", "days": "1.3"}, language="en")
    assert days.status_code == 400 and "days" in days.json()["fields"]
    schema = api.post("projects_pledge", project_id=project.pk, token=resident, json_body={"kind": "gold"})
    assert schema.status_code == 422 and schema.json()["code"] == "validation_error"
    other = api.post("projects_pledge", project_id=neighbour_project.pk, token=resident,
                     json_body={"kind": "cash", "cash_yuan": "10"})
    assert other.status_code == 404 and other.json()["code"] == "not_found"
    Project.objects.filter(pk=project.pk).update(status="completed")
    closed = api.post("projects_pledge", project_id=project.pk, token=resident,
                      json_body={"kind": "cash", "cash_yuan": "10"}, language="en")
    assert closed.status_code == 400 and closed.json()["detail"] == "This project no longer takes contributions."
    assert not Pledge.objects.exists()


def test_a_pledge_retried_with_the_same_key_is_made_once(api, token, project):
    resident, key = token("resident"), {"Idempotency-Key": "pledge-1"}
    first = api.post("projects_pledge", project_id=project.pk, token=resident, headers=key,
                     json_body={"kind": "cash", "cash_yuan": "200"})
    again = api.post("projects_pledge", project_id=project.pk, token=resident, headers=key,
                     json_body={"kind": "cash", "cash_yuan": "200"})
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    other = api.post("projects_pledge", project_id=project.pk, token=resident, headers=key,
                     json_body={"kind": "cash", "cash_yuan": "300"})
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    assert Pledge.objects.count() == 1 and Pledge.objects.get().cash_fen == 20_000


def test_another_residents_pledge_answers_404(api, token, project, cast, org_tree):
    pledged = services.pledge_make(actor=cast["resident"], project=project, gift=Gift(kind="cash", cash_fen=100))
    link_head = token("link_head")  # lives in the same household, but did not make the pledge
    assert api.post("projects_pledge_withdraw", pledge_id=pledged.pk, token=link_head).status_code == 404
    assert Pledge.objects.get().status == "pledged"


# --- staff -----------------------------------------------------------------------------------------

def test_a_resident_gets_403_on_staff_endpoints(api, token, project, org_tree):
    resident = token("resident")
    assert api.get("projects_staff_projects", node_id=org_tree.community.pk, token=resident).status_code == 403
    assert api.get("projects_staff_project", project_id=project.pk, token=resident).status_code == 403
    assert api.get("projects_staff_ledger", project_id=project.pk, token=resident).status_code == 403
    refused = api.post("projects_staff_project_status", project_id=project.pk, token=resident,
                       json_body={"status": "funding"})
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    assert Project.objects.get(pk=project.pk).status == "planning"


def test_staff_list_by_keyset_with_a_fixed_number_of_queries(
        api, token, cast, org_tree, project, need, neighbour_project, django_assert_num_queries):
    more = [_project(cast, org_tree.grid, needs=[need], title=f"网格项目{i}") for i in range(4)]
    cadre = token("cadre")
    api.get("me_profile", token=cadre)
    api.get("projects_staff_projects", node_id=org_tree.community.pk, token=cadre)  # warm: the node is cached
    seen, cursor, counts = [], None, []
    while True:
        with CaptureQueriesContext(connection) as queries:
            body = api.get("projects_staff_projects", node_id=org_tree.community.pk, token=cadre,
                           query={"limit": 2, **({"before": cursor} if cursor else {})}).json()
        counts.append(len(queries))
        seen += [p["id"] for p in body["items"]]
        cursor = body["next"]
        if cursor is None:
            break
    assert seen == [p.pk for p in reversed(more)] + [project.pk] and len(set(counts)) == 1
    with django_assert_num_queries(counts[0]):
        api.get("projects_staff_projects", node_id=org_tree.community.pk, token=cadre, query={"limit": 100})
    grid = api.get("projects_staff_projects", node_id=org_tree.grid.pk, token=token("grid_worker")).json()
    assert [p["id"] for p in grid["items"]] == [p.pk for p in reversed(more)]
    assert api.get("projects_staff_projects", node_id=org_tree.neighbour.pk, token=cadre).status_code == 404
    assert api.get("projects_staff_project", project_id=neighbour_project.pk, token=cadre).status_code == 404


def test_create_from_a_need_then_plan_and_move_it_on(api, token, org_tree, need, valuation):
    cadre = token("cadre")
    with NewEvents() as events:
        created = api.post("projects_staff_project_create", node_id=org_tree.community.pk, token=cadre,
                           json_body={"title": "路灯改造", "scope": "更换20盏LED路灯", "needs": [need.pk]})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["node"]["id"] == org_tree.community.pk and body["status"] == "planning" and body["can_manage"]
    assert events.actions == ["projects.created"]
    pid = body["id"]
    line = api.post("projects_staff_budget_line_add", project_id=pid, token=cadre,
                    json_body={"item": "路灯", "amount_yuan": "8000.50"})
    assert line.status_code == 201 and line.json()["budget_fen"] == 800_050
    source = api.post("projects_staff_source_add", project_id=pid, token=cadre,
                      json_body={"kind": "resident_cash", "amount_yuan": "2000.10", "note": "每户50元"})
    assert source.status_code == 201
    plan = source.json()["plan"]
    assert plan["sources"][0]["amount_fen"] == 200_010 and plan["sources"][0]["share_percent"] == 25.0
    assert plan["gap_fen"] == 600_040
    extra = api.post("projects_staff_budget_line_add", project_id=pid, token=cadre,
                     json_body={"item": "多余", "amount_yuan": "1"}).json()["budget_lines"][-1]
    removed = api.post("projects_staff_budget_line_remove", line_id=extra["id"], token=cadre)
    assert removed.status_code == 200 and removed.json()["budget_fen"] == 800_050
    source_id = plan["sources"][0]["id"]
    assert api.post("projects_staff_source_remove", source_id=source_id, token=cadre).json()["plan"]["sources"] == []
    with NewEvents() as events:
        moved = api.post("projects_staff_project_status", project_id=pid, token=cadre,
                         json_body={"status": "building", "note": "开工"})
    assert moved.status_code == 200 and moved.json()["status"] == "building"
    assert moved.json()["transitions"] == ["completed"] and events.actions == ["projects.status_changed"]
    wrong = api.post("projects_staff_project_status", project_id=pid, token=cadre, json_body={"status": "planning"})
    assert wrong.status_code == 400 and wrong.json()["code"] == "invalid_transition"
    fixed = api.post("projects_staff_budget_line_add", project_id=pid, token=cadre, language="en",
                     json_body={"item": "追加", "amount_yuan": "1"})
    assert fixed.status_code == 400 and fixed.json()["detail"] == "The plan is fixed once construction starts."


def test_create_errors_and_scope(api, token, org_tree, need, neighbour_project, topic):
    cadre = token("cadre")
    no_origin = api.post("projects_staff_project_create", node_id=org_tree.community.pk, token=cadre, language="en",
                         json_body={"title": "路灯改造", "scope": "更换路灯"})
    assert no_origin.status_code == 400
    assert no_origin.json()["detail"] == "Start a project from a decided topic or from at least one need."
    foreign = api.post("projects_staff_project_create", node_id=org_tree.community.pk, token=cadre,
                       json_body={"title": "路灯改造", "scope": "更换路灯", "needs": [need.pk],
                                  "node": org_tree.neighbour.pk})
    assert foreign.status_code == 400 and "node" in foreign.json()["fields"]
    elsewhere = api.post("projects_staff_project_create", node_id=org_tree.neighbour.pk, token=cadre,
                         json_body={"title": "路灯改造", "scope": "更换路灯", "needs": [need.pk]})
    assert elsewhere.status_code == 404
    viewer = api.post("projects_staff_project_create", node_id=org_tree.grid.pk, token=token("grid_worker"),
                      json_body={"title": "路灯改造", "scope": "更换路灯", "needs": [need.pk]})
    assert viewer.status_code == 404  # grid workers read projects; cadres manage them
    schema = api.post("projects_staff_project_create", node_id=org_tree.community.pk, token=cadre,
                      json_body={"title": "路灯改造"})
    assert schema.status_code == 422
    assert Project.objects.exclude(pk=neighbour_project.pk).count() == 0


def test_milestones_and_tasks(api, token, project):
    cadre = token("cadre")
    added = api.post("projects_staff_milestone_add", project_id=project.pk, token=cadre,
                     json_body={"title": "材料进场", "due_date": "2026-12-01"})
    assert added.status_code == 201 and added.json()["done_on"] is None
    mid = added.json()["id"]
    future = api.post("projects_staff_milestone_reach", milestone_id=mid, token=cadre, language="en",
                      json_body={"on": (timezone.localdate() + timedelta(days=2)).isoformat()})
    assert future.status_code == 400 and future.json()["detail"] == "A milestone cannot be reached in the future."
    reached = api.post("projects_staff_milestone_reach", milestone_id=mid, token=cadre, json_body={})
    assert reached.status_code == 200 and reached.json()["done_on"] == timezone.localdate().isoformat()
    assert api.post("projects_staff_milestone_reach", milestone_id=mid, token=cadre, json_body={}).status_code == 409
    task = api.post("projects_staff_task_add", project_id=project.pk, token=cadre,
                    json_body={"title": "联系施工队", "owner_name": "王师傅", "due_date": "2026-12-05"})
    assert task.status_code == 201 and task.json()["owner_name"] == "王师傅"
    with NewEvents() as events:
        done = api.post("projects_staff_task_done", task_id=task.json()["id"], token=cadre)
    assert done.status_code == 200 and done.json()["done"] and events.actions == ["projects.task_done"]
    assert api.post("projects_staff_task_done", task_id=task.json()["id"], token=cadre).status_code == 409
    detail = api.get("projects_staff_project", project_id=project.pk, token=cadre).json()
    assert detail["tasks"][0]["done"] and detail["milestones"][0]["done_on"]
    assert "tasks" not in api.get("projects_project", project_id=project.pk).json()  # the public page has none
    neighbour = token("neighbour_cadre")
    assert api.post("projects_staff_task_done", task_id=task.json()["id"], token=neighbour).status_code == 404
    assert api.post("projects_staff_milestone_reach", milestone_id=mid, token=neighbour,
                    json_body={}).status_code == 404


def test_progress_is_multipart_with_an_optional_photo(client, token, project):
    cadre = token("cadre")
    with NewEvents() as events:
        posted = multipart(client, "projects_staff_progress", cadre,
                           {"text": "灯杆已立好", "percent": 60, "photo": photo()}, project_id=project.pk)
    assert posted.status_code == 201, posted.content
    assert posted.json()["has_photo"] and posted.json()["percent"] == 60
    image = client.get(reverse("api:projects_update_photo", args=[project.pk, posted.json()["id"]]))  # public
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"
    assert events.actions == ["projects.progress_posted"]
    assert Project.objects.get(pk=project.pk).progress_percent == 60
    without = multipart(client, "projects_staff_progress", cadre, {"text": "已通电", "percent": 80},
                        project_id=project.pk)
    assert without.status_code == 201 and not without.json()["has_photo"]
    bad = multipart(client, "projects_staff_progress", cadre, {"text": "x", "percent": 90}, project_id=project.pk)
    assert bad.status_code == 400


def test_pledge_queue_confirm_with_evidence_and_decline(client, api, token, cast, project,
                                                        django_assert_num_queries):
    first = services.pledge_make(actor=cast["resident"], project=project, gift=Gift(kind="labour", hours=16))
    second = services.pledge_make(actor=cast["resident"], project=project, gift=Gift(kind="cash", cash_fen=30_000))
    cadre = token("cadre")
    api.get("me_profile", token=cadre)
    small = _count(lambda: api.get("projects_staff_pledges", project_id=project.pk, token=cadre,
                                   query={"limit": 1}))
    with django_assert_num_queries(small):
        queue = api.get("projects_staff_pledges", project_id=project.pk, token=cadre, query={"limit": 100}).json()
    assert [p["id"] for p in queue["items"]] == [second.pk, first.pk]
    no_photo = multipart(client, "projects_staff_pledge_confirm", cadre, {}, pledge_id=first.pk)
    assert no_photo.status_code == 400 and "evidence" in no_photo.json()["fields"]
    with NewEvents() as events:
        confirmed = multipart(client, "projects_staff_pledge_confirm", cadre, {"evidence": photo()},
                              pledge_id=first.pk)
    assert confirmed.status_code == 201, confirmed.content
    entry = confirmed.json()
    assert (entry["pledge"], entry["value_fen"], entry["hours"], entry["has_evidence"]) == (first.pk, 30_000, 16, True)
    assert events.actions == ["projects.contribution_confirmed"]
    twice = multipart(client, "projects_staff_pledge_confirm", cadre, {"evidence": photo()}, pledge_id=first.pk)
    assert twice.status_code == 409
    declined = api.post("projects_staff_pledge_decline", pledge_id=second.pk, token=cadre,
                        json_body={"reason": "现金请交到社区财务室"})
    assert declined.status_code == 200 and declined.json()["decline_reason"] == "现金请交到社区财务室"
    assert api.get("projects_staff_pledges", project_id=project.pk, token=cadre).json()["items"] == []
    everything = api.get("projects_staff_pledges", project_id=project.pk, token=cadre, query={"status": "all"})
    assert [p["status"] for p in everything.json()["items"]] == ["declined", "confirmed"]
    assert Project.objects.get(pk=project.pk).contributed_fen == 30_000
    county = token("county_official")  # reads the queue, may not decide
    assert api.get("projects_staff_pledges", project_id=project.pk, token=county).status_code == 200
    assert api.get("projects_staff_pledges", project_id=project.pk, token=token("grid_worker")).status_code == 404
    third = services.pledge_make(actor=cast["resident"], project=project, gift=Gift(kind="cash", cash_fen=100))
    assert multipart(client, "projects_staff_pledge_confirm", county, {"evidence": photo()},
                     pledge_id=third.pk).status_code == 404


def test_record_reverse_and_read_the_ledger(client, api, token, org_tree, project, valuation,
                                            django_assert_num_queries):
    _table, cement = valuation
    cadre = token("cadre")
    fields = {"kind": "cash", "cash_yuan": "500", "household": org_tree.household.pk, "evidence": photo()}
    with NewEvents() as events:
        cash = multipart(client, "projects_staff_contribution_record", cadre, fields, project_id=project.pk)
    assert cash.status_code == 201, cash.content
    assert cash.json()["value_fen"] == 50_000 and cash.json()["contributor"]["name"] == "1栋101"
    evidence = api.get("projects_staff_evidence", entry_id=cash.json()["id"], token=cadre)
    assert evidence.status_code == 200 and evidence["Content-Type"] == "image/jpeg"
    assert events.actions == ["projects.contribution_recorded"]
    material = multipart(client, "projects_staff_contribution_record", cadre, {
        "kind": "materials", "material": cement.pk, "quantity": "0.5", "household": org_tree.household.pk,
        "evidence": photo()}, project_id=project.pk)
    assert material.status_code == 201 and material.json()["value_fen"] == 24_000
    no_photo = multipart(client, "projects_staff_contribution_record", cadre,
                         {**fields, "evidence": ""}, project_id=project.pk)
    assert no_photo.status_code == 400 and "evidence" in no_photo.json()["fields"]
    elsewhere = multipart(client, "projects_staff_contribution_record", cadre,
                          {**fields, "household": org_tree.neighbour_household.pk, "evidence": photo()},
                          project_id=project.pk)
    assert elsewhere.status_code == 400 and "household" in elsewhere.json()["fields"]
    with NewEvents() as events:
        reversal = api.post("projects_staff_contribution_reverse", entry_id=cash.json()["id"], token=cadre,
                            json_body={"reason": "金额记错了"})
    assert reversal.status_code == 201 and events.actions == ["projects.contribution_reversed"]
    assert reversal.json()["value_fen"] == -50_000 and reversal.json()["reverses"] == cash.json()["id"]
    assert api.post("projects_staff_contribution_reverse", entry_id=cash.json()["id"], token=cadre,
                    json_body={"reason": "再冲一次"}).status_code == 409
    assert api.post("projects_staff_contribution_reverse", entry_id=reversal.json()["id"], token=cadre,
                    json_body={"reason": "冲销冲销"}).status_code == 400
    api.get("me_profile", token=cadre)
    small = _count(lambda: api.get("projects_staff_ledger", project_id=project.pk, token=cadre, query={"limit": 1}))
    with django_assert_num_queries(small):
        ledger = api.get("projects_staff_ledger", project_id=project.pk, token=cadre, query={"limit": 100}).json()
    assert [e["value_fen"] for e in ledger["items"]] == [-50_000, 24_000, 50_000]
    assert [e["reversed"] for e in ledger["items"]] == [False, False, True]
    assert ledger["contributed_fen"] == 24_000 == sum(Contribution.objects.values_list("value_fen", flat=True))
    page = api.get("projects_staff_ledger", project_id=project.pk, token=cadre, query={"limit": 2}).json()
    rest = api.get("projects_staff_ledger", project_id=project.pk, token=cadre,
                   query={"limit": 2, "before": page["next"]}).json()
    assert [e["id"] for e in page["items"] + rest["items"]] == [e["id"] for e in ledger["items"]]


def test_a_multipart_record_retried_with_the_same_key_is_written_once(client, token, org_tree, project):
    cadre, key = token("cadre"), {"Idempotency-Key": "record-7"}
    fields = {"kind": "labour", "hours": 4, "household": org_tree.household.pk}
    first = multipart(client, "projects_staff_contribution_record", cadre, {**fields, "evidence": photo()},
                      headers=key, project_id=project.pk)
    again = multipart(client, "projects_staff_contribution_record", cadre, {**fields, "evidence": photo()},
                      headers=key, project_id=project.pk)
    assert first.status_code == again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert Contribution.objects.count() == 1 and Project.objects.get(pk=project.pk).contributed_fen == 7_500


def test_valuation_table_read_by_staff_and_set_by_the_county(api, token, org_tree, valuation):
    cadre = token("cadre")
    read = api.get("projects_staff_valuation", node_id=org_tree.community.pk, token=cadre).json()
    assert read["valuation"]["node"]["id"] == org_tree.county.pk and not read["own"] and not read["can_configure"]
    assert read["valuation"]["materials"] == [{"id": valuation[1].pk, "name": "水泥", "unit": "吨",
                                              "price_fen": 48000}]
    assert api.post("projects_staff_valuation_set", node_id=org_tree.community.pk, token=cadre,
                    json_body={"labour_day_yuan": "200"}).status_code == 404
    county = token("county_official")
    with NewEvents() as events:
        changed = api.post("projects_staff_valuation_set", node_id=org_tree.county.pk, token=county,
                           json_body={"labour_day_yuan": "180", "hours_per_day": 8})
    assert changed.status_code == 200 and changed.json()["valuation"]["labour_day_fen"] == 18_000
    assert changed.json()["own"] and changed.json()["can_configure"] and events.actions == ["projects.valuation_set"]
    price = api.post("projects_staff_material_price_set", node_id=org_tree.county.pk, token=county,
                     json_body={"name": "砂石", "unit": "方", "price_yuan": "120"})
    assert price.status_code == 200
    assert [(m["name"], m["price_fen"]) for m in price.json()["valuation"]["materials"]] == [
        ("水泥", 48000), ("砂石", 12000)]
    street = token("street_official")
    no_table = api.post("projects_staff_material_price_set", node_id=org_tree.street.pk, token=street, language="en",
                        json_body={"name": "红砖", "unit": "千块", "price_yuan": "500"})
    assert no_table.status_code == 400
    assert no_table.json()["detail"] == "Set the value of a person-day first: it starts the price table."
    assert api.get("projects_staff_valuation", node_id=org_tree.neighbour.pk, token=cadre).status_code == 404


def test_money_is_answered_in_fen(api, project):
    body = api.get("projects_project", project_id=project.pk).json()
    money = {k for k in body if k.endswith("_fen")} | {k for k in body["plan"] if k.endswith("_fen")}
    assert money >= {"budget_fen", "contributed_fen", "planned_fen", "gap_fen", "self_raised_fen"}
    assert all(isinstance(body["plan"][k], int) for k in ("budget_fen", "planned_fen", "gap_fen"))
    assert not any("yuan" in k for k in body) and Decimal(body["plan"]["budget_fen"]) == 1_000_000


def test_the_openapi_document_describes_the_projects_endpoints(client, signed_in, cast):
    from openapi_spec_validator import validate

    signed_in(cast["cadre"])
    schema = client.get("/api/v1/openapi.json").json()
    validate(schema)
    paths = schema["paths"]
    record = paths["/api/v1/staff/projects/{project_id}/contributions"]["post"]
    assert "multipart/form-data" in record["requestBody"]["content"]
    assert any(p["name"] == "Idempotency-Key" for p in record["parameters"])
    assert "security" in record and {"400", "403", "404"} <= set(record["responses"])
    assert paths["/api/v1/projects/{project_id}/trace"]["get"].get("security") in (None, [], [{}])
