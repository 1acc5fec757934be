"""Reads for projects: scope look-ups, the trace of a project back to its decision, the funding
plan with its computed shares, ledger totals and the honour roll."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from django.db.models import Count, Q, Sum
from django.http import Http404
from django.utils.translation import gettext as _

from cocreate.core.masking import mask_name
from cocreate.orgs.models import OrgUnit
from cocreate.orgs.permissions import has_perm, node_for

from .models import (
    BudgetLine,
    Contribution,
    ContributionKind,
    FundingSource,
    Milestone,
    Pledge,
    Project,
    ProjectTask,
    Valuation,
)

VIEW = "projects.view"
MANAGE = "projects.manage"


# --- valuation -----------------------------------------------------------------------------------

def valuation_for(node: OrgUnit) -> Valuation | None:
    """The valuation table of the nearest node up the tree that has one (usually the county)."""
    ancestors = [node.path[:end] for end in range(len(node.path), 0, -4)]
    tables = {v.node.path: v for v in Valuation.objects.select_related("node").filter(node__path__in=ancestors)}
    return next((tables[path] for path in ancestors if path in tables), None)


# --- ledger totals -------------------------------------------------------------------------------

@dataclass(frozen=True)
class KindTotal:
    value_fen: int = 0
    hours: int = 0
    cash_fen: int = 0


def ledger_totals(project_ids) -> dict[int, dict[str, KindTotal]]:
    """Confirmed ledger totals per project and contribution kind (reversals included, so a
    reversed entry counts zero). One query. Funds read this to compute awards."""
    rows = (Contribution.objects.filter(project_id__in=list(project_ids))
            .values("project_id", "kind")
            .annotate(value=Sum("value_fen"), hours=Sum("hours"), cash=Sum("cash_fen")))
    totals: dict[int, dict[str, KindTotal]] = {}
    for row in rows:
        totals.setdefault(row["project_id"], {})[row["kind"]] = KindTotal(
            value_fen=row["value"] or 0, hours=row["hours"] or 0, cash_fen=row["cash"] or 0)
    return totals


# --- funding plan --------------------------------------------------------------------------------

@dataclass
class FundingPlan:
    budget_fen: int
    sources: list[FundingSource]
    planned_fen: int = 0
    self_raised_fen: int = 0
    gap_fen: int = 0
    self_raised_share: Fraction | None = None
    lines: list[tuple[FundingSource, str]] = field(default_factory=list)  # with the share as a percentage

    @property
    def self_raised_percent(self) -> str:
        return _percent(self.self_raised_share)


def _percent(share: Fraction | None) -> str:
    if share is None:
        return "—"
    return f"{float(share) * 100:.1f}%"


def funding_plan(project: Project) -> FundingPlan:
    """Sources with their shares of the budget; the self-raised share (residents, partners and
    donors) and the remaining gap (budget − all planned sources, never below zero)."""
    sources = list(project.funding_sources.all())
    budget = project.budget_fen
    planned = sum(s.amount_fen for s in sources)
    self_raised = sum(s.amount_fen for s in sources if s.is_self_raised)
    plan = FundingPlan(budget_fen=budget, sources=sources, planned_fen=planned, self_raised_fen=self_raised,
                       gap_fen=max(budget - planned, 0))
    if budget:
        plan.self_raised_share = Fraction(self_raised, budget)
    plan.lines = [(s, _percent(Fraction(s.amount_fen, budget) if budget else None)) for s in sources]
    return plan


# --- scope ---------------------------------------------------------------------------------------

def projects_in(node: OrgUnit):
    return Project.objects.filter(path__startswith=node.path).select_related("community", "node")


def staff_project(user, project_id: int, action: str = VIEW) -> Project:
    """A project in the user's scope for `action`, or 404 (a forbidden one looks missing)."""
    project = Project.objects.select_related("community", "node").filter(pk=project_id).first()
    if project is None or not has_perm(user, action, project.node):
        raise Http404
    return project


def public_project(project_id: int) -> Project:
    """Project pages are public (the QR code on the site's notice board opens them); names on
    them are masked."""
    project = (Project.objects.select_related("community", "node", "topic", "ballot", "option")
               .filter(pk=project_id).first())
    if project is None:
        raise Http404
    return project


def staff_node(user, node_id: int) -> OrgUnit:
    return node_for(user, VIEW, node_id)


# --- honour roll ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class RollLine:
    name: str
    value_fen: int
    entries: int
    kinds: tuple[str, ...]


ANONYMOUS_LABEL = "anonymous"


