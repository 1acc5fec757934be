"""Reads for decisions: who may vote on a ballot, results derived from the stored votes, lists.

Eligibility is computed from the live tables until the close, then the close stores the
eligible count (and area) with the ballot, so a published turnout no longer moves.
"""

import hashlib
import json
from dataclasses import dataclass, field, replace
from decimal import Decimal
from fractions import Fraction

from django.core.cache import cache
from django.db.models import Case, Count, IntegerField, Q, Sum, Value, When
from django.http import Http404
from django.utils import timezone

from cocreate.meetings.models import Attendance, Topic
from cocreate.orgs.models import Household, Person
from cocreate.orgs.permissions import has_perm

from .models import Ballot, Owner, PaperTally, Procedure, Vote
from .rules import procedures as proc
from .rules import tally

VIEW, MANAGE = "decisions.view", "decisions.manage"
ADULT_AGE = 18
PAGE_SIZE = 30


@dataclass(frozen=True)
class Voter:
    """A voting identity: what the unique constraint counts once."""

    key: str
    label: str
    person_id: int | None = None
    household_id: int | None = None
    owner_id: int | None = None
    area: Decimal | None = None


def _adult_q(ballot: Ballot) -> Q:
    """Persons aged 18 or over in the year the ballot opens; an unknown birth year is let in
    (the register is often incomplete for older residents, who must not be shut out)."""
    return Q(birth_year__isnull=True) | Q(birth_year__lte=ballot.opens_at.year - ADULT_AGE)


def _person_voter(p: Person) -> Voter:
    return Voter(f"p:{p.pk}", p.masked_name, person_id=p.pk)


def _household_voter(h: Household) -> Voter:
    return Voter(f"h:{h.pk}", h.address, household_id=h.pk)


def _owner_voter(o: Owner) -> Voter:
    return Voter(f"o:{o.pk}", f"{o.unit} {o.area_m2}m²", owner_id=o.pk, person_id=o.person_id, area=o.area_m2)


def eligible_voters(ballot: Ballot) -> list[Voter]:
    """Every eligible voting identity of the ballot, in a stable order."""
    E, U = Ballot.Eligibility, Ballot.Unit
    if ballot.eligibility == E.OWNERS:
        return [_owner_voter(o) for o in Owner.objects.in_subtree(ballot.node).order_by("path", "unit", "id")]
    if ballot.eligibility == E.MEETING:
        rows = Attendance.objects.filter(meeting_id=ballot.meeting_id).select_related("person", "household")
        if ballot.voter_unit == U.HOUSEHOLD:
            households = {a.household_id: a.household for a in rows if a.household_id}
            return [_household_voter(h) for _pk, h in sorted(households.items())]
        return [_person_voter(a.person) for a in rows.order_by("person_id")]
    if ballot.voter_unit == U.HOUSEHOLD:
        return [_household_voter(h) for h in Household.objects.in_subtree(ballot.node).order_by("path", "id")]
    people = Person.objects.in_subtree(ballot.node).filter(_adult_q(ballot)).order_by("path", "id")
    return [_person_voter(p) for p in people]


def eligible_totals(ballot: Ballot) -> tuple[int, Decimal | None]:
    """(count, total area or None) — the frozen figures after the close, else counted now."""
    if ballot.is_frozen:
        return ballot.eligible_count or 0, ballot.eligible_area_m2
    E, U = Ballot.Eligibility, Ballot.Unit
    if ballot.eligibility == E.OWNERS:
        agg = Owner.objects.in_subtree(ballot.node).aggregate(n=Count("id"), area=Sum("area_m2"))
        return agg["n"], agg["area"] or Decimal(0)
    if ballot.eligibility == E.MEETING:
        rows = Attendance.objects.filter(meeting_id=ballot.meeting_id)
        if ballot.voter_unit == U.HOUSEHOLD:
            return rows.exclude(household=None).values("household").distinct().count(), None
        return rows.count(), None
    if ballot.voter_unit == U.HOUSEHOLD:
        return Household.objects.in_subtree(ballot.node).count(), None
    return Person.objects.in_subtree(ballot.node).filter(_adult_q(ballot)).count(), None


