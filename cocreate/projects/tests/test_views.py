"""Project pages as a resident, a cadre and the public see them: pledging, the console's forms
(valid, invalid → 400 with the message, refused → nothing written), the public page with masked
names, the trace back to the meeting and the ballot, and query counts that do not grow."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cocreate.core.testing import sign_in
from cocreate.projects import services
from cocreate.projects.models import BudgetLine, Contribution, FundingSource, Pledge

from .conftest import photo

pytestmark = pytest.mark.django_db


def cash_entry(cast, project, household, fen):
    return services.contribution_record(actor=cast["cadre"], project=project, evidence=photo(),
                                        gift=services.Gift(kind="cash", cash_fen=fen),
                                        contributor=services.Contributor(household=household))


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def write(client, project, action, **data):
    return client.post(reverse("projects_staff:write", args=[project.pk]), {"action": action, **data})


def test_resident_pledges_half_a_day_and_sees_it_on_their_page(client, cast, project):
    sign_in(client, cast["resident"])
    page = client.get(reverse("projects:pledge", args=[project.pk]))
    assert page.status_code == 200 and "¥150" in page.content.decode()
    response = client.post(reverse("projects:pledge", args=[project.pk]),
                           {"kind": "labour", "days": "0.5", "as_household": "on"})
    assert response.status_code == 302 and response["Location"] == reverse("projects:mine")
    pledge = Pledge.objects.get()
    assert pledge.hours == 4 and pledge.value_fen == 7500
    assert pledge.household_id == cast["resident"].person.household_id
    mine = client.get(reverse("projects:mine")).content.decode()
    assert "硬化门前路" in mine and "4 hours" in mine


def test_a_pledge_with_odd_days_is_refused_with_the_reason_and_nothing_written(client, cast, project):
    sign_in(client, cast["resident"])
    response = client.post(reverse("projects:pledge", args=[project.pk]), {"kind": "labour", "days": "1.3"})
    assert response.status_code == 400
    assert "whole hours" in response.content.decode()
    assert not Pledge.objects.exists()


def test_cadre_builds_the_plan_on_the_console(client, cast, project):
    sign_in(client, cast["cadre"])
    assert write(client, project, "budget", item="路面", amount_yuan="150000").status_code == 302
    assert write(client, project, "source", kind="resident_cash", amount_yuan="75000").status_code == 302
    assert write(client, project, "source", kind="award", amount_yuan="50000").status_code == 302
    page = client.get(reverse("projects_staff:project", args=[project.pk])).content.decode()
    assert "50.0%" in page  # self-raised share
    assert "25,000" in page  # the gap
    assert BudgetLine.objects.get().amount_fen == 15_000_000
    assert FundingSource.objects.count() == 2


def test_invalid_console_form_answers_400_with_the_message(client, cast, project):
    sign_in(client, cast["cadre"])
    response = write(client, project, "budget", item="路面", amount_yuan="-5")
    assert response.status_code == 400
    assert not BudgetLine.objects.exists()
    response = write(client, project, "nonsense")
    assert response.status_code == 404


def test_refused_service_write_leaves_nothing(client, cast, project):
    sign_in(client, cast["cadre"])
    response = write(client, project, "status", status="building")  # no budget yet
    assert response.status_code == 400 and "budget" in response.content.decode()
    project.refresh_from_db()
    assert project.status == "planning"


def test_only_the_community_cadre_may_write(client, cast, project):
    for who in ("grid_worker", "neighbour_cadre", "street_official"):
        client.logout()
        sign_in(client, cast[who])
        assert write(client, project, "budget", item="路面", amount_yuan="10").status_code == 404
    assert not BudgetLine.objects.exists()


def test_cadre_confirms_a_pledge_with_a_photo_and_the_public_roll_shows_a_masked_name(client, cast, project):
    pledge = services.pledge_make(actor=cast["resident"], project=project, gift=services.Gift(kind="labour", hours=8))
    sign_in(client, cast["cadre"])
    assert write(client, project, "confirm", target=pledge.pk).status_code == 400  # no photo
    response = client.post(reverse("projects_staff:write", args=[project.pk]),
                           {"action": "confirm", "target": pledge.pk, "evidence": photo()})
    assert response.status_code == 302
    assert Contribution.objects.get().value_fen == 15000
    client.logout()
    public = client.get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert "张*明" in public and "张小明" not in public
    assert "¥150" in public


def test_cadre_reverses_an_entry(client, cast, project, org_tree):
    entry = cash_entry(cast, project, org_tree.household, 100)
    sign_in(client, cast["cadre"])
    assert write(client, project, "reverse", target=entry.pk, reason="").status_code == 400
    assert write(client, project, "reverse", target=entry.pk, reason="重复录入").status_code == 302
    assert Contribution.objects.filter(reverses=entry).exists()


def test_trace_leads_back_to_the_meeting_and_the_ballot(client, cast, org_tree, valuation, need):
    from cocreate.decisions import services as decisions
    from cocreate.meetings import services as meetings

    cadre = cast["cadre"]
    topic = meetings.topic_create(actor=cadre, node=org_tree.community, title="门前路硬化")
    meetings.topic_link_needs(actor=cadre, topic=topic, needs=[need])
    meetings.option_propose(actor=cast["resident"], topic=topic, title="水泥路", cost_fen=15_000_000)
    now = timezone.now()
    meeting = meetings.meeting_schedule(actor=cadre, node=org_tree.community, kind="wuchang", title="湾子屋场会",
                                        starts_at=now, ends_at=now + timezone.timedelta(hours=2), place="张家大院")
    item = meetings.agenda_item_add(actor=cadre, meeting=meeting, title="修路方案", topic=topic)
    meetings.tally_record(actor=cadre, item=item, votes_for=0, votes_against=0, votes_abstain=0)  # none checked in
    ballot = decisions.ballot_create(actor=cadre, topic=topic, title="修路表决", kind="yes_no",
                                     node=org_tree.community, opens_at=now - timezone.timedelta(minutes=1),
                                     closes_at=now + timezone.timedelta(days=1))
    decisions.ballot_open(actor=cadre, ballot=ballot)
    decisions.vote_cast(actor=cast["resident"], ballot=ballot, person=org_tree.resident_person, choices=["yes"])
    decisions.ballot_close(actor=cadre, ballot=ballot)
    ballot = decisions.ballot_publish(actor=cadre, ballot=ballot)
    project = services.project_create(actor=cadre, node=org_tree.community, title="硬化门前路", scope="650 米",
                                      origin=services.Origin(ballot=ballot))
    page = client.get(reverse("projects:trace", args=[project.pk])).content.decode()
    for text in ("门前的路一下雨", "湾子屋场会", "张家大院", "修路表决", "硬化门前路"):
        assert text in page, text


def test_public_pages_take_the_same_queries_however_much_was_given(client, cast, project, org_tree):
    from cocreate.orgs import services as orgs_services

    cash_entry(cast, project, org_tree.household, 100)
    services.progress_post(actor=cast["cadre"], project=project, text="开工", percent=5)
    pages = [reverse("projects:detail", args=[project.pk]), reverse("projects:trace", args=[project.pk]),
             reverse("projects_staff:project", args=[project.pk])]
    sign_in(client, cast["cadre"])
    client.get(pages[0])  # the session's last-seen write happens once a minute: warm it up
    before = [count_queries(client, url) for url in pages]
    for n in range(4):
        household = orgs_services.household_register(
            actor=None, node=org_tree.building, address=f"1栋2{n}1", occupancy="resident",
            members=[{"name": f"刘{n}强", "relation": "head"}])
        cash_entry(cast, project, household, 100 + n)
        services.progress_post(actor=cast["cadre"], project=project, text=f"第{n}段", percent=10 + n)
    assert [count_queries(client, url) for url in pages] == before
