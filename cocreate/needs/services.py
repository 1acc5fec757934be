"""Writes for needs: raise (also for a resident, with consent), support, triage, merge,
door-to-door visits. One transaction and one audit event each."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from cocreate.audit.services import record
from cocreate.core.errors import Conflict, DomainError, InvalidTransition
from cocreate.orgs.models import Household, HouseholdLink, Kind, OrgUnit, Person, Role
from cocreate.orgs.permissions import ROLES_FOR, active_grants, has_perm, require_perm
from cocreate.orgs.selectors import community_or_self

from . import similarity
from .models import MAX_PHOTOS, Category, Need, NeedPhoto, NeedUpdate, Support, Visit, VisitCampaign


def community_of(node: OrgUnit) -> OrgUnit:
    """The community or village a node belongs to (itself if it is one)."""
    community = community_or_self(node)
    if community.kind != Kind.COMMUNITY:
        raise DomainError(_("Needs are raised in a community or village, or below it."))
    return community


def _acting_for(actor, person: Person | None) -> bool:
    """Whether `actor` acts for someone else. `actor=None` is the platform itself (seed and
    import commands), which records nothing on anyone's behalf."""
    if actor is None or person is None:
        return False
    own = getattr(actor, "person", None)
    return own is None or own.pk != person.pk


def can_act_for_household(actor, household: Household, action: str = "needs.record_for_resident") -> bool:
    """Grid workers and cadres act anywhere in their subtree; a 联户长 (whose grant sits on a
    grid or building) only for the households linked to them."""
    if actor is None or not actor.is_authenticated:
        return False
    roles = {g.role for g in active_grants(actor) if household.node.path.startswith(g.node.path)} & ROLES_FOR[action]
    if roles - {Role.LINK_HEAD}:
        return True
    return bool(roles) and HouseholdLink.objects.filter(household=household, leader__user=actor).exists()


def require_act_for_household(actor, household: Household, action: str = "needs.record_for_resident") -> None:
    if not can_act_for_household(actor, household, action):
        raise PermissionDenied(action)


def _check_consent(*, person: Person, consent_method: str, consent_slip) -> None:
    if consent_method == Need.ConsentMethod.SLIP and not consent_slip:
        raise DomainError(_("Add a photo of the slip the resident signed."))
    if consent_method == Need.ConsentMethod.SMS and not person.has_phone:
        raise DomainError(_("This resident has no phone: use a signed slip instead."))
    if consent_method not in (Need.ConsentMethod.SMS, Need.ConsentMethod.SLIP):
        raise DomainError(_("Say how the resident agreed: an SMS confirmation or a signed slip."))


@transaction.atomic
def need_raise(*, actor, person: Person, text: str, category: Category, place: str = Need.Place.HOUSEHOLD,
               node: OrgUnit | None = None, latitude=None, longitude=None, photos=(),
               channel: str | None = None, consent_method: str = "", consent_slip=None,
               visit: Visit | None = None) -> Need:
    """Raise a need for `person`'s household. Staff and 联户长 acting for a resident need the
    permission there and consent evidence; the audit event names the resident. A signed slip
    confirms the consent at once; an SMS confirmation comes later (need_consent_confirm)."""
    household = person.household
    if household is None:
        raise DomainError(_("The resident is not registered in a household yet."))
    text = (text or "").strip()
    if len(text) < 4:
        raise DomainError(_("Describe the need in a few words (at least 4 characters)."))
    if len(photos) > MAX_PHOTOS:
        raise DomainError(_("At most 9 photos."))
    if place == Need.Place.POINT and (latitude is None or longitude is None):
        raise DomainError(_("Give the latitude and the longitude of the place."))
    if place == Need.Place.NODE and node is None:
        raise DomainError(_("Choose the building or hamlet."))
    if visit is not None and visit.household_id != household.pk:
        raise DomainError(_("The visit was to another household."))
    where = node if (place == Need.Place.NODE and node is not None) else household.node
    if not where.is_within(community_of(household.node)):
        raise DomainError(_("The place must be in the resident's own community."))
    proxy = _acting_for(actor, person)
    now = timezone.now()
    if proxy:
        require_act_for_household(actor, household)
        _check_consent(person=person, consent_method=consent_method, consent_slip=consent_slip)
    need = Need.objects.create(
        community=community_of(where), node=where, path=where.path, household=household, person=person,
        recorded_by=actor if proxy else None,
        channel=channel or (Need.Channel.PROXY if proxy else Need.Channel.SELF),
        consent_method=consent_method if proxy else "", consent_slip=consent_slip if proxy else None,
        consent_confirmed_at=now if proxy and consent_method == Need.ConsentMethod.SLIP else None,
        text=text, terms=similarity.terms(text), category=category, place=place,
        latitude=latitude if place == Need.Place.POINT else None,
        longitude=longitude if place == Need.Place.POINT else None,
        due_at=now + timedelta(days=category.sla_days), visit=visit,
    )
    for image in photos:
        NeedPhoto.objects.create(need=need, image=image)
    NeedUpdate.objects.create(need=need, status=need.status, actor=actor)
    _support_add(need=need, household=household, person=person, recorded_by=actor if proxy else None)
    record(actor=actor, action="need.raised", target=need, node=where, on_behalf_of=person if proxy else None,
           data={"channel": need.channel, "consent": need.consent_method, "photos": len(photos),
                 **({"visit": visit.pk} if visit is not None else {})})
    if proxy:
        account = Person.objects.filter(pk=person.pk).values_list("user_id", flat=True).first()
        _notify(need, [account] if account else [], kind="need.recorded",
                message=_("A need was recorded for you: “%(text)s”. You can follow it in Cocreate."))
    return need


