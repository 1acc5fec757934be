"""The demo offers, service list and orders: built through the services, idempotent."""

import pytest

from cocreate.audit.services import verify_chain
from cocreate.partners import demo, selectors
from cocreate.partners.models import ServiceOrder

pytestmark = pytest.mark.django_db


def test_demo_seed_adds_offers_a_service_and_orders_in_every_state(settings, tmp_path):
    from cocreate.meetings import demo as meetings_demo
    from cocreate.needs import demo as needs_demo
    from cocreate.orgs import demo as orgs_demo
    from cocreate.orgs.models import OrgUnit

    settings.MEDIA_ROOT = tmp_path / "media"
    orgs_demo.seed_demo()
    needs_demo.seed()
    meetings_demo.seed()
    counts = demo.seed()
    assert counts == {"offers": 2, "services": 1, "orders": 5}
    S = ServiceOrder.Status
    assert set(ServiceOrder.objects.values_list("status", flat=True)) == {S.RATED, S.DONE, S.ACCEPTED, S.PLACED,
                                                                          S.CANCELLED}
    per_member, per_unit = selectors.stats(node=OrgUnit.objects.get(name=demo.COMMUNITY))
    assert per_member[0].minutes == 80 and per_member[0].average_rating == "5.0" and per_unit
    assert demo.seed() is None
    assert ServiceOrder.objects.count() == 5
    assert verify_chain() == []