def _is_adult(person: Person, ballot: Ballot) -> bool:
    """`_adult_q` for a person already loaded."""
    return person.birth_year is None or person.birth_year <= ballot.opens_at.year - ADULT_AGE


def voter_identities(ballot: Ballot, person: Person | None) -> list[Voter]:
    """The identities `person` votes as on this ballot: themselves, their household, or the units
    they own (an owner of two flats casts one vote for each). Empty when not eligible."""
    return voter_identities_on([ballot], person).get(ballot.pk, [])


def voter_identities_on(ballots: list[Ballot], person: Person | None) -> dict[int, list[Voter]]:
    """`voter_identities` for several ballots at once (ballot id → identities), in at most two
    queries whatever their number: one for the units the person owns, one for their check-ins."""
    if person is None:
        return {}
    E, U = Ballot.Eligibility, Ballot.Unit
    household = person.household
    out: dict[int, list[Voter]] = {}
    if any(b.eligibility == E.OWNERS for b in ballots):
        owned = list(Owner.objects.filter(person=person).order_by("path", "unit", "id"))
        for b in (b for b in ballots if b.eligibility == E.OWNERS):
            out[b.pk] = [_owner_voter(o) for o in owned if o.path.startswith(b.path)]
    meetings = {b.meeting_id for b in ballots if b.eligibility == E.MEETING}
    if meetings:
        mine = Q(person=person) | Q(household=household) if household else Q(person=person)
        present = list(Attendance.objects.filter(mine, meeting_id__in=meetings).values_list(
            "meeting_id", "person_id", "household_id"))
        for b in (b for b in ballots if b.eligibility == E.MEETING):
            rows = [r for r in present if r[0] == b.meeting_id]
            if b.voter_unit == U.HOUSEHOLD:
                found = household is not None and any(r[2] == household.pk for r in rows)
                out[b.pk] = [_household_voter(household)] if found else []
            else:
                out[b.pk] = [_person_voter(person)] if any(r[1] == person.pk for r in rows) else []
    for b in (b for b in ballots if b.eligibility == E.SUBTREE):
        if b.voter_unit == U.HOUSEHOLD:
            inside = household is not None and household.path.startswith(b.path)
            out[b.pk] = [_household_voter(household)] if inside else []
        else:
            inside = person.path.startswith(b.path) and _is_adult(person, b)
            out[b.pk] = [_person_voter(person)] if inside else []
    return out


def my_votes(ballot: Ballot, voters: list[Voter]) -> dict[str, Vote]:
    keys = [v.key for v in voters]
    return {v.voter_key: v for v in Vote.objects.filter(ballot=ballot, voter_key__in=keys)}


# --- results -------------------------------------------------------------------------------------

@dataclass
class Result:
    ballot: Ballot
    labels: dict[str, str]  # choice key → label, in ballot order
    counts: dict[str, int]  # per choice: votes (approvals, first preferences when ranked)
    voted: int
    eligible: int
    online: int
    offline: int
    winners: list[str] = field(default_factory=list)
    selected: list[str] = field(default_factory=list)  # budget ballots
    spent_fen: int = 0
    borda: dict[str, int] = field(default_factory=dict)
    irv: tally.IrvResult | None = None
    verdict: proc.Verdict | None = None
    areas: dict[str, Decimal] = field(default_factory=dict)  # owners' ballots: area per choice
    voted_area: Decimal | None = None
    eligible_area: Decimal | None = None

    @property
    def turnout_percent(self) -> float:
        return round(100 * self.voted / self.eligible, 1) if self.eligible else 0.0

    def chart(self) -> dict:
        """What the chart script draws (json_script): labels and values, in ballot order."""
        values = self.borda if self.ballot.ranked else self.counts
        return {"labels": list(self.labels.values()), "values": [values.get(k, 0) for k in self.labels],
                "series": "borda" if self.ballot.ranked else "votes"}

    @property
    def rows(self) -> list[dict]:
        return [{"key": k, "label": label, "count": self.counts.get(k, 0), "borda": self.borda.get(k),
                 "area": self.areas.get(k), "winner": k in self.winners, "selected": k in self.selected}
                for k, label in self.labels.items()]


