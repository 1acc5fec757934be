"""The demo projects: built through the services from the published demo result, idempotent."""

import pytest

from cocreate.audit.services import verify_chain
from cocreate.projects import demo, selectors
from cocreate.projects.models import Contribution, Pledge, Project

pytestmark = pytest.mark.django_db


def test_demo_seed_adds_a_project_traced_to_its_ballot_with_a_ledger_and_a_pledge(settings, tmp_path):
    from cocreate.decisions import demo as decisions_demo
    from cocreate.meetings import demo as meetings_demo
    from cocreate.needs import demo as needs_demo
    from cocreate.orgs import demo as orgs_demo

    settings.MEDIA_ROOT = tmp_path / "media"
    orgs_demo.seed_demo()
    needs_demo.seed()
    meetings_demo.seed()
    decisions_demo.seed()
    counts = demo.seed()
    assert counts["projects"] == 2
    lights = Project.objects.get(title=demo.LIGHTS_PROJECT)
    assert lights.status == Project.Status.BUILDING and lights.ballot is not None
    trace = selectors.trace(lights)
    assert trace.meetings and trace.result is not None and trace.needs
    ledger = Contribution.objects.filter(project=lights).values_list("value_fen", flat=True)
    assert lights.contributed_fen == sum(ledger)
    assert any(line.name == selectors.ANONYMOUS_LABEL for line in selectors.honour_roll(project=lights))
    assert Pledge.objects.filter(status=Pledge.Status.PLEDGED).count() == 1
    assert selectors.funding_plan(Project.objects.get(title=demo.ROAD_PROJECT)).gap_fen == 3_150_000
    assert demo.seed() is None
    assert Project.objects.count() == 2
    assert verify_chain() == []
