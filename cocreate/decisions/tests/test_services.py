"""Writes for decisions: each service leaves the right state and one audit event; refusals
write nothing. Votes: one per voter (DB constraint), changeable until the close, frozen after;
paper and show-of-hands tallies merge with online votes without counting anyone twice."""

import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, IntegrityError, connection, connections, transaction
from django.utils import timezone

from cocreate.audit.models import AuditEvent
from cocreate.core.errors import Conflict, DomainError, InvalidTransition
from cocreate.decisions import selectors, services
from cocreate.decisions.models import Ballot, Owner, PaperTally, Procedure, ProcedureStage, Vote
from cocreate.meetings.models import Topic

from .conftest import sheet_photo

pytestmark = pytest.mark.django_db


class AuditLog:
    def __init__(self) -> None:
        self.mark = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0

    def new(self, action: str | None = None) -> list[AuditEvent]:
        events = AuditEvent.objects.filter(id__gt=self.mark).order_by("id")
        return list(events.filter(action=action) if action else events)


def vote(person, ballot, *choices):
    return services.vote_cast(actor=person.user, ballot=ballot, person=person, choices=list(choices))


def keys(ballot) -> dict[str, str]:
    """Option title → choice key on the ballot."""
    return {c.label: c.key for c in ballot.choices.all()}


# --- ballots ----------------------------------------------------------------------------------

def test_cadre_creates_and_opens_a_ballot_on_a_topic(cast, topic):
    log = AuditLog()
    now = timezone.now()
    ballot = services.ballot_create(actor=cast["cadre"], topic=topic, title="停车位方案", kind="single",
                                    options=topic.options.all(), opens_at=now, closes_at=now + timedelta(days=3))
    assert ballot.status == Ballot.Status.DRAFT
    assert [c.label for c in ballot.choices.all()] == ["划线停车", "建立体车库", "维持现状"]
    [created] = log.new()
    assert (created.action, created.actor_id) == ("ballot.created", cast["cadre"].pk)
    services.ballot_open(actor=cast["cadre"], ballot=ballot)
    assert [e.action for e in log.new()][1:] == ["ballot.opened", "topic.status"]
    topic.refresh_from_db()
    assert topic.status == Topic.Status.VOTING


@pytest.mark.parametrize("role", ["grid_worker", "neighbour_cadre", "street_official", "link_head"])
def test_only_the_communitys_cadres_manage_ballots(cast, topic, role):
    now = timezone.now()
    with pytest.raises(PermissionDenied):
        services.ballot_create(actor=cast[role], topic=topic, title="停车位方案", kind="yes_no", opens_at=now,
                               closes_at=now + timedelta(days=1))
    assert not Ballot.objects.exists()


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"kind": "single", "options": []}, "at least two"),
    ({"kind": "budget"}, "cost limit"),
    ({"kind": "approval", "max_choices": 4}, "between 1"),
    ({"kind": "single", "rule": "majority"}, "Thresholds"),
    ({"kind": "yes_no", "rule": "owners_major"}, "owners"),
    ({"kind": "yes_no", "eligibility": "meeting"}, "meeting"),
])
def test_bad_ballot_settings_are_refused(cast, topic, kwargs, message):
    now = timezone.now()
    if kwargs.get("kind") != "yes_no" and "options" not in kwargs:
        kwargs["options"] = topic.options.all()
    with pytest.raises(DomainError, match=message):
        services.ballot_create(actor=cast["cadre"], topic=topic, title="方案", opens_at=now,
                               closes_at=now + timedelta(days=1), **kwargs)
    with pytest.raises(DomainError, match="close after"):
        services.ballot_create(actor=cast["cadre"], topic=topic, title="方案", kind="yes_no", opens_at=now,
                               closes_at=now)
    assert not Ballot.objects.exists()


# --- votes --------------------------------------------------------------------------------------

