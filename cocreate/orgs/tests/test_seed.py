"""seed_demo and seed_scale: what they build, that rerunning changes nothing, and the audit chain."""

import io

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, F
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from cocreate.accounts.models import User
from cocreate.accounts.services import phone_key, staff_check_password, staff_check_totp
from cocreate.audit.models import AuditEvent
from cocreate.audit.services import verify_chain
from cocreate.core.phones import normalise_phone
from cocreate.orgs import demo
from cocreate.orgs.management.commands.seed_scale import SCALE_ROOT
from cocreate.orgs.models import (
    Body,
    BodyMembership,
    Consent,
    DispatchedMember,
    Household,
    HouseholdLink,
    Kind,
    OrgUnit,
    Pairing,
    PartnerUnit,
    Person,
    RoleGrant,
)

pytestmark = pytest.mark.django_db

COUNTED = (OrgUnit, Household, Person, HouseholdLink, Body, BodyMembership, PartnerUnit, Pairing, DispatchedMember,
           Consent, User, RoleGrant, TOTPDevice, AuditEvent)
SCALE_ARGS = ("--households", "2000", "--communities", "4", "--grids-per-community", "5")


def _run(command: str, *args: str) -> str:
    out = io.StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


@pytest.fixture(scope="module")
def demo_output(django_db_setup, django_db_blocker):
    """Seed the demo once for the module (it takes seconds) and roll it back afterwards;
    each test still runs in its own nested transaction through the `db` fixture."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield _run("seed_demo")
        transaction.set_rollback(True)


@pytest.fixture
def demo_root(demo_output) -> OrgUnit:
    return OrgUnit.objects.get(parent__isnull=True, name=demo.DEMO_ROOT)


def _in_demo(model, root: OrgUnit):
    return model.objects.in_subtree(root)


# --- seed_demo ------------------------------------------------------------------------------

def test_demo_builds_the_advertised_county(demo_root):
    nodes = _in_demo(OrgUnit, demo_root)
    assert nodes.filter(kind=Kind.STREET).count() == 2
    assert sorted(nodes.filter(kind=Kind.COMMUNITY).values_list("level__name", flat=True)) == ["村"] * 3 + ["社区"] * 3
    assert 500 <= _in_demo(Household, demo_root).count() <= 700
    persons = _in_demo(Person, demo_root)
    assert 1300 <= persons.count() <= 1700
    assert 0.05 <= persons.filter(is_party_member=True).count() / persons.count() <= 0.12
    assert 0.2 <= persons.exclude(phone_enc="").count() / persons.count() <= 0.4
    assert PartnerUnit.objects.filter(node__name="枝江市").count() == 2
    assert Pairing.objects.count() == 4
    assert DispatchedMember.objects.exists()


def test_demo_users_hold_their_roles(demo_root):
    for account in demo.ACCOUNTS:
        if account.role == demo.RESIDENT:
            continue
        user = User.objects.get(username=account.login)
        grant = RoleGrant.objects.get(user=user, revoked_at__isnull=True)
        assert (grant.role, grant.node.name) == (account.role, demo.SCOPE_NAMES[account.scope])
        assert user.person.phone_national() == user.phone_national() == account.phone
        assert user.person.path.startswith(demo_root.path)


def test_demo_logins_work(demo_root, demo_output):
    user = staff_check_password(username="cadre", password=demo.DEMO_PASSWORD, ip=None)
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    assert device.key == demo.DEMO_TOTP_KEY
    staff_check_totp(user=user, token=f"{totp(device.bin_key):06d}")
    resident = Person.objects.get(phone_index=phone_key(normalise_phone(demo.DEMO_RESIDENT_PHONE)))
    assert resident.relation == Person.Relation.HEAD
    assert resident.path.startswith(OrgUnit.objects.get(name=demo.SCOPE_NAMES["grid"]).path)
    for row in demo.DEMO_LOGINS:
        assert set(row) == {"role", "login", "secret", "note"}
        assert row["login"] in demo_output


def test_every_household_has_a_link_head_in_its_grid(demo_root):
    households = _in_demo(Household, demo_root)
    links = HouseholdLink.objects.filter(household__in=households, type=HouseholdLink.Type.LINK_HEAD)
    assert links.count() == households.count()
    grids = list(_in_demo(OrgUnit, demo_root).filter(kind=Kind.GRID).values_list("path", flat=True))
    for link in links.select_related("household", "leader"):
        grid = next(path for path in grids if link.household.path.startswith(path))
        assert link.leader.path.startswith(grid)
    sizes = links.values("leader").annotate(n=Count("id")).values_list("n", flat=True)
    assert all(15 <= n <= 25 for n in sizes)
    assert HouseholdLink.objects.filter(leader__user__username="linkhead").count() >= 15
    hubs = HouseholdLink.objects.filter(household__in=households, type=HouseholdLink.Type.PARTY_HUB)
    assert 0.3 <= hubs.count() / households.count() <= 0.5
    assert not hubs.filter(leader__is_party_member=False).exists()


def test_demo_is_idempotent_and_audited(demo_root):
    before = _counts()
    assert "already there" in _run("seed_demo")
    assert _counts() == before
    assert verify_chain() == []


# --- seed_scale -----------------------------------------------------------------------------

def _scale_root() -> OrgUnit:
    return OrgUnit.objects.get(parent__isnull=True, name=SCALE_ROOT)


def test_scale_builds_exactly_what_was_asked(demo_root):
    _run("seed_scale", *SCALE_ARGS)
    root = _scale_root()
    assert root.path != demo_root.path
    households = Household.objects.in_subtree(root)
    assert households.count() == 2000
    assert OrgUnit.objects.in_subtree(root).filter(kind=Kind.COMMUNITY).count() == 4
    assert OrgUnit.objects.in_subtree(root).filter(kind=Kind.GRID).count() == 20
    assert not households.exclude(path=F("node__path")).exists()
    assert not households.exclude(path__startswith=F("node__parent__path")).exists()  # the grid's community
    assert not Person.objects.in_subtree(root).exclude(path=F("node__path")).exists()
    assert not households.annotate(n=Count("members")).exclude(n=F("member_count")).exists()
    assert not OrgUnit.objects.in_subtree(root).annotate(n=Count("children")).exclude(n=F("child_seq")).exists()
    with_phone = Person.objects.in_subtree(root).exclude(phone_enc="")
    assert Consent.objects.filter(person__in=with_phone).count() == with_phone.count() > 0
    assert AuditEvent.objects.filter(action="seed.scale").count() == 1
    assert verify_chain() == []


def test_scale_rerun_is_a_no_op_and_tops_up(demo_root):
    _run("seed_scale", *SCALE_ARGS)
    before = _counts()
    assert "nothing to do" in _run("seed_scale", *SCALE_ARGS)
    assert _counts() == before
    _run("seed_scale", "--households", "2300", "--communities", "1", "--grids-per-community", "3")
    root = _scale_root()
    assert Household.objects.in_subtree(root).count() == 2300
    assert root.child_seq == root.children.count() == 2
    assert Household.objects.in_subtree(demo_root).count() == before["Household"] - 2000
