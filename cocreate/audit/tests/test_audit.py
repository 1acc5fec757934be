"""The audit trail (security.md L-1 to L-4 and D-2; tests 16 to 18): a hash chain the
database will not let anyone rewrite, a retention floor, fail-closed subscribers, and a
viewer scoped to the official's own subtree."""

import itertools
import os
import secrets
import subprocess
import sys
from contextlib import contextmanager
from datetime import timedelta
from io import StringIO
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from cocreate.audit import triggers
from cocreate.audit.models import AuditEvent
from cocreate.audit.services import GENESIS, purge_expired, purge_permit, record, subscribe, unsubscribe, verify_chain
from cocreate.core.crypto import chain_hash
from cocreate.orgs import services as org_services
from cocreate.orgs.models import Household, Kind, OrgLevel, Person, Role, RoleGrant

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]


# --- helpers -------------------------------------------------------------------------------

@contextmanager
def append_only_trigger_bypassed():
    """What an intruder with the database owner's rights could do; the chain must show it."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Django's deferred foreign-key checks are pending trigger events that block ALTER TABLE.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_append_only")
        else:
            cursor.execute("DROP TRIGGER audit_no_update")
            cursor.execute("DROP TRIGGER audit_no_delete")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_append_only")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            else:
                for statement in triggers.SQLITE_INSTALL:
                    cursor.execute(statement)


def raw_sql(sql: str, *params) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def verify_audit_command() -> tuple[int, str, str]:
    """Run `manage.py verify_audit`: (exit status, stdout, stderr)."""
    out, err = StringIO(), StringIO()
    try:
        call_command("verify_audit", stdout=out, stderr=err)
    except CommandError as failed:
        return failed.returncode, out.getvalue(), err.getvalue() + str(failed)
    return 0, out.getvalue(), err.getvalue()


def three_events() -> list[AuditEvent]:
    return [record(actor=None, action=f"test.event{n}", data={"n": n}) for n in range(3)]


def aged_event(days: float, action: str) -> AuditEvent:
    """An event written `days` ago (hashes are placeholders: the purge does not re-chain)."""
    return AuditEvent.objects.create(created_at=timezone.now() - timedelta(days=days), action=action,
                                     hash_alg="SHA256", prev_hash=GENESIS, row_hash=secrets.token_hex(32))


def new_events_after(last_id: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(id__gt=last_id).order_by("id"))


def last_id() -> int:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


@pytest.fixture
def subscriber():
    """subscribe() for one test; every handler is removed afterwards."""
    added = []

    def _subscribe(action, handler):
        subscribe(action, handler)
        added.append((action, handler))

    yield _subscribe
    for action, handler in added:
        unsubscribe(action, handler)


def register_household(node, address="3栋301"):
    return org_services.household_register(actor=None, node=node, address=address, occupancy="resident",
                                           members=[{"name": "周审计", "phone": "13500135000", "relation": "head"}])


# --- the hash chain ------------------------------------------------------------------------

def test_every_record_chains_to_the_previous_row_hash(org_tree):
    first, second, third = three_events()
    rows = list(AuditEvent.objects.order_by("id"))
    assert rows[0].prev_hash == GENESIS
    for previous, row in itertools.pairwise(rows):
        assert row.prev_hash == previous.row_hash
    for row in rows:
        assert row.row_hash == chain_hash(row.prev_hash, row.canonical(), algorithm=row.hash_alg)
    assert (second.prev_hash, third.prev_hash) == (first.row_hash, second.row_hash)
    assert len({row.row_hash for row in rows}) == len(rows)


def test_an_event_recorded_in_a_request_carries_who_where_and_the_request_id(client, signed_in, cast):
    signed_in(cast["street_official"])
    response = client.get(reverse("audit:list"))
    event = AuditEvent.objects.get(action="audit.queried")
    assert (event.actor, event.actor_role, event.outcome) == (
        cast["street_official"], Role.STREET_OFFICIAL, AuditEvent.Outcome.SUCCESS)
    assert (event.request_id, event.ip) == (response["X-Request-ID"], "127.0.0.1")
    assert event.created_at.utcoffset() == timedelta(0)


def test_verify_audit_passes_on_an_untouched_chain(org_tree):
    three_events()
    status, out, err = verify_audit_command()
    assert status == 0, err
    assert f"audit chain OK: {AuditEvent.objects.count()} rows" in out
    assert verify_chain() == []


def test_verify_audit_names_exactly_the_row_changed_by_one_byte(org_tree):
    _first, tampered, _third = three_events()
    with append_only_trigger_bypassed():
        raw_sql("UPDATE audit_auditevent SET action = %s WHERE id = %s", "test.eventX", tampered.pk)
    status, _out, err = verify_audit_command()
    assert status != 0
    assert err.count("tampered audit row") == 1
    assert f"tampered audit row id={tampered.pk}\n" in err
    assert verify_chain() == [tampered.pk]


def test_verify_audit_notices_a_deleted_row(org_tree):
    _first, deleted, after = three_events()
    with append_only_trigger_bypassed():
        raw_sql("DELETE FROM audit_auditevent WHERE id = %s", deleted.pk)
    assert verify_chain() == [after.pk]  # its link points at a row that is gone
    assert verify_audit_command()[0] != 0


def test_hashes_written_with_sm3_verify_after_switching_back(org_tree):
    with override_settings(HASH_ALGORITHM="SM3"):
        sm3 = record(actor=None, action="test.sm3")
    sha = record(actor=None, action="test.sha")
    assert (sm3.hash_alg, sha.hash_alg) == ("SM3", "SHA256")
    assert sha.prev_hash == sm3.row_hash
    assert verify_chain() == []


# --- append-only in the database -----------------------------------------------------------

def _orm_save(event):
    event.action = "test.rewritten"
    event.save()


REFUSED_WRITES = {
    "ORM update": lambda event: AuditEvent.objects.filter(pk=event.pk).update(action="test.rewritten"),
    "ORM save": _orm_save,
    "ORM delete": lambda event: event.delete(),
    "ORM delete all": lambda event: AuditEvent.objects.all().delete(),
    "SQL update": lambda event: raw_sql("UPDATE audit_auditevent SET action = 'x' WHERE id = %s", event.pk),
    "SQL update all": lambda event: raw_sql("UPDATE audit_auditevent SET data = data"),
    "SQL delete": lambda event: raw_sql("DELETE FROM audit_auditevent WHERE id = %s", event.pk),
    "SQL delete all": lambda event: raw_sql("DELETE FROM audit_auditevent"),
}


@pytest.mark.parametrize("write", REFUSED_WRITES.values(), ids=REFUSED_WRITES.keys())
def test_the_database_refuses_to_update_or_delete_audit_rows(org_tree, write):
    event = record(actor=None, action="test.original", data={"keep": True})
    rows = AuditEvent.objects.count()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        write(event)
    event.refresh_from_db()
    assert (event.action, event.data, AuditEvent.objects.count()) == ("test.original", {"keep": True}, rows)
    assert verify_chain() == []


def test_old_rows_cannot_be_deleted_without_the_purge_permit(org_tree):
    old = aged_event(400, "test.old")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=old.pk).delete()
    assert AuditEvent.objects.filter(pk=old.pk).exists()


def test_even_the_purge_permit_cannot_delete_a_row_younger_than_180_days(org_tree):
    young = aged_event(179, "test.young")
    with pytest.raises(DatabaseError), transaction.atomic(), purge_permit("purge"):
        AuditEvent.objects.filter(pk=young.pk).delete()
    assert AuditEvent.objects.filter(pk=young.pk).exists()


# --- retention -----------------------------------------------------------------------------

@override_settings(AUDIT_RETENTION_DAYS=180)
def test_purge_keeps_179_days_and_deletes_181_days_at_the_180_day_floor(org_tree):
    kept, purged = aged_event(179, "test.179"), aged_event(181, "test.181")
    assert purge_expired() == 1
    assert AuditEvent.objects.filter(pk=kept.pk).exists()
    assert not AuditEvent.objects.filter(pk=purged.pk).exists()


def test_purge_keeps_a_year_by_default(org_tree):
    within, beyond = aged_event(181, "test.181"), aged_event(366, "test.366")
    out = StringIO()
    call_command("purge_audit", stdout=out)
    assert "purged 1 audit events" in out.getvalue()
    assert AuditEvent.objects.filter(pk=within.pk).exists()
    assert not AuditEvent.objects.filter(pk=beyond.pk).exists()


def _import_settings(days: int) -> subprocess.CompletedProcess:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "COCREATE_AUDIT_RETENTION_DAYS": str(days)}
    return subprocess.run([sys.executable, "-c", "import django; django.setup()"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize("days", [90, 179])
def test_a_retention_under_180_days_stops_the_settings_from_loading(days):
    result = _import_settings(days)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"COCREATE_AUDIT_RETENTION_DAYS={days} is under the legal floor of 180 days" in result.stderr


def test_a_retention_of_180_days_is_accepted():
    result = _import_settings(180)
    assert result.returncode == 0, result.stderr


# --- fail closed (L-4) and subscribers -----------------------------------------------------

def _business_state() -> tuple:
    return Household.objects.count(), Person.objects.count(), AuditEvent.objects.count()


def test_a_failing_subscriber_rolls_the_business_write_back(org_tree, subscriber):
    def refuse(event):
        raise RuntimeError("the points ledger is unavailable")

    subscriber("household.registered", refuse)
    before = _business_state()
    with pytest.raises(RuntimeError, match="ledger"):
        register_household(org_tree.grid)
    assert _business_state() == before
    assert not Household.objects.filter(address="3栋301").exists()
    assert not AuditEvent.objects.filter(action="household.registered", node_path=org_tree.grid.path).exists()


def test_a_failing_audit_insert_rolls_the_business_write_back(org_tree):
    before = _business_state()
    with mock.patch.object(AuditEvent, "save", side_effect=DatabaseError("disk full")), \
            pytest.raises(DatabaseError, match="disk full"):
        register_household(org_tree.grid)
    assert _business_state() == before


def test_subscribers_receive_the_saved_event_of_their_action_only(org_tree, subscriber):
    registered, moved = [], []
    subscriber("household.registered", registered.append)
    subscriber("household.moved", moved.append)
    household = register_household(org_tree.grid)
    assert moved == []
    [event] = registered
    assert isinstance(event, AuditEvent) and event.pk is not None
    assert (event.action, event.target_id, event.node_path) == (
        "household.registered", str(household.pk), org_tree.grid.path)


def test_an_unsubscribed_handler_is_not_called(org_tree):
    calls = []
    subscribe("household.registered", calls.append)
    unsubscribe("household.registered", calls.append)
    register_household(org_tree.grid)
    assert calls == []


# --- the audit viewer ----------------------------------------------------------------------

@pytest.fixture
def two_streets(org_tree):
    """Events in the street of the fixture tree and in another street of the same county."""
    other_street = org_services.node_create(actor=None, parent=org_tree.county, level=org_tree.street.level,
                                            name="胜利街道")
    other_community = org_services.node_create(
        actor=None, parent=other_street, level=OrgLevel.objects.get(kind=Kind.COMMUNITY, name="社区"), name="胜利社区")
    person = org_tree.resident_person
    record(actor=None, action="probe.own_street", node=org_tree.community)
    record(actor=None, action="person.phone_revealed", node=org_tree.grid, target=person, on_behalf_of=person,
           data={"reason": "上门"})
    record(actor=None, action="household.updated", node=org_tree.grid, target=org_tree.household)
    record(actor=None, action="probe.other_street", node=other_community)
    record(actor=None, action="probe.no_node")
    return other_street


def actions_on_page(response) -> set[str]:
    body = response.content.decode()
    return {a for a in ("probe.own_street", "probe.other_street", "probe.no_node", "person.phone_revealed",
                        "household.updated") if f"<code>{a}</code>" in body}


def test_street_official_sees_their_own_street_only(client, signed_in, cast, two_streets):
    signed_in(cast["street_official"])
    response = client.get(reverse("audit:list"))
    assert response.status_code == 200
    assert actions_on_page(response) == {"probe.own_street", "person.phone_revealed", "household.updated"}


def test_county_official_sees_every_street_and_events_without_a_node(client, signed_in, cast, two_streets):
    signed_in(cast["county_official"])
    assert actions_on_page(client.get(reverse("audit:list"))) == {
        "probe.own_street", "probe.other_street", "probe.no_node", "person.phone_revealed", "household.updated"}


def test_street_official_cannot_filter_on_another_street(client, signed_in, cast, two_streets):
    signed_in(cast["street_official"])
    assert client.get(reverse("audit:list"), {"node": two_streets.pk}).status_code == 404


def test_the_audit_query_itself_is_audited(client, signed_in, cast, two_streets):
    signed_in(cast["street_official"])
    before = last_id()
    client.get(reverse("audit:list"), {"action": "probe", "data_access": "on"})
    [event] = new_events_after(before)
    assert (event.action, event.actor) == ("audit.queried", cast["street_official"])
    assert event.data == {"action": "probe", "data_access": "True"}


def test_only_viewed_or_exported_filter_shows_data_access_events(client, signed_in, cast, two_streets):
    signed_in(cast["street_official"])
    response = client.get(reverse("audit:list"), {"data_access": "on"})
    assert actions_on_page(response) == {"person.phone_revealed"}


@pytest.mark.parametrize("role", ["platform_admin", "cadre", "grid_worker", "security_admin"])
def test_roles_without_audit_access_get_404(client, signed_in, cast, org_tree, role):
    if role == "platform_admin":
        from cocreate.accounts.services import staff_user_create

        user = staff_user_create(actor=None, username="sysadmin", password="Audit#Pass2026", display_name="sys")
        RoleGrant.objects.create(user=user, node=org_tree.county, role=Role.PLATFORM_ADMIN)
    else:
        user = cast[role]
    signed_in(user)
    before = last_id()
    assert client.get(reverse("audit:list")).status_code == 404
    assert new_events_after(before) == []
