"""Writes for topics and meetings: each service leaves the right state and one audit event;
refusals write nothing."""

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, connections
from django.utils import timezone

from cocreate.audit.models import AuditEvent
from cocreate.core.errors import Conflict, DomainError, InvalidTransition
from cocreate.meetings import services
from cocreate.meetings.models import Attendance, Invitation, Meeting, Moderator, Option, Post, Seconder, Topic
from cocreate.needs import services as needs_services
from cocreate.needs.models import Need
from cocreate.notify.models import Message

from .conftest import head

pytestmark = pytest.mark.django_db


class AuditLog:
    def __init__(self) -> None:
        self.mark = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0

    def new(self, prefix: str = "") -> list[AuditEvent]:
        events = AuditEvent.objects.filter(id__gt=self.mark).order_by("id")
        return [e for e in events if e.action.startswith(prefix)]


# --- topics --------------------------------------------------------------------------------------

def test_cadre_creates_a_topic_gathering_needs_which_move_to_deliberation(cast, org_tree, category):
    need = needs_services.need_raise(actor=cast["resident"], person=org_tree.resident_person, text="小区路灯坏了",
                                     category=category)
    log = AuditLog()
    topic = services.topic_create(actor=cast["cadre"], node=org_tree.community, title="路灯改造", needs=[need])
    need.refresh_from_db()
    assert topic.community == org_tree.community and topic.status == Topic.Status.DISCUSSION
    assert list(topic.needs.all()) == [need]
    assert need.status == Need.Status.DELIBERATION  # through the needs service: received → accepted → deliberation
    [event] = log.new("topic.")
    assert event.action == "topic.created" and event.data["needs"] == [need.pk]
    assert [e.action for e in log.new("need.")] == ["need.accepted", "need.deliberation"]


def test_topic_refuses_needs_of_another_community_and_writes_nothing(cast, org_tree, category):
    other = needs_services.need_raise(actor=None, person=org_tree.neighbour_household.members.get(),
                                      text="楼道堆放杂物", category=category)
    log = AuditLog()
    with pytest.raises(DomainError):
        services.topic_create(actor=cast["cadre"], node=org_tree.community, title="路灯改造", needs=[other])
    assert not Topic.objects.exists() and not log.new()


@pytest.mark.parametrize("role", ["grid_worker", "neighbour_cadre", "street_official", "resident"])
def test_only_the_community_cadre_creates_topics(cast, org_tree, role):
    with pytest.raises(PermissionDenied):
        services.topic_create(actor=cast[role], node=org_tree.community, title="路灯改造")


def test_topic_status_moves_along_its_transitions(cast, topic):
    log = AuditLog()
    services.topic_set_status(actor=cast["cadre"], topic=topic, status=Topic.Status.VOTING)
    services.topic_set_status(actor=cast["cadre"], topic=topic, status=Topic.Status.DECIDED)
    topic.refresh_from_db()
    assert topic.status == Topic.Status.DECIDED
    assert [e.data for e in log.new("topic.status")] == [{"from": "discussion", "to": "voting"},
                                                         {"from": "voting", "to": "decided"}]
    with pytest.raises(InvalidTransition):
        services.topic_set_status(actor=cast["cadre"], topic=topic, status=Topic.Status.DISCUSSION)
    with pytest.raises(PermissionDenied):
        services.topic_set_status(actor=cast["neighbour_cadre"], topic=topic, status=Topic.Status.CLOSED)


# --- discussion and moderation -------------------------------------------------------------------

def test_residents_post_and_reply_in_threads(cast, topic, neighbours):
    log = AuditLog()
    first = services.post_add(actor=cast["resident"], topic=topic, body="同意，晚上太黑了")
    reply = services.post_add(actor=head(neighbours[0]).user, topic=topic, body="我家老人也这么说", parent=first)
    deeper = services.post_add(actor=cast["resident"], topic=topic, body="那就一起提方案", parent=reply)
    topic.refresh_from_db()
    assert topic.post_count == 3
    assert reply.parent == first and deeper.parent == first  # threads are one level deep
    assert reply.person == head(neighbours[0])
    assert [e.action for e in log.new()] == ["post.added"] * 3