def _paper_counts(tallies: list[PaperTally], keys: list[str]) -> tuple[dict[str, int], dict[str, Decimal]]:
    counts, areas = dict.fromkeys(keys, 0), dict.fromkeys(keys, Decimal(0))
    for t in tallies:
        for key, n in t.counts.items():
            counts[key] += int(n)
        for key, a in (t.areas or {}).items():
            areas[key] += Decimal(a)
    return counts, areas


FROZEN_RESULT_SECONDS = 7 * 24 * 3600


def ballot_result(ballot: Ballot) -> Result:
    """The result computed from the stored vote rows and the paper tallies (never from counters).

    Once the ballot is closed its votes are frozen by a trigger, no paper tally is taken and the
    eligible figures are stored, so the result can no longer change: it is computed once and
    cached (the result page, its notice and every project trace read it; a county ballot has
    thousands of votes to decode)."""
    if not ballot.is_frozen:
        return _computed_result(ballot)
    key = f"ballot-result:{ballot.pk}:{ballot.frozen_at.timestamp()}:{ballot.ballots_hash}"
    stored = cache.get(key)
    if stored is None:
        stored = replace(_computed_result(ballot), ballot=None)  # the ballot row is the caller's
        cache.set(key, stored, FROZEN_RESULT_SECONDS)
    return replace(stored, ballot=ballot)


def _computed_result(ballot: Ballot) -> Result:
    choices = list(ballot.choices.all())
    keys = [c.key for c in choices]
    votes = list(Vote.objects.filter(ballot=ballot).values_list("channel", "choices", "area_m2"))
    online = [c for channel, c, _a in votes if channel == Vote.Channel.ONLINE]
    tallies = list(ballot.paper_tallies.all())
    extra, extra_areas = _paper_counts(tallies, keys)
    eligible, eligible_area = eligible_totals(ballot)
    result = Result(ballot=ballot, labels={c.key: c.label for c in choices}, counts={}, voted=len(votes),
                    eligible=eligible, online=len(online), offline=len(votes) - len(online),
                    eligible_area=eligible_area)
    K = Ballot.Kind
    if ballot.kind == K.YES_NO:
        outcome = tally.yes_no_abstain(online, extra)
        result.counts = outcome["counts"]
        result.winners = [tally.YES] if outcome["passed"] else []
    elif ballot.kind in (K.SINGLE, K.APPROVAL):
        outcome = tally.plurality(keys, online, extra) if ballot.kind == K.SINGLE else tally.approval_counts(
            keys, online, extra)
        result.counts, result.winners = outcome["counts"], outcome["winners"]
    elif ballot.kind == K.RANKED:
        result.irv = tally.instant_runoff(keys, online)
        result.borda = tally.borda(keys, online)["points"]
        firsts = tally.first_choices(online)
        result.counts = {k: firsts.get(k, 0) for k in keys}
        result.winners = [result.irv.winner] if result.irv.winner else []
    else:
        costs = {c.key: c.cost_fen or 0 for c in choices}
        outcome = tally.budget(keys, costs, ballot.budget_limit_fen or 0, online, extra)
        result.counts, result.selected, result.spent_fen = outcome.counts, outcome.selected, outcome.spent
        result.winners = list(outcome.selected)
    if ballot.eligibility == Ballot.Eligibility.OWNERS:
        result.areas = _areas(votes, keys, extra_areas)
        result.voted_area = sum((a or Decimal(0) for _c, _x, a in votes), Decimal(0))
    result.verdict = _verdict(ballot, result)
    return result


def _areas(votes, keys: list[str], paper: dict[str, Decimal]) -> dict[str, Decimal]:
    areas = dict(paper)
    for channel, choices, area in votes:
        if channel == Vote.Channel.ONLINE:
            for key in choices:
                areas[key] = areas.get(key, Decimal(0)) + (area or Decimal(0))
    return {k: areas.get(k, Decimal(0)) for k in keys}


