"""Writes for decisions: ballots (create, open, close, publish), votes, paper and show-of-hands
tallies, the owners' roll, and procedures with their stages. One transaction and one audit
event each; refusals raise DomainError (or Conflict) and write nothing.

Concurrency (security.md §4.1): every writer of a ballot's votes first takes `SELECT … FOR
UPDATE` on the ballot row, with the window test in the same statement, so a vote, a paper
tally and the close are serialised and a vote can never land after the close. SQLite has no row
locks; its IMMEDIATE transactions serialise writers and `UNIQUE (ballot, voter_key)` holds on
both engines. After the close a database trigger refuses any write to the ballot's votes.
"""

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cocreate.audit.services import record
from cocreate.core.errors import Conflict, DomainError, InvalidTransition
from cocreate.meetings.models import Meeting, Option, Topic
from cocreate.orgs.models import OrgUnit, Person
from cocreate.orgs.permissions import has_perm

from . import selectors
from .models import Ballot, BallotChoice, Owner, PaperTally, Procedure, ProcedureStage, Vote
from .rules import procedures as proc
from .rules import tally

MANAGE = "decisions.manage"
MAX_OPTIONS = 30
MAX_OWNER_LINES = 5000


def _require(actor, node: OrgUnit, action: str = MANAGE) -> None:
    """`actor=None` is the platform itself (seed commands, scheduled jobs)."""
    if actor is not None and not has_perm(actor, action, node):
        raise PermissionDenied(action)


def _topic_status(actor, topic: Topic, status: str) -> None:
    """Move the topic along (voting, decided) through the meetings service, when the move is allowed."""
    try:
        from cocreate.meetings.services import topic_set_status
    except ImportError:  # pragma: no cover - the meetings services are built in parallel
        return
    topic.refresh_from_db(fields=["status"])
    if status != topic.status and status in Topic.TRANSITIONS.get(topic.status, ()):
        topic_set_status(actor=actor, topic=topic, status=status)


# --- ballots -------------------------------------------------------------------------------------

def _ballot_choices(kind: str, options: list[Option]) -> list[dict]:
    if kind == Ballot.Kind.YES_NO:
        return [{"key": tally.YES, "label": str(_("Yes"))}, {"key": tally.NO, "label": str(_("No"))},
                {"key": tally.ABSTAIN, "label": str(_("Abstain"))}]
    return [{"key": f"o{o.pk}", "label": o.title, "option": o, "cost_fen": o.cost_fen} for o in options]


def _check_ballot_settings(*, topic, kind, node, options, max_choices, budget_limit_fen, eligibility, meeting,
                           rule, quorum_percent, opens_at, closes_at) -> None:
    K, E, R = Ballot.Kind, Ballot.Eligibility, Ballot.Rule
    if kind not in K.values:
        raise DomainError(_("Choose the type of ballot."))
    if not node.is_within(topic.community):
        raise DomainError(_("The voters must live in the topic's community."))
    if closes_at <= opens_at:
        raise DomainError(_("The ballot must close after it opens."))
    if kind != K.YES_NO:
        if not 2 <= len(options) <= MAX_OPTIONS:
            raise DomainError(_("Choose at least two of the topic's options."))
        if any(o.topic_id != topic.pk or o.status != Option.Status.PROPOSED for o in options):
            raise DomainError(_("Only proposed options of this topic can be on the ballot."))
    if kind == K.APPROVAL and not 1 <= max_choices <= len(options):
        raise DomainError(_("The number of choices must be between 1 and the number of options."))
    if kind == K.BUDGET:
        if not budget_limit_fen or budget_limit_fen <= 0:
            raise DomainError(_("Give the cost limit of a budget ballot."))
        if any(o.cost_fen is None or o.cost_fen < 0 for o in options):
            raise DomainError(_("Every option of a budget ballot needs a cost estimate."))
    if eligibility == E.MEETING and (meeting is None or meeting.community_id != topic.community_id):
        raise DomainError(_("Choose a meeting of the topic's community."))
    if rule != R.NONE and kind != K.YES_NO:
        raise DomainError(_("Thresholds apply to yes / no / abstain ballots."))
    if rule in (R.OWNERS_ORDINARY, R.OWNERS_MAJOR) and eligibility != E.OWNERS:
        raise DomainError(_("The owners' assembly thresholds need the owners of an estate as voters."))
    if not 1 <= quorum_percent <= 100:
        raise DomainError(_("The quorum is a percentage between 1 and 100."))


