"""The demo topics and meetings: built through the services on the demo county, idempotent."""

import pytest

from cocreate.audit.services import verify_chain
from cocreate.meetings import demo
from cocreate.meetings.models import Attendance, Meeting, Option, Post, Seconder, Topic

pytestmark = pytest.mark.django_db


def test_demo_seed_adds_topics_and_meetings_once():
    from cocreate.needs import demo as needs_demo
    from cocreate.orgs import demo as orgs_demo

    orgs_demo.seed_demo()
    needs_demo.seed()
    counts = demo.seed()
    assert counts["topics"] == 2 and counts["meetings"] == 2 and counts["attendances"] > 0
    assert Post.objects.count() >= 4 and Option.objects.count() == 3 and Seconder.objects.count() == 3
    lights = Topic.objects.get(title=demo.LIGHTS)
    assert lights.needs.exists()
    past = Meeting.objects.get(status=Meeting.Status.CLOSED)
    assert past.minutes and past.agenda.filter(votes_for__isnull=False).count() == 2
    assert past.attended_household_count > 0
    assert Meeting.objects.filter(status=Meeting.Status.PLANNED).count() == 1
    before = (Topic.objects.count(), Meeting.objects.count(), Attendance.objects.count())
    assert demo.seed() is None
    assert (Topic.objects.count(), Meeting.objects.count(), Attendance.objects.count()) == before
    assert verify_chain() == []