def _require_awaiting_sms_consent(actor, need: Need) -> None:
    require_act_for_household(actor, need.household)
    if need.consent_method != Need.ConsentMethod.SMS:
        raise DomainError(_("This need does not wait for an SMS confirmation."))
    if need.consent_confirmed_at is not None:
        raise Conflict(_("The resident has already confirmed."))
    if need.person is None or not need.person.has_phone:
        raise DomainError(_("This resident has no phone: use a signed slip instead."))


def need_consent_request(*, actor, need: Need) -> None:
    """Send the resident a code by SMS; they read it back to the person recording for them."""
    from cocreate.accounts.models import SmsCode
    from cocreate.accounts.services import sms_code_request

    need = Need.objects.select_related("person", "household__node").get(pk=need.pk)
    _require_awaiting_sms_consent(actor, need)
    # Its own transaction, its own audit event (sms.code_sent) and its resend limits.
    sms_code_request(phone="+86" + need.person.phone_national(), purpose=SmsCode.Purpose.CONFIRM)


def need_consent_confirm(*, actor, need: Need, code: str) -> Need:
    """The resident read back the code sent to them: their consent to a need recorded for
    them is confirmed. Wrong codes count against the code's tries (sms_code_verify)."""
    from cocreate.accounts.models import SmsCode
    from cocreate.accounts.services import LoginRefused, sms_code_verify

    need = Need.objects.select_related("person", "household__node", "node").get(pk=need.pk)
    _require_awaiting_sms_consent(actor, need)
    # Outside our transaction: a failed try must stay counted when we refuse.
    try:
        sms_code_verify(phone="+86" + need.person.phone_national(), code=code or "",
                        purpose=SmsCode.Purpose.CONFIRM)
    except LoginRefused as refused:
        raise DomainError(_("That code is not right or has expired. Ask the resident to read it again, "
                            "or send a new code.")) from refused
    with transaction.atomic():
        now = timezone.now()
        if not Need.objects.filter(pk=need.pk, consent_confirmed_at__isnull=True).update(consent_confirmed_at=now):
            raise Conflict(_("The resident has already confirmed."))
        need.consent_confirmed_at = now
        record(actor=actor, action="need.consent_confirmed", target=need, node=need.node,
               on_behalf_of=need.person, data={"method": Need.ConsentMethod.SMS})
    return need


def _support_add(*, need: Need, household: Household, person: Person | None, recorded_by) -> Support:
    try:
        with transaction.atomic():
            support = Support.objects.create(need=need, household=household, person=person,
                                             recorded_by=recorded_by)
    except IntegrityError as taken:
        raise Conflict(_("Your household already supports this need.")) from taken
    Need.objects.filter(pk=need.pk).update(support_count=F("support_count") + 1)
    return support


@transaction.atomic
def need_support(*, actor, need: Need, person: Person) -> Support:
    """我也有这个需求: one support per household (a database constraint)."""
    need = Need.objects.select_for_update().get(pk=need.pk)
    if not need.is_open:
        raise DomainError(_("This need is closed."))
    if person.household is None or not person.household.node.is_within(need.community):
        raise DomainError(_("Only households of this community can support its needs."))
    proxy = _acting_for(actor, person)
    if proxy:
        require_act_for_household(actor, person.household)
    support = _support_add(need=need, household=person.household, person=person,
                           recorded_by=actor if proxy else None)
    record(actor=actor, action="need.supported", target=need, node=need.node,
           on_behalf_of=person if proxy else None, data={"household": person.household_id})
    return support


@transaction.atomic
def need_transition(*, actor, need: Need, status: str, note: str = "", assigned_node: OrgUnit | None = None,
                    assigned_to=None, scope: str | None = None) -> Need:
    """Move a need along received → accepted → deliberation/service → resolved, or decline it
    (a reason is required). The resident and the supporting households are notified."""
    need = Need.objects.select_for_update().get(pk=need.pk)
    require_perm(actor, "needs.handle", need.node)
    if not need.can_transition_to(status) or status == Need.Status.MERGED:
        raise InvalidTransition()
    if status == Need.Status.DECLINED and len(note.strip()) < 2:
        raise DomainError(_("Say why the need is declined; the resident will read it."))
    if assigned_node is not None and not assigned_node.is_within(need.community):
        require_perm(actor, "needs.handle", assigned_node)
    if assigned_to is not None and not has_perm(assigned_to, "needs.view", need.node):
        raise DomainError(_("The person you assign must work where the need is."))
    old = need.status
    need.status = status
    if status == Need.Status.DECLINED:
        need.decline_reason = note.strip()
    if status in (Need.Status.RESOLVED, Need.Status.DECLINED):
        need.closed_at = timezone.now()
    need.assigned_node = assigned_node or need.assigned_node
    need.assigned_to = assigned_to or need.assigned_to
    if scope is not None:
        need.scope = scope
    need.save()
    NeedUpdate.objects.create(need=need, status=status, note=note.strip(), actor=actor)
    record(actor=actor, action=f"need.{status}", target=need, node=need.node, data={"from": old, "note": note})
    _notify_followers(need, status)
    return need