@transaction.atomic
def ballot_create(*, actor, topic: Topic, title: str, kind: str, opens_at: datetime, closes_at: datetime,
                  node: OrgUnit | None = None, options=(), max_choices: int = 1, budget_limit_fen: int | None = None,
                  voter_unit: str = Ballot.Unit.HOUSEHOLD, eligibility: str = Ballot.Eligibility.SUBTREE,
                  meeting: Meeting | None = None, rule: str = Ballot.Rule.NONE, quorum_percent: int = 50) -> Ballot:
    """A draft ballot on a topic; the choices are copied from the topic's options (or yes/no/abstain)."""
    topic = Topic.objects.select_related("community", "node").get(pk=topic.pk)
    node = node or topic.node
    _require(actor, topic.node)
    _require(actor, node)
    if topic.status not in (Topic.Status.DISCUSSION, Topic.Status.VOTING):
        raise DomainError(_("This topic is already decided or closed."))
    title = (title or "").strip()
    if len(title) < 2:
        raise DomainError(_("Give the ballot a title."))
    options = list(options)
    _check_ballot_settings(topic=topic, kind=kind, node=node, options=options, max_choices=max_choices,
                           budget_limit_fen=budget_limit_fen, eligibility=eligibility, meeting=meeting, rule=rule,
                           quorum_percent=quorum_percent, opens_at=opens_at, closes_at=closes_at)
    ballot = Ballot.objects.create(
        topic=topic, community=topic.community, node=node, path=node.path, title=title, kind=kind,
        max_choices=max_choices if kind == Ballot.Kind.APPROVAL else 1,
        budget_limit_fen=budget_limit_fen if kind == Ballot.Kind.BUDGET else None,
        voter_unit=Ballot.Unit.PERSON if eligibility == Ballot.Eligibility.OWNERS else voter_unit,
        eligibility=eligibility, meeting=meeting if eligibility == Ballot.Eligibility.MEETING else None,
        rule=rule, quorum_percent=quorum_percent, opens_at=opens_at, closes_at=closes_at, created_by=actor)
    BallotChoice.objects.bulk_create(BallotChoice(ballot=ballot, order=i, **c)
                                     for i, c in enumerate(_ballot_choices(kind, options)))
    record(actor=actor, action="ballot.created", target=ballot, node=node,
           data={"topic": topic.pk, "kind": kind, "eligibility": eligibility, "unit": ballot.voter_unit,
                 "choices": ballot.choices.count()})
    return ballot


def _lock(ballot: Ballot) -> Ballot:
    return Ballot.objects.select_for_update().select_related("topic", "node").get(pk=ballot.pk)


@transaction.atomic
def ballot_open(*, actor, ballot: Ballot) -> Ballot:
    """Draft → open. Votes are accepted from `opens_at` until `closes_at`."""
    ballot = _lock(ballot)
    _require(actor, ballot.node)
    if ballot.status != Ballot.Status.DRAFT:
        raise InvalidTransition(_("Only a draft ballot can be opened."))
    if ballot.closes_at <= timezone.now():
        raise DomainError(_("The closing time has passed: set a later one."))
    ballot.status = Ballot.Status.OPEN
    ballot.save(update_fields=["status", "updated_at"])
    record(actor=actor, action="ballot.opened", target=ballot, node=ballot.node,
           data={"opens_at": ballot.opens_at.isoformat(), "closes_at": ballot.closes_at.isoformat()})
    _topic_status(actor, ballot.topic, Topic.Status.VOTING)
    return ballot


