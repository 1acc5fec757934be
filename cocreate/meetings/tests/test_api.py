"""The meetings endpoints of the JSON API: the pages' rules and services, answered in JSON."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cocreate.api.testing import count_queries
from cocreate.api.tests.test_needs_api import NewEvents
from cocreate.meetings import services
from cocreate.meetings.models import Attendance, Meeting, Option, Post, Topic
from cocreate.needs import services as needs_services
from cocreate.needs.models import Need

from .conftest import head

pytestmark = pytest.mark.django_db


# --- residents: topics -----------------------------------------------------------------------------

def test_topics_of_my_community_by_keyset_with_a_fixed_number_of_queries(
        api, token, cast, org_tree, topic, django_assert_num_queries):
    for n in range(5):
        services.topic_create(actor=cast["cadre"], node=org_tree.community, title=f"第{n}号议题")
    services.topic_create(actor=cast["neighbour_cadre"], node=org_tree.neighbour, title="停车难")
    resident = token("resident")
    api.get("me_profile", token=resident)  # last_used_at is written once a minute: warm it up
    seen, cursor = [], None
    while True:
        body = api.get("meetings_topics", token=resident,
                       query={"limit": 2, **({"before": cursor} if cursor else {})}).json()
        seen += [t["id"] for t in body["items"]]
        cursor = body["next"]
        if cursor is None:
            break
    assert len(seen) == 6 and seen == sorted(seen, reverse=True) and seen[-1] == topic.pk
    small = count_queries(lambda: api.get("meetings_topics", token=resident, query={"limit": 1}))
    with django_assert_num_queries(small):
        assert len(api.get("meetings_topics", token=resident, query={"limit": 100}).json()["items"]) == 6


def test_topic_with_options_and_a_hidden_post_showing_only_the_reason(api, token, cast, topic, neighbours, org_tree):
    rude = services.post_add(actor=head(neighbours[0]).user, topic=topic, body="这是一句很难听的话")
    services.post_add(actor=cast["resident"], topic=topic, body="回复一下", parent=rude)
    services.post_hide(actor=cast["cadre"], post=rude, reason="不文明用语")
    services.option_propose(actor=cast["resident"], topic=topic, title="换LED路灯", cost_fen=1200050)
    body = api.get("meetings_topic", topic_id=topic.pk, token=token("resident")).json()
    [thread] = body["threads"]
    assert thread["hidden"] and thread["body"] is None and thread["hide_reason"] == "不文明用语"
    assert thread["author"] == "邻*2" and thread["replies"][0]["body"] == "回复一下"
    [option] = body["options"]
    assert option["cost_fen"] == 1200050 and option["mine"] and option["mover"] == "张*明"
    other = services.topic_create(actor=cast["neighbour_cadre"], node=org_tree.neighbour, title="停车难")
    assert api.get("meetings_topic", topic_id=other.pk, token=token("resident")).status_code == 404


def test_post_and_reply_with_one_audit_event_each(api, token, cast, topic, org_tree):
    resident = token("resident")
    with NewEvents() as events:
        response = api.post("meetings_post_add", topic_id=topic.pk, token=resident, json_body={"body": "晚上确实太黑"})
    assert response.status_code == 201 and response.json()["author"] == "张*明"
    assert events.actions == ["post.added"]
    first = response.json()["id"]
    reply = api.post("meetings_post_add", topic_id=topic.pk, token=resident,
                     json_body={"body": "补充", "parent": first})
    assert reply.status_code == 201 and reply.json()["parent"] == first
    other = services.topic_create(actor=cast["neighbour_cadre"], node=org_tree.neighbour, title="停车难")
    foreign = services.post_add(actor=cast["neighbour_cadre"], topic=other, body="别处的帖子")
    assert api.post("meetings_post_add", topic_id=topic.pk, token=resident,
                    json_body={"body": "回错了", "parent": foreign.pk}).status_code == 404
    assert api.post("meetings_post_add", topic_id=other.pk, token=resident,
                    json_body={"body": "越界发言"}).status_code == 404


def test_validation_answers_400_with_fields_and_422_for_the_schema(api, token, topic):
    resident = token("resident")
    short = api.post("meetings_post_add", topic_id=topic.pk, token=resident, json_body={"body": "好"}, language="en")
    assert short.status_code == 400
    assert short.json().keys() >= {"detail", "code", "request_id", "fields"} and "body" in short.json()["fields"]
    wrong = api.post("meetings_post_add", topic_id=topic.pk, token=resident, json_body={"body": 12, "parent": "x"})
    assert wrong.status_code == 422 and wrong.json()["code"] == "validation_error" and wrong.json()["errors"]
    assert not Post.objects.exists()


def test_report_a_post_once(api, token, topic, neighbours):
    post = services.post_add(actor=head(neighbours[0]).user, topic=topic, body="广告：低价装修")
    resident = token("resident")
    with NewEvents() as events:
        response = api.post("meetings_post_report", post_id=post.pk, token=resident, json_body={"reason": "广告"})
    assert response.status_code == 201 and response.json()["reported"]
    assert events.actions == ["post.reported"]
    again = api.post("meetings_post_report", post_id=post.pk, token=resident, json_body={"reason": "广告"})
    assert again.status_code == 409 and again.json()["code"] == "conflict"


def test_option_in_yuan_seconded_by_a_neighbour_then_withdrawn(api, token, cast, topic, neighbours):
    resident, neighbour = token("resident"), token(head(neighbours[0]).user)
    with NewEvents() as events:
        response = api.post("meetings_option_propose", topic_id=topic.pk, token=resident,
                            json_body={"title": "换LED路灯", "cost_yuan": "12000.50"})
    assert response.status_code == 201 and response.json()["cost_fen"] == 1200050
    assert events.actions == ["option.proposed"]
    option = response.json()["id"]
    negative = api.post("meetings_option_propose", topic_id=topic.pk, token=resident,
                        json_body={"title": "倒贴钱", "cost_yuan": "-1"})
    assert negative.status_code == 422
    with NewEvents() as events:
        seconded = api.post("meetings_option_second", option_id=option, token=neighbour)
    assert seconded.status_code == 200 and seconded.json()["seconded"] and seconded.json()["seconder_count"] == 1
    assert events.actions == ["option.seconded"]
    assert api.post("meetings_option_second", option_id=option, token=neighbour).status_code == 409
    assert api.post("meetings_option_second", option_id=option, token=resident).status_code == 400  # own option
    assert api.post("meetings_option_withdraw", option_id=option, token=neighbour).status_code == 404
    with NewEvents() as events:
        withdrawn = api.post("meetings_option_withdraw", option_id=option, token=resident)
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    assert events.actions == ["option.withdrawn"]
    assert Option.objects.get(pk=option).status == Option.Status.WITHDRAWN


# --- residents: meetings -----------------------------------------------------------------------------

def test_my_meetings_upcoming_first_and_a_meeting_s_page(api, token, cast, org_tree, meeting):
    now = timezone.now()
    later = services.meeting_schedule(actor=cast["cadre"], node=org_tree.community, kind="yishi", title="议事会",
                                      starts_at=now + timedelta(days=3), ends_at=now + timedelta(days=3, hours=2))
    resident = token("resident")
    body = api.get("meetings_meetings", token=resident).json()
    assert [m["id"] for m in body["upcoming"]] == [meeting.pk, later.pk] and body["past"] == []
    detail = api.get("meetings_meeting", meeting_id=meeting.pk, token=resident).json()
    assert [i["title"] for i in detail["agenda"]] == ["小区路灯改造", "其他事项"]
    assert detail["can_raise_need"] and detail["checked_in_at"] is None and detail["figures"] is None


def test_a_meeting_my_household_is_not_invited_to_is_404(api, token, cast, org_tree):
    now = timezone.now()
    other = services.meeting_schedule(actor=cast["neighbour_cadre"], node=org_tree.neighbour, kind="yishi",
                                      title="议事会", starts_at=now, ends_at=now + timedelta(hours=2))
    resident = token("resident")
    assert api.get("meetings_meeting", meeting_id=other.pk, token=resident).status_code == 404
    assert api.get("meetings_meeting_ics", meeting_id=other.pk, token=resident).status_code == 404
    assert api.post("meetings_meeting_need", meeting_id=other.pk, token=resident,
                    json_body={"text": "越界提需求", "category": 1}).status_code == 404


def test_ics_is_a_calendar_file(api, token, meeting):
    response = api.get("meetings_meeting_ics", meeting_id=meeting.pk, token=token("resident"))
    assert response.status_code == 200 and response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.content.startswith(b"BEGIN:VCALENDAR\r\n") and "1栋屋场会".encode() in response.content


def test_check_in_with_the_token_of_the_qr_code(api, token, meeting):
    resident = token("resident")
    with NewEvents() as events:
        response = api.post("meetings_checkin", token=resident, json_body={"token": meeting.checkin_token})
    assert response.status_code == 200 and response.json()["created"]
    assert response.json()["meeting"]["id"] == meeting.pk
    assert events.actions == ["meeting.checked_in"]
    with NewEvents() as events:
        again = api.post("meetings_checkin", token=resident, json_body={"token": meeting.checkin_token})
    assert again.status_code == 200 and not again.json()["created"] and events.actions == []
    assert api.post("meetings_checkin", token=resident, json_body={"token": "not-a-real-token"}).status_code == 404
    assert api.get("meetings_meeting", meeting_id=meeting.pk, token=resident).json()["checked_in_at"]


def test_check_in_refuses_the_uninvited(api, token, meeting, cast):
    refused = api.post("meetings_checkin", token=token("neighbour_cadre"), json_body={"token": meeting.checkin_token})
    assert refused.status_code == 400 and not Attendance.objects.exists()


def test_raise_a_need_at_the_meeting(api, token, meeting, category):
    resident = token("resident")
    with NewEvents() as events:
        response = api.post("meetings_meeting_need", meeting_id=meeting.pk, token=resident,
                            json_body={"text": "单元门禁坏了好几天", "category": category.pk})
    assert response.status_code == 201
    assert events.actions == ["need.raised"]
    need = Need.objects.get(pk=response.json()["id"])
    assert need.channel == Need.Channel.MEETING and meeting.raised_needs.filter(pk=need.pk).exists()


# --- staff ---------------------------------------------------------------------------------------------

def test_a_resident_on_staff_endpoints_gets_403(api, token, org_tree, meeting, topic):
    resident = token("resident")
    item, post = meeting.agenda.first(), services.post_add(actor=topic.created_by, topic=topic, body="请大家讨论")
    assert api.get("meetings_staff_topics", node_id=org_tree.community.pk, token=resident).status_code == 403
    assert api.get("meetings_staff_meetings", node_id=org_tree.grid.pk, token=resident).status_code == 403
    assert api.get("meetings_staff_meeting", meeting_id=meeting.pk, token=resident).status_code == 403
    for name, kwargs, body in [
        ("meetings_staff_meeting_status", {"meeting_id": meeting.pk}, {"status": "closed"}),
        ("meetings_staff_tally", {"item_id": item.pk}, {"votes_for": 0, "votes_against": 0, "votes_abstain": 0}),
        ("meetings_staff_post_hide", {"post_id": post.pk}, {"reason": "不文明"}),
        ("meetings_staff_topic_create", {"node_id": org_tree.community.pk}, {"title": "新议题"}),
    ]:
        response = api.post(name, token=resident, json_body=body, **kwargs)
        assert response.status_code == 403 and response.json()["code"] == "permission_denied", name
    assert Meeting.objects.get(pk=meeting.pk).status == Meeting.Status.PLANNED


def test_the_neighbouring_community_s_staff_get_404(api, token, meeting, topic, org_tree):
    neighbour = token("neighbour_cadre")
    assert api.get("meetings_staff_meeting", meeting_id=meeting.pk, token=neighbour).status_code == 404
    assert api.get("meetings_staff_topics", node_id=org_tree.community.pk, token=neighbour).status_code == 404
    assert api.post("meetings_staff_meeting_status", meeting_id=meeting.pk, token=neighbour,
                    json_body={"status": "open"}).status_code == 404
    assert api.post("meetings_staff_topic_link", topic_id=topic.pk, token=neighbour,
                    json_body={"needs": [1]}).status_code == 404
    assert Meeting.objects.get(pk=meeting.pk).status == Meeting.Status.PLANNED


def test_staff_topics_create_link_needs_and_hide_a_post(api, token, cast, org_tree, category, neighbours,
                                                        django_assert_num_queries):
    cadre = token("cadre")
    lamp = needs_services.need_raise(actor=cast["resident"], person=org_tree.resident_person, text="小区路灯坏了",
                                     category=category)
    with NewEvents() as events:
        response = api.post("meetings_staff_topic_create", node_id=org_tree.community.pk, token=cadre,
                            json_body={"title": "小区路灯改造", "needs": [lamp.pk]})
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["needs"][0]["id"] == lamp.pk and created["can_manage"]
    assert events.actions.count("topic.created") == 1 and set(events.actions) <= {
        "topic.created", "need.accepted", "need.deliberation"}
    dark = needs_services.need_raise(actor=None, person=head(neighbours[0]), text="楼道灯不亮", category=category)
    with NewEvents() as events:
        linked = api.post("meetings_staff_topic_link", topic_id=created["id"], token=cadre,
                          json_body={"needs": [dark.pk]})
    assert linked.status_code == 200 and {n["id"] for n in linked.json()["needs"]} == {lamp.pk, dark.pk}
    assert events.actions.count("topic.needs_linked") == 1
    assert api.post("meetings_staff_topic_link", topic_id=created["id"], token=cadre,
                    json_body={"needs": [lamp.pk]}).status_code == 400  # already gathered: not a choice
    post = services.post_add(actor=head(neighbours[0]).user, topic=Topic.objects.get(pk=created["id"]),
                             body="这是一句很难听的话")
    with NewEvents() as events:
        hidden = api.post("meetings_staff_post_hide", post_id=post.pk, token=cadre, json_body={"reason": "不文明用语"})
    assert hidden.status_code == 200 and hidden.json()["body"] is None and hidden.json()["hide_reason"] == "不文明用语"
    assert events.actions == ["post.hidden"]
    assert api.post("meetings_staff_post_hide", post_id=post.pk, token=cadre,
                    json_body={"reason": "再藏一次"}).status_code == 409
    api.get("me_profile", token=cadre)
    small = count_queries(lambda: api.get("meetings_staff_topics", node_id=org_tree.community.pk, token=cadre,
                                           query={"limit": 1}))
    services.topic_create(actor=cast["cadre"], node=org_tree.grid, title="电动车充电")
    with django_assert_num_queries(small):
        body = api.get("meetings_staff_topics", node_id=org_tree.community.pk, token=cadre).json()
    assert len(body["items"]) == 2


def test_schedule_a_meeting_with_its_agenda_and_invitations(api, token, cast, org_tree, topic, neighbours):
    cadre = token("cadre")
    with NewEvents() as events:
        response = api.post("meetings_staff_meeting_create", node_id=org_tree.community.pk, token=cadre, json_body={
            "kind": "wuchang", "title": "1栋屋场会", "place": "1栋门前", "node": org_tree.building.pk,
            "starts_at": "2030-05-01T19:00:00+08:00", "ends_at": "2030-05-01T20:30:00+08:00",
            "topics": [topic.pk], "other_items": ["其他事项"]})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert [i["title"] for i in body["agenda"]] == ["小区路灯改造", "其他事项"]
    assert body["figures"]["invited"] == 6 and body["starts_at"].startswith("2030-05-01T11:00:00")
    assert events.actions == ["meeting.scheduled"]
    backwards = api.post("meetings_staff_meeting_create", node_id=org_tree.community.pk, token=cadre, json_body={
        "kind": "wuchang", "title": "倒着开", "starts_at": "2030-05-01T19:00:00", "ends_at": "2030-05-01T18:00:00"})
    assert backwards.status_code == 400 and "ends_at" in backwards.json()["fields"]
    elsewhere = api.post("meetings_staff_meeting_create", node_id=org_tree.community.pk, token=cadre, json_body={
        "kind": "wuchang", "title": "别处", "starts_at": "2030-05-01T19:00:00", "ends_at": "2030-05-01T20:00:00",
        "node": org_tree.neighbour.pk})
    assert elsewhere.status_code == 400 and "node" in elsewhere.json()["fields"]
    assert api.post("meetings_staff_meeting_create", node_id=org_tree.community.pk, token=cadre,
                    json_body={"kind": "party", "title": "x"}).status_code == 422
    assert Meeting.objects.count() == 1


def test_run_a_meeting_from_the_console(api, token, cast, org_tree, meeting):
    host = token("grid_worker")
    elder = org_tree.household.members.get(relation="spouse")
    found = api.get("meetings_staff_checkin_candidates", meeting_id=meeting.pk, token=host).json()
    assert elder.pk in [p["id"] for p in found]
    with NewEvents() as events:
        opened = api.post("meetings_staff_meeting_status", meeting_id=meeting.pk, token=host,
                          json_body={"status": "open"})
    assert opened.status_code == 200 and opened.json()["status"] == "open" and events.actions == ["meeting.open"]
    with NewEvents() as events:
        checked = api.post("meetings_staff_checkin", meeting_id=meeting.pk, token=host, json_body={"person": elder.pk})
    assert checked.status_code == 201 and checked.json()["created"]
    assert events.actions == ["meeting.checked_in"]
    assert api.post("meetings_staff_checkin", meeting_id=meeting.pk, token=host,
                    json_body={"person": elder.pk}).status_code == 200
    stranger = api.post("meetings_staff_checkin", meeting_id=meeting.pk, token=host,
                        json_body={"person": org_tree.neighbour_household.members.get().pk})
    assert stranger.status_code == 400 and stranger.json()["code"] == "not_invited"
    item = meeting.agenda.first()
    too_many = api.post("meetings_staff_tally", item_id=item.pk, token=host,
                        json_body={"votes_for": 2, "votes_against": 0, "votes_abstain": 0})
    assert too_many.status_code == 400
    with NewEvents() as events:
        tally = api.post("meetings_staff_tally", item_id=item.pk, token=host,
                         json_body={"votes_for": 1, "votes_against": 0, "votes_abstain": 0})
    assert tally.status_code == 200 and tally.json()["votes_for"] == 1 and events.actions == ["meeting.tally_recorded"]
    with NewEvents() as events:
        minutes = api.post("meetings_staff_minutes", meeting_id=meeting.pk, token=host,
                           json_body={"minutes": "同意换LED路灯。"})
    assert minutes.status_code == 200 and minutes.json()["minutes"] == "同意换LED路灯。"
    assert events.actions == ["meeting.minutes_recorded"]
    due = (timezone.localdate() + timedelta(days=7)).isoformat()
    with NewEvents() as events:
        task = api.post("meetings_staff_task_add", meeting_id=meeting.pk, token=host,
                        json_body={"title": "联系路灯公司", "due_on": due, "owner": cast["cadre"].pk})
    assert task.status_code == 201 and task.json()["owner"] and events.actions == ["meeting.task_added"]
    nobody = api.post("meetings_staff_task_add", meeting_id=meeting.pk, token=host,
                      json_body={"title": "没人负责", "due_on": due})
    assert nobody.status_code == 400 and "owner_name" in nobody.json()["fields"]
    owner = token("cadre")
    with NewEvents() as events:
        done = api.post("meetings_staff_task_done", task_id=task.json()["id"], token=owner)
    assert done.status_code == 200 and done.json()["done"] and events.actions == ["meeting.task_done"]
    with NewEvents() as events:
        closed = api.post("meetings_staff_meeting_status", meeting_id=meeting.pk, token=host,
                          json_body={"status": "closed"})
    assert closed.status_code == 200 and events.actions == ["meeting.closed"]
    figures = api.get("meetings_staff_meeting", meeting_id=meeting.pk, token=token("cadre")).json()["figures"]
    assert figures["households"] == 1 and figures["persons"] == 1 and figures["invited"] == meeting.invited_count
    assert api.post("meetings_staff_meeting_status", meeting_id=meeting.pk, token=host,
                    json_body={"status": "open"}).json()["code"] == "invalid_transition"


def test_cancelling_needs_a_reason(api, token, meeting):
    host = token("grid_worker")
    refused = api.post("meetings_staff_meeting_status", meeting_id=meeting.pk, token=host,
                       json_body={"status": "cancelled"})
    assert refused.status_code == 400
    with NewEvents() as events:
        cancelled = api.post("meetings_staff_meeting_status", meeting_id=meeting.pk, token=host,
                             json_body={"status": "cancelled", "reason": "下大雨，改期"})
    assert cancelled.json()["cancel_reason"] == "下大雨，改期" and events.actions == ["meeting.cancelled"]


def test_staff_meetings_by_keyset_with_a_fixed_number_of_queries(api, token, cast, org_tree,
                                                                 django_assert_num_queries):
    start = timezone.now()
    for n in range(5):
        services.meeting_schedule(actor=cast["cadre"], node=org_tree.grid, kind="bandeng", title=f"板凳会{n}",
                                  starts_at=start + timedelta(days=n), ends_at=start + timedelta(days=n, hours=1))
    cadre = token("cadre")
    api.get("me_profile", token=cadre)
    seen, cursor = [], None
    while True:
        body = api.get("meetings_staff_meetings", node_id=org_tree.community.pk, token=cadre,
                       query={"limit": 2, **({"before": cursor} if cursor else {})}).json()
        seen += [m["title"] for m in body["items"]]
        cursor = body["next"]
        if cursor is None:
            break
    assert seen == [f"板凳会{n}" for n in range(4, -1, -1)]
    api.get("meetings_staff_meetings", node_id=org_tree.grid.pk, token=cadre)  # warm: the node is cached by id
    small = count_queries(lambda: api.get("meetings_staff_meetings", node_id=org_tree.grid.pk, token=cadre,
                                           query={"limit": 1}))
    with django_assert_num_queries(small):
        api.get("meetings_staff_meetings", node_id=org_tree.grid.pk, token=cadre, query={"limit": 100})
