"""Writes for projects: creating one from its decision, the plan (budget lines, funding sources,
milestones, tasks), progress and status, the valuation table, and the contribution ledger
(pledge → confirm with evidence, direct entries, reversals). One transaction and one audit
event each; refusals raise DomainError and write nothing.

Money is integer fen. The project row is locked (`select_for_update`) by every write that
changes its cached sums (`budget_fen`, `contributed_fen`, `progress_percent`), so two cadres
confirming at once cannot lose an update."""

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cocreate.audit.services import record
from cocreate.core.errors import Conflict, DomainError, InvalidTransition
from cocreate.decisions.models import Ballot
from cocreate.meetings.models import Option, Topic
from cocreate.needs.models import Need
from cocreate.needs.services import community_of
from cocreate.orgs.models import Household, OrgUnit, PartnerUnit, Person
from cocreate.orgs.permissions import has_perm

from . import valuation as val
from .models import (
    BudgetLine,
    Contribution,
    ContributionKind,
    FundingSource,
    MaterialPrice,
    Milestone,
    Pledge,
    ProgressUpdate,
    Project,
    ProjectTask,
    Valuation,
)
from .selectors import MANAGE, valuation_for

CONFIGURE = "projects.configure_valuation"
MAX_AMOUNT_FEN = 10**12  # ten billion yuan: anything larger is a typing slip


def _require(actor, action: str, node: OrgUnit) -> None:
    """`actor=None` is the platform itself (seed commands, scheduled jobs)."""
    if actor is not None and not has_perm(actor, action, node):
        raise PermissionDenied(action)


def _locked(project: Project) -> Project:
    return Project.objects.select_for_update().select_related("community", "node").get(pk=project.pk)


def _amount(value: int | None, message) -> int:
    if value is None or value < 0 or value > MAX_AMOUNT_FEN:
        raise DomainError(message)
    return int(value)


def _text(value: str, message, *, minimum: int = 2) -> str:
    value = (value or "").strip()
    if len(value) < minimum:
        raise DomainError(message)
    return value


# --- valuation table -----------------------------------------------------------------------------

@transaction.atomic
def valuation_set(*, actor, node: OrgUnit, labour_day_fen: int, hours_per_day: int = 8) -> Valuation:
    _require(actor, CONFIGURE, node)
    _amount(labour_day_fen, _("Give the value of a person-day in yuan."))
    if not 1 <= hours_per_day <= 24:
        raise DomainError(_("A working day has between 1 and 24 hours."))
    table, _created = Valuation.objects.update_or_create(
        node=node, defaults={"labour_day_fen": labour_day_fen, "hours_per_day": hours_per_day})
    record(actor=actor, action="projects.valuation_set", target=table, node=node,
           data={"labour_day_fen": labour_day_fen, "hours_per_day": hours_per_day})
    return table


@transaction.atomic
def material_price_set(*, actor, node: OrgUnit, name: str, unit: str, price_fen: int) -> MaterialPrice:
    """Add a material or change its price. A price already used by confirmed entries keeps their
    value: entries store the value they were confirmed at."""
    _require(actor, CONFIGURE, node)
    table = Valuation.objects.filter(node=node).first()
    if table is None:
        raise DomainError(_("Set the value of a person-day first: it starts the price table."))
    name = _text(name, _("Name the material."), minimum=1)
    unit = _text(unit, _("Give the unit, for example 吨 or 方."), minimum=1)
    _amount(price_fen, _("Give the price per unit in yuan."))
    price, _created = MaterialPrice.objects.update_or_create(
        valuation=table, name=name, unit=unit, defaults={"price_fen": price_fen, "active": True})
    record(actor=actor, action="projects.material_price_set", target=price, node=node,
           data={"name": name, "unit": unit, "price_fen": price_fen})
    return price


# --- projects ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Origin:
    """What decided the project: any of a topic, its published ballot and the option chosen,
    and needs (directly, when no deliberation was needed)."""

    topic: Topic | None = None
    ballot: Ballot | None = None
    option: Option | None = None
    needs: tuple[Need, ...] = ()