@transaction.atomic
def ballot_close(*, actor, ballot: Ballot) -> Ballot:
    """Open → closed, at once or once the closing time has passed: no more votes; the eligible
    count and the hash of the sorted ballot list are stored, and the trigger freezes the votes."""
    ballot = _lock(ballot)
    _require(actor, ballot.node)
    if ballot.status != Ballot.Status.OPEN:
        raise InvalidTransition(_("Only an open ballot can be closed."))
    now = timezone.now()
    if now < ballot.opens_at:
        raise DomainError(_("The ballot has not opened yet."))
    ballot.eligible_count, ballot.eligible_area_m2 = selectors.eligible_totals(ballot)
    ballot.ballots_hash = selectors.ballots_hash(ballot)
    ballot.closes_at = min(ballot.closes_at, now)
    ballot.status, ballot.frozen_at = Ballot.Status.CLOSED, now
    ballot.save(update_fields=["eligible_count", "eligible_area_m2", "ballots_hash", "closes_at", "status",
                               "frozen_at", "updated_at"])
    record(actor=actor, action="ballot.closed", target=ballot, node=ballot.node,
           data={"votes": ballot.votes.count(), "eligible": ballot.eligible_count, "hash": ballot.ballots_hash})
    return ballot


def close_due_ballots() -> int:
    """Close (as the platform) every open ballot whose closing time has passed; for a scheduled job."""
    due = Ballot.objects.filter(status=Ballot.Status.OPEN, closes_at__lte=timezone.now()).values_list("pk", flat=True)
    closed = 0
    for pk in list(due):
        try:
            ballot_close(actor=None, ballot=Ballot(pk=pk))
            closed += 1
        except DomainError:
            continue
    return closed


@transaction.atomic
def ballot_publish(*, actor, ballot: Ballot, note: str = "") -> Ballot:
    """Closed → published: the result (computed from the votes) is public, with the turnout."""
    ballot = _lock(ballot)
    _require(actor, ballot.node)
    if ballot.status != Ballot.Status.CLOSED:
        raise InvalidTransition(_("Close the ballot before publishing its result."))
    if selectors.ballots_hash(ballot) != ballot.ballots_hash:  # the freeze trigger makes this impossible
        raise Conflict(_("The votes changed after the close; the result cannot be published."))
    result = selectors.ballot_result(ballot)
    ballot.status, ballot.published_at, ballot.published_by = Ballot.Status.PUBLISHED, timezone.now(), actor
    ballot.public_note = (note or "").strip()[:2000]
    ballot.save(update_fields=["status", "published_at", "published_by", "public_note", "updated_at"])
    record(actor=actor, action="ballot.published", target=ballot, node=ballot.node,
           data={"voted": result.voted, "eligible": result.eligible, "winners": result.winners,
                 "passed": result.verdict.passed if result.verdict else None})
    _topic_status(actor, ballot.topic, Topic.Status.DECIDED)
    return ballot


# --- votes ---------------------------------------------------------------------------------------

def _lock_open(ballot: Ballot, when: datetime | None = None) -> Ballot:
    """The ballot row, locked, if it is open at `when` (the window test is in the locking statement)."""
    when = when or timezone.now()
    locked = (Ballot.objects.select_for_update().select_related("node")
              .filter(pk=ballot.pk, status=Ballot.Status.OPEN, opens_at__lte=when, closes_at__gt=when).first())
    if locked is None:
        current = Ballot.objects.filter(pk=ballot.pk).values_list("status", "opens_at").first()
        if current and current[0] == Ballot.Status.OPEN and when < current[1]:
            raise DomainError(_("Voting has not started yet."))
        raise DomainError(_("Voting is closed."), code="closed")
    return locked


def _hold_open(ballot: Ballot) -> None:
    """Refuse unless the ballot is open now, and hold it open until the vote commits. Voters take
    the row in share mode, so votes run side by side while closing, freezing or a paper count
    (which lock it for update) wait for them, and find them when they go on."""
    if connection.vendor != "postgresql":  # SQLite: IMMEDIATE transactions already serialise writers
        _lock_open(ballot)
        return
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM decisions_ballot WHERE id = %s AND status = %s AND opens_at <= %s "
                       "AND closes_at > %s FOR SHARE", [ballot.pk, Ballot.Status.OPEN, now, now])
        if cursor.fetchone() is None:
            _lock_open(ballot, now)  # raises the reason: not yet open, or closed


