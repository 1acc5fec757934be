"""Reads for funds: scope look-ups shared by the pages and the API (a forbidden object answers 404
like a missing one), the inputs of the award rules, current allocations, vote summaries and the
public notice."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q, Sum
from django.http import Http404
from django.utils import timezone

from cocreate.orgs.models import OrgUnit, Person
from cocreate.orgs.permissions import has_perm, scope_paths
from cocreate.projects.models import Project
from cocreate.projects.selectors import ledger_totals, valuation_for

from . import rules, wording
from .models import Allocation, Application, ApprovalVote, Disbursement, Pool

VIEW = "funds.view"
PREPARE = "funds.prepare"
MANAGE_POOL = "funds.manage_pool"
ALLOCATE = "funds.allocate"
REVIEW = {"village": "funds.review_village", "street": "funds.review_street", "county": "funds.review_county"}
PUBLIC_STATUSES = (Pool.Status.ALLOCATING, Pool.Status.CLOSED)
ADULT_AGE = 18
DEFAULT_HOURS_PER_DAY = 8


# --- scope ---------------------------------------------------------------------------------------

def pool_detail(pool_id: int) -> Pool | None:
    return Pool.objects.select_related("node", "created_by").filter(pk=pool_id).first()


def can_see_pool(user, pool: Pool) -> bool:
    """Officials of the pool's area or above it, and the cadres of communities inside it (who
    apply to it)."""
    return any(pool.path.startswith(p) or p.startswith(pool.path) for p in scope_paths(user, VIEW))


def staff_pool(user, pool_id: int, action: str = VIEW) -> Pool:
    pool = pool_detail(pool_id)
    if pool is None:
        raise Http404
    allowed = can_see_pool(user, pool) if action == VIEW else has_perm(user, action, pool.node)
    if not allowed:
        raise Http404
    return pool


def application_detail(application_id: int) -> Application | None:
    return (Application.objects.select_related("pool__node", "project__node", "community", "prepared_by")
            .filter(pk=application_id).first())


def staff_application(user, application_id: int, action: str = VIEW) -> Application:
    application = application_detail(application_id)
    if application is None or not has_perm(user, action, application.community):
        raise Http404
    return application


def pools_for(node: OrgUnit):
    """Pools of the node's area: those above it (its county's, its street's) and those inside it."""
    return (Pool.objects.filter(Q(path__in=node.ancestor_paths()) | Q(path__startswith=node.path))
            .select_related("node").order_by("-year", "-id"))


def visible_applications(user, pool: Pool):
    """The pool's applications in the user's scope (officials of the pool see them all)."""
    roots = scope_paths(user, VIEW)
    if not roots:
        return Application.objects.none()
    scope = Q()
    for root in roots:
        scope |= Q(path__startswith=root)
    return (pool.applications.filter(scope).select_related("project", "community", "prepared_by")
            .order_by("id"))


def projects_to_apply(user, pool: Pool):
    """Projects the user may prepare an application for: inside the pool's area and the user's
    communities, not cancelled, without an application to this pool already."""
    roots = scope_paths(user, PREPARE)
    if not roots:
        return Project.objects.none()
    scope = Q()
    for root in roots:
        scope |= Q(path__startswith=root)
    taken = pool.applications.exclude(status=Application.Status.REJECTED).values("project_id")
    return (Project.objects.filter(scope, path__startswith=pool.path)
            .exclude(status=Project.Status.CANCELLED).exclude(pk__in=taken)
            .select_related("community").order_by("-id"))


# --- the award ------------------------------------------------------------------------------------

def community_other_awards(application: Application) -> int:
    """What the pool already gives the application's community: the awards of its other approved
    applications."""
    return (Application.objects.filter(pool_id=application.pool_id, community_id=application.community_id,
                                       status=Application.Status.APPROVED)
            .exclude(pk=application.pk).aggregate(s=Sum("award_fen"))["s"] or 0)


def compute_award(pool: Pool, project: Project, requested_fen: int, community_other_fen: int = 0) -> rules.Award:
    """The rules of the pool applied to the project's confirmed ledger (one query for the totals,
    one for the valuation table)."""
    valuation = valuation_for(project.node)
    hours_per_day = valuation.hours_per_day if valuation else DEFAULT_HOURS_PER_DAY
    day_fen = valuation.labour_day_fen if valuation else None
    totals = {kind: rules.KindAmount(value_fen=t.value_fen, hours=t.hours)
              for kind, t in ledger_totals([project.pk]).get(project.pk, {}).items()}
    return rules.compute_award(rules=pool.rules(hours_per_day=hours_per_day, labour_day_fen=day_fen), totals=totals,
                               project_budget_fen=project.budget_fen, requested_fen=requested_fen,
                               community_other_fen=community_other_fen)


# --- allocations ----------------------------------------------------------------------------------

def _current_q():
    newer = Allocation.objects.filter(supersedes=OuterRef("pk"), status=Allocation.Status.APPROVED)
    return Q(status=Allocation.Status.APPROVED) & ~Q(Exists(newer))


def current_allocations(pool: Pool) -> dict[int, Allocation]:
    """application id → its approved allocation not superseded by a later approved version."""
    rows = Allocation.objects.filter(_current_q(), pool=pool).select_related("approved_by")
    return {a.application_id: a for a in rows}


def current_allocation(application: Application) -> Allocation | None:
    return Allocation.objects.filter(_current_q(), application=application).first()