def _check_origin(community: OrgUnit, origin: Origin) -> Origin:
    topic = origin.topic or (origin.ballot.topic if origin.ballot else None) or (
        origin.option.topic if origin.option else None)
    if topic is not None and topic.community_id != community.pk:
        raise DomainError(_("The topic belongs to another community."))
    if origin.ballot is not None:
        if origin.ballot.topic_id != topic.pk:
            raise DomainError(_("That ballot was not held on this topic."))
        if origin.ballot.status != Ballot.Status.PUBLISHED:
            raise DomainError(_("A project starts from a published result; publish the ballot first."))
    if origin.option is not None and origin.option.topic_id != topic.pk:
        raise DomainError(_("That option was not proposed on this topic."))
    for need in origin.needs:
        if need.community_id != community.pk:
            raise DomainError(_("A need of another community cannot start this project."))
    if topic is None and not origin.needs:
        raise DomainError(_("Start a project from a decided topic or from at least one need."))
    return Origin(topic=topic, ballot=origin.ballot, option=origin.option, needs=tuple(origin.needs))


@transaction.atomic
def project_create(*, actor, node: OrgUnit, title: str, scope: str, origin: Origin,
                   latitude: Decimal | None = None, longitude: Decimal | None = None) -> Project:
    community = community_of(node)
    _require(actor, MANAGE, node)
    origin = _check_origin(community, origin)
    project = Project.objects.create(
        community=community, node=node, path=node.path,
        title=_text(title, _("Give the project a title of at least 2 characters.")),
        scope=_text(scope, _("Describe the scope: what will be built, how big, for whom.")),
        topic=origin.topic, ballot=origin.ballot, option=origin.option,
        latitude=latitude, longitude=longitude, created_by=actor if actor and actor.pk else None,
        status_changed_at=timezone.now())
    if origin.needs:
        project.needs.set(origin.needs)
    record(actor=actor, action="projects.created", target=project, node=node,
           data={"title": project.title, "topic": getattr(origin.topic, "pk", None),
                 "ballot": getattr(origin.ballot, "pk", None), "needs": [n.pk for n in origin.needs]})
    return project


@transaction.atomic
def project_set_status(*, actor, project: Project, status: str, note: str = "") -> Project:
    project = _locked(project)
    _require(actor, MANAGE, project.node)
    if status not in Project.TRANSITIONS.get(project.status, set()):
        raise InvalidTransition(_("A project cannot go from “%(old)s” to “%(new)s”.") % {
            "old": project.get_status_display(), "new": Project.Status(status).label})
    if status == Project.Status.BUILDING and not project.budget_lines.exists():
        raise DomainError(_("Write the budget before construction starts."))
    old = project.status
    project.status, project.status_changed_at = status, timezone.now()
    if status in (Project.Status.COMPLETED, Project.Status.HANDED_OVER):
        project.progress_percent = 100
    project.save(update_fields=["status", "status_changed_at", "progress_percent", "updated_at"])
    record(actor=actor, action="projects.status_changed", target=project, node=project.node,
           data={"from": old, "to": status, "note": note[:200]})
    return project


def _refresh_budget(project: Project) -> None:
    project.budget_fen = project.budget_lines.aggregate(total=Sum("amount_fen"))["total"] or 0
    project.save(update_fields=["budget_fen", "updated_at"])


def _require_plannable(project: Project) -> None:
    if not project.plan_is_open:
        raise DomainError(_("The plan is fixed once construction starts."))


@transaction.atomic
def budget_line_add(*, actor, project: Project, item: str, amount_fen: int) -> BudgetLine:
    project = _locked(project)
    _require(actor, MANAGE, project.node)
    _require_plannable(project)
    line = BudgetLine.objects.create(project=project, item=_text(item, _("Name the budget item."), minimum=1),
                                     amount_fen=_amount(amount_fen, _("Give the amount in yuan.")))
    _refresh_budget(project)
    record(actor=actor, action="projects.budget_line_added", target=project, node=project.node,
           data={"item": line.item, "amount_fen": line.amount_fen, "budget_fen": project.budget_fen})
    return line