def _normalised(ballot: Ballot, choices) -> list[str]:
    options = list(ballot.choices.all())
    try:
        return tally.check_ballot(ballot.kind, [c.key for c in options], list(choices or []),
                                  max_choices=ballot.max_choices, costs={c.key: c.cost_fen or 0 for c in options},
                                  limit=ballot.budget_limit_fen or 0)
    except tally.BallotError as bad:
        messages = {
            Ballot.Kind.YES_NO: _("Choose one answer."),
            Ballot.Kind.SINGLE: _("Choose one option."),
            Ballot.Kind.APPROVAL: _("Choose between 1 and %(k)s options.") % {"k": ballot.max_choices},
            Ballot.Kind.RANKED: _("Rank at least one option, each option once."),
            Ballot.Kind.BUDGET: _("Choose at least one option, within the cost limit."),
        }
        raise DomainError(messages[ballot.kind]) from bad


@transaction.atomic
def vote_cast(*, actor, ballot: Ballot, person: Person, choices) -> list[Vote]:
    """Cast or change `person`'s vote (for themselves, their household, or each unit they own)
    while the ballot is open. A voter already counted on paper or by a show of hands cannot
    vote online (the unique row is theirs already)."""
    if actor is None or getattr(actor, "person", None) is None or actor.person.pk != person.pk:
        raise PermissionDenied("decisions.vote")
    _hold_open(ballot)
    voters = selectors.voter_identities(ballot, person)
    if not voters:
        raise DomainError(_("You are not on the list of voters for this ballot."))
    normalised = _normalised(ballot, choices)
    existing = selectors.my_votes(ballot, voters)
    if any(v.channel != Vote.Channel.ONLINE for v in existing.values()):
        raise Conflict(_("Your vote was already counted on paper or by a show of hands."))
    votes = [_write_vote(ballot, voter, existing.get(voter.key), person=person, actor=actor, choices=normalised)
             for voter in voters]
    record(actor=actor, action="vote.changed" if existing else "vote.cast", target=ballot, node=ballot.node,
           data={"voters": len(voters), "channel": Vote.Channel.ONLINE})  # never the choice: the vote is secret
    return votes


def _write_vote(ballot: Ballot, voter, vote: Vote | None, *, person: Person, actor, choices: list[str]) -> Vote:
    """Change the voter's online vote, or cast it. Voters hold the ballot only in share mode, so
    the same household's two phones can race to cast: the second finds the first's row (the
    unique key) and changes it instead; a row counted on paper stays refused."""
    if vote is None:
        try:
            with transaction.atomic():
                return Vote.objects.create(
                    ballot=ballot, voter_key=voter.key, person=person,
                    household_id=voter.household_id or person.household_id, owner_id=voter.owner_id,
                    area_m2=voter.area, channel=Vote.Channel.ONLINE, choices=choices, cast_by=actor)
        except IntegrityError:
            vote = Vote.objects.get(ballot=ballot, voter_key=voter.key)
            if vote.channel != Vote.Channel.ONLINE:
                raise Conflict(_("Your vote was already counted on paper or by a show of hands.")) from None
    Vote.objects.filter(pk=vote.pk).update(choices=choices, person=person, cast_by=actor,
                                           change_count=F("change_count") + 1, updated_at=timezone.now())
    return vote


# --- paper ballots and show of hands --------------------------------------------------------------

def _check_counts(ballot: Ballot, counts: dict, invalid: int, voters: int) -> dict[str, int]:
    keys = set(ballot.choices.values_list("key", flat=True))
    try:
        counts = {str(k): int(v) for k, v in counts.items() if int(v)}
    except (TypeError, ValueError) as bad:
        raise DomainError(_("Counts are whole numbers.")) from bad
    if set(counts) - keys or any(n < 0 for n in counts.values()) or invalid < 0:
        raise DomainError(_("Counts are whole numbers, zero or more, for the ballot's choices."))
    valid = voters - invalid
    if valid < 0:
        raise DomainError(_("More blank or spoilt ballots than voters."))
    K = Ballot.Kind
    if ballot.kind in (K.YES_NO, K.SINGLE) and sum(counts.values()) != valid:
        raise DomainError(_("The counts (%(total)s) plus the blank or spoilt ballots must equal the number of "
                            "voters ticked on the roster (%(voters)s).")
                          % {"total": sum(counts.values()) + invalid, "voters": voters})
    if ballot.kind in (K.APPROVAL, K.BUDGET) and (
            any(n > valid for n in counts.values())
            or (ballot.kind == K.APPROVAL and sum(counts.values()) > valid * ballot.max_choices)):
        raise DomainError(_("A choice has more votes than there were valid ballots."))
    return counts