def test_a_resident_votes_and_changes_the_vote_until_the_close(cast, residents, make_ballot):
    ballot = make_ballot("single")
    k = keys(ballot)
    someone = residents[0]
    log = AuditLog()
    vote(someone, ballot, k["划线停车"])
    vote(someone, ballot, k["维持现状"])
    row = Vote.objects.get(ballot=ballot)
    assert (row.voter_key, row.choices, row.change_count) == (f"h:{someone.household_id}", [k["维持现状"]], 1)
    assert [e.action for e in log.new()] == ["vote.cast", "vote.changed"]
    assert all("choice" not in str(e.data) and k["维持现状"] not in str(e.data) for e in log.new())  # secret
    services.ballot_close(actor=cast["cadre"], ballot=ballot)
    with pytest.raises(DomainError, match="closed"):
        vote(someone, ballot, k["划线停车"])
    row.refresh_from_db()
    assert row.choices == [k["维持现状"]]
    assert selectors.ballot_result(ballot).counts[k["维持现状"]] == 1


def test_votes_are_refused_outside_the_window(residents, make_ballot):
    now = timezone.now()
    later = make_ballot("yes_no", opens_at=now + timedelta(hours=1), closes_at=now + timedelta(days=1))
    with pytest.raises(DomainError, match="not started"):
        vote(residents[0], later, "yes")
    past = make_ballot("yes_no", open_now=False, opens_at=now - timedelta(days=2), closes_at=now + timedelta(days=1))
    services.ballot_open(actor=None, ballot=past)
    Ballot.objects.filter(pk=past.pk).update(closes_at=now - timedelta(seconds=1))  # the time has passed
    with pytest.raises(DomainError, match="closed"):
        vote(residents[0], past, "yes")
    draft = make_ballot("yes_no", open_now=False)
    with pytest.raises(DomainError):
        vote(residents[0], draft, "yes")
    assert not Vote.objects.exists()


def test_one_vote_per_household_whoever_of_it_votes(cast, org_tree, make_ballot):
    from cocreate.accounts.services import resident_account_for_phone
    from cocreate.orgs import services as orgs

    spouse = org_tree.household.members.get(relation="spouse")
    orgs.person_update(actor=None, person=spouse, data={"phone": "13600136001"})
    resident_account_for_phone(phone_e164="+8613600136001")
    spouse.refresh_from_db()
    head = org_tree.resident_person
    head.refresh_from_db()
    ballot = make_ballot("yes_no")
    vote(head, ballot, "yes")
    vote(spouse, ballot, "no")  # the household's one vote, changed by the other member
    assert list(Vote.objects.filter(ballot=ballot).values_list("voter_key", "choices")) == [
        (f"h:{org_tree.household.pk}", ["no"])]


def test_the_unique_constraint_holds_whatever_the_code(residents, make_ballot):
    ballot = make_ballot("yes_no")
    vote(residents[0], ballot, "yes")
    with pytest.raises(IntegrityError), transaction.atomic():
        Vote.objects.create(ballot=ballot, voter_key=f"h:{residents[0].household_id}", channel="online",
                            choices=["no"])


def test_person_ballots_count_each_adult_and_refuse_the_rest(cast, org_tree, residents, make_ballot):
    ballot = make_ballot("yes_no", voter_unit="person")
    vote(residents[0], ballot, "yes")
    assert Vote.objects.get().voter_key == f"p:{residents[0].pk}"
    neighbour = org_tree.neighbour_household.members.get()
    from cocreate.accounts.services import resident_account_for_phone

    neighbour.user = resident_account_for_phone(phone_e164="+8613900139000")
    with pytest.raises(DomainError, match="not on the list"):
        vote(neighbour, ballot, "yes")
    with pytest.raises(PermissionDenied):  # nobody votes in someone else's name online
        services.vote_cast(actor=residents[1].user, ballot=ballot, person=residents[0], choices=["no"])
    with pytest.raises(DomainError, match="Choose one"):
        vote(residents[1], ballot, "yes", "no")
    assert Vote.objects.count() == 1


