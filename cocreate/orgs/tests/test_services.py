"""Writes to the organisation tree: each service leaves the right state and exactly one audit
event (action, actor, node path, on whose behalf); refusals and bad input write nothing.
Also the coverage figures and the fixed query counts of the tree pages."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from cocreate.accounts.services import resident_account_for_phone, staff_user_create
from cocreate.audit.models import AuditEvent
from cocreate.core.crypto import blind_index
from cocreate.core.errors import DomainError
from cocreate.orgs import selectors, services
from cocreate.orgs.models import (
    Body,
    BodyMembership,
    Consent,
    DispatchedMember,
    Household,
    HouseholdLink,
    Kind,
    OrgLevel,
    OrgUnit,
    Pairing,
    PartnerUnit,
    Person,
    Role,
    RoleGrant,
)
from cocreate.orgs.permissions import clear_grant_cache, has_perm
from cocreate.orgs.tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 3, 1)


# --- helpers -------------------------------------------------------------------------------

class AuditLog:
    """The audit events written since it was created."""

    def __init__(self) -> None:
        self.mark = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0

    def new(self) -> list[AuditEvent]:
        return list(AuditEvent.objects.filter(id__gt=self.mark).order_by("id"))

    def single(self, action: str, *, actor, node, target=None, on_behalf_of=None) -> AuditEvent:
        events = self.new()
        assert [e.action for e in events] == [action]
        event = events[0]
        assert event.actor_id == getattr(actor, "pk", None)
        assert (event.node_id, event.node_path) == (node.pk, node.path)
        assert event.on_behalf_of_id == getattr(on_behalf_of, "pk", None)
        assert event.outcome == AuditEvent.Outcome.SUCCESS
        if target is not None:
            assert (event.target_type, event.target_id) == (target._meta.label_lower, str(target.pk))
        return event


def counts() -> dict[str, int]:
    models = [OrgUnit, Household, Person, Consent, HouseholdLink, Body, BodyMembership, PartnerUnit, Pairing,
              DispatchedMember, RoleGrant, AuditEvent]
    return {m.__name__: m.objects.count() for m in models}


def refused(error, call, *args, match: str | None = None, **kwargs) -> None:
    """The call raises `error` (with the English message `match`) and leaves every table as it was."""
    before = counts()
    with translation.override("en"), pytest.raises(error, match=match):
        call(*args, **kwargs)
    assert counts() == before


def level(kind: str) -> OrgLevel:
    return OrgLevel.objects.filter(kind=kind).first()


def staff(username: str, *, node=None, role: str | None = None):
    user = staff_user_create(actor=None, username=username, password="Svc#Pass2026", display_name=username)
    if role:
        RoleGrant.objects.create(user=user, node=node, role=role)
    return user


@pytest.fixture
def neighbour_person(org_tree):
    return org_tree.neighbour_household.members.get()


@pytest.fixture
def party_member(org_tree):
    return services.person_add(actor=None, household=org_tree.household,
                               data={"name": "吴党员", "relation": "child", "is_party_member": True})


@pytest.fixture
def unit(org_tree):
    return services.partner_unit_register(actor=None, node=org_tree.street, name="县自然资源局", kind="机关")


# --- node_create ---------------------------------------------------------------------------

def test_node_create_adds_a_child_under_the_next_path(cast, org_tree):
    log = AuditLog()
    grid = services.node_create(actor=cast["cadre"], parent=org_tree.community, level=level(Kind.GRID),
                                name=" 第二网格 ")
    assert (grid.parent, grid.kind, grid.name, grid.depth) == (
        org_tree.community, Kind.GRID, "第二网格", org_tree.community.depth + 1)
    assert grid.path.startswith(org_tree.community.path) and len(grid.path) == len(org_tree.community.path) + 4
    assert grid.path not in {c.path for c in OrgUnit.objects.exclude(pk=grid.pk)}
    event = log.single("orgunit.created", actor=cast["cadre"], node=grid, target=grid)
    assert event.data == {"name": "第二网格"}


def test_node_create_refuses_staff_without_structure_rights_or_outside_their_subtree(cast, org_tree):
    for actor in (cast["grid_worker"], cast["neighbour_cadre"]):
        refused(PermissionDenied, services.node_create, actor=actor, parent=org_tree.community,
                level=level(Kind.GRID), name="越权网格")


def test_node_create_lets_only_the_platform_make_a_root(cast):
    refused(PermissionDenied, services.node_create, actor=cast["county_official"], parent=None,
            level=level(Kind.COUNTY), name="另一个县")


def test_node_create_refuses_a_level_above_its_parent(org_tree):
    refused(DomainError, services.node_create, actor=None, parent=org_tree.grid, level=level(Kind.STREET),
            name="网格下的街道", match="cannot sit under")


# --- households ----------------------------------------------------------------------------

MEMBERS = [{"name": "钱多多", "phone": "135 0013 5000", "relation": "head", "birth_year": 1980},
           {"name": "钱小小", "relation": "child", "birth_year": 2015}]


def test_household_register_creates_the_household_members_and_consent(cast, org_tree):
    log = AuditLog()
    household = services.household_register(actor=cast["grid_worker"], node=org_tree.grid, address=" 2栋201 ",
                                            occupancy="rented", members=MEMBERS)
    head, child = household.members.order_by("id")
    assert (household.node, household.path, household.address, household.member_count) == (
        org_tree.grid, org_tree.grid.path, "2栋201", 2)
    assert (head.node, head.path, child.node) == (org_tree.grid, org_tree.grid.path, org_tree.grid)
    assert head.phone_national() == "13500135000" and head.phone_index == blind_index("+8613500135000")
    assert child.phone_enc == ""
    consent = Consent.objects.get(person__household=household)
    assert (consent.person, consent.channel, consent.recorded_by) == (head, "staff", cast["grid_worker"])
    event = log.single("household.registered", actor=cast["grid_worker"], node=org_tree.grid, target=household)
    assert event.data == {"members": 2, "consent_channel": "staff"}


@pytest.mark.parametrize("role", ["grid_worker", "cadre", "street_official", "link_head"])
def test_household_register_in_the_neighbouring_grid_is_refused(cast, org_tree, role):
    refused(PermissionDenied, services.household_register, actor=cast[role], node=org_tree.neighbour_grid,
            address="越界1号", occupancy="resident", members=MEMBERS)


@pytest.mark.parametrize(("node", "address", "members", "error", "match"), [
    ("street", "街道1号", MEMBERS, DomainError, "Households belong to a community, grid"),
    ("county", "县1号", MEMBERS, DomainError, "Households belong to a community, grid"),
    ("grid", "   ", MEMBERS, DomainError, "Enter the address"),
    ("grid", "2栋202", [{"name": "错号码", "phone": "12345678901"}], ValidationError, "11-digit"),
    ("grid", "2栋203", [MEMBERS[1], {"name": "错号码", "phone": "1380013800"}], ValidationError, "11-digit"),
])
def test_household_register_refuses_bad_input_with_a_message(org_tree, node, address, members, error, match):
    refused(error, services.household_register, actor=None, node=getattr(org_tree, node), address=address,
            occupancy="resident", members=members, match=match)


def test_household_update_records_what_changed(cast, org_tree):
    log = AuditLog()
    household = services.household_update(actor=cast["cadre"], household=org_tree.household, address="1栋102",
                                          occupancy="vacant", custodian=org_tree.resident_person)
    household.refresh_from_db()
    assert (household.address, household.occupancy, household.custodian) == (
        "1栋102", "vacant", org_tree.resident_person)
    event = log.single("household.updated", actor=cast["cadre"], node=org_tree.building, target=household)
    assert event.data == {"address": "1栋102", "occupancy": "vacant", "custodian": org_tree.resident_person.pk}


@pytest.mark.parametrize("role", ["street_official", "neighbour_cadre", "link_head"])
def test_household_update_is_refused_without_the_manage_permission(cast, org_tree, role):
    refused(PermissionDenied, services.household_update, actor=cast[role], household=org_tree.household,
            address="改了", occupancy="vacant")


def test_household_move_takes_the_members_along(cast, org_tree):
    log = AuditLog()
    services.household_move(actor=cast["cadre"], household=org_tree.household, to_node=org_tree.grid)
    household = Household.objects.get(pk=org_tree.household.pk)
    assert (household.node, household.path) == (org_tree.grid, org_tree.grid.path)
    assert set(household.members.values_list("node", "path")) == {(org_tree.grid.pk, org_tree.grid.path)}
    event = log.single("household.moved", actor=cast["cadre"], node=org_tree.grid, target=household)
    assert event.data == {"from": org_tree.building.pk, "to": org_tree.grid.pk}


def test_household_move_needs_the_permission_at_both_ends(cast, org_tree):
    refused(PermissionDenied, services.household_move, actor=cast["cadre"], household=org_tree.household,
            to_node=org_tree.neighbour_grid)
    refused(PermissionDenied, services.household_move, actor=cast["grid_worker"],
            household=org_tree.neighbour_household, to_node=org_tree.grid)
    assert Household.objects.get(pk=org_tree.household.pk).node == org_tree.building


def test_household_move_refuses_a_street(org_tree):
    refused(DomainError, services.household_move, actor=None, household=org_tree.household,
            to_node=org_tree.street, match="Households belong")


# --- people --------------------------------------------------------------------------------

def test_person_add_counts_the_member_records_consent_and_acts_for_them(cast, org_tree):
    log = AuditLog()
    before = Household.objects.get(pk=org_tree.household.pk).member_count
    person = services.person_add(actor=cast["grid_worker"], household=org_tree.household,
                                 data={"name": "钱多多", "relation": "grandchild", "phone": "13500135000"},
                                 consent_channel="paper", consent_evidence="纸质告知书 No.17")
    assert Household.objects.get(pk=org_tree.household.pk).member_count == before + 1
    assert (person.household, person.node, person.path) == (org_tree.household, org_tree.building,
                                                            org_tree.building.path)
    consent = person.consents.get()
    assert (consent.channel, consent.evidence) == ("paper", "纸质告知书 No.17")
    log.single("person.added", actor=cast["grid_worker"], node=org_tree.building, target=person,
               on_behalf_of=person)


def test_person_add_refuses_outsiders_and_bad_phones(cast, org_tree):
    refused(PermissionDenied, services.person_add, actor=cast["neighbour_cadre"], household=org_tree.household,
            data={"name": "钱多多", "relation": "child"})
    refused(ValidationError, services.person_add, actor=cast["grid_worker"], household=org_tree.household,
            data={"name": "钱多多", "relation": "child", "phone": "0271234567"}, match="11-digit")


def test_person_update_changes_fields_and_phone_on_the_persons_behalf(cast, org_tree):
    log = AuditLog()
    person = services.person_update(actor=cast["grid_worker"], person=org_tree.resident_person,
                                    data={"name": "张晓明", "birth_year": 1950, "phone": "13600136000"})
    assert (person.name, person.birth_year, person.phone_national()) == ("张晓明", 1950, "13600136000")
    assert Person.objects.get(phone_index=blind_index("+8613600136000")) == person
    assert person.consents.filter(recorded_by=cast["grid_worker"], channel="staff").count() == 1
    event = log.single("person.updated", actor=cast["grid_worker"], node=org_tree.building, target=person,
                       on_behalf_of=person)
    assert event.data == {"fields": ["name", "phone"]}


def test_person_update_clears_a_phone_only_when_asked(cast, org_tree):
    person = services.person_update(actor=cast["cadre"], person=org_tree.resident_person, data={"phone": ""})
    assert person.phone_national() == "13800138000"
    person = services.person_update(actor=cast["cadre"], person=person, data={"clear_phone": True})
    assert (person.phone_enc, person.phone_index) == ("", "")


def test_person_update_is_refused_outside_the_grid(cast, org_tree, neighbour_person):
    refused(PermissionDenied, services.person_update, actor=cast["grid_worker"], person=neighbour_person,
            data={"name": "改名"})
    assert Person.objects.get(pk=neighbour_person.pk).name == "王大伟"


def test_phone_reveal_returns_the_number_with_a_reason_and_one_event(cast, org_tree):
    log = AuditLog()
    number = services.phone_reveal(actor=cast["grid_worker"], person=org_tree.resident_person, reason=" 送药上门 ")
    assert number == "13800138000"
    event = log.single("person.phone_revealed", actor=cast["grid_worker"], node=org_tree.building,
                       target=org_tree.resident_person, on_behalf_of=org_tree.resident_person)
    assert event.data == {"reason": "送药上门"}


@pytest.mark.parametrize(("role", "reason", "error"), [
    ("street_official", "核实", PermissionDenied),
    ("neighbour_cadre", "核实", PermissionDenied),
    ("audit_admin", "核实", PermissionDenied),
    ("grid_worker", " x ", DomainError),
])
def test_phone_reveal_is_refused_without_permission_or_reason(cast, org_tree, role, reason, error):
    refused(error, services.phone_reveal, actor=cast[role], person=org_tree.resident_person, reason=reason)


# --- links, bodies, partner units ----------------------------------------------------------

def test_household_link_set_links_and_then_replaces_the_leader(cast, org_tree, party_member):
    log = AuditLog()
    link = services.household_link_set(actor=cast["grid_worker"], household=org_tree.household,
                                       leader=party_member, type="party_hub")
    assert (link.household, link.leader, link.type) == (org_tree.household, party_member, "party_hub")
    event = log.single("household.linked", actor=cast["grid_worker"], node=org_tree.building,
                       target=org_tree.household)
    assert event.data == {"type": "party_hub", "leader": party_member.pk}

    org_tree.resident_person.is_party_member = True
    org_tree.resident_person.save()
    other = services.person_add(actor=None, household=org_tree.household,
                                data={"name": "郑党员", "relation": "other", "is_party_member": True})
    services.household_link_set(actor=cast["grid_worker"], household=org_tree.household, leader=other,
                                type="party_hub")
    assert HouseholdLink.objects.get(household=org_tree.household, type="party_hub").leader == other


def test_household_link_refuses_a_party_hub_who_is_not_a_party_member(cast, org_tree):
    refused(DomainError, services.household_link_set, actor=cast["grid_worker"], household=org_tree.household,
            leader=org_tree.resident_person, type="party_hub")


def test_household_link_set_refuses_a_leader_or_household_outside_the_actors_scope(cast, org_tree, neighbour_person):
    refused(PermissionDenied, services.household_link_set, actor=cast["cadre"], household=org_tree.household,
            leader=neighbour_person, type="party_hub")
    refused(PermissionDenied, services.household_link_set, actor=cast["cadre"],
            household=org_tree.neighbour_household, leader=org_tree.resident_person, type="party_hub")


def test_body_create_and_member_add(cast, org_tree, party_member):
    log = AuditLog()
    body = services.body_create(actor=cast["cadre"], node=org_tree.community, type="residents_committee",
                                name="幸福社区居委会")
    log.single("body.created", actor=cast["cadre"], node=org_tree.community, target=body)

    log = AuditLog()
    membership = services.body_member_add(actor=cast["cadre"], body=body, person=party_member, role="主任",
                                          term_start=TODAY)
    assert (membership.body, membership.person, membership.role, membership.term_start) == (
        body, party_member, "主任", TODAY)
    event = log.single("body.member_added", actor=cast["cadre"], node=org_tree.community, target=body)
    assert event.data == {"person": party_member.pk, "role": "主任"}


def test_body_writes_are_refused_outside_structure_rights_or_scope(cast, org_tree, neighbour_person):
    refused(PermissionDenied, services.body_create, actor=cast["grid_worker"], node=org_tree.community,
            type="residents_committee", name="越权居委会")
    body = services.body_create(actor=None, node=org_tree.community, type="red_white_council", name="红白理事会")
    refused(PermissionDenied, services.body_member_add, actor=cast["neighbour_cadre"], body=body,
            person=org_tree.resident_person, role="委员")
    refused(PermissionDenied, services.body_member_add, actor=cast["cadre"], body=body, person=neighbour_person,
            role="委员")


def test_partner_unit_register_and_pairing(cast, org_tree):
    log = AuditLog()
    unit = services.partner_unit_register(actor=cast["street_official"], node=org_tree.street, name="区税务局",
                                          kind="机关")
    log.single("partner_unit.registered", actor=cast["street_official"], node=org_tree.street, target=unit)

    log = AuditLog()
    pairing = services.pairing_create(actor=cast["cadre"], unit=unit, community=org_tree.community, since=TODAY)
    assert (pairing.unit, pairing.community, pairing.since) == (unit, org_tree.community, TODAY)
    event = log.single("partner_unit.paired", actor=cast["cadre"], node=org_tree.community, target=pairing)
    assert event.data == {"unit": unit.pk}


def test_pairing_is_refused_with_a_grid_or_outside_scope(cast, org_tree, unit):
    refused(DomainError, services.pairing_create, actor=cast["cadre"], unit=unit, community=org_tree.grid,
            since=TODAY, match="pair with a community")
    refused(PermissionDenied, services.pairing_create, actor=cast["neighbour_cadre"], unit=unit,
            community=org_tree.community, since=TODAY)
    refused(PermissionDenied, services.partner_unit_register, actor=cast["grid_worker"], node=org_tree.grid,
            name="网格里的单位")


def test_dispatched_member_register_places_a_party_member_in_a_home_grid(cast, org_tree, unit, party_member):
    log = AuditLog()
    member = services.dispatched_member_register(actor=cast["cadre"], person=party_member, unit=unit,
                                                 home_community=org_tree.community, grid=org_tree.grid,
                                                 reported_at=TODAY)
    assert (member.person, member.unit, member.home_community, member.grid) == (
        party_member, unit, org_tree.community, org_tree.grid)
    event = log.single("party_member.reported", actor=cast["cadre"], node=org_tree.community, target=member,
                       on_behalf_of=party_member)
    assert event.data == {"unit": unit.pk}


def test_dispatched_member_register_refuses_bad_input(cast, org_tree, unit, party_member, neighbour_person):
    refused(DomainError, services.dispatched_member_register, actor=cast["cadre"], person=org_tree.resident_person,
            unit=unit, home_community=org_tree.community, grid=None, reported_at=TODAY, match="Only Party members")
    refused(DomainError, services.dispatched_member_register, actor=cast["cadre"], person=party_member, unit=unit,
            home_community=org_tree.community, grid=org_tree.neighbour_grid, reported_at=TODAY,
            match="inside the home community")
    refused(PermissionDenied, services.dispatched_member_register, actor=cast["neighbour_cadre"],
            person=party_member, unit=unit, home_community=org_tree.community, grid=None, reported_at=TODAY)
    neighbour_person.is_party_member = True
    neighbour_person.save()
    refused(PermissionDenied, services.dispatched_member_register, actor=cast["cadre"], person=neighbour_person,
            unit=unit, home_community=org_tree.community, grid=None, reported_at=TODAY)


# --- roles ---------------------------------------------------------------------------------

def test_role_grant_by_the_security_admin_gives_the_permission(cast, org_tree):
    newcomer = staff("newworker")
    log = AuditLog()
    grant = services.role_grant(actor=cast["security_admin"], user=newcomer, node=org_tree.grid,
                                role=Role.GRID_WORKER)
    assert (grant.user, grant.node, grant.role, grant.granted_by) == (
        newcomer, org_tree.grid, Role.GRID_WORKER, cast["security_admin"])
    event = log.single("role.granted", actor=cast["security_admin"], node=org_tree.grid, target=newcomer)
    assert event.data == {"role": Role.GRID_WORKER}
    assert has_perm(newcomer, "orgs.manage_household", org_tree.building)
    assert not has_perm(newcomer, "orgs.manage_household", org_tree.neighbour_grid)


def test_role_grant_is_refused_to_non_security_admins_residents_and_incompatible_roles(cast, org_tree):
    newcomer = staff("newworker")
    for actor in ("cadre", "county_official", "audit_admin"):
        refused(PermissionDenied, services.role_grant, actor=cast[actor], user=newcomer, node=org_tree.grid,
                role=Role.GRID_WORKER)
    resident = resident_account_for_phone(phone_e164="+8613900139000")
    refused(DomainError, services.role_grant, actor=cast["security_admin"], user=resident, node=org_tree.grid,
            role=Role.GRID_WORKER, match="Only staff accounts")
    refused(PermissionDenied, services.role_grant, actor=cast["security_admin"], user=cast["audit_admin"],
            node=org_tree.county, role=Role.SECURITY_ADMIN)


def test_role_revoke_removes_the_permission(cast, org_tree):
    grant = RoleGrant.objects.get(user=cast["grid_worker"])
    log = AuditLog()
    services.role_revoke(actor=cast["security_admin"], grant=grant)
    grant.refresh_from_db()
    assert grant.revoked_at is not None
    event = log.single("role.revoked", actor=cast["security_admin"], node=org_tree.grid, target=cast["grid_worker"])
    assert event.data == {"role": Role.GRID_WORKER}
    clear_grant_cache(cast["grid_worker"])
    assert not has_perm(cast["grid_worker"], "orgs.view_household", org_tree.building)
    refused(PermissionDenied, services.household_register, actor=cast["grid_worker"], node=org_tree.grid,
            address="2栋201", occupancy="resident", members=MEMBERS)


def test_role_revoke_is_refused_to_others(cast):
    grant = RoleGrant.objects.get(user=cast["grid_worker"])
    refused(PermissionDenied, services.role_revoke, actor=cast["cadre"], grant=grant)
    assert RoleGrant.objects.get(pk=grant.pk).revoked_at is None


# --- selectors: coverage and fixed query counts --------------------------------------------

@pytest.mark.parametrize(("node", "figures"), [
    # households, persons, linked households, grids, grids with a worker, linked %, grid %
    ("community", (1, 3, 1, 1, 1, 100, 100)),
    ("neighbour", (1, 1, 0, 1, 0, 0, 0)),
    ("street", (2, 4, 1, 2, 1, 50, 50)),
    ("county", (2, 4, 1, 2, 1, 50, 50)),
    ("grid", (1, 3, 1, 1, 1, 100, 100)),
    ("building", (1, 3, 1, 0, 0, 100, 0)),
])
def test_node_coverage_figures(cast, org_tree, node, figures):
    c = selectors.node_coverage(node=getattr(org_tree, node))
    assert (c.households, c.persons, c.linked_households, c.grids, c.grids_with_worker, c.linked_share,
            c.grid_share) == figures


def test_node_coverage_ignores_revoked_grid_workers(cast, org_tree):
    services.role_revoke(actor=None, grant=RoleGrant.objects.get(user=cast["grid_worker"]))
    assert selectors.node_coverage(node=org_tree.community).grids_with_worker == 0


def test_node_children_counts_households_per_child_in_two_queries(org_tree, django_assert_num_queries):
    for n in range(20):
        grid = services.node_create(actor=None, parent=org_tree.neighbour, level=level(Kind.GRID), name=f"G{n}")
        services.household_register(actor=None, node=grid, address=f"{n}号", occupancy="resident",
                                    members=[{"name": "户主"}] * (n % 3))
    with django_assert_num_queries(2):
        children = selectors.node_children(node=org_tree.neighbour)
    assert len(children) == 21
    assert [c.household_count for c in children] == [1] * 21
    with django_assert_num_queries(2):
        [street_child, neighbour_child] = selectors.node_children(node=org_tree.street)
    assert (street_child.household_count, neighbour_child.household_count) == (1, 21)


def test_tree_figures_are_cached_and_forgotten_by_the_writes_that_change_them(cast, org_tree,
                                                                             django_assert_num_queries):
    before = selectors.node_coverage(node=org_tree.community)
    with django_assert_num_queries(0):  # a county's figures scan 1.2 M rows: read once, then cached
        assert selectors.node_coverage(node=org_tree.community) == before
    services.household_register(actor=None, node=org_tree.building, address="1栋202", occupancy="resident",
                                members=[{"name": "新住户"}])
    after = selectors.node_coverage(node=org_tree.community)
    assert (after.households, after.persons) == (before.households + 1, before.persons + 1)
    services.role_revoke(actor=None, grant=RoleGrant.objects.get(user=cast["grid_worker"]))
    assert selectors.node_coverage(node=org_tree.community).grids_with_worker == 0
    [grid] = selectors.node_children(node=org_tree.community)
    assert grid.household_count == 2


def _add_households(grid, count: int) -> None:
    for n in range(count):
        HouseholdFactory(node=grid, address=f"9栋{n:03d}", members=2)


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx rows"])
def test_household_list_page_query_count_does_not_grow_with_the_households(
        client, signed_in, cast, org_tree, django_assert_num_queries, htmx):
    signed_in(cast["cadre"])
    url = reverse("orgs:node", args=[org_tree.grid.pk])
    headers = {"HX-Request": "true"} if htmx else {}
    _add_households(org_tree.grid, 4)  # 5 in the grid with the one of the fixture tree
    client.get(url, headers=headers)  # warm up: session and caches
    with CaptureQueriesContext(connection) as five:
        small = client.get(url, headers=headers)
    assert small.status_code == 200 and small.content.decode().count("9栋") == 4

    _add_households(org_tree.grid, 55)
    with django_assert_num_queries(len(five.captured_queries)):
        large = client.get(url, headers=headers)
    assert large.status_code == 200
    assert large.content.decode().count("9栋0") == selectors.PAGE_SIZE  # one page, then a cursor
    assert "?after=" in large.content.decode()
