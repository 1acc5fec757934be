"""Writes for funds: pools, applications and their reviews, residents' approval votes, allocation
runs and approvals, disbursements. One transaction and one audit event each; refusals raise
DomainError (400), Conflict (409) or PermissionDenied and write nothing.

Maker-checker (security.md §4.2): whoever prepared an application can review it at no level, and
nobody approves it at two levels; whoever ran an allocation cannot approve its proposals.

Concurrency: the final approval of an application, a vote, a run, an allocation approval and a
disbursement all begin with `SELECT … FOR UPDATE` on the pool row, so they are serialised per pool.
Approving an allocation sums the current approved allocations under that lock and refuses when the
new total would exceed the budget; `allocated_fen` is stored in the same transaction and a CHECK
constraint (`allocated_fen <= budget_fen`) is the last guard. SQLite's IMMEDIATE transactions
serialise writers in the same way.
"""

from datetime import date, datetime

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cocreate.audit.services import record
from cocreate.core.errors import Conflict, DomainError, InvalidTransition
from cocreate.orgs.models import Kind, OrgUnit, Person
from cocreate.orgs.permissions import has_perm
from cocreate.projects.models import Project

from . import rules, selectors
from .models import Allocation, AllocationRun, Application, ApprovalVote, Disbursement, Pool, Review
from .selectors import ALLOCATE, MANAGE_POOL, PREPARE, REVIEW

MAX_BUDGET_FEN = 10**13  # ¥100 billion: anything above is a typing error
MAX_RATE_PERMILLE = 10_000


def _require(actor, action: str, node: OrgUnit) -> None:
    """`actor=None` is the platform itself (seed commands)."""
    if actor is not None and not has_perm(actor, action, node):
        raise PermissionDenied(action)


def _lock_pool(pool: Pool) -> Pool:
    return Pool.objects.select_for_update(of=("self",)).select_related("node").get(pk=pool.pk)


# --- pools ---------------------------------------------------------------------------------------

def _check_pool(*, node, year, name, budget_fen, rate_permille, cap_project_fen, cap_community_fen,
                min_share_permille, counted_kinds, labour_day_fen, method, vote_opens_at, vote_closes_at) -> None:
    if node.kind not in (Kind.COUNTY, Kind.STREET):
        raise DomainError(_("A reward fund belongs to a county or a street."))
    if not 2000 <= year <= 2100:
        raise DomainError(_("Give the year of the fund."))
    if len(name) < 2:
        raise DomainError(_("Give the fund a name."))
    if not 0 < budget_fen <= MAX_BUDGET_FEN:
        raise DomainError(_("The budget must be more than zero."))
    if not 0 < rate_permille <= MAX_RATE_PERMILLE:
        raise DomainError(_("The award rate must be between 0.1% and 1000%."))
    for cap in (cap_project_fen, cap_community_fen):
        if cap is not None and not 0 < cap <= MAX_BUDGET_FEN:
            raise DomainError(_("A cap must be more than zero (leave it empty for no cap)."))
    if not 0 <= min_share_permille <= 1000:
        raise DomainError(_("The minimum self-raised share is between 0% and 100%."))
    if not counted_kinds or any(k not in rules.KINDS for k in counted_kinds):
        raise DomainError(_("Choose the contribution kinds that count."))
    if labour_day_fen is not None and labour_day_fen <= 0:
        raise DomainError(_("The value of a person-day must be more than zero."))
    if method not in rules.METHODS:
        raise DomainError(_("Choose the allocation method."))
    if method in rules.PB_METHODS:
        if vote_opens_at is None or vote_closes_at is None:
            raise DomainError(_("Residents' votes need a voting window: give its opening and closing times."))
        if vote_closes_at <= vote_opens_at:
            raise DomainError(_("The voting window must close after it opens."))


