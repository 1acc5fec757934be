"""Writes to the organisation tree. Each is one transaction with one audit event."""

import datetime

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cocreate.audit.services import record
from cocreate.core import page_cache
from cocreate.core.crypto import blind_index, encrypt
from cocreate.core.errors import DomainError
from cocreate.core.phones import normalise_phone

from .models import (
    PATH_STEP,
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
    RoleGrant,
)
from .permissions import active_grants, check_incompatible, clear_grant_cache, forget_grants, require_perm
from .selectors import community_or_self

HOUSEHOLD_KINDS = {Kind.COMMUNITY, Kind.GRID, Kind.MICROGRID, Kind.BUILDING}
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def path_segment(number: int) -> str:
    digits = []
    for _position in range(PATH_STEP):
        number, rest = divmod(number, 36)
        digits.append(_ALPHABET[rest])
    if number:
        raise DomainError(_("This node has too many children."))
    return "".join(reversed(digits))


def _next_child_path(parent: OrgUnit | None) -> tuple[str, int]:
    if parent is None:
        # Highest root plus one: a count would collide after a root is removed.
        last = OrgUnit.objects.filter(parent__isnull=True).order_by("-path").values_list("path", flat=True).first()
        return path_segment(int(last, 36) + 1 if last else 1), 1
    OrgUnit.objects.filter(pk=parent.pk).update(child_seq=F("child_seq") + 1)
    seq = OrgUnit.objects.values_list("child_seq", flat=True).get(pk=parent.pk)
    return parent.path + path_segment(seq), parent.depth + 1


def _system_or_perm(actor, action: str, node: OrgUnit | None) -> None:
    # actor=None is the platform itself (seed and import commands run from the CLI).
    if actor is not None and node is not None:
        require_perm(actor, action, node)


def _require_person_in_scope(actor, person: Person) -> None:
    # A person named in a write (leader, body member, dispatched member) must be someone the
    # actor may see: a cadre cannot pull a neighbouring community's resident in.
    _system_or_perm(actor, "orgs.view_household", person.node)


@transaction.atomic
def node_create(*, actor, parent: OrgUnit | None, level: OrgLevel, name: str, code: str = "") -> OrgUnit:
    """Add a node under `parent` (a root when None, and only by the platform itself)."""
    if parent is None and actor is not None:
        # New counties and provinces come from the command line (seed or import), not the web.
        raise PermissionDenied("roots are created by the platform")
    _system_or_perm(actor, "orgs.manage_structure", parent)
    if parent is not None and Kind.values.index(level.kind) <= Kind.values.index(parent.kind):
        raise DomainError(_("A %(child)s cannot sit under a %(parent)s.")
                          % {"child": level.name, "parent": parent.level.name})
    path, depth = _next_child_path(parent)
    node = OrgUnit.objects.create(parent=parent, level=level, kind=level.kind, name=name.strip(),
                                  path=path, depth=depth, code=code)
    record(actor=actor, action="orgunit.created", target=node, node=node, data={"name": node.name})
    return node


def _phone_fields(phone: str) -> tuple[str, str]:
    if not phone:
        return "", ""
    e164 = normalise_phone(phone)
    return encrypt(e164), blind_index(e164)


def _require_household_node(node: OrgUnit) -> None:
    if node.kind not in HOUSEHOLD_KINDS:
        raise DomainError(_("Households belong to a community, grid, micro-grid or building, not a %(level)s.")
                          % {"level": node.level.name})


def _consent_record(*, actor, person: Person, channel: str, evidence: str) -> None:
    from django.conf import settings

    Consent.objects.create(person=person, purpose=Consent.Purpose.REGISTRATION,
                           policy_version=settings.PRIVACY_POLICY_VERSION, channel=channel,
                           recorded_by=actor, evidence=evidence, given_at=timezone.now())


def _person_build(*, node: OrgUnit, household: Household | None, data: dict) -> Person:
    phone_enc, phone_index = _phone_fields(data.get("phone", ""))
    return Person(
        household=household, node=node, path=node.path, name=data["name"].strip(),
        gender=data.get("gender", ""), birth_year=data.get("birth_year"),
        is_party_member=bool(data.get("is_party_member")),
        relation=data.get("relation") or Person.Relation.HEAD, phone_enc=phone_enc, phone_index=phone_index,
    )


@transaction.atomic
def household_register(*, actor, node: OrgUnit, address: str, occupancy: str, members: list[dict],
                       consent_channel: str = Consent.Channel.STAFF, consent_evidence: str = "") -> Household:
    """Register a household and its members; consent is recorded for every member with a phone,
    since staff collect it on the residents' behalf (PIPL, security.md P-3)."""
    _system_or_perm(actor, "orgs.manage_household", node)
    _require_household_node(node)
    if not address.strip():
        raise DomainError(_("Enter the address."))
    household = Household.objects.create(node=node, path=node.path, address=address.strip(),
                                         occupancy=occupancy, member_count=len(members))
    people = [_person_build(node=node, household=household, data=m) for m in members]
    for person in people:
        person.save()
        if person.phone_enc:
            _consent_record(actor=actor, person=person, channel=consent_channel, evidence=consent_evidence)
    record(actor=actor, action="household.registered", target=household, node=node,
           data={"members": len(people), "consent_channel": consent_channel})
    return household