def test_neighbour_community_resident_cannot_post(cast, topic, org_tree):
    from cocreate.accounts.services import resident_account_for_phone

    outsider = resident_account_for_phone(phone_e164="+8613900139000")
    with pytest.raises(PermissionDenied):
        services.post_add(actor=outsider, topic=topic, body="我也说两句")
    assert not Post.objects.exists()


def test_report_once_per_reader_then_a_moderator_hides_with_a_reason(cast, topic, neighbours, org_tree):
    post = services.post_add(actor=cast["resident"], topic=topic, body="骂人的话")
    reader = head(neighbours[0]).user
    services.post_report(actor=reader, post=post, reason="人身攻击")
    with pytest.raises(Conflict):
        services.post_report(actor=reader, post=post, reason="再举报一次")
    post.refresh_from_db()
    assert post.report_count == 1

    # A resident who is not a moderator may not hide; once appointed, they may.
    moderator_person = head(neighbours[1])
    with pytest.raises(PermissionDenied):
        services.post_hide(actor=moderator_person.user, post=post, reason="不文明")
    services.moderator_appoint(actor=cast["cadre"], community=org_tree.community, person=moderator_person)
    log = AuditLog()
    services.post_hide(actor=moderator_person.user, post=post, reason="不文明用语")
    post.refresh_from_db()
    topic.refresh_from_db()
    assert post.hidden_at and post.hide_reason == "不文明用语" and post.hidden_by == moderator_person.user
    assert topic.post_count == 0
    assert not post.reports.filter(resolved_at__isnull=True).exists()
    [event] = log.new()
    assert event.action == "post.hidden"


def test_cadre_moderates_without_appointment_and_dismisses_reports(cast, topic, neighbours):
    post = services.post_add(actor=cast["resident"], topic=topic, body="物业不作为")
    services.post_report(actor=head(neighbours[0]).user, post=post, reason="不喜欢")
    assert services.post_reports_dismiss(actor=cast["cadre"], post=post) == 1
    with pytest.raises(Conflict):
        services.post_reports_dismiss(actor=cast["cadre"], post=post)
    with pytest.raises(PermissionDenied):
        services.post_hide(actor=cast["neighbour_cadre"], post=post, reason="越权")


def test_moderator_must_be_a_resident_with_an_account(cast, org_tree):
    elder = org_tree.household.members.get(relation="spouse")  # no account
    with pytest.raises(DomainError):
        services.moderator_appoint(actor=cast["cadre"], community=org_tree.community, person=elder)
    with pytest.raises(PermissionDenied):
        services.moderator_appoint(actor=cast["grid_worker"], community=org_tree.community,
                                   person=org_tree.resident_person)
    assert not Moderator.objects.exists()


# --- options -------------------------------------------------------------------------------------

def test_option_mover_seconders_and_withdrawal(cast, topic, neighbours, org_tree):
    log = AuditLog()
    option = services.option_propose(actor=cast["resident"], topic=topic, title="换LED路灯", description="每栋两盏",
                                     cost_fen=services.fen_from_yuan("12000.50"))
    assert option.cost_fen == 1_200_050 and option.mover == org_tree.resident_person
    seconder = head(neighbours[0]).user
    services.option_second(actor=seconder, option=option)
    with pytest.raises(Conflict):
        services.option_second(actor=seconder, option=option)
    with pytest.raises(DomainError):
        services.option_second(actor=cast["resident"], option=option)  # the mover
    with pytest.raises(DomainError):
        services.option_second(actor=cast["cadre"], option=option)  # staff without a household here
    option.refresh_from_db()
    assert option.seconder_count == 1 == Seconder.objects.filter(option=option).count()
    with pytest.raises(PermissionDenied):
        services.option_withdraw(actor=seconder, option=option)
    services.option_withdraw(actor=cast["resident"], option=option)
    option.refresh_from_db()
    assert option.status == Option.Status.WITHDRAWN
    assert [e.action for e in log.new()] == ["option.proposed", "option.seconded", "option.withdrawn"]


