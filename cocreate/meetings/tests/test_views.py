"""Pages for topics and meetings: what residents and staff see and may do, the .ics file,
and list pages with a fixed number of queries."""

from datetime import UTC, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cocreate.meetings import ics, services
from cocreate.meetings.models import Attendance, Meeting, Option, Post, Topic

from .conftest import head

pytestmark = pytest.mark.django_db


def unfold(text: str) -> list[str]:
    """RFC 5545 §3.1: a CRLF followed by one space or tab continues the previous line."""
    assert "\n" not in text.replace("\r\n", ""), "bare LF in an iCalendar file"
    return text.replace("\r\n ", "").replace("\r\n\t", "").split("\r\n")


# --- topics, resident side -----------------------------------------------------------------------

def test_resident_sees_the_topic_and_posts_with_htmx(client, signed_in, cast, topic):
    signed_in(cast["resident"])
    page = client.get(reverse("meetings:topic", args=[topic.pk]))
    assert page.status_code == 200 and "小区路灯改造" in page.content.decode()
    response = client.post(reverse("meetings:post", args=[topic.pk]), {"body": "晚上确实太黑"},
                           HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="discussion"' in html and "晚上确实太黑" in html and "<html" not in html
    post = Post.objects.get()
    reply = client.post(reverse("meetings:post", args=[topic.pk]), {"body": "补充一句", "parent": post.pk})
    assert reply.status_code == 302
    assert Post.objects.get(body="补充一句").parent == post


def test_topic_of_the_neighbouring_community_is_404(client, signed_in, cast, org_tree):
    other = services.topic_create(actor=cast["neighbour_cadre"], node=org_tree.neighbour, title="停车难")
    signed_in(cast["resident"])
    assert client.get(reverse("meetings:topic", args=[other.pk])).status_code == 404
    assert client.post(reverse("meetings:post", args=[other.pk]), {"body": "越界发言"}).status_code == 404
    assert not Post.objects.exists()


def test_hidden_post_shows_the_reason_not_the_text(client, signed_in, cast, topic, neighbours):
    post = services.post_add(actor=head(neighbours[0]).user, topic=topic, body="这是一句很难听的话")
    signed_in(cast["cadre"])
    response = client.post(reverse("meetings_staff:post-hide", args=[post.pk]), {"reason": "不文明用语"})
    assert response.status_code == 302
    signed_in(cast["resident"])
    html = client.get(reverse("meetings:topic", args=[topic.pk])).content.decode()
    assert "不文明用语" in html and "这是一句很难听的话" not in html


def test_report_abuse_with_htmx_once(client, signed_in, cast, topic, neighbours):
    post = services.post_add(actor=head(neighbours[0]).user, topic=topic, body="广告：低价装修")
    signed_in(cast["resident"])
    url = reverse("meetings:report", args=[post.pk])
    first = client.post(url, {"reason": "广告"}, HTTP_HX_REQUEST="true")
    again = client.post(url, {"reason": "广告"}, HTTP_HX_REQUEST="true")
    assert first.status_code == again.status_code == 200
    post.refresh_from_db()
    assert post.report_count == 1
    signed_in(cast["cadre"])
    queue = client.get(reverse("meetings_staff:moderation", args=[topic.community_id]))
    assert "广告：低价装修" in queue.content.decode()


def test_resident_moderator_hides_from_the_topic_page(client, signed_in, cast, topic, neighbours, org_tree):
    post = services.post_add(actor=head(neighbours[0]).user, topic=topic, body="骂人的话")
    signed_in(cast["resident"])
    url = reverse("meetings:hide", args=[post.pk])
    assert client.post(url, {"reason": "不文明"}).status_code == 404  # not a moderator yet
    services.moderator_appoint(actor=cast["cadre"], community=org_tree.community, person=org_tree.resident_person)
    assert client.post(url, {"reason": "不文明"}).status_code == 302
    post.refresh_from_db()
    assert post.hidden_at is not None


def test_resident_proposes_an_option_in_yuan_and_a_neighbour_seconds(client, signed_in, cast, topic, neighbours):
    signed_in(cast["resident"])
    response = client.post(reverse("meetings:option-propose", args=[topic.pk]),
                           {"title": "换LED路灯", "description": "每栋两盏", "cost_yuan": "8000.5"})
    assert response.status_code == 302
    option = Option.objects.get()
    assert option.cost_fen == 800_050
    signed_in(head(neighbours[0]).user)
    client.post(reverse("meetings:second", args=[option.pk]))
    client.post(reverse("meetings:second", args=[option.pk]))  # a friendly message, not an error
    option.refresh_from_db()
    assert option.seconder_count == 1
    html = client.get(reverse("meetings:topic", args=[topic.pk])).content.decode()
    assert "8,000.50" in html


# --- meetings, resident side ---------------------------------------------------------------------

def test_qr_check_in_page_then_post(client, signed_in, cast, meeting):
    url = reverse("meetings:checkin", args=[meeting.checkin_token])
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "next=" in anonymous["Location"]
    signed_in(cast["resident"])
    page = client.get(url)
    assert page.status_code == 200 and "1栋屋场会" in page.content.decode()
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == reverse("meetings:meeting", args=[meeting.pk])
    assert client.post(url).status_code == 302  # a second scan: welcome again
    assert Attendance.objects.filter(meeting=meeting).count() == 1


def test_uninvited_resident_gets_a_clear_message(client, signed_in, meeting):
    from cocreate.accounts.services import resident_account_for_phone

    signed_in(resident_account_for_phone(phone_e164="+8613900139000"))
    url = reverse("meetings:checkin", args=[meeting.checkin_token])
    assert "not on the list" in client.get(url).content.decode()
    refused = client.post(url)
    assert refused.status_code == 400 and "not on the list" in refused.content.decode()
    assert not Attendance.objects.exists()


def test_my_meetings_upcoming_first_and_the_page_after_the_meeting(client, signed_in, cast, meeting, org_tree):
    now = timezone.now()
    later = services.meeting_schedule(actor=cast["cadre"], node=org_tree.community, kind="yishi", title="议事会",
                                      starts_at=now + timedelta(days=3), ends_at=now + timedelta(days=3, hours=1))
    signed_in(cast["resident"])
    html = client.get(reverse("meetings:mine")).content.decode()
    assert html.index("1栋屋场会") < html.index("议事会")
    services.checkin_by_qr(actor=cast["resident"], meeting=meeting, token=meeting.checkin_token)
    item = meeting.agenda.first()
    services.tally_record(actor=cast["grid_worker"], item=item, votes_for=1, votes_against=0, votes_abstain=0)
    services.minutes_record(actor=cast["grid_worker"], meeting=meeting, minutes="大家同意换LED路灯。")
    services.meeting_set_status(actor=cast["grid_worker"], meeting=meeting, status=Meeting.Status.CLOSED)
    html = client.get(reverse("meetings:meeting", args=[meeting.pk])).content.decode()
    assert "大家同意换LED路灯" in html and "You are checked in" in html
    assert client.get(reverse("meetings:meeting", args=[later.pk])).status_code == 200


def test_resident_raises_a_need_at_the_meeting(client, signed_in, cast, meeting, category):
    signed_in(cast["resident"])
    response = client.post(reverse("meetings:raise-need", args=[meeting.pk]),
                           {"text": "单元门禁坏了好几天", "category": category.pk})
    assert response.status_code == 302
    [need] = meeting.raised_needs.all()
    assert need.channel == "meeting"


# --- .ics ----------------------------------------------------------------------------------------

def test_ics_file_is_valid_icalendar(client, signed_in, cast, org_tree):
    start = timezone.now().replace(microsecond=0) + timedelta(days=2)
    long_title = "关于小区路灯、停车位; 以及垃圾分类, 的屋场会" * 3
    meeting = services.meeting_schedule(actor=cast["cadre"], node=org_tree.community, kind="wuchang",
                                        title=long_title[:100], place="1栋门前, 老槐树下", starts_at=start,
                                        ends_at=start + timedelta(hours=2), agenda=["路灯\n换LED"])
    signed_in(cast["resident"])
    response = client.get(reverse("meetings:ics", args=[meeting.pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    raw = response.content
    assert raw.endswith(b"\r\n")
    assert all(len(line) <= 75 for line in raw.split(b"\r\n")), "a line longer than 75 octets"
    lines = unfold(raw.decode("utf-8"))
    fields = dict(line.split(":", 1) for line in lines if line)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-2] == "END:VCALENDAR"
    assert fields["VERSION"] == "2.0" and fields["UID"].startswith(f"meeting-{meeting.pk}@")
    assert fields["DTSTART"] == start.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    assert fields["DTEND"].endswith("Z") and fields["DTSTAMP"].endswith("Z")
    assert fields["LOCATION"] == "1栋门前\\, 老槐树下"
    assert "\\;" in fields["SUMMARY"] and "\\," in fields["SUMMARY"]
    assert "路灯\\n换LED" in fields["DESCRIPTION"]


def test_fold_never_splits_a_character():
    line = "SUMMARY:" + "屋场会" * 40
    folded = ics.fold(line).encode("utf-8")
    pieces = folded.split(b"\r\n")
    assert all(len(p) <= 75 for p in pieces)
    assert all(p.decode("utf-8") for p in pieces)  # each piece is valid UTF-8 on its own
    assert ics.fold(line).replace("\r\n ", "") == line


# --- staff ---------------------------------------------------------------------------------------

def test_staff_console_shows_the_qr_code_and_the_host_checks_in(client, signed_in, cast, meeting, org_tree):
    signed_in(cast["grid_worker"])
    page = client.get(reverse("meetings_staff:console", args=[meeting.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and "<svg" in html and meeting.checkin_token in html
    elder = org_tree.household.members.get(relation="spouse")
    found = client.get(reverse("meetings_staff:console", args=[meeting.pk]), {"q": "李秀英"}, HTTP_HX_REQUEST="true")
    assert 'id="candidates"' in found.content.decode() and "李秀英" in found.content.decode()
    response = client.post(reverse("meetings_staff:host-checkin", args=[meeting.pk]), {"person": elder.pk})
    assert response.status_code == 302
    assert Attendance.objects.get(meeting=meeting).method == "host"
    outsider = org_tree.neighbour_household.members.get()
    refused = client.post(reverse("meetings_staff:host-checkin", args=[meeting.pk]), {"person": outsider.pk})
    assert refused.status_code == 400


def test_staff_console_refuses_a_tally_above_attendance(client, signed_in, cast, meeting):
    signed_in(cast["grid_worker"])
    item = meeting.agenda.first()
    response = client.post(reverse("meetings_staff:tally", args=[item.pk]),
                           {"votes_for": "3", "votes_against": "0", "votes_abstain": "0"})
    assert response.status_code == 400
    item.refresh_from_db()
    assert item.votes_for is None


def test_cadre_schedules_a_meeting_through_the_form(client, signed_in, cast, org_tree, topic, neighbours):
    signed_in(cast["cadre"])
    url = reverse("meetings_staff:create", args=[org_tree.community.pk])
    assert client.get(url).status_code == 200
    start = timezone.localtime() + timedelta(days=1)
    response = client.post(url, {
        "kind": "wanzi", "title": "湾子会", "place": "老槐树下", "node": org_tree.grid.pk,
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "households": [neighbours[0].pk, neighbours[1].pk], "topics": [topic.pk], "other_items": "其他\n\n",
    })
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("meetings_staff:console",
                                                                          args=[meeting.pk])
    assert meeting.invited_count == 2 and meeting.agenda.count() == 2 and meeting.node == org_tree.grid


def test_cadre_creates_a_topic_through_the_form(client, signed_in, cast, org_tree):
    signed_in(cast["cadre"])
    response = client.post(reverse("meetings_staff:topic-create", args=[org_tree.community.pk]),
                           {"title": "停车位规划", "description": "", "node": org_tree.community.pk})
    assert response.status_code == 302
    assert Topic.objects.get().title == "停车位规划"


def test_neighbour_cadre_cannot_touch_the_meeting(client, signed_in, cast, meeting, org_tree):
    signed_in(cast["neighbour_cadre"])
    elder = org_tree.household.members.get(relation="spouse")
    assert client.post(reverse("meetings_staff:host-checkin", args=[meeting.pk]),
                       {"person": elder.pk}).status_code == 404
    assert client.post(reverse("meetings_staff:minutes", args=[meeting.pk]), {"minutes": "越权"}).status_code == 404
    assert not Attendance.objects.exists()


def _meetings(cast, org_tree, count):
    now = timezone.now()
    for n in range(count):
        services.meeting_schedule(actor=cast["cadre"], node=org_tree.grid, kind="wuchang", title=f"会{n}",
                                  starts_at=now + timedelta(days=n), ends_at=now + timedelta(days=n, hours=1))


@pytest.mark.parametrize("count", [3, 35])
def test_meetings_list_query_count_is_fixed(client, signed_in, cast, org_tree, django_assert_num_queries, count):
    _meetings(cast, org_tree, count)
    signed_in(cast["cadre"])
    url = reverse("meetings_staff:list", args=[org_tree.community.pk])
    client.get(url)  # warm the session and the grants
    with django_assert_num_queries(4):
        page = client.get(url)
    assert page.status_code == 200


def test_meetings_list_pages_by_keyset(client, signed_in, cast, org_tree):
    _meetings(cast, org_tree, 35)
    signed_in(cast["cadre"])
    url = reverse("meetings_staff:list", args=[org_tree.community.pk])
    first = client.get(url)
    cursor = first.context["next_cursor"]
    assert cursor and len(first.context["rows"]) == 30
    second = client.get(url, {"before": cursor}, HTTP_HX_REQUEST="true").content.decode()
    titles = {f">会{n}<" for n in range(35)}
    assert {t for t in titles if t in second} == {f">会{n}<" for n in range(5)}  # the 5 earliest
    assert "<html" not in second and "Show more" not in second


@pytest.mark.parametrize("count", [3, 35])
def test_topic_lists_query_count_is_fixed(client, signed_in, cast, org_tree, django_assert_num_queries, count):
    for n in range(count):
        services.topic_create(actor=cast["cadre"], node=org_tree.community, title=f"议题{n}")
    signed_in(cast["resident"])
    url = reverse("meetings:topics")
    client.get(url)
    with django_assert_num_queries(4):
        assert client.get(url).status_code == 200