@transaction.atomic
def budget_line_remove(*, actor, line: BudgetLine) -> Project:
    project = _locked(line.project)
    _require(actor, MANAGE, project.node)
    _require_plannable(project)
    data = {"item": line.item, "amount_fen": line.amount_fen}
    line.delete()
    _refresh_budget(project)
    record(actor=actor, action="projects.budget_line_removed", target=project, node=project.node,
           data={**data, "budget_fen": project.budget_fen})
    return project


@transaction.atomic
def funding_source_add(*, actor, project: Project, kind: str, amount_fen: int, note: str = "") -> FundingSource:
    project = _locked(project)
    _require(actor, MANAGE, project.node)
    _require_plannable(project)
    if kind not in FundingSource.Kind.values:
        raise DomainError(_("Choose a funding source from the list."))
    source = FundingSource.objects.create(project=project, kind=kind, note=(note or "").strip()[:100],
                                          amount_fen=_amount(amount_fen, _("Give the amount in yuan.")))
    record(actor=actor, action="projects.funding_source_added", target=project, node=project.node,
           data={"kind": kind, "amount_fen": source.amount_fen})
    return source


@transaction.atomic
def funding_source_remove(*, actor, source: FundingSource) -> Project:
    project = _locked(source.project)
    _require(actor, MANAGE, project.node)
    _require_plannable(project)
    data = {"kind": source.kind, "amount_fen": source.amount_fen}
    source.delete()
    record(actor=actor, action="projects.funding_source_removed", target=project, node=project.node, data=data)
    return project


@transaction.atomic
def milestone_add(*, actor, project: Project, title: str, due_date) -> Milestone:
    _require(actor, MANAGE, project.node)
    milestone = Milestone.objects.create(project=project, due_date=due_date,
                                         title=_text(title, _("Name the milestone."), minimum=1))
    record(actor=actor, action="projects.milestone_added", target=project, node=project.node,
           data={"title": milestone.title, "due": due_date.isoformat()})
    return milestone


@transaction.atomic
def milestone_reach(*, actor, milestone: Milestone, on) -> Milestone:
    _require(actor, MANAGE, milestone.project.node)
    if milestone.done_on is not None:
        raise Conflict(_("That milestone is already marked as reached."))
    if on > timezone.localdate():
        raise DomainError(_("A milestone cannot be reached in the future."))
    milestone.done_on = on
    milestone.save(update_fields=["done_on"])
    record(actor=actor, action="projects.milestone_reached", target=milestone.project, node=milestone.project.node,
           data={"title": milestone.title, "on": on.isoformat()})
    return milestone


@transaction.atomic
def task_add(*, actor, project: Project, title: str, owner_name: str, due_date) -> ProjectTask:
    _require(actor, MANAGE, project.node)
    task = ProjectTask.objects.create(
        project=project, title=_text(title, _("Describe the task."), minimum=1), due_date=due_date,
        owner_name=_text(owner_name, _("Say who owns the task."), minimum=1)[:40],
        created_by=actor if actor and actor.pk else None)
    record(actor=actor, action="projects.task_added", target=project, node=project.node,
           data={"title": task.title, "due": due_date.isoformat()})
    return task


@transaction.atomic
def task_done(*, actor, task: ProjectTask) -> ProjectTask:
    _require(actor, MANAGE, task.project.node)
    if task.done_at is not None:
        raise Conflict(_("That task is already done."))
    task.done_at = timezone.now()
    task.save(update_fields=["done_at"])
    record(actor=actor, action="projects.task_done", target=task.project, node=task.project.node,
           data={"title": task.title})
    return task