@transaction.atomic
def pool_create(*, actor, node: OrgUnit, year: int, name: str, budget_fen: int, rate_permille: int,
                counted_kinds, method: str, cap_project_fen: int | None = None, cap_community_fen: int | None = None,
                min_share_permille: int = 0, labour_day_fen: int | None = None, vote_opens_at: datetime | None = None,
                vote_closes_at: datetime | None = None, notes: str = "") -> Pool:
    """A draft pool of a county or a street for a year, with its budget and rules."""
    _require(actor, MANAGE_POOL, node)
    name = (name or "").strip()
    counted = list(dict.fromkeys(counted_kinds or ()))
    fields = {"node": node, "year": year, "name": name, "budget_fen": budget_fen, "rate_permille": rate_permille,
              "cap_project_fen": cap_project_fen, "cap_community_fen": cap_community_fen,
              "min_share_permille": min_share_permille, "counted_kinds": counted, "labour_day_fen": labour_day_fen,
              "method": method, "vote_opens_at": vote_opens_at, "vote_closes_at": vote_closes_at}
    _check_pool(**fields)
    fields["counted_kinds"] = counted = sorted(counted, key=rules.KINDS.index)
    if method not in rules.PB_METHODS:
        fields.update(vote_opens_at=None, vote_closes_at=None)
    try:
        with transaction.atomic():
            pool = Pool.objects.create(path=node.path, notes=(notes or "").strip()[:2000], created_by=actor, **fields)
    except IntegrityError as taken:
        raise Conflict(_("This area already has a fund of that name for that year.")) from taken
    record(actor=actor, action="fund_pool.created", target=pool, node=node,
           data={"year": year, "budget_fen": budget_fen, "rate_permille": rate_permille, "method": method,
                 "counted_kinds": counted, "cap_project_fen": cap_project_fen,
                 "cap_community_fen": cap_community_fen, "min_share_permille": min_share_permille,
                 "labour_day_fen": labour_day_fen})
    return pool


@transaction.atomic
def pool_set_status(*, actor, pool: Pool, status: str) -> Pool:
    """draft → open (applications taken; the rules are fixed) → allocating (no new applications;
    residents vote in the window; runs and approvals) → closed. Allocating may go back to open."""
    pool = _lock_pool(pool)
    _require(actor, MANAGE_POOL, pool.node)
    if status not in Pool.TRANSITIONS.get(pool.status, set()):
        raise InvalidTransition(_("This change of status is not allowed."))
    if status == Pool.Status.CLOSED and pool.allocations.filter(status=Allocation.Status.PROPOSED).exists():
        raise DomainError(_("Approve the proposed allocations, or run the allocation again, before closing."))
    if status == Pool.Status.OPEN and pool.allocations.filter(status=Allocation.Status.APPROVED).exists():
        raise DomainError(_("Allocations are approved already: the fund cannot take applications again."))
    previous, pool.status = pool.status, status
    pool.save(update_fields=["status", "updated_at"])
    record(actor=actor, action="fund_pool.status", target=pool, node=pool.node,
           data={"from": previous, "to": status})
    return pool


# --- applications -------------------------------------------------------------------------------

def _store_award(application: Application, award: rules.Award) -> None:
    application.award_fen, application.eligible_fen = award.award_fen, award.eligible_fen
    application.working, application.computed_at = award.working(), timezone.now()


@transaction.atomic
def application_create(*, actor, pool: Pool, project: Project, requested_fen: int, note: str = "") -> Application:
    """A draft application of a project to an open pool, by a cadre of the project's community. The
    award is computed at once (a preview) and again at submission and at the final approval."""
    pool = Pool.objects.select_related("node").get(pk=pool.pk)
    project = Project.objects.select_related("community", "node").get(pk=project.pk)
    _require(actor, PREPARE, project.node)
    if actor is None:
        raise PermissionDenied(PREPARE)  # an application has a human maker
    if pool.status != Pool.Status.OPEN:
        raise DomainError(_("This fund is not taking applications."))
    if not project.path.startswith(pool.path):
        raise DomainError(_("The project is outside the fund's area."))
    if project.status == Project.Status.CANCELLED:
        raise DomainError(_("A cancelled project cannot apply."))
    if not 0 < requested_fen <= MAX_BUDGET_FEN:
        raise DomainError(_("The amount requested must be more than zero."))
    application = Application(pool=pool, project=project, community=project.community, path=project.path,
                              requested_fen=requested_fen, note=(note or "").strip()[:2000], prepared_by=actor)
    _store_award(application, selectors.compute_award(pool, project, requested_fen))
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError as taken:
        raise Conflict(_("This project has applied to this fund already.")) from taken
    record(actor=actor, action="fund_application.created", target=application, node=project.node,
           data={"pool": pool.pk, "project": project.pk, "requested_fen": requested_fen,
                 "award_fen": application.award_fen})
    return application


def _lock_application(application: Application) -> Application:
    return (Application.objects.select_for_update(of=("self",))
            .select_related("pool__node", "project__node", "community").get(pk=application.pk))