def _verdict(ballot: Ballot, result: Result) -> proc.Verdict | None:
    R = Ballot.Rule
    if ballot.kind != Ballot.Kind.YES_NO or ballot.rule == R.NONE:
        return None
    yes = result.counts.get(tally.YES, 0)
    if ballot.rule == R.MAJORITY:
        return proc.simple_majority(eligible=result.eligible, voted=result.voted, yes=min(yes, result.voted),
                                    quorum=Fraction(ballot.quorum_percent, 100))
    matter = proc.MAJOR if ballot.rule == R.OWNERS_MAJOR else proc.ORDINARY
    return proc.owners_assembly(
        owners=result.eligible, area=result.eligible_area or 0, voting_owners=result.voted,
        voting_area=result.voted_area or 0, yes_owners=yes, yes_area=result.areas.get(tally.YES, 0), matter=matter)


def ballots_hash(ballot: Ballot) -> str:
    """SHA-256 of the sorted ballot list (every vote row and every paper tally), stored at the close."""
    lines = sorted(
        f"vote|{key}|{channel}|{json.dumps(choices, ensure_ascii=False)}|{tally_id or ''}|{area or ''}"
        for key, channel, choices, tally_id, area in Vote.objects.filter(ballot=ballot).values_list(
            "voter_key", "channel", "choices", "tally_id", "area_m2"))
    lines += sorted(
        f"tally|{t.pk}|{t.method}|{json.dumps(t.counts, sort_keys=True)}|{json.dumps(t.areas, sort_keys=True)}"
        f"|{t.invalid}|{t.voter_count}" for t in ballot.paper_tallies.all())
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


# --- lists ---------------------------------------------------------------------------------------

def ballot_detail(*, ballot_id: int) -> Ballot | None:
    return (Ballot.objects.select_related("topic", "community", "node", "meeting", "created_by", "published_by")
            .prefetch_related("choices", "paper_tallies").filter(pk=ballot_id).first())


def ballot_page(*, node, before: int | None = None, size: int = PAGE_SIZE) -> tuple[list[Ballot], int | None]:
    """Ballots in a subtree, newest first, by keyset on id (one query whatever the size)."""
    rows = Ballot.objects.in_subtree(node).select_related("topic", "node")
    if before:
        rows = rows.filter(pk__lt=before)
    rows = list(rows.order_by("-id")[: size + 1])
    return rows[:size], (rows[size - 1].pk if len(rows) > size else None)


def resident_ballots(*, community) -> tuple[list[Ballot], list[Ballot]]:
    """The community's open ballots and its published results (newest first, at most 20 each)."""
    base = Ballot.objects.filter(community=community).select_related("topic")
    return (list(base.filter(status=Ballot.Status.OPEN).order_by("closes_at", "id")[:20]),
            list(base.filter(status=Ballot.Status.PUBLISHED).order_by("-published_at", "-id")[:20]))


def procedures_of(*, topic) -> list[Procedure]:
    return list(Procedure.objects.filter(topic=topic).prefetch_related("stages"))


def procedure_detail(*, procedure_id: int) -> Procedure | None:
    return (Procedure.objects.select_related("topic__node", "community").prefetch_related("stages__meeting")
            .filter(pk=procedure_id).first())


def procedure_page(*, node, size: int = PAGE_SIZE) -> list[Procedure]:
    return list(Procedure.objects.in_subtree(node).select_related("topic").order_by("-id")[:size])


def owner_roll(*, node) -> tuple[list[Owner], int, Decimal]:
    rows = list(Owner.objects.in_subtree(node).select_related("person").order_by("path", "unit", "id"))
    return rows, len(rows), sum((o.area_m2 for o in rows), Decimal(0))


def voter_ballot_page(*, community, person: Person | None, before: tuple[int, int] | None = None,
                      size: int = PAGE_SIZE) -> tuple[list["Standing"], tuple[int, int] | None]:
    """The community's ballots (not drafts) `person` may vote on, open ones first, then the
    newest; keyset on (open first, id). Eligibility is tested after the page is cut, so a page
    may hold fewer than `size`. Fixed queries: the page, owned units, check-ins, my votes."""
    rank = Case(When(status=Ballot.Status.OPEN, then=Value(0)), default=Value(1), output_field=IntegerField())
    rows = (Ballot.objects.filter(community=community).exclude(status=Ballot.Status.DRAFT)
            .annotate(rank=rank).select_related("topic"))
    if before:
        rows = rows.filter(Q(rank__gt=before[0]) | Q(rank=before[0], pk__lt=before[1]))
    rows = list(rows.order_by("rank", "-id")[: size + 1])
    page = rows[:size]
    cursor = (page[-1].rank, page[-1].pk) if len(rows) > size else None
    voters = voter_identities_on(page, person)
    page = [b for b in page if voters.get(b.pk)]
    keys = [v.key for b in page for v in voters[b.pk]]
    votes = {}
    for vote in Vote.objects.filter(ballot__in=page, voter_key__in=keys).order_by("id"):
        votes.setdefault(vote.ballot_id, vote)
    now = timezone.now()
    return [_standing(b, voters[b.pk], votes.get(b.pk), now) for b in page], cursor