@transaction.atomic
def progress_post(*, actor, project: Project, text: str, percent: int, photo=None) -> ProgressUpdate:
    project = _locked(project)
    _require(actor, MANAGE, project.node)
    if project.status not in (Project.Status.BUILDING, Project.Status.FUNDING, Project.Status.PLANNING):
        raise DomainError(_("Progress is reported while the project is being prepared or built."))
    if not 0 <= percent <= 100:
        raise DomainError(_("Progress is a percentage from 0 to 100."))
    update = ProgressUpdate.objects.create(project=project, percent=percent, photo=photo or "",
                                           text=_text(text, _("Say what happened."), minimum=2),
                                           created_by=actor if actor and actor.pk else None)
    Project.objects.filter(pk=project.pk).update(progress_percent=percent, updated_at=timezone.now())
    record(actor=actor, action="projects.progress_posted", target=project, node=project.node,
           data={"percent": percent, "photo": bool(photo)})
    return update


# --- contributions -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Gift:
    """What a contributor gives, as typed: one of cash (fen), labour (hours), a quantity of a
    priced material, land (m², value optional) or equipment (value); `value_fen` is the declared
    value for land and equipment."""

    kind: str
    cash_fen: int = 0
    hours: int = 0
    material: MaterialPrice | None = None
    quantity: Decimal = Decimal(0)
    area_m2: Decimal = Decimal(0)
    value_fen: int = 0
    description: str = ""


@dataclass(frozen=True)
class Contributor:
    household: Household | None = None
    person: Person | None = None
    unit: PartnerUnit | None = None

    def fields(self) -> dict:
        return {"household": self.household, "person": self.person, "unit": self.unit}


def value_of(project: Project, gift: Gift) -> int:
    """The money value (折合资金) of a gift under the valuation in force for the project's place."""
    if gift.kind == ContributionKind.CASH:
        if not gift.cash_fen:
            _no_amount()
        return _amount(gift.cash_fen, _("Give the cash amount in yuan."))
    if gift.kind == ContributionKind.LABOUR:
        table = valuation_for(project.node)
        if table is None:
            raise DomainError(_("The county has not set the value of a person-day yet; ask the county office."))
        if not 0 < gift.hours <= 24 * 366:
            raise DomainError(_("Give the labour in person-days or hours."))
        return val.labour_value(gift.hours, day_fen=table.labour_day_fen, hours_per_day=table.hours_per_day)
    if gift.kind == ContributionKind.MATERIALS:
        if gift.material is None or not gift.material.active:
            raise DomainError(_("Choose the material from the county price table."))
        if gift.quantity <= 0:
            raise DomainError(_("Give the quantity of material."))
        table = valuation_for(project.node)
        if table is None or gift.material.valuation_id != table.pk:
            raise DomainError(_("That material is not on the price table for this place."))
        return val.material_value(gift.quantity, price_fen=gift.material.price_fen)
    if gift.kind == ContributionKind.LAND:
        if gift.area_m2 <= 0:
            raise DomainError(_("Give the area of land ceded in square metres."))
        return _amount(gift.value_fen, _("The value of the land cannot be negative."))
    if gift.kind == ContributionKind.EQUIPMENT:
        if not (gift.description or "").strip():
            raise DomainError(_("Describe the equipment, for example 挖掘机 2 台班."))
        if not gift.value_fen:
            _no_amount()
        return _amount(gift.value_fen, _("Give the value of the equipment in yuan."))
    raise DomainError(_("Choose what kind of contribution it is."))


def _no_amount() -> int:
    raise DomainError(_("Give the amount in yuan."))


def _gift_fields(gift: Gift) -> dict:
    """The quantities of the kind given; the others stay zero so that totals per kind add up."""
    kind = gift.kind
    return {
        "kind": kind,
        "cash_fen": gift.cash_fen if kind == ContributionKind.CASH else 0,
        "hours": gift.hours if kind == ContributionKind.LABOUR else 0,
        "material": gift.material if kind == ContributionKind.MATERIALS else None,
        "quantity": gift.quantity if kind == ContributionKind.MATERIALS else Decimal(0),
        "area_m2": gift.area_m2 if kind == ContributionKind.LAND else Decimal(0),
        "description": (gift.description or "").strip()[:200],
    }


def _require_open(project: Project) -> None:
    if not project.takes_contributions:
        raise DomainError(_("This project no longer takes contributions."))