def _check_areas(ballot: Ballot, areas: dict, counts: dict[str, int], voters: list, invalid: int) -> dict[str, str]:
    """Owners' ballots: the exclusive area behind each count (art. 278 counts heads AND area)."""
    if ballot.eligibility != Ballot.Eligibility.OWNERS:
        return {}
    if invalid:
        raise DomainError(_("On an owners' ballot, record a blank ballot as an abstention."))
    try:
        parsed = {k: Decimal(str(areas.get(k) or 0)) for k in counts}
    except InvalidOperation as bad:
        raise DomainError(_("Areas are numbers of square metres.")) from bad
    total = sum((v.area for v in voters), Decimal(0))
    if any(a < 0 or (a > 0) != (counts[k] > 0) for k, a in parsed.items()):
        raise DomainError(_("Give the area for every choice that has votes, and only for those."))
    if ballot.kind in (Ballot.Kind.YES_NO, Ballot.Kind.SINGLE) and sum(parsed.values()) != total:
        raise DomainError(_("The areas must add up to the area of the owners ticked (%(area)s m²).") % {"area": total})
    if any(a > total for a in parsed.values()):
        raise DomainError(_("A choice has more area than the owners ticked."))
    return {k: str(a) for k, a in parsed.items()}


@transaction.atomic
def paper_tally_record(*, actor, ballot: Ballot, method: str, held_at: datetime, counts: dict, voter_keys,
                       sheet_photo, signatory_one: str, signatory_two: str, invalid: int = 0, areas=None,
                       meeting: Meeting | None = None) -> PaperTally:
    """Record paper ballots or a show of hands: the counts, the roster of who voted this way, and
    the attestation (a photo of the tally sheet signed by two named people).

    No one is counted twice: each ticked voter gets the unique vote row of the ballot with this
    channel. A voter who already voted online cannot be ticked (the whole entry is refused, and the
    roster page marks them), and once ticked cannot vote online. Ranked ballots need every ranking,
    so they take no per-option counts.
    """
    if method not in PaperTally.Method.values:
        raise DomainError(_("Say whether these were paper ballots or a show of hands."))
    ballot = Ballot.objects.select_for_update().select_related("node").get(pk=ballot.pk)
    _require(actor, ballot.node)
    if ballot.status != Ballot.Status.OPEN:
        raise DomainError(_("Paper and show-of-hands results are entered while the ballot is open."))
    if not ballot.opens_at <= held_at < ballot.closes_at:
        raise DomainError(_("The vote must have been held between the opening and the closing time."))
    if ballot.kind == Ballot.Kind.RANKED:
        raise DomainError(_("Ranked ballots cannot be entered as counts; residents rank the options online."))
    one, two = (signatory_one or "").strip(), (signatory_two or "").strip()
    if not one or not two or one == two:
        raise DomainError(_("Two different people must sign the tally sheet; give both names."))
    if not sheet_photo:
        raise DomainError(_("Add a photo of the signed tally sheet."))
    keys = list(dict.fromkeys(voter_keys or []))
    if not keys:
        raise DomainError(_("Tick on the roster the voters who voted this way."))
    eligible = {v.key: v for v in selectors.eligible_voters(ballot)}
    if any(k not in eligible for k in keys):
        raise DomainError(_("Only eligible voters can be ticked."))
    already = Vote.objects.filter(ballot=ballot, voter_key__in=keys).count()
    if already:
        raise Conflict(_("%(n)s of the ticked voters have already voted; they cannot vote again. Untick them "
                         "and correct the counts.") % {"n": already})
    voters = [eligible[k] for k in keys]
    counts = _check_counts(ballot, counts, invalid, len(keys))
    areas = _check_areas(ballot, areas or {}, counts, voters, invalid)
    sheet = PaperTally.objects.create(
        ballot=ballot, method=method, held_at=held_at, meeting=meeting, counts=counts, areas=areas,
        invalid=invalid, voter_count=len(keys), sheet_photo=sheet_photo, signatory_one=one, signatory_two=two,
        recorded_by=actor)
    try:
        with transaction.atomic():
            Vote.objects.bulk_create(
                Vote(ballot=ballot, voter_key=v.key, person_id=v.person_id, household_id=v.household_id,
                     owner_id=v.owner_id, area_m2=v.area, channel=method, tally=sheet, choices=None, cast_by=actor)
                for v in voters)
    except IntegrityError as taken:
        raise Conflict(_("Some of the ticked voters have just voted; reload the roster.")) from taken
    record(actor=actor, action="ballot.paper_tally", target=ballot, node=ballot.node,
           data={"tally": sheet.pk, "method": method, "voters": len(keys), "counts": counts, "invalid": invalid,
                 "signatories": 2})
    return sheet