@transaction.atomic
def household_update(*, actor, household: Household, address: str, occupancy: str,
                     custodian: Person | None = None) -> Household:
    household = Household.objects.select_for_update().get(pk=household.pk)
    _system_or_perm(actor, "orgs.manage_household", household.node)
    changes = {}
    for field, value in (("address", address.strip()), ("occupancy", occupancy)):
        if getattr(household, field) != value:
            changes[field] = value
            setattr(household, field, value)
    if custodian is not None and not custodian.node.is_within(community_or_self(household.node)):
        raise DomainError(_("The custodian must live in the same community."))
    if (household.custodian_id or None) != (custodian.pk if custodian else None):
        household.custodian = custodian
        changes["custodian"] = custodian.pk if custodian else None
    household.save()
    record(actor=actor, action="household.updated", target=household, node=household.node, data=changes)
    return household


@transaction.atomic
def household_move(*, actor, household: Household, to_node: OrgUnit) -> Household:
    """Move a household (and its members) to another node; both ends need the permission."""
    household = Household.objects.select_for_update().select_related("node").get(pk=household.pk)
    _system_or_perm(actor, "orgs.manage_household", household.node)
    _system_or_perm(actor, "orgs.manage_household", to_node)
    _require_household_node(to_node)
    from_node = household.node
    household.node, household.path = to_node, to_node.path
    household.save(update_fields=["node", "path", "updated_at"])
    household.members.update(node=to_node, path=to_node.path)
    record(actor=actor, action="household.moved", target=household, node=to_node,
           data={"from": from_node.pk, "to": to_node.pk})
    page_cache.stamp(page_cache.names_of_path(from_node.path))  # the event stamps the new place only
    return household


@transaction.atomic
def person_add(*, actor, household: Household, data: dict, consent_channel: str = Consent.Channel.STAFF,
               consent_evidence: str = "") -> Person:
    _system_or_perm(actor, "orgs.manage_household", household.node)
    person = _person_build(node=household.node, household=household, data=data)
    person.save()
    if person.phone_enc:
        _consent_record(actor=actor, person=person, channel=consent_channel, evidence=consent_evidence)
    Household.objects.filter(pk=household.pk).update(member_count=F("member_count") + 1)
    record(actor=actor, action="person.added", target=person, node=household.node, on_behalf_of=person)
    return person