def test_fen_from_yuan_never_goes_through_a_float():
    assert services.fen_from_yuan("0.1") == 10
    assert services.fen_from_yuan("19.99") == 1999
    assert services.fen_from_yuan("") is None
    with pytest.raises(DomainError):
        services.fen_from_yuan("-1")
    with pytest.raises(DomainError):
        services.fen_from_yuan("abc")


@pytest.mark.django_db(transaction=True)
def test_concurrent_seconds_by_one_person_count_once(cast, topic, neighbours):
    """The unique constraint, not a read-then-write check, keeps one second per person."""
    option = services.option_propose(actor=cast["resident"], topic=topic, title="换LED路灯")
    user = head(neighbours[0]).user
    barrier, outcomes = threading.Barrier(4), []

    def second():
        try:
            barrier.wait()
            services.option_second(actor=user, option=option)
            outcomes.append("ok")
        except Conflict:
            outcomes.append("conflict")
        except Exception as other:  # SQLite may refuse a concurrent writer outright
            outcomes.append(type(other).__name__)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=second) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    option.refresh_from_db()
    assert outcomes.count("ok") == 1
    assert option.seconder_count == 1 == Seconder.objects.filter(option=option).count()
    if connection.vendor == "postgresql":
        assert outcomes.count("conflict") == 3


# --- meetings ------------------------------------------------------------------------------------

def test_grid_worker_schedules_a_wuchang_meeting_inviting_the_grid(cast, org_tree, topic, neighbours):
    log = AuditLog()
    now = timezone.now()
    meeting = services.meeting_schedule(actor=cast["grid_worker"], node=org_tree.grid, kind="wuchang",
                                        title="1栋屋场会", place="1栋门前", starts_at=now + timedelta(days=1),
                                        ends_at=now + timedelta(days=1, hours=2), agenda=[topic, "其他事项"])
    assert meeting.community == org_tree.community and meeting.invited_count == 6
    assert Invitation.objects.filter(meeting=meeting).count() == 6
    assert [(i.topic, i.title, i.order) for i in meeting.agenda.all()] == [(topic, topic.title, 1),
                                                                          (None, "其他事项", 2)]
    # Residents with an account are told in the app: the fixture resident, the 联户长 and two neighbours.
    assert Message.objects.filter(kind="meeting.invited", target_id=meeting.pk).count() == 4
    [event] = log.new()
    assert event.action == "meeting.scheduled" and event.data["invited"] == 6


def test_meeting_with_a_list_of_households_must_stay_in_the_area(cast, org_tree, neighbours):
    now = timezone.now()
    kwargs = {"kind": "bandeng", "title": "板凳会", "starts_at": now, "ends_at": now + timedelta(hours=1)}
    meeting = services.meeting_schedule(actor=cast["cadre"], node=org_tree.community,
                                        households=neighbours[:2], **kwargs)
    assert meeting.invited_count == 2
    with pytest.raises(DomainError):
        services.meeting_schedule(actor=cast["cadre"], node=org_tree.grid,
                                  households=[org_tree.neighbour_household], **kwargs)
    with pytest.raises(PermissionDenied):
        services.meeting_schedule(actor=cast["grid_worker"], node=org_tree.community, **kwargs)
    with pytest.raises(DomainError):
        services.meeting_schedule(actor=cast["cadre"], node=org_tree.grid, **{**kwargs, "ends_at": now})
    assert Meeting.objects.count() == 1


def test_qr_check_in_counts_households_and_a_second_scan_is_a_no_op(cast, meeting, org_tree):
    log = AuditLog()
    attendance, created = services.checkin_by_qr(actor=cast["resident"], meeting=meeting,
                                                 token=meeting.checkin_token)
    assert created and attendance.method == Attendance.Method.QR and attendance.person == org_tree.resident_person
    again, created = services.checkin_by_qr(actor=cast["resident"], meeting=meeting, token=meeting.checkin_token)
    assert not created and again.pk == attendance.pk
    # The 联户长 lives in the same household: one more person, the same household.
    services.checkin_by_qr(actor=cast["link_head"], meeting=meeting, token=meeting.checkin_token)
    meeting.refresh_from_db()
    assert meeting.attended_household_count == 1 and meeting.attendances.count() == 2
    assert [e.action for e in log.new()] == ["meeting.checked_in"] * 2