def allocated_total(pool: Pool) -> int:
    return Allocation.objects.filter(_current_q(), pool=pool).aggregate(s=Sum("amount_fen"))["s"] or 0


def proposals(pool: Pool) -> list[Allocation]:
    return list(pool.allocations.filter(status=Allocation.Status.PROPOSED)
                .select_related("application__project", "application__community", "supersedes", "run__ran_by")
                .order_by("application_id"))


def disbursed(application_ids) -> dict[int, int]:
    rows = (Disbursement.objects.filter(application_id__in=list(application_ids)).values("application_id")
            .annotate(s=Sum("amount_fen")))
    return {r["application_id"]: r["s"] or 0 for r in rows}


# --- residents' approval votes ---------------------------------------------------------------------

def votable(pool: Pool):
    """What residents may approve: the pool's approved applications with an award."""
    return (pool.applications.filter(status=Application.Status.APPROVED, award_fen__gt=0)
            .select_related("project", "community").order_by("id"))


def voting_open(pool: Pool, now=None) -> bool:
    now = now or timezone.now()
    return (pool.uses_votes and pool.status == Pool.Status.ALLOCATING and pool.vote_opens_at is not None
            and pool.vote_opens_at <= now < pool.vote_closes_at)


def is_voter(pool: Pool, person: Person | None) -> bool:
    """Residents of the pool's area aged 18 or over in the pool's year (an unknown birth year is let in)."""
    if person is None or not person.path.startswith(pool.path):
        return False
    return person.birth_year is None or person.birth_year <= pool.year - ADULT_AGE


def my_vote(pool: Pool, person: Person | None) -> ApprovalVote | None:
    if person is None:
        return None
    return ApprovalVote.objects.filter(pool=pool, person=person).first()


@dataclass
class VoteSummary:
    voters: int
    approvals: dict[int, int] = field(default_factory=dict)  # application id → approvals


def vote_summary(pool: Pool) -> VoteSummary:
    counts: Counter[int] = Counter()
    voters = 0
    for approvals in ApprovalVote.objects.filter(pool=pool).values_list("approvals", flat=True):
        voters += 1
        counts.update(int(a) for a in approvals)
    return VoteSummary(voters, dict(counts))


def ballots(pool: Pool) -> list[frozenset[str]]:
    """Every resident's approvals as a set of rule keys (empty ballots count as voters)."""
    return [frozenset(f"{int(a):010d}" for a in approvals)
            for approvals in ApprovalVote.objects.filter(pool=pool).values_list("approvals", flat=True)]


def resident_person(user) -> Person | None:
    return Person.objects.select_related("household").filter(user=user).first() if user.is_authenticated else None


def resident_pools(person: Person | None) -> list[Pool]:
    """Pools of the resident's area that are allocating or closed (a vote to cast, a notice to read)."""
    if person is None or not person.path:
        return []
    paths = [person.path[:end] for end in range(4, len(person.path) + 1, 4)]
    return list(Pool.objects.filter(path__in=paths, status__in=PUBLIC_STATUSES).select_related("node")
                .order_by("-year", "-id")[:20])


def resident_pool(person: Person | None, pool_id: int) -> Pool:
    pool = pool_detail(pool_id)
    if pool is None or pool.status not in PUBLIC_STATUSES or person is None or not person.path.startswith(pool.path):
        raise Http404
    return pool


# --- the public notice -------------------------------------------------------------------------------

@dataclass
class NoticeRow:
    application_id: int
    project: str
    community: str
    requested_fen: int
    award_fen: int
    amount_fen: int
    reason: str
    version: int
    approved_at: object
    approvals: int | None = None


@dataclass
class Notice:
    pool: Pool
    method: str
    explanation: str
    rows: list[NoticeRow]
    allocated_fen: int
    pending: int  # approved applications without an approved allocation yet
    voters: int | None = None


def public_pool(pool_id: int) -> Pool:
    """Public: a pool that is allocating or closed (its notice lists approved allocations only)."""
    pool = pool_detail(pool_id)
    if pool is None or pool.status not in PUBLIC_STATUSES:
        raise Http404
    return pool


def notice(pool: Pool) -> Notice:
    """Each approved application with its current approved allocation and why; no person's name
    (project titles and communities only)."""
    current = current_allocations(pool)
    apps = list(pool.applications.filter(status=Application.Status.APPROVED).select_related("project", "community")
                .order_by("id"))
    summary = vote_summary(pool) if pool.uses_votes else None
    rows = []
    for a in apps:
        allocation = current.get(a.pk)
        if allocation is None:
            continue
        rows.append(NoticeRow(
            application_id=a.pk, project=a.project.title, community=a.community.name, requested_fen=a.requested_fen,
            award_fen=a.award_fen, amount_fen=allocation.amount_fen,
            reason=wording.reason_text(allocation.reason, allocation.params), version=allocation.version,
            approved_at=allocation.approved_at,
            approvals=summary.approvals.get(a.pk, 0) if summary else None))
    rows.sort(key=lambda r: (-r.amount_fen, r.application_id))
    return Notice(pool=pool, method=pool.get_method_display(), explanation=wording.method_explanation(pool.method),
                  rows=rows, allocated_fen=sum(r.amount_fen for r in rows), pending=len(apps) - len(rows),
                  voters=summary.voters if summary else None)
