"""The demo county of `make run` carries content from every app, and stays idempotent.

The orgs part is tested in cocreate/orgs/tests/test_seed.py; this file checks what the apps
above orgs add through their `demo.seed()` (needs, meetings, decisions)."""

import io

import pytest
from django.core.management import call_command
from django.db import transaction

from cocreate.audit.services import verify_chain
from cocreate.core.crypto import blind_index
from cocreate.core.phones import normalise_phone
from cocreate.needs.models import Need, Support
from cocreate.orgs import demo
from cocreate.orgs.models import Kind, OrgUnit, Person

pytestmark = pytest.mark.django_db


def _seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def demo_output(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        yield _seed()
        transaction.set_rollback(True)


@pytest.fixture
def root(demo_output) -> OrgUnit:
    return OrgUnit.objects.get(parent__isnull=True, name=demo.DEMO_ROOT)


def _demo_resident() -> Person:
    return Person.objects.get(phone_index=blind_index(normalise_phone(demo.DEMO_RESIDENT_PHONE)),
                              relation=Person.Relation.HEAD)


def test_every_community_has_needs_with_supporters(root, demo_output):
    communities = OrgUnit.objects.in_subtree(root).filter(kind=Kind.COMMUNITY)
    for community in communities:
        needs = Need.objects.filter(community=community)
        assert needs.count() >= 5, community.name
        assert Support.objects.filter(need__community=community).exists(), community.name
    assert "Needs:" in demo_output or "需求" in demo_output


def test_the_demo_resident_has_raised_and_supported(root):
    resident = _demo_resident()
    assert Need.objects.filter(household=resident.household).exists()
    assert Support.objects.filter(household=resident.household).exclude(need__household=resident.household).exists()


def test_a_second_run_adds_nothing_and_the_audit_chain_holds(root):
    counts = (Need.objects.count(), Support.objects.count())
    _seed()
    assert (Need.objects.count(), Support.objects.count()) == counts
    assert verify_chain() == []