@transaction.atomic
def application_submit(*, actor, application: Application, requested_fen: int | None = None,
                       note: str | None = None) -> Application:
    """Draft or returned → submitted (to the village review), by the cadre who prepared it; the
    award is computed again from the ledger as it is now."""
    application = _lock_application(application)
    _require(actor, PREPARE, application.project.node)
    if actor is not None and actor.pk != application.prepared_by_id:
        raise DomainError(_("Only the person who prepared the application submits it."))
    if Application.Status.SUBMITTED not in Application.TRANSITIONS[application.status]:
        raise InvalidTransition(_("Only a draft or returned application can be submitted."))
    if application.pool.status != Pool.Status.OPEN:
        raise DomainError(_("This fund is not taking applications."))
    if requested_fen is not None:
        if not 0 < requested_fen <= MAX_BUDGET_FEN:
            raise DomainError(_("The amount requested must be more than zero."))
        application.requested_fen = requested_fen
    if note is not None:
        application.note = note.strip()[:2000]
    _store_award(application, selectors.compute_award(application.pool, application.project,
                                                      application.requested_fen))
    previous = application.status
    application.status, application.submitted_at = Application.Status.SUBMITTED, timezone.now()
    application.save()
    record(actor=actor, action="fund_application.submitted", target=application, node=application.project.node,
           data={"from": previous, "requested_fen": application.requested_fen, "award_fen": application.award_fen})
    return application


def review_level(application: Application) -> str | None:
    """The level that reviews the application now (None when it is not under review)."""
    return Application.LEVEL_FOR.get(application.status)


def is_final_level(application: Application) -> bool:
    """The pool's own level approves last: the county for a county pool, the street for a street's."""
    level = review_level(application)
    return level == "county" or (level == "street" and not application.pool.is_county)


def can_review(user, application: Application) -> bool:
    level = review_level(application)
    return bool(level and has_perm(user, REVIEW[level], application.community)
                and user.pk != application.prepared_by_id)


@transaction.atomic
def application_review(*, actor, application: Application, decision: str, comment: str = "",
                       score: int | None = None) -> Review:
    """A review at the application's current level: approve (on to the next level, or approved at
    the pool's level), return for changes, or reject. Maker-checker: the preparer reviews at no
    level, and nobody approves at two levels. The final approval recomputes the award (with the
    per-community cap against the community's other approved awards) under the pool's lock."""
    if actor is None:
        raise PermissionDenied("funds.review")
    current = Application.objects.select_related("pool__node").get(pk=application.pk)
    pool = _lock_pool(current.pool)  # the pool first, always: one lock order for every writer
    application = _lock_application(application)
    level = review_level(application)
    if level is None:
        raise InvalidTransition(_("This application is not waiting for a review."))
    _require(actor, REVIEW[level], application.community)
    if actor.pk == application.prepared_by_id:
        raise DomainError(_("You prepared this application: someone else must review it (maker-checker)."),
                          code="maker_checker")
    if decision not in Review.Decision.values:
        raise DomainError(_("Choose a decision."))
    comment = (comment or "").strip()[:500]
    if decision != Review.Decision.APPROVE and not comment:
        raise DomainError(_("Say why the application is returned or rejected."))
    if decision == Review.Decision.APPROVE and application.reviews.filter(
            reviewer=actor, decision=Review.Decision.APPROVE,
            created_at__gte=application.submitted_at or application.created_at).exists():
        raise DomainError(_("You approved this application at another level: each level needs a different "
                            "person."), code="maker_checker")
    final = is_final_level(application)
    if score is not None and not 0 <= score <= 100:
        raise DomainError(_("The score is between 0 and 100."))
    if decision == Review.Decision.APPROVE and final and pool.method == rules.SCORE and score is None:
        raise DomainError(_("This fund allocates by score: give the application a score from 0 to 100."))
    if decision == Review.Decision.APPROVE and final and pool.status != Pool.Status.OPEN:
        raise DomainError(_("Applications are approved while the fund takes applications."))
    previous = application.status
    if decision == Review.Decision.RETURN:
        application.status = Application.Status.RETURNED
    elif decision == Review.Decision.REJECT:
        application.status, application.decided_at = Application.Status.REJECTED, timezone.now()
    elif final:
        _store_award(application, selectors.compute_award(pool, application.project, application.requested_fen,
                                                          selectors.community_other_awards(application)))
        application.status, application.decided_at = Application.Status.APPROVED, timezone.now()
        if score is not None:
            application.score = score
    else:
        application.status = (Application.Status.VILLAGE_APPROVED if level == "village"
                               else Application.Status.STREET_APPROVED)
    if score is not None and decision == Review.Decision.APPROVE:
        application.score = score
    application.save()
    review = Review.objects.create(application=application, level=level, decision=decision, comment=comment,
                                   score=score, reviewer=actor)
    record(actor=actor, action="fund_application.reviewed", target=application, node=application.community,
           data={"level": level, "decision": decision, "from": previous, "to": application.status,
                 "award_fen": application.award_fen, "score": application.score})
    return review