def test_qr_check_in_refuses_a_wrong_token_and_the_uninvited(cast, meeting, org_tree):
    from cocreate.accounts.services import resident_account_for_phone

    with pytest.raises(DomainError):
        services.checkin_by_qr(actor=cast["resident"], meeting=meeting, token="wrong")
    outsider = resident_account_for_phone(phone_e164="+8613900139000")
    with pytest.raises(DomainError) as refused:
        services.checkin_by_qr(actor=outsider, meeting=meeting, token=meeting.checkin_token)
    assert refused.value.code == "not_invited"
    with pytest.raises(DomainError):  # staff without a household
        services.checkin_by_qr(actor=cast["cadre"], meeting=meeting, token=meeting.checkin_token)
    assert not Attendance.objects.exists()


def test_qr_check_in_does_not_open_the_day_before(cast, org_tree):
    now = timezone.now()
    meeting = services.meeting_schedule(actor=cast["cadre"], node=org_tree.grid, kind="yishi", title="议事会",
                                        starts_at=now + timedelta(days=1), ends_at=now + timedelta(days=1, hours=1))
    with pytest.raises(DomainError):
        services.checkin_by_qr(actor=cast["resident"], meeting=meeting, token=meeting.checkin_token)


def test_host_checks_in_an_elderly_resident_without_a_phone(cast, meeting, org_tree):
    elder = org_tree.household.members.get(relation="spouse")
    log = AuditLog()
    attendance, created = services.checkin_by_host(actor=cast["grid_worker"], meeting=meeting, person=elder)
    assert created and attendance.method == Attendance.Method.HOST and attendance.checked_in_by == cast["grid_worker"]
    _, created = services.checkin_by_host(actor=cast["grid_worker"], meeting=meeting, person=elder)
    assert not created
    [event] = log.new()
    assert event.on_behalf_of_id == elder.pk
    with pytest.raises(DomainError):
        services.checkin_by_host(actor=cast["grid_worker"], meeting=meeting,
                                 person=org_tree.neighbour_household.members.get())
    with pytest.raises(PermissionDenied):
        services.checkin_by_host(actor=cast["street_official"], meeting=meeting, person=org_tree.resident_person)


def test_tallies_cannot_exceed_the_people_checked_in(cast, meeting, org_tree):
    item = meeting.agenda.first()
    with pytest.raises(DomainError):
        services.tally_record(actor=cast["grid_worker"], item=item, votes_for=1, votes_against=0, votes_abstain=0)
    services.checkin_by_qr(actor=cast["resident"], meeting=meeting, token=meeting.checkin_token)
    services.checkin_by_host(actor=cast["grid_worker"], meeting=meeting,
                             person=org_tree.household.members.get(relation="spouse"))
    with pytest.raises(DomainError):
        services.tally_record(actor=cast["grid_worker"], item=item, votes_for=2, votes_against=1, votes_abstain=0)
    with pytest.raises(DomainError):
        services.tally_record(actor=cast["grid_worker"], item=item, votes_for=-1, votes_against=1, votes_abstain=0)
    log = AuditLog()
    services.tally_record(actor=cast["grid_worker"], item=item, votes_for=1, votes_against=0, votes_abstain=1)
    item.refresh_from_db()
    assert (item.votes_for, item.votes_against, item.votes_abstain) == (1, 0, 1)
    [event] = log.new()
    assert event.action == "meeting.tally_recorded" and event.data["present"] == 2