@transaction.atomic
def need_merge(*, actor, source: Need, target: Need) -> Need:
    """Merge `source` into `target`: every supporter and every source is kept on the target."""
    if source.pk == target.pk:
        raise DomainError(_("A need cannot be merged into itself."))
    first, second = sorted([source.pk, target.pk])  # lock in id order: no deadlock
    locked = {n.pk: n for n in Need.objects.select_for_update().filter(pk__in=[first, second])}
    source, target = locked[source.pk], locked[target.pk]
    require_perm(actor, "needs.merge", source.node)
    require_perm(actor, "needs.merge", target.node)
    if not (source.is_open and target.is_open) or source.community_id != target.community_id:
        raise DomainError(_("Only open needs of the same community can be merged."))
    if not source.can_transition_to(Need.Status.MERGED):
        raise InvalidTransition(_("A need handled as an individual service cannot be merged."))
    already = set(Support.objects.filter(need=target).values_list("household_id", flat=True))
    moved = Support.objects.filter(need=source).exclude(household_id__in=already).update(need=target)
    Support.objects.filter(need=source).delete()  # households that supported both count once
    Need.objects.filter(merged_into=source).update(merged_into=target)
    source.status, source.merged_into, source.closed_at = Need.Status.MERGED, target, timezone.now()
    source.support_count = 0
    source.save()
    target.support_count = Support.objects.filter(need=target).count()
    target.save(update_fields=["support_count", "updated_at"])
    NeedUpdate.objects.create(need=source, status=Need.Status.MERGED, actor=actor, note=f"#{target.pk}")
    record(actor=actor, action="need.merged", target=target, node=target.node,
           data={"source": source.pk, "supports_moved": moved})
    _notify_followers(source, Need.Status.MERGED)
    return target


def _notify(need: Need, user_ids, *, kind: str, message, status: str = "") -> None:
    """One in-app message per user, in that user's language; the SMS goes out in the daily
    digest (notify.services.send_digests), never one SMS per change."""
    from cocreate.accounts.models import User
    from cocreate.notify.services import message_queue

    for user in User.objects.filter(pk__in=set(user_ids), is_active=True).only("id", "language").order_by("id"):
        with override(user.language or "zh-hans"):
            text = str(message) % {"text": need.text[:20],
                                   "status": Need.Status(status).label if status else ""}
        message_queue(user_id=user.pk, kind=kind, target_id=need.pk, text=text)


def _notify_followers(need: Need, status: str) -> None:
    """The resident who raised the need and the people whose household supports it."""
    followers = set(Support.objects.filter(need=need, person__user__isnull=False)
                    .values_list("person__user_id", flat=True))
    raiser = Person.objects.filter(pk=need.person_id).values_list("user_id", flat=True).first()
    if raiser:
        followers.add(raiser)
    _notify(need, followers, kind="need.status", status=status,
            message=_("Your need “%(text)s” is now: %(status)s"))


@transaction.atomic
def campaign_create(*, actor, node: OrgUnit, title: str, starts_on, ends_on) -> VisitCampaign:
    require_perm(actor, "needs.run_campaign", node)
    if not (title or "").strip():
        raise DomainError(_("Give the campaign a title."))
    if ends_on < starts_on:
        raise DomainError(_("The campaign must end after it starts."))
    campaign = VisitCampaign.objects.create(node=node, title=title.strip(), starts_on=starts_on, ends_on=ends_on,
                                            created_by=actor)
    record(actor=actor, action="campaign.created", target=campaign, node=node)
    return campaign


@transaction.atomic
def visit_record(*, actor, campaign: VisitCampaign, household: Household, at_home: bool, special_care: bool = False,
                 notes: str = "") -> Visit:
    """One visit per household per campaign; needs raised during it point at the visit. A
    联户长 visits only the households linked to them."""
    require_act_for_household(actor, household, "needs.visit")
    if not household.node.is_within(campaign.node):
        raise DomainError(_("This household is outside the campaign's area."))
    try:
        with transaction.atomic():
            visit = Visit.objects.create(campaign=campaign, household=household, visitor=actor,
                                         visited_at=timezone.now(), at_home=at_home, special_care=special_care,
                                         notes=notes.strip())
    except IntegrityError as again:
        raise Conflict(_("This household was already visited in this campaign.")) from again
    record(actor=actor, action="visit.recorded", target=visit, node=household.node,
           data={"campaign": campaign.pk, "at_home": at_home})
    return visit