# --- owners' roll ---------------------------------------------------------------------------------

_LINE = re.compile(r"\s*[,，\t]\s*")


def _parse_owner_lines(text: str) -> list[tuple[str, str, Decimal]]:
    rows, seen = [], set()
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = _LINE.split(line.strip())
        try:
            unit, name, area = parts[0].strip(), parts[1].strip(), Decimal(parts[2].strip())
        except (IndexError, InvalidOperation) as bad:
            raise DomainError(_("Line %(n)s: write “unit, name, area in m²”.") % {"n": number}) from bad
        if not unit or not name or not (Decimal(0) < area < Decimal(100000)) or len(unit) > 50 or len(name) > 50:
            raise DomainError(_("Line %(n)s: write “unit, name, area in m²”.") % {"n": number})
        if unit in seen:
            raise DomainError(_("Line %(n)s: the unit %(unit)s appears twice.") % {"n": number, "unit": unit})
        seen.add(unit)
        rows.append((unit, name, area.quantize(Decimal("0.01"))))
    if not rows:
        raise DomainError(_("Enter at least one owner."))
    if len(rows) > MAX_OWNER_LINES:
        raise DomainError(_("At most %(n)s owners at a time.") % {"n": MAX_OWNER_LINES})
    return rows


def _resident_named(node: OrgUnit, unit: str, name: str) -> Person | None:
    """The registered resident of that address with that name, if exactly one (so they can vote online)."""
    people = list(Person.objects.in_subtree(node).filter(household__address=unit, name=name)[:2])
    return people[0] if len(people) == 1 else None


@transaction.atomic
def owners_import(*, actor, node: OrgUnit, text: str) -> dict:
    """Enter or update owners of an estate, one per line: unit, name, exclusive area in m². An owner
    is linked to the registered resident of that address with the same name, who may then vote
    online. Units already on the roll are updated (name, area)."""
    _require(actor, node)
    rows = _parse_owner_lines(text)
    existing = {o.unit: o for o in Owner.objects.filter(node=node)}
    created = updated = 0
    for unit, name, area in rows:
        person = _resident_named(node, unit, name)
        owner = existing.get(unit)
        if owner is None:
            Owner.objects.create(node=node, path=node.path, unit=unit, name=name, area_m2=area, person=person,
                                 created_by=actor)
            created += 1
        elif (owner.name, owner.area_m2, owner.person_id) != (name, area, person.pk if person else None):
            owner.name, owner.area_m2, owner.person = name, area, person
            owner.save(update_fields=["name", "area_m2", "person", "updated_at"])
            updated += 1
    record(actor=actor, action="owners.imported", target=node, node=node,
           data={"created": created, "updated": updated, "lines": len(rows)})
    return {"created": created, "updated": updated}


# --- procedures -----------------------------------------------------------------------------------