def test_closing_freezes_attendance_and_tallies_but_not_the_minutes(cast, meeting, org_tree):
    services.meeting_set_status(actor=cast["grid_worker"], meeting=meeting, status=Meeting.Status.OPEN)
    services.meeting_set_status(actor=cast["grid_worker"], meeting=meeting, status=Meeting.Status.CLOSED)
    meeting.refresh_from_db()
    assert meeting.closed_at is not None
    with pytest.raises(DomainError):
        services.checkin_by_qr(actor=cast["resident"], meeting=meeting, token=meeting.checkin_token)
    with pytest.raises(DomainError):
        services.tally_record(actor=cast["grid_worker"], item=meeting.agenda.first(), votes_for=0,
                              votes_against=0, votes_abstain=0)
    services.minutes_record(actor=cast["grid_worker"], meeting=meeting, minutes="会议讨论了路灯改造。")
    meeting.refresh_from_db()
    assert meeting.minutes.startswith("会议") and meeting.minutes_recorded_at
    with pytest.raises(InvalidTransition):
        services.meeting_set_status(actor=cast["grid_worker"], meeting=meeting, status=Meeting.Status.OPEN)


def test_cancelling_needs_a_reason_and_tells_the_invitees(cast, meeting):
    with pytest.raises(DomainError):
        services.meeting_set_status(actor=cast["grid_worker"], meeting=meeting, status=Meeting.Status.CANCELLED)
    log = AuditLog()
    services.meeting_set_status(actor=cast["grid_worker"], meeting=meeting, status=Meeting.Status.CANCELLED,
                                reason="暴雨预警")
    assert Message.objects.filter(kind="meeting.cancelled", target_id=meeting.pk).count() == 2
    [event] = log.new()
    assert event.action == "meeting.cancelled" and event.data["reason"] == "暴雨预警"


def test_needs_raised_on_the_spot_have_the_meeting_as_their_source(cast, meeting, org_tree, category):
    from django.core.files.base import ContentFile

    from cocreate.needs.tests.conftest import jpeg_bytes

    own = services.meeting_need_raise(actor=cast["resident"], meeting=meeting, person=org_tree.resident_person,
                                      text="单元门禁坏了", category=category)
    assert own.channel == Need.Channel.MEETING and own.recorded_by is None
    elder = org_tree.household.members.get(relation="spouse")
    with pytest.raises(DomainError):  # not checked in yet
        services.meeting_need_raise(actor=cast["grid_worker"], meeting=meeting, person=elder, text="想要助老餐",
                                    category=category, consent_method="slip",
                                    consent_slip=ContentFile(jpeg_bytes(), name="slip.jpg"))
    services.checkin_by_host(actor=cast["grid_worker"], meeting=meeting, person=elder)
    log = AuditLog()
    recorded = services.meeting_need_raise(actor=cast["grid_worker"], meeting=meeting, person=elder,
                                           text="想要助老餐", category=category, consent_method="slip",
                                           consent_slip=ContentFile(jpeg_bytes(), name="slip.jpg"))
    assert recorded.channel == Need.Channel.MEETING and recorded.recorded_by == cast["grid_worker"]
    assert set(meeting.raised_needs.all()) == {own, recorded}
    [event] = log.new()
    assert event.action == "need.raised" and event.on_behalf_of_id == elder.pk


def test_follow_up_tasks_with_an_owner_and_a_due_date(cast, meeting):
    due = timezone.localdate() + timedelta(days=14)
    with pytest.raises(DomainError):
        services.task_add(actor=cast["grid_worker"], meeting=meeting, title="联系路灯公司", due_on=due)
    with pytest.raises(DomainError):  # staff of the neighbouring community cannot own it
        services.task_add(actor=cast["grid_worker"], meeting=meeting, title="联系路灯公司", due_on=due,
                          owner=cast["neighbour_cadre"])
    task = services.task_add(actor=cast["grid_worker"], meeting=meeting, title="联系路灯公司", due_on=due,
                             owner=cast["cadre"])
    assert Message.objects.filter(user=cast["cadre"], kind="meeting.task").exists()
    named = services.task_add(actor=cast["grid_worker"], meeting=meeting, title="统计各户意见", due_on=due,
                              owner_name="楼栋长老李")
    services.task_done(actor=cast["cadre"], task=task)
    with pytest.raises(Conflict):
        services.task_done(actor=cast["cadre"], task=task)
    with pytest.raises(PermissionDenied):
        services.task_done(actor=cast["street_official"], task=named)