def test_meeting_roster_eligibility(cast, org_tree, residents, make_ballot, topic):
    from cocreate.meetings.models import Attendance, Meeting

    now = timezone.now()
    meeting = Meeting.objects.create(community=org_tree.community, node=org_tree.community,
                                     path=org_tree.community.path, title="屋场会", starts_at=now, ends_at=now)
    Attendance.objects.create(meeting=meeting, person=residents[0], household=residents[0].household, method="host")
    ballot = make_ballot("yes_no", eligibility="meeting", meeting=meeting, voter_unit="person")
    assert selectors.eligible_totals(ballot) == (1, None)
    vote(residents[0], ballot, "yes")
    with pytest.raises(DomainError, match="not on the list"):
        vote(residents[1], ballot, "yes")


# --- results for each type from stored votes ------------------------------------------------------

def test_approval_ranked_and_budget_results_from_stored_votes(cast, residents, make_ballot):
    a, b, c = residents[:3]
    approval = make_ballot("approval", max_choices=2)
    k = keys(approval)
    vote(a, approval, k["划线停车"], k["维持现状"])
    vote(b, approval, k["划线停车"])
    with pytest.raises(DomainError, match="between 1 and 2"):
        vote(c, approval, *k.values())
    r = selectors.ballot_result(approval)
    assert r.counts == {k["划线停车"]: 2, k["建立体车库"]: 0, k["维持现状"]: 1}
    assert r.winners == [k["划线停车"]]

    ranked = make_ballot("ranked")
    k = keys(ranked)
    line, garage, keep = k["划线停车"], k["建立体车库"], k["维持现状"]
    vote(a, ranked, garage, line)
    vote(b, ranked, keep, line)
    vote(c, ranked, line)
    r = selectors.ballot_result(ranked)
    # IRV: 1 each; tie in round 1 → listed last (keep) out, b → line: line 2 of 3 → line.
    assert r.irv.winner == line and r.irv.tie_broken_by_order
    # Borda (3 options: 2, 1, 0): garage 2; line 1 + 1 + 2 = 4; keep 2.
    assert r.borda == {line: 4, garage: 2, keep: 2}

    budget = make_ballot("budget", budget_limit_fen=50_000_000)
    k = keys(budget)
    with pytest.raises(DomainError, match="cost limit"):
        vote(a, budget, k["建立体车库"])  # 800 000 yuan > the 500 000 limit
    vote(a, budget, k["划线停车"], k["维持现状"])
    vote(b, budget, k["划线停车"])
    r = selectors.ballot_result(budget)
    assert r.selected == [k["划线停车"], k["维持现状"]] and r.spent_fen == 3_000_000


# --- paper ballots and show of hands --------------------------------------------------------------

def record_paper(cast, ballot, voters, counts, *, method="paper", invalid=0, **kwargs):
    return services.paper_tally_record(
        actor=cast["cadre"], ballot=ballot, method=method, held_at=timezone.now(), counts=counts,
        voter_keys=[f"h:{p.household_id}" for p in voters], sheet_photo=sheet_photo(), signatory_one="王会计",
        signatory_two="刘监委", invalid=invalid, **kwargs)


def test_paper_and_online_merge_without_counting_anyone_twice(cast, residents, make_ballot):
    """The rule: paper and show-of-hands voters are ticked on the roster and each takes the voter's one
    vote row (channel paper/hands); a ticked voter cannot vote online, and a voter who voted online
    cannot be ticked. The counts add to the online counts; the turnout counts rows."""
    ballot = make_ballot("yes_no")
    online, paper = residents[:2], residents[2:4]
    vote(online[0], ballot, "yes")
    vote(online[1], ballot, "no")
    log = AuditLog()
    record_paper(cast, ballot, paper, {"yes": 1, "abstain": 1})
    [event] = log.new()
    assert event.action == "ballot.paper_tally" and event.data["voters"] == 2
    with pytest.raises(Conflict, match="paper"):
        vote(paper[0], ballot, "no")
    with pytest.raises(Conflict, match="already voted"):
        record_paper(cast, ballot, [online[0], residents[4]], {"yes": 2})
    assert PaperTally.objects.count() == 1
    r = selectors.ballot_result(ballot)
    assert r.counts == {"yes": 2, "no": 1, "abstain": 1}
    assert (r.voted, r.online, r.offline) == (4, 2, 2) == (Vote.objects.count(), 2, 2)