@transaction.atomic
def procedure_start(*, actor, topic: Topic, kind: str, matter: str = proc.ORDINARY,
                    quorum_percent: int = 50) -> Procedure:
    """Begin the procedure that decides a topic (one running procedure per topic)."""
    topic = Topic.objects.select_for_update().select_related("node", "community").get(pk=topic.pk)
    _require(actor, topic.node)
    if kind not in Procedure.Kind.values or matter not in Procedure.Matter.values:
        raise DomainError(_("Choose the procedure."))
    if not 1 <= quorum_percent <= 100:
        raise DomainError(_("The quorum is a percentage between 1 and 100."))
    if Procedure.objects.filter(topic=topic, status=Procedure.Status.RUNNING).exists():
        raise Conflict(_("A procedure is already running for this topic."))
    procedure = Procedure.objects.create(topic=topic, community=topic.community, path=topic.path, kind=kind,
                                         matter=matter, quorum_percent=quorum_percent, created_by=actor)
    record(actor=actor, action="procedure.started", target=procedure, node=topic.node,
           data={"topic": topic.pk, "kind": kind, "matter": matter})
    return procedure


def _required(*values) -> None:
    if any(v is None for v in values):
        raise DomainError(_("Give the counts this stage needs: expected, present and approving."))


def _ballot_counts(procedure: Procedure, ballot: Ballot) -> selectors.Result:
    ballot.refresh_from_db()
    if ballot.topic_id != procedure.topic_id or ballot.status != Ballot.Status.PUBLISHED:
        raise DomainError(_("Use a published ballot on the same topic."))
    if ballot.kind != Ballot.Kind.YES_NO:
        raise DomainError(_("Use a yes / no / abstain ballot."))
    return selectors.ballot_result(ballot)


def _stage_verdict(procedure: Procedure, stage: str, f: dict) -> proc.Verdict | None:
    """The threshold test of the stage, from the entered counts or the linked ballot; None when the
    stage has no counts (proposals, deliberations, publications, consensus)."""
    if stage == proc.MEMBERS_REVIEW:
        _required(f["expected"], f["present"], f["approving"])
        return proc.party_members_meeting(members=f["expected"], present=f["present"], approving=f["approving"])
    if stage == proc.VILLAGERS_RESOLUTION:
        if f["resolution_body"] == proc.REPRESENTATIVES_MEETING:
            _required(f["expected"], f["present"], f["approving"])
            return proc.representatives_meeting(representatives=f["expected"], present=f["present"],
                                                 approving=f["approving"])
        if f["resolution_body"] != proc.VILLAGERS_MEETING:
            raise DomainError(_("Say whether the villagers' meeting or the representatives' meeting resolved."))
        _required(f["expected"], f["present"], f["approving"], f["expected_households"], f["present_households"])
        return proc.villagers_meeting(adults=f["expected"], households=f["expected_households"],
                                      present_adults=f["present"], present_households=f["present_households"],
                                      approving=f["approving"])
    if stage != proc.VOTE:
        return None
    ballot = f["ballot"]
    if procedure.kind == proc.OWNERS_ASSEMBLY:
        if ballot is not None:
            r = _ballot_counts(procedure, ballot)
            if ballot.eligibility != Ballot.Eligibility.OWNERS:
                raise DomainError(_("Use a ballot of the estate's owners."))
            f.update(expected=r.eligible, present=r.voted, approving=r.counts.get(tally.YES, 0),
                     expected_area=r.eligible_area, present_area=r.voted_area, approving_area=r.areas.get(tally.YES))
        _required(f["expected"], f["present"], f["approving"], f["expected_area"], f["present_area"],
                  f["approving_area"])
        return proc.owners_assembly(owners=f["expected"], area=f["expected_area"], voting_owners=f["present"],
                                    voting_area=f["present_area"], yes_owners=f["approving"],
                                    yes_area=f["approving_area"], matter=procedure.matter)
    if ballot is not None:
        r = _ballot_counts(procedure, ballot)
        f.update(expected=r.eligible, present=r.voted, approving=r.counts.get(tally.YES, 0))
    _required(f["expected"], f["present"], f["approving"])
    from fractions import Fraction

    return proc.simple_majority(eligible=f["expected"], voted=f["present"], yes=f["approving"],
                                quorum=Fraction(procedure.quorum_percent, 100))


