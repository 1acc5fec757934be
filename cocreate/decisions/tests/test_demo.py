"""The demo ballots and 四议两公开 record: built through the services, idempotent."""

import pytest

from cocreate.audit.services import verify_chain
from cocreate.decisions import demo, selectors
from cocreate.decisions.models import Ballot, Procedure

pytestmark = pytest.mark.django_db


def test_demo_seed_adds_an_open_ballot_a_published_result_and_a_four_deliberations_record(settings, tmp_path):
    from cocreate.meetings import demo as meetings_demo
    from cocreate.needs import demo as needs_demo
    from cocreate.orgs import demo as orgs_demo

    settings.MEDIA_ROOT = tmp_path / "media"
    orgs_demo.seed_demo()
    needs_demo.seed()
    meetings_demo.seed()
    counts = demo.seed()
    assert counts["ballots"] == 2 and counts["procedure_stages"] == 6
    assert Ballot.objects.filter(status=Ballot.Status.OPEN).count() == 1
    published = Ballot.objects.get(status=Ballot.Status.PUBLISHED)
    result = selectors.ballot_result(published)
    assert result.voted > 1 and result.offline > 0 and result.winners
    procedure = Procedure.objects.get()
    assert procedure.status == Procedure.Status.COMPLETED and procedure.stages.count() == 6
    assert demo.seed() is None
    assert Ballot.objects.count() == 2
    assert verify_chain() == []