def test_show_of_hands_counts_must_match_the_roster_and_need_two_signatories(cast, residents, make_ballot):
    ballot = make_ballot("yes_no")
    with pytest.raises(DomainError, match="must equal"):
        record_paper(cast, ballot, residents[:3], {"yes": 2}, method="hands")
    with pytest.raises(DomainError, match="Two different"):
        services.paper_tally_record(actor=cast["cadre"], ballot=ballot, method="hands", held_at=timezone.now(),
                                    counts={"yes": 1}, voter_keys=[f"h:{residents[0].household_id}"],
                                    sheet_photo=sheet_photo(), signatory_one="王会计", signatory_two="王会计")
    with pytest.raises(DomainError, match="photo"):
        services.paper_tally_record(actor=cast["cadre"], ballot=ballot, method="hands", held_at=timezone.now(),
                                    counts={"yes": 1}, voter_keys=[f"h:{residents[0].household_id}"],
                                    sheet_photo=None, signatory_one="王会计", signatory_two="刘监委")
    with pytest.raises(DomainError, match="held between"):
        services.paper_tally_record(actor=cast["cadre"], ballot=ballot, method="hands",
                                    held_at=timezone.now() - timedelta(days=3), counts={"yes": 1},
                                    voter_keys=[f"h:{residents[0].household_id}"], sheet_photo=sheet_photo(),
                                    signatory_one="王会计", signatory_two="刘监委")
    with pytest.raises(PermissionDenied):
        services.paper_tally_record(actor=cast["grid_worker"], ballot=ballot, method="hands",
                                    held_at=timezone.now(), counts={"yes": 1},
                                    voter_keys=[f"h:{residents[0].household_id}"], sheet_photo=sheet_photo(),
                                    signatory_one="王会计", signatory_two="刘监委")
    record_paper(cast, ballot, residents[:3], {"yes": 2}, method="hands", invalid=1)
    assert Vote.objects.filter(channel="hands").count() == 3
    assert not PaperTally.objects.exclude(voter_count=3).exists()


def test_ranked_ballots_take_no_paper_counts(cast, residents, make_ballot):
    ballot = make_ballot("ranked")
    with pytest.raises(DomainError, match="Ranked"):
        record_paper(cast, ballot, residents[:1], {keys(ballot)["划线停车"]: 1})


# --- close, freeze, publish -------------------------------------------------------------------------

def test_close_freezes_the_votes_and_stores_the_hash(cast, residents, make_ballot):
    ballot = make_ballot("yes_no")
    vote(residents[0], ballot, "yes")
    log = AuditLog()
    ballot = services.ballot_close(actor=cast["cadre"], ballot=ballot)
    [event] = log.new()
    assert event.action == "ballot.closed" and event.data["hash"] == ballot.ballots_hash
    assert ballot.eligible_count == 6 and len(ballot.ballots_hash) == 64  # the fixture household + 5
    with pytest.raises(DatabaseError), transaction.atomic():  # the trigger: no write after the close
        Vote.objects.filter(ballot=ballot).update(choices=["no"])
    with pytest.raises(DatabaseError), transaction.atomic():
        Vote.objects.create(ballot=ballot, voter_key="h:999", channel="online", choices=["no"])
    with pytest.raises(DatabaseError), transaction.atomic():
        Vote.objects.filter(ballot=ballot).delete()
    with pytest.raises(InvalidTransition):
        services.ballot_close(actor=cast["cadre"], ballot=ballot)