@transaction.atomic
def procedure_record_stage(*, actor, procedure: Procedure, stage: str, held_on: date, body: str = "",
                           meeting: Meeting | None = None, ballot: Ballot | None = None, resolution_body: str = "",
                           expected: int | None = None, present: int | None = None, approving: int | None = None,
                           expected_households: int | None = None, present_households: int | None = None,
                           expected_area=None, present_area=None, approving_area=None, minutes_ref: str = "",
                           content: str = "", evidence=None) -> ProcedureStage:
    """Record the next stage of a procedure. Stages cannot be skipped or reordered, nor dated
    before the previous one; a stage whose threshold fails ends the procedure as not passed."""
    procedure = Procedure.objects.select_for_update().select_related("topic__node").get(pk=procedure.pk)
    _require(actor, procedure.topic.node)
    if procedure.status != Procedure.Status.RUNNING:
        raise InvalidTransition(_("This procedure is finished."))
    done = list(procedure.stages.order_by("order"))
    try:
        proc.check_next(procedure.kind, [s.stage for s in done], stage)
    except proc.StageOrderError as wrong:
        expected_stage = proc.next_stage(procedure.kind, [s.stage for s in done])
        raise DomainError(_("Stages cannot be skipped or reordered: the next stage is “%(stage)s”.")
                          % {"stage": ProcedureStage.Stage(expected_stage).label}) from wrong
    if done and held_on < done[-1].held_on:
        raise DomainError(_("A stage cannot be dated before the previous one."))
    if held_on > timezone.localdate():
        raise DomainError(_("Record a stage once it has taken place."))
    body = (body or "").strip() or (meeting.title if meeting else "")
    if not body:
        raise DomainError(_("Name the body, meeting or notice board."))
    if stage == proc.CONSENSUS and (meeting is None or not (minutes_ref or "").strip()):
        raise DomainError(_("Consensus is recorded with its meeting and the reference of the minutes."))
    if not evidence and not (minutes_ref or "").strip():
        raise DomainError(_("Give the evidence: a photo or the reference of the minutes or document."))
    if meeting is not None and meeting.community_id != procedure.community_id:
        raise DomainError(_("Choose a meeting of the topic's community."))
    fields = {"expected": expected, "present": present, "approving": approving, "resolution_body": resolution_body,
              "expected_households": expected_households, "present_households": present_households,
              "expected_area": expected_area, "present_area": present_area, "approving_area": approving_area,
              "ballot": ballot}
    try:
        verdict = _stage_verdict(procedure, stage, fields)
    except ValueError as bad:
        raise DomainError(_("A count is negative or larger than its total.")) from bad
    row = ProcedureStage.objects.create(
        procedure=procedure, stage=stage, order=len(done) + 1, held_on=held_on, body=body[:100], meeting=meeting,
        ballot=ballot, resolution_body=resolution_body if stage == proc.VILLAGERS_RESOLUTION else "",
        expected=fields["expected"], present=fields["present"], approving=fields["approving"],
        expected_households=fields["expected_households"], present_households=fields["present_households"],
        expected_area_m2=fields["expected_area"], present_area_m2=fields["present_area"],
        approving_area_m2=fields["approving_area"], minutes_ref=(minutes_ref or "").strip()[:200],
        content=(content or "").strip()[:3000], evidence=evidence or "",
        passed=verdict.passed if verdict else True, verdict_note=verdict.reason if verdict else "",
        recorded_by=actor)
    if not row.passed:
        procedure.status = Procedure.Status.REJECTED
    elif proc.next_stage(procedure.kind, [*(s.stage for s in done), stage]) is None:
        procedure.status = Procedure.Status.COMPLETED
    procedure.save(update_fields=["status", "updated_at"])
    record(actor=actor, action="procedure.stage", target=procedure, node=procedure.topic.node,
           data={"stage": stage, "order": row.order, "passed": row.passed, "expected": row.expected,
                 "present": row.present, "approving": row.approving})
    if procedure.status == Procedure.Status.COMPLETED:
        _topic_status(actor, procedure.topic, Topic.Status.DECIDED)
    return row