def honour_roll(*, project: Project | None = None, community: OrgUnit | None = None, limit: int = 50) -> list[RollLine]:
    """Contributors ranked by the money value of what they gave (net of reversals), names masked
    (张*明), anonymous entries grouped under one line. One aggregate query plus one for names."""
    entries = Contribution.objects.all()
    if project is not None:
        entries = entries.filter(project=project)
    if community is not None:
        entries = entries.filter(community=community)
    rows = list(entries.values("household_id", "person_id", "unit_id", "anonymous")
                .annotate(value=Sum("value_fen"), n=Count("id", filter=Q(reverses__isnull=True)))
                .filter(value__gt=0).order_by("-value")[: limit * 2])
    names = _contributor_names(rows)
    kinds = _contributor_kinds(entries)
    lines: dict[str, RollLine] = {}
    for row in rows:
        key = _contributor_key(row)
        name = ANONYMOUS_LABEL if row["anonymous"] else names.get(key, "")
        line_key = ANONYMOUS_LABEL if row["anonymous"] else key
        previous = lines.get(line_key)
        lines[line_key] = RollLine(
            name=name,
            value_fen=row["value"] + (previous.value_fen if previous else 0),
            entries=row["n"] + (previous.entries if previous else 0),
            kinds=tuple(sorted(set(kinds.get(key, ())) | set(previous.kinds if previous else ()))),
        )
    return sorted(lines.values(), key=lambda line: -line.value_fen)[:limit]


def _contributor_key(row: dict) -> str:
    if row["household_id"]:
        return f"h{row['household_id']}"
    if row["person_id"]:
        return f"p{row['person_id']}"
    return f"u{row['unit_id']}"


def _contributor_names(rows: list[dict]) -> dict[str, str]:
    """Public names: a household by its head (张*明家), a person masked, a partner unit in full."""
    from cocreate.orgs.models import PartnerUnit, Person

    wanted: dict[str, set[int]] = {"h": set(), "p": set(), "u": set()}
    for row in rows:
        key = _contributor_key(row)
        wanted[key[0]].add(int(key[1:]))
    names = dict.fromkeys((f"h{hid}" for hid in wanted["h"]), str(_("A household")))
    for hid, name in Person.objects.filter(household_id__in=wanted["h"], relation=Person.Relation.HEAD
                                           ).values_list("household_id", "name"):
        names[f"h{hid}"] = _("%(name)s's household") % {"name": mask_name(name)}
    for pid, name in Person.objects.filter(pk__in=wanted["p"]).values_list("id", "name"):
        names[f"p{pid}"] = mask_name(name)
    for uid, name in PartnerUnit.objects.filter(pk__in=wanted["u"]).values_list("id", "name"):
        names[f"u{uid}"] = name
    return names


def _contributor_kinds(entries) -> dict[str, set[str]]:
    kinds: dict[str, set[str]] = {}
    for row in entries.values("household_id", "person_id", "unit_id", "kind").distinct():
        kinds.setdefault(_contributor_key(row), set()).add(row["kind"])
    return kinds


KIND_LABELS = dict(ContributionKind.choices)


# --- the thread: needs → topic and meetings → ballot → project -----------------------------------

@dataclass
class Trace:
    """Everything that led to a project, in the order it happened, for the trace page."""

    project: Project
    needs: list = field(default_factory=list)
    meetings: list = field(default_factory=list)  # (meeting, agenda item, whether its tally is shown)
    ballot: object = None
    result: object = None
    procedures: list = field(default_factory=list)


def trace(project: Project) -> Trace:
    """A fixed number of queries, however many needs and meetings: the topic's and the project's
    own needs, the meetings whose agenda held the topic (with that agenda item), the ballot and
    its published result, and the procedures recorded on the topic."""
    from cocreate.decisions.models import Ballot
    from cocreate.decisions.selectors import ballot_result, procedures_of
    from cocreate.meetings.models import AgendaItem, Meeting, Topic
    from cocreate.needs.models import Need

    # The ids first (one UNION of two index scans), then the needs by primary key: an OR across
    # the two many-to-many tables made PostgreSQL scan every need of the county.
    need_ids = Project.needs.through.objects.filter(project_id=project.pk).values_list("need_id", flat=True)
    if project.topic_id:
        need_ids = need_ids.union(Topic.needs.through.objects.filter(topic_id=project.topic_id)
                                  .values_list("need_id", flat=True))
    result = Trace(project=project)
    # A need about one household (个性) is nobody else's business, even on the trace.
    result.needs = list(Need.objects.filter(pk__in=list(need_ids)).exclude(scope=Need.Scope.INDIVIDUAL)
                        .only("id", "text", "status", "support_count", "created_at")  # not the search terms
                        .order_by("-support_count", "id")[:50])
    if project.topic_id:
        items = (AgendaItem.objects.filter(topic_id=project.topic_id)
                 .exclude(meeting__status=Meeting.Status.CANCELLED)
                 .select_related("meeting").order_by("meeting__starts_at"))
        # A show of hands is shown once its meeting is closed (frozen), as everywhere for residents.
        result.meetings = [(item.meeting, item, item.meeting.status == Meeting.Status.CLOSED
                            and item.tally_recorded_at is not None) for item in items]
        result.procedures = procedures_of(topic=project.topic)
    ballot = project.ballot
    if ballot is None and project.topic_id:
        ballot = (Ballot.objects.filter(topic_id=project.topic_id, status=Ballot.Status.PUBLISHED)
                  .order_by("-id").first())
    if ballot is not None and ballot.status == Ballot.Status.PUBLISHED:
        result.ballot, result.result = ballot, ballot_result(ballot)
    return result