def test_publish_computes_the_result_with_turnout_and_decides_the_topic(cast, residents, make_ballot, topic):
    ballot = make_ballot("yes_no", rule="majority", quorum_percent=50)
    for person in residents[:3]:
        vote(person, ballot, "yes")
    vote(residents[3], ballot, "no")
    with pytest.raises(InvalidTransition):
        services.ballot_publish(actor=cast["cadre"], ballot=ballot)
    services.ballot_close(actor=cast["cadre"], ballot=ballot)
    log = AuditLog()
    ballot = services.ballot_publish(actor=cast["cadre"], ballot=ballot, note="感谢参与")
    assert [e.action for e in log.new()] == ["ballot.published", "topic.status"]
    r = selectors.ballot_result(ballot)
    # 7 households (the fixture's, 5 residents', and none else… counted from the tree at the close)
    assert (r.voted, r.eligible) == (4, ballot.eligible_count)
    assert r.verdict.quorum and r.verdict.passed  # 4 of 6 ≥ 1/2; 3 yes of 4 > 1/2
    topic.refresh_from_db()
    assert topic.status == Topic.Status.DECIDED


# --- owners' assembly ---------------------------------------------------------------------------

def test_owners_roll_and_art_278_on_an_owners_ballot(cast, org_tree, residents, make_ballot):
    lines = "\n".join(f"1栋{n}01, 居民{n}, {area}" for n, area in zip(range(2, 7), [90, 90, 120, 60, 140],
                                                                      strict=True))
    log = AuditLog()
    assert services.owners_import(actor=cast["cadre"], node=org_tree.building, text=lines) == {
        "created": 5, "updated": 0}
    [event] = log.new()
    assert event.action == "owners.imported"
    assert Owner.objects.filter(person__isnull=False).count() == 5  # linked to the registered residents
    with pytest.raises(DomainError, match="Line 2"):
        services.owners_import(actor=cast["cadre"], node=org_tree.building, text="1栋201, 甲, 90\n坏行")
    ballot = make_ballot("yes_no", node=org_tree.building, eligibility="owners", rule="owners_major")
    # 5 owners, 500 m². Online: 2 yes (90 + 90), 1 no (120). Paper: 1 yes (60 m²). 140 m² does not vote.
    vote(residents[0], ballot, "yes")
    vote(residents[1], ballot, "yes")
    vote(residents[2], ballot, "no")
    services.paper_tally_record(
        actor=cast["cadre"], ballot=ballot, method="paper", held_at=timezone.now(), counts={"yes": 1},
        areas={"yes": "60"}, voter_keys=[f"o:{Owner.objects.get(unit='1栋501').pk}"], sheet_photo=sheet_photo(),
        signatory_one="王会计", signatory_two="刘监委")
    r = selectors.ballot_result(ballot)
    # Participation: 4 of 5 owners (≥ 2/3), 360 of 500 m² (≥ 2/3 = 333.3). Major: 3 of 4 heads = 3/4 ✓,
    # yes area 240 of 360 = 2/3 < 3/4 ✗ → not passed.
    assert (r.voted, r.voted_area, r.areas["yes"]) == (4, Decimal("360.00"), Decimal("240.00"))
    assert r.verdict.quorum and not r.verdict.passed


# --- procedures ------------------------------------------------------------------------------

def stage(cast, procedure, code, day=1, **kwargs):
    kwargs.setdefault("body", "村党支部")
    kwargs.setdefault("minutes_ref", f"记录第{day}号")
    return services.procedure_record_stage(actor=cast["cadre"], procedure=procedure, stage=code,
                                           held_on=date(2025, 3, day), **kwargs)