@transaction.atomic
def person_update(*, actor, person: Person, data: dict) -> Person:
    """Edit a member. An empty phone keeps the stored one; `clear_phone` removes it."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    _system_or_perm(actor, "orgs.manage_household", person.node)
    changed = []
    for field in ("name", "gender", "birth_year", "is_party_member", "relation"):
        if field in data and getattr(person, field) != data[field]:
            setattr(person, field, data[field])
            changed.append(field)
    if data.get("phone"):
        person.phone_enc, person.phone_index = _phone_fields(data["phone"])
        changed.append("phone")
        _consent_record(actor=actor, person=person, channel=Consent.Channel.STAFF,
                        evidence=data.get("consent_evidence", ""))
    elif data.get("clear_phone"):
        person.phone_enc = person.phone_index = ""
        changed.append("phone")
    person.save()
    record(actor=actor, action="person.updated", target=person, node=person.node, on_behalf_of=person,
           data={"fields": changed})
    return person


REVEALS_PER_HOUR = 30


class TooManyReveals(DomainError):
    status = 429
    default_message = _("You have shown many full numbers in the last hour. Try again later.")


def _reveal_rate_limit(actor) -> None:
    """Unmasking is rate-limited per staff member (security.md P-2): a burst of reveals is
    what a data thief does, not a grid worker calling a resident."""
    key = f"phone-reveal:{actor.pk}"
    added = cache.add(key, 1, 3600)
    if not added and cache.incr(key) > REVEALS_PER_HOUR:
        raise TooManyReveals()


@transaction.atomic
def phone_reveal(*, actor, person: Person, reason: str) -> str:
    """Return the unmasked number for someone allowed to see it, with a reason (P-2)."""
    require_perm(actor, "orgs.reveal_phone", person.node)
    if len(reason.strip()) < 2:
        raise DomainError(_("Say why you need the full number."))
    _reveal_rate_limit(actor)
    record(actor=actor, action="person.phone_revealed", target=person, node=person.node,
           on_behalf_of=person, data={"reason": reason.strip()})
    return person.phone_national()


@transaction.atomic
def household_link_set(*, actor, household: Household, leader: Person, type: str) -> HouseholdLink:
    """Link a household to its 联户长 or 党员中心户 (replacing an earlier one of that type)."""
    _system_or_perm(actor, "orgs.manage_household", household.node)
    _require_person_in_scope(actor, leader)
    if not household.node.is_within(community_or_self(leader.node)):
        raise DomainError(_("The 联户长 or 党员中心户 must live in the household's community."))
    if type == HouseholdLink.Type.PARTY_HUB and not leader.is_party_member:
        raise DomainError(_("A 党员中心户 must be a Party member."))
    link, _created = HouseholdLink.objects.update_or_create(household=household, type=type, defaults={"leader": leader})
    record(actor=actor, action="household.linked", target=household, node=household.node,
           data={"type": type, "leader": leader.pk})
    return link


@transaction.atomic
def body_create(*, actor, node: OrgUnit, type: str, name: str) -> Body:
    _system_or_perm(actor, "orgs.manage_structure", node)
    body = Body.objects.create(node=node, type=type, name=name)
    record(actor=actor, action="body.created", target=body, node=node, data={"type": type})
    return body


@transaction.atomic
def body_member_add(*, actor, body: Body, person: Person, role: str,
                    term_start: datetime.date | None = None, term_end: datetime.date | None = None) -> BodyMembership:
    _system_or_perm(actor, "orgs.manage_structure", body.node)
    _require_person_in_scope(actor, person)
    membership = BodyMembership.objects.create(body=body, person=person, role=role,
                                               term_start=term_start, term_end=term_end)
    record(actor=actor, action="body.member_added", target=body, node=body.node,
           data={"person": person.pk, "role": role})
    return membership


@transaction.atomic
def partner_unit_register(*, actor, node: OrgUnit, name: str, kind: str = "") -> PartnerUnit:
    _system_or_perm(actor, "orgs.manage_structure", node)
    unit = PartnerUnit.objects.create(node=node, name=name, kind=kind)
    record(actor=actor, action="partner_unit.registered", target=unit, node=node)
    return unit


@transaction.atomic
def pairing_create(*, actor, unit: PartnerUnit, community: OrgUnit, since: datetime.date) -> Pairing:
    _system_or_perm(actor, "orgs.manage_structure", community)
    if community.kind != Kind.COMMUNITY:
        raise DomainError(_("Partner units pair with a community or village."))
    pairing = Pairing.objects.create(unit=unit, community=community, since=since)
    record(actor=actor, action="partner_unit.paired", target=pairing, node=community, data={"unit": unit.pk})
    return pairing


@transaction.atomic
def dispatched_member_register(*, actor, person: Person, unit: PartnerUnit, home_community: OrgUnit,
                               grid: OrgUnit | None, reported_at: datetime.date) -> DispatchedMember:
    """双报到: a Party member reports to the community where they live and joins a grid."""
    _system_or_perm(actor, "orgs.manage_structure", home_community)
    _require_person_in_scope(actor, person)
    if not person.is_party_member:
        raise DomainError(_("Only Party members report to their home community (双报到)."))
    if grid is not None and not grid.is_within(home_community):
        raise DomainError(_("The grid must be inside the home community."))
    member = DispatchedMember.objects.create(person=person, unit=unit, home_community=home_community,
                                             grid=grid, reported_at=reported_at)
    record(actor=actor, action="party_member.reported", target=member, node=home_community,
           on_behalf_of=person, data={"unit": unit.pk})
    return member


@transaction.atomic
def role_grant(*, actor, user, node: OrgUnit, role: str) -> RoleGrant:
    """Grant a role on a node (security admin only; not both security and audit admin)."""
    _system_or_perm(actor, "orgs.grant_roles", node)
    clear_grant_cache(user)
    check_incompatible({g.role for g in active_grants(user)} | {role})
    if not user.is_staff_member:
        raise DomainError(_("Only staff accounts with a password and second factor can hold this role."))
    grant, _created = RoleGrant.objects.get_or_create(user=user, node=node, role=role, revoked_at=None,
                                               defaults={"granted_by": actor})
    forget_grants(user)
    record(actor=actor, action="role.granted", target=user, node=node, data={"role": role})
    return grant


@transaction.atomic
def role_revoke(*, actor, grant: RoleGrant) -> None:
    _system_or_perm(actor, "orgs.grant_roles", grant.node)
    grant.revoked_at = timezone.now()
    grant.save(update_fields=["revoked_at"])
    forget_grants(grant.user)
    record(actor=actor, action="role.revoked", target=grant.user, node=grant.node, data={"role": grant.role})


@transaction.atomic
def person_link_account(*, actor, person: Person, user) -> Person:
    """Tie a staff or resident account to the person it belongs to (one account a person)."""
    _system_or_perm(actor, "orgs.manage_household", person.node)
    if Person.objects.filter(user=user).exclude(pk=person.pk).exists():
        raise DomainError(_("This account already belongs to another person."))
    Person.objects.filter(pk=person.pk).update(user=user)
    person.user = user
    record(actor=actor, action="person.account_linked", target=person, node=person.node, on_behalf_of=person,
           data={"user": user.pk})
    return person