def _resident_person(actor) -> Person:
    person = Person.objects.select_related("household").filter(user=actor).first() if actor else None
    if person is None or person.household is None:
        raise DomainError(_("Your account is not linked to a registered household; ask your grid worker."))
    return person


@transaction.atomic
def pledge_make(*, actor, project: Project, gift: Gift, as_household: bool = True, anonymous: bool = False) -> Pledge:
    """A resident pledges for their household (the usual unit) or in their own name."""
    person = _resident_person(actor)
    if not person.household.path.startswith(project.community.path):
        raise PermissionDenied("projects.pledge")
    _require_open(project)
    value = value_of(project, gift)
    contributor = Contributor(household=person.household) if as_household else Contributor(person=person)
    pledge = Pledge.objects.create(project=project, value_fen=value, anonymous=anonymous, pledged_by=actor,
                                   **contributor.fields(), **_gift_fields(gift))
    record(actor=actor, action="projects.pledged", target=pledge, node=project.node,
           data={"project": project.pk, "kind": gift.kind, "value_fen": value, "anonymous": anonymous})
    return pledge


def _locked_pledge(pledge: Pledge) -> Pledge:
    return Pledge.objects.select_for_update().select_related("project__node", "project__community").get(pk=pledge.pk)


@transaction.atomic
def pledge_withdraw(*, actor, pledge: Pledge) -> Pledge:
    pledge = _locked_pledge(pledge)
    if actor is None or pledge.pledged_by_id != actor.pk:
        raise PermissionDenied("projects.pledge")
    if pledge.status != Pledge.Status.PLEDGED:
        raise Conflict(_("Only a pledge not yet confirmed can be withdrawn."))
    pledge.status, pledge.decided_at = Pledge.Status.WITHDRAWN, timezone.now()
    pledge.save(update_fields=["status", "decided_at"])
    record(actor=actor, action="projects.pledge_withdrawn", target=pledge, node=pledge.project.node,
           data={"project": pledge.project_id})
    return pledge


@transaction.atomic
def pledge_decline(*, actor, pledge: Pledge, reason: str) -> Pledge:
    pledge = _locked_pledge(pledge)
    _require(actor, MANAGE, pledge.project.node)
    if pledge.status != Pledge.Status.PLEDGED:
        raise Conflict(_("That pledge has already been dealt with."))
    pledge.status, pledge.decided_at = Pledge.Status.DECLINED, timezone.now()
    pledge.decline_reason = _text(reason, _("Say why the pledge is declined; the resident sees it."))[:200]
    pledge.save(update_fields=["status", "decided_at", "decline_reason"])
    record(actor=actor, action="projects.pledge_declined", target=pledge, node=pledge.project.node,
           data={"project": pledge.project_id, "reason": pledge.decline_reason})
    return pledge


def _gift_of(row) -> Gift:
    return Gift(kind=row.kind, cash_fen=row.cash_fen, hours=row.hours, material=row.material,
                quantity=row.quantity, area_m2=row.area_m2, value_fen=row.value_fen, description=row.description)


def _append(*, actor, project: Project, contributor: Contributor, gift: Gift, value_fen: int, evidence,
            anonymous: bool, pledge: Pledge | None = None) -> Contribution:
    entry = Contribution.objects.create(
        project=project, community=project.community, value_fen=value_fen, pledge=pledge, anonymous=anonymous,
        evidence=evidence, recorded_by=actor if actor and actor.pk else None,
        **contributor.fields(), **_gift_fields(gift))
    Project.objects.filter(pk=project.pk).update(contributed_fen=F("contributed_fen") + value_fen,
                                                 updated_at=timezone.now())
    return entry


def _require_evidence(evidence) -> None:
    if not evidence:
        raise DomainError(_("Attach a photo as evidence: the receipt, the work done or the material delivered."))