def project_page(project: Project) -> dict:
    """What the public project page (and its API) shows: plan, budget, milestones, progress, ledger
    totals per kind (`totals`, and `given` with the kinds' names) and the honour roll."""
    totals = ledger_totals([project.pk]).get(project.pk, {})
    return {
        "plan": funding_plan(project),
        "budget_lines": list(project.budget_lines.all()),
        "milestones": list(project.milestones.all()),
        "updates": list(project.updates.all()[:20]),
        "totals": totals,
        "given": [(KIND_LABELS[kind], total) for kind, total in totals.items()],
        "roll": honour_roll(project=project, limit=30),
    }


def community_totals(community: OrgUnit) -> dict[str, int]:
    """折合资金 of the community's ledger, per kind."""
    rows = Contribution.objects.filter(community=community).values("kind").annotate(value=Sum("value_fen"))
    return {row["kind"]: row["value"] or 0 for row in rows}


def household_totals(household) -> list[dict]:
    """A household's contributions per project, net of reversals (the resident's own page)."""
    return list(Contribution.objects.filter(household=household).values("project_id", "project__title")
                .annotate(value=Sum("value_fen"), hours=Sum("hours")).order_by("-project_id"))


PAGE_SIZE = 20


def project_list(*, node: OrgUnit, before: int | None = None, size: int = PAGE_SIZE):
    """A page of projects in a subtree, newest first, keyset on id; and the next cursor."""
    return _keyset(projects_in(node), before, size)


def community_projects(community: OrgUnit) -> list[Project]:
    return list(Project.objects.filter(community=community).exclude(status=Project.Status.CANCELLED)
                .select_related("node").order_by("-id")[:100])


# --- what hangs off a project: scope look-ups and keyset pages (pages and API) ------------------

CONTRIBUTOR_RELATED = ("household", "person", "unit", "material")


def _staff_child(model, user, pk: int, action: str):
    """One query: the row with its project (and contributor), then the same test as
    `selectors.staff_project`."""
    row = (model.objects.select_related("project__community", "project__node", *_related(model))
           .filter(pk=pk).first())
    if row is None or not has_perm(user, action, row.project.node):
        raise Http404
    return row


def _related(model) -> tuple[str, ...]:
    return CONTRIBUTOR_RELATED if model in (Pledge, Contribution) else ()


def staff_pledge(user, pledge_id: int, action: str = VIEW) -> Pledge:
    return _staff_child(Pledge, user, pledge_id, action)


def staff_entry(user, entry_id: int, action: str = VIEW) -> Contribution:
    return _staff_child(Contribution, user, entry_id, action)


def staff_budget_line(user, line_id: int, action: str = VIEW) -> BudgetLine:
    return _staff_child(BudgetLine, user, line_id, action)


def staff_source(user, source_id: int, action: str = VIEW) -> FundingSource:
    return _staff_child(FundingSource, user, source_id, action)


def staff_milestone(user, milestone_id: int, action: str = VIEW) -> Milestone:
    return _staff_child(Milestone, user, milestone_id, action)


def staff_task(user, task_id: int, action: str = VIEW) -> ProjectTask:
    return _staff_child(ProjectTask, user, task_id, action)


def own_pledge(user, pledge_id: int) -> Pledge:
    """A pledge the signed-in resident made; anyone else's answers 404."""
    pledge = (Pledge.objects.select_related("project", *CONTRIBUTOR_RELATED)
              .filter(pk=pledge_id, pledged_by=user).first() if user.is_authenticated else None)
    if pledge is None:
        raise Http404
    return pledge


def _keyset(rows, before: int | None, size: int):
    if before:
        rows = rows.filter(pk__lt=before)
    page = list(rows.order_by("-id")[: size + 1])
    return page[:size], (page[size - 1].pk if len(page) > size else None)


def my_pledges(user, *, before: int | None = None, size: int = PAGE_SIZE):
    """The resident's pledges, newest first, keyset on id; and the next cursor. One query."""
    rows = Pledge.objects.filter(pledged_by=user).select_related("project", *CONTRIBUTOR_RELATED)
    return _keyset(rows, before, size)


def pledge_page(project, *, status: str | None = Pledge.Status.PLEDGED, before: int | None = None,
                size: int = PAGE_SIZE):
    """A project's pledges (the queue: those not yet dealt with), newest first. One query."""
    rows = Pledge.objects.filter(project=project).select_related(*CONTRIBUTOR_RELATED)
    if status:
        rows = rows.filter(status=status)
    return _keyset(rows, before, size)


def ledger_page(project, *, before: int | None = None, size: int = PAGE_SIZE):
    """A page of a project's ledger, newest entry first (reversals are entries too). One query."""
    rows = Contribution.objects.filter(project=project).select_related(*CONTRIBUTOR_RELATED)
    return _keyset(rows, before, size)


def community_project_page(community, *, before: int | None = None, size: int = PAGE_SIZE):
    """The resident's list: the community's projects but the cancelled ones (as
    `selectors.community_projects`, which the page uses), newest first, keyset on id. One query."""
    rows = (Project.objects.filter(community=community).exclude(status=Project.Status.CANCELLED)
            .select_related("community", "node"))
    return _keyset(rows, before, size)