# --- scope look-ups shared by the pages and the API ------------------------------------------------
# A forbidden object answers 404 exactly like a missing one.

@dataclass
class Standing:
    """Where a resident stands on a ballot: the identities they vote as, their current vote."""

    ballot: Ballot
    voters: list[Voter]
    current: Vote | None
    can_vote: bool


def _standing(ballot: Ballot, voters: list[Voter], current: Vote | None, now) -> Standing:
    can_vote = (bool(voters) and ballot.status == Ballot.Status.OPEN and ballot.opens_at <= now < ballot.closes_at
                and (current is None or current.channel == Vote.Channel.ONLINE))
    return Standing(ballot, voters, current, can_vote)


def standing(ballot: Ballot, person: Person | None) -> Standing:
    voters = voter_identities(ballot, person)
    current = next(iter(my_votes(ballot, voters).values()), None) if voters else None
    return _standing(ballot, voters, current, timezone.now())


def resident_person(user) -> Person | None:
    person = Person.objects.select_related("household").filter(user=user).first()
    if person is not None:
        user.person = person  # the reverse one-to-one's cache: services check actor.person without a query
    return person


def resident_ballot(person: Person | None, ballot_id: int) -> Ballot:
    """A ballot of the resident's community that is open, closed or published: what the ballot
    page shows and a vote needs (its choices), in two queries. The resident's household lies in
    the ballot's community when its path does (one community never contains another)."""
    ballot = (Ballot.objects.select_related("topic", "community", "node").prefetch_related("choices")
              .filter(pk=ballot_id).exclude(status=Ballot.Status.DRAFT).first())
    household = person.household if person is not None else None
    if ballot is None or household is None or not household.path.startswith(ballot.community.path):
        raise Http404
    return ballot


def published_ballot(ballot_id: int) -> Ballot:
    """Public: a ballot whose result is published."""
    ballot = ballot_detail(ballot_id=ballot_id)
    if ballot is None or ballot.status != Ballot.Status.PUBLISHED:
        raise Http404
    return ballot


def staff_ballot(user, ballot_id: int, action: str = VIEW) -> Ballot:
    ballot = ballot_detail(ballot_id=ballot_id)
    if ballot is None or not has_perm(user, action, ballot.node):
        raise Http404
    return ballot


def staff_topic(user, topic_id: int, action: str = MANAGE) -> Topic:
    topic = Topic.objects.select_related("community", "node").filter(pk=topic_id).first()
    if topic is None or not has_perm(user, action, topic.node):
        raise Http404
    return topic


def staff_procedure(user, procedure_id: int, action: str = VIEW) -> Procedure:
    procedure = procedure_detail(procedure_id=procedure_id)
    if procedure is None or not has_perm(user, action, procedure.topic.node):
        raise Http404
    return procedure


def upcoming_stage(procedure: Procedure) -> str | None:
    """The stage to record next, None once the procedure is finished."""
    if procedure.status != Procedure.Status.RUNNING:
        return None
    return proc.next_stage(procedure.kind, [s.stage for s in procedure.stages.all()])


def paper_roster(ballot: Ballot) -> tuple[list[Voter], int, int]:
    """(eligible voters who have not voted yet — the roster to tick, how many voted already,
    how many are eligible)."""
    voted = set(Vote.objects.filter(ballot=ballot).values_list("voter_key", flat=True))
    eligible = eligible_voters(ballot)
    return [v for v in eligible if v.key not in voted], len(voted), len(eligible)