# --- residents' approval votes ---------------------------------------------------------------------

@transaction.atomic
def vote_cast(*, actor, pool: Pool, person: Person, application_ids) -> ApprovalVote:
    """A resident approves any number of the pool's approved applications during the voting window;
    sending again replaces the approvals until the window closes. One row per person and pool."""
    if actor is None or getattr(actor, "person", None) is None or actor.person.pk != person.pk:
        raise PermissionDenied("funds.vote")
    now = timezone.now()
    pool = _lock_pool(pool)
    if not selectors.voting_open(pool, now):
        raise DomainError(_("Voting on this fund is not open."), code="closed")
    person = Person.objects.get(pk=person.pk)
    if not selectors.is_voter(pool, person):
        raise DomainError(_("Only residents of the fund's area vote on it."))
    wanted = sorted({int(a) for a in application_ids or []})
    allowed = set(selectors.votable(pool).values_list("pk", flat=True))
    if any(a not in allowed for a in wanted):
        raise DomainError(_("Only the fund's approved applications can be approved."))
    existing = ApprovalVote.objects.filter(pool=pool, person=person).first()
    if existing is not None:
        ApprovalVote.objects.filter(pk=existing.pk).update(approvals=wanted, cast_by=actor, updated_at=now,
                                                           change_count=F("change_count") + 1)
        existing.refresh_from_db()
        vote = existing
    else:
        try:
            with transaction.atomic():
                vote = ApprovalVote.objects.create(pool=pool, person=person, approvals=wanted, cast_by=actor)
        except IntegrityError as taken:  # only without row locks; never twice
            raise Conflict(_("Your vote was already counted.")) from taken
    # How many were approved, never which: the ballot is secret.
    record(actor=actor, action="fund_vote.changed" if existing else "fund_vote.cast", target=pool, node=pool.node,
           data={"approved": len(wanted)})
    return vote


# --- allocation ---------------------------------------------------------------------------------------

@transaction.atomic
def allocation_run(*, actor, pool: Pool) -> AllocationRun:
    """Run the pool's method over its approved applications (costs = their awards) and record a
    proposal for each: a first version, or an amendment of its current approved allocation when the
    amount changes. Earlier unapproved proposals are withdrawn. Nothing is approved here."""
    pool = _lock_pool(pool)
    _require(actor, ALLOCATE, pool.node)
    if pool.status != Pool.Status.ALLOCATING:
        raise DomainError(_("Stop taking applications (status: allocating) before running the allocation."))
    now = timezone.now()
    if pool.uses_votes and (pool.vote_closes_at is None or now < pool.vote_closes_at):
        raise DomainError(_("The residents' voting window is still open: run the allocation after it closes."))
    apps = list(pool.applications.filter(status=Application.Status.APPROVED).order_by("id"))
    if not apps:
        raise DomainError(_("No application has been approved yet."))
    summary_ballots = selectors.ballots(pool) if pool.uses_votes else []
    candidates = [rules.Candidate(a.key, a.award_fen, score=a.score or 0) for a in apps]
    decisions = {d.key: d for d in rules.allocate(pool.method, pool.budget_fen, candidates, summary_ballots)}
    pool.allocations.filter(status=Allocation.Status.PROPOSED).update(status=Allocation.Status.WITHDRAWN)
    run = AllocationRun.objects.create(pool=pool, method=pool.method, budget_fen=pool.budget_fen,
                                       requested_fen=sum(a.award_fen for a in apps), voters=len(summary_ballots),
                                       ran_by=actor)
    current = selectors.current_allocations(pool)
    made = unchanged = 0
    for a in apps:
        d = decisions[a.key]
        previous = current.get(a.pk)
        if previous is not None and previous.amount_fen == d.amount_fen:
            unchanged += 1
            continue
        Allocation.objects.create(pool=pool, run=run, application=a, amount_fen=d.amount_fen, reason=d.reason,
                                  params=d.params, version=previous.version + 1 if previous else 1,
                                  supersedes=previous, proposed_by=actor)
        made += 1
    record(actor=actor, action="fund_allocation.run", target=pool, node=pool.node,
           data={"run": run.pk, "method": pool.method, "budget_fen": pool.budget_fen,
                 "requested_fen": run.requested_fen, "voters": run.voters, "proposals": made,
                 "unchanged": unchanged})
    return run