def test_four_deliberations_two_publications_in_order(cast, topic):
    log = AuditLog()
    procedure = services.procedure_start(actor=cast["cadre"], topic=topic, kind="four_deliberations")
    stage(cast, procedure, "party_proposal", 1, content="党支部提议改造停车位")
    with pytest.raises(DomainError, match="cannot be skipped"):
        stage(cast, procedure, "members_review", 2, expected=30, present=20, approving=11)
    stage(cast, procedure, "committees", 2)
    with pytest.raises(DomainError, match="before the previous"):
        stage(cast, procedure, "members_review", 1, expected=30, present=20, approving=11)
    stage(cast, procedure, "members_review", 3, expected=30, present=20, approving=11)
    stage(cast, procedure, "villagers_resolution", 4, resolution_body="representatives_meeting", expected=45,
          present=30, approving=23)
    stage(cast, procedure, "resolution_published", 5, body="村务公开栏")
    last = stage(cast, procedure, "results_published", 6, body="村务公开栏")
    procedure.refresh_from_db()
    assert procedure.status == Procedure.Status.COMPLETED and last.order == 6
    assert [e.action for e in log.new()] == ["procedure.started", *["procedure.stage"] * 6, "topic.status"]
    with pytest.raises(InvalidTransition):
        stage(cast, procedure, "results_published", 7)


def test_a_failed_members_review_ends_the_procedure(cast, topic):
    procedure = services.procedure_start(actor=cast["cadre"], topic=topic, kind="four_deliberations")
    stage(cast, procedure, "party_proposal", 1)
    stage(cast, procedure, "committees", 2)
    row = stage(cast, procedure, "members_review", 3, expected=30, present=19, approving=19)  # under 2/3
    procedure.refresh_from_db()
    assert not row.passed and procedure.status == Procedure.Status.REJECTED
    with pytest.raises(InvalidTransition):
        stage(cast, procedure, "villagers_resolution", 4)
    with pytest.raises(DomainError, match="counts"):
        other = services.procedure_start(actor=cast["cadre"], topic=topic, kind="four_deliberations")
        stage(cast, other, "party_proposal", 1)
        stage(cast, other, "committees", 2)
        stage(cast, other, "members_review", 3)
    assert ProcedureStage.objects.filter(procedure__status="running").count() == 2


def test_consensus_needs_a_meeting_and_minutes_and_majority_uses_a_published_ballot(cast, org_tree, topic,
                                                                                     residents, make_ballot):
    from cocreate.meetings.models import Meeting

    now = timezone.now()
    meeting = Meeting.objects.create(community=org_tree.community, node=org_tree.community,
                                     path=org_tree.community.path, title="屋场会", starts_at=now, ends_at=now)
    consensus = services.procedure_start(actor=cast["cadre"], topic=topic, kind="consensus")
    with pytest.raises(DomainError, match="minutes"):
        stage(cast, consensus, "consensus", 1, meeting=meeting, minutes_ref="")
    stage(cast, consensus, "consensus", 1, meeting=meeting, minutes_ref="屋场会记录 2025-03-01")
    consensus.refresh_from_db()
    assert consensus.status == Procedure.Status.COMPLETED


def test_majority_procedure_from_a_published_ballot(cast, topic, residents, make_ballot):
    ballot = make_ballot("yes_no")
    for person in residents[:4]:
        vote(person, ballot, "yes")
    services.ballot_close(actor=cast["cadre"], ballot=ballot)
    services.ballot_publish(actor=cast["cadre"], ballot=ballot)
    Topic.objects.filter(pk=topic.pk).update(status="voting")
    procedure = services.procedure_start(actor=cast["cadre"], topic=topic, kind="majority")
    row = stage(cast, procedure, "vote", 1, ballot=ballot)
    assert (row.expected, row.present, row.approving, row.passed) == (ballot.eligible_count, 4, 4, True)


# --- concurrency (PostgreSQL) ------------------------------------------------------------------