@transaction.atomic
def pledge_confirm(*, actor, pledge: Pledge, evidence) -> Contribution:
    """The cadre confirms what was actually given, with a photo; the value is computed again at
    today's valuation and written to the ledger."""
    pledge = _locked_pledge(pledge)
    project = _locked(pledge.project)
    _require(actor, MANAGE, project.node)
    if pledge.status != Pledge.Status.PLEDGED:
        raise Conflict(_("That pledge has already been dealt with."))
    _require_open(project)
    _require_evidence(evidence)
    gift = _gift_of(pledge)
    value = value_of(project, gift)
    entry = _append(actor=actor, project=project, contributor=Contributor(pledge.household, pledge.person, pledge.unit),
                    gift=gift, value_fen=value, evidence=evidence, anonymous=pledge.anonymous, pledge=pledge)
    pledge.status, pledge.decided_at = Pledge.Status.CONFIRMED, timezone.now()
    pledge.save(update_fields=["status", "decided_at"])
    record(actor=actor, action="projects.contribution_confirmed", target=entry, node=project.node,
           on_behalf_of=pledge.person or _head_of(pledge.household),
           data={"project": project.pk, "pledge": pledge.pk, "kind": gift.kind, "value_fen": value})
    return entry


def _head_of(household: Household | None) -> Person | None:
    if household is None:
        return None
    return household.members.filter(relation=Person.Relation.HEAD).first()


def _require_contributor_in(project: Project, contributor: Contributor) -> None:
    filled = [c for c in (contributor.household, contributor.person, contributor.unit) if c is not None]
    if len(filled) != 1:
        raise DomainError(_("Say who gave it: one household, one person or one partner unit."))
    if contributor.unit is not None:
        return  # partner units come from anywhere in the county
    place = contributor.household or contributor.person
    street_path = project.community.path[:-4]  # neighbours across the street help too
    if not place.path.startswith(street_path):
        raise DomainError(_("That contributor is not registered in this street."))


@transaction.atomic
def contribution_record(*, actor, project: Project, contributor: Contributor, gift: Gift, evidence,
                        anonymous: bool = False) -> Contribution:
    """A cadre records what was given without a pledge (an elderly resident's labour on the day,
    a partner unit's materials), with a photo as evidence."""
    project = _locked(project)
    _require(actor, MANAGE, project.node)
    _require_open(project)
    _require_contributor_in(project, contributor)
    _require_evidence(evidence)
    value = value_of(project, gift)
    entry = _append(actor=actor, project=project, contributor=contributor, gift=gift, value_fen=value,
                    evidence=evidence, anonymous=anonymous)
    record(actor=actor, action="projects.contribution_recorded", target=entry, node=project.node,
           on_behalf_of=contributor.person or _head_of(contributor.household),
           data={"project": project.pk, "kind": gift.kind, "value_fen": value, "anonymous": anonymous})
    return entry


@transaction.atomic
def contribution_reverse(*, actor, entry: Contribution, reason: str) -> Contribution:
    """Correct the ledger: a new entry with the opposite quantities and value, linked to the one it
    reverses (once: a database constraint). The original stays as it was."""
    project = _locked(entry.project)
    _require(actor, MANAGE, project.node)
    reason = _text(reason, _("Say why the entry is reversed."))[:200]
    if entry.reverses_id is not None:
        raise DomainError(_("A reversal cannot itself be reversed; record the contribution again instead."))
    if Contribution.objects.filter(reverses=entry).exists():
        raise Conflict(_("That entry has already been reversed."))
    reversal = Contribution.objects.create(
        project=project, community=entry.community, household=entry.household, person=entry.person, unit=entry.unit,
        kind=entry.kind, cash_fen=-entry.cash_fen, hours=-entry.hours, material=entry.material,
        quantity=-entry.quantity, area_m2=-entry.area_m2, value_fen=-entry.value_fen, description=entry.description,
        anonymous=entry.anonymous, reverses=entry, reason=reason, recorded_by=actor if actor and actor.pk else None)
    Project.objects.filter(pk=project.pk).update(contributed_fen=F("contributed_fen") - entry.value_fen,
                                                 updated_at=timezone.now())
    record(actor=actor, action="projects.contribution_reversed", target=reversal, node=project.node,
           data={"project": project.pk, "reverses": entry.pk, "value_fen": -entry.value_fen, "reason": reason})
    return reversal