@transaction.atomic
def allocation_approve(*, actor, allocation: Allocation) -> Allocation:
    """Approve one proposal, by an official other than the one who ran the allocation. The pool row
    is locked; the current approved total is summed under the lock and the approval refused when it
    would exceed the budget (an amendment counts the difference from the version it supersedes)."""
    if actor is None:
        raise PermissionDenied(ALLOCATE)
    pool_id = Allocation.objects.filter(pk=allocation.pk).values_list("pool_id", flat=True).first()
    pool = _lock_pool(Pool(pk=pool_id))
    _require(actor, ALLOCATE, pool.node)
    allocation = (Allocation.objects.select_for_update(of=("self",))
                  .select_related("run", "supersedes", "application").get(pk=allocation.pk))
    if allocation.status != Allocation.Status.PROPOSED:
        raise Conflict(_("This allocation is no longer a proposal (approved already, or replaced by a later "
                         "run)."))
    if actor.pk in (allocation.run.ran_by_id, allocation.proposed_by_id):
        raise DomainError(_("You ran this allocation: another official must approve it (maker-checker)."),
                          code="maker_checker")
    if pool.status != Pool.Status.ALLOCATING:
        raise DomainError(_("Allocations are approved while the fund is allocating."))
    current = selectors.current_allocation(allocation.application)
    if (current.pk if current else None) != allocation.supersedes_id:
        raise Conflict(_("Another version of this allocation was approved meanwhile: run the allocation again."))
    total = selectors.allocated_total(pool)
    new_total = total - (current.amount_fen if current else 0) + allocation.amount_fen
    if new_total > pool.budget_fen:
        raise DomainError(_("Approving this would allocate %(total)s of a budget of %(budget)s: refused. Approve "
                            "the reductions first, or run the allocation again.") % {
            "total": f"{new_total / 100:,.2f}", "budget": f"{pool.budget_fen / 100:,.2f}"},
            code="over_budget")
    paid = Disbursement.objects.filter(application=allocation.application).aggregate(s=Sum("amount_fen"))["s"] or 0
    if allocation.amount_fen < paid:
        raise DomainError(_("More than this has been paid out to the project already."))
    now = timezone.now()
    Allocation.objects.filter(pk=allocation.pk).update(status=Allocation.Status.APPROVED, approved_by=actor,
                                                       approved_at=now)
    Pool.objects.filter(pk=pool.pk).update(allocated_fen=new_total, updated_at=now)
    allocation.refresh_from_db()
    record(actor=actor, action="fund_allocation.approved", target=allocation, node=pool.node,
           data={"pool": pool.pk, "application": allocation.application_id, "amount_fen": allocation.amount_fen,
                 "version": allocation.version, "supersedes": allocation.supersedes_id,
                 "allocated_fen": new_total, "budget_fen": pool.budget_fen})
    return allocation


# --- disbursements ---------------------------------------------------------------------------------

@transaction.atomic
def disbursement_record(*, actor, application: Application, kind: str, amount_fen: int, paid_on: date,
                        reference: str, note: str = "") -> Disbursement:
    """An advance (事前预拨) or a reimbursement (事后报账) paid against the application's current
    approved allocation; together they never exceed it."""
    current = Application.objects.select_related("pool").get(pk=application.pk)
    pool = _lock_pool(current.pool)
    _require(actor, MANAGE_POOL, pool.node)
    if kind not in Disbursement.Kind.values:
        raise DomainError(_("Say whether this is an advance or a reimbursement."))
    if amount_fen <= 0:
        raise DomainError(_("The amount must be more than zero."))
    reference = (reference or "").strip()[:100]
    if not reference:
        raise DomainError(_("Give the voucher or transfer reference."))
    if paid_on > timezone.localdate():
        raise DomainError(_("Record a payment once it has been made."))
    allocation = selectors.current_allocation(current)
    if allocation is None or allocation.amount_fen == 0:
        raise DomainError(_("This application has no approved allocation to pay."))
    paid = current.disbursements.aggregate(s=Sum("amount_fen"))["s"] or 0
    if paid + amount_fen > allocation.amount_fen:
        raise DomainError(_("That would pay out more than the allocation: %(left)s yuan is left to pay.") % {
            "left": f"{(allocation.amount_fen - paid) / 100:,.2f}"})
    row = Disbursement.objects.create(application=current, kind=kind, amount_fen=amount_fen, paid_on=paid_on,
                                      reference=reference, note=(note or "").strip()[:200], recorded_by=actor)
    record(actor=actor, action="fund_disbursement.recorded", target=row, node=pool.node,
           data={"application": current.pk, "kind": kind, "amount_fen": amount_fen,
                 "paid_fen": paid + amount_fen, "allocation_fen": allocation.amount_fen})
    return row