@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_1000_concurrent_votes_from_200_voters_leave_200_rows(cast, org_tree, topic):
    """security.md §4.3: 1,000 vote requests by 200 voters on real connections → exactly 200 rows,
    and the tally equals the rows."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks and concurrent transactions need PostgreSQL")
    from cocreate.accounts.models import User
    from cocreate.orgs.models import Household, Person

    households = Household.objects.bulk_create(
        Household(node=org_tree.building, path=org_tree.building.path, address=f"2栋{n}") for n in range(200))
    users = User.objects.bulk_create(User(username=f"v{n}", display_name=f"v{n}") for n in range(200))
    people = Person.objects.bulk_create(
        Person(household=h, node=org_tree.building, path=org_tree.building.path, name=f"居民{n}", user=u)
        for n, (h, u) in enumerate(zip(households, users, strict=True)))
    now = timezone.now()
    ballot = services.ballot_create(actor=None, topic=topic, title="并发投票", kind="yes_no", opens_at=now,
                                    closes_at=now + timedelta(days=1))
    services.ballot_open(actor=None, ballot=ballot)
    attempts = [(people[i % 200], ["yes", "no", "abstain"][i % 3]) for i in range(1000)]
    barrier = threading.Barrier(40)
    outcomes, lock = [], threading.Lock()

    def worker(chunk):
        try:
            barrier.wait(timeout=30)
            for person, choice in chunk:
                person.user.person = person
                services.vote_cast(actor=person.user, ballot=ballot, person=person, choices=[choice])
                with lock:
                    outcomes.append(choice)
        finally:
            connections.close_all()

    chunks = [attempts[i::40] for i in range(40)]
    threads = [threading.Thread(target=worker, args=(chunk,)) for chunk in chunks]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert len(outcomes) == 1000
    rows = Vote.objects.filter(ballot=ballot)
    assert rows.count() == 200
    assert rows.values("voter_key").distinct().count() == 200
    result = selectors.ballot_result(ballot)
    from collections import Counter

    by_rows = Counter(c[0] for c in rows.values_list("choices", flat=True))
    assert result.counts == {k: by_rows.get(k, 0) for k in ("yes", "no", "abstain")}
    assert sum(result.counts.values()) == 200 == result.voted
    assert sum(change + 1 for change in rows.values_list("change_count", flat=True)) == 1000  # none lost


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_household_voting_from_many_phones_at_once_keeps_one_row_and_counts_every_change(
        cast, residents, make_ballot):
    """Voters hold the ballot in share mode, so one household's phones race to cast: the first
    insert wins and every other becomes a change of that row — no 409, nothing lost."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions need PostgreSQL")
    ballot = make_ballot("yes_no")
    person = residents[0]
    person.user.person = person
    barrier = threading.Barrier(12)
    errors = []

    def phone(choice):
        try:
            barrier.wait(timeout=30)
            services.vote_cast(actor=person.user, ballot=ballot, person=person, choices=[choice])
        except Exception as failed:  # the test reports any failure
            errors.append(failed)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=phone, args=(["yes", "no"][n % 2],)) for n in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    row = Vote.objects.get(ballot=ballot)
    assert row.change_count == 11


def test_the_scheduled_command_closes_only_ballots_past_their_closing_time(cast, residents, make_ballot,
                                                                           time_machine):
    import io

    from django.core.management import call_command

    due = make_ballot("yes_no", title="已到期", closes_at=timezone.now() + timedelta(hours=1))
    later = make_ballot("yes_no", title="未到期", closes_at=timezone.now() + timedelta(days=3))
    vote(residents[0], due, "yes")
    time_machine.move_to(timezone.now() + timedelta(hours=2))
    out = io.StringIO()
    call_command("close_due_ballots", stdout=out)
    due.refresh_from_db()
    later.refresh_from_db()
    assert (due.status, later.status) == ("closed", "open")
    assert len(due.ballots_hash) == 64
    assert out.getvalue().startswith("1 ")
