"""Ballots: one household ballot (yes / no / abstain) for every 300 households (1,000 at county
scale), each open to every household of its community, with a vote from each — about
1,000,000 votes. One ballot in ten is open (and half voted so far); the others are closed,
frozen and published. Written with COPY (see needs.py for why).

Scenarios: the ballot page of an open ballot for 16 residents, and casting (and changing) a
vote by POST as those residents, with the CSRF cookie and header a browser would send.
"""

import random
import secrets
import time
from datetime import timedelta

from bench.capabilities.copy import copy_only, copy_rows
from bench.loadgen import Request, Scenario

NAME = "ballots"
HOUSEHOLDS_PER_BALLOT = 300
OPEN_EVERY = 10
SEED = 2028
CHOICES = (("yes", "赞成"), ("no", "反对"), ("abstain", "弃权"))
TOPIC_COLUMNS = ("created_at", "updated_at", "community_id", "node_id", "path", "title", "description", "status",
                 "post_count")
BALLOT_COLUMNS = ("created_at", "updated_at", "topic_id", "community_id", "node_id", "path", "title", "kind",
                  "max_choices", "voter_unit", "eligibility", "rule", "quorum_percent", "opens_at", "closes_at",
                  "status", "ballots_hash", "public_note")


def available() -> bool:
    from django.apps import apps

    return apps.is_installed("cocreate.decisions")


def _root():
    from bench.capabilities.orgs import _root as orgs_root

    return orgs_root()


def generate(scale) -> dict:
    from cocreate.decisions.models import Ballot

    root = _root()
    want = scale.households // HOUSEHOLDS_PER_BALLOT
    if Ballot.objects.filter(path__startswith=root.path).count() == want:
        return {"seconds": 0.0, "reused": True, "ballots": want}
    started = time.perf_counter()
    _wipe(root)
    counts = _build(root, want, random.Random(SEED))
    return {"seconds": round(time.perf_counter() - started, 1), "reused": False, **counts}


def _wipe(root) -> None:
    from django.db import connection

    from bench.capabilities.projects import wipe_dependents

    wipe_dependents(root)  # projects refer to these rows
    like = [root.path + "%"]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE decisions_ballot SET frozen_at = NULL WHERE path LIKE %s", like)  # unfreeze first
        for table in ("decisions_vote", "decisions_ballotchoice"):
            cursor.execute(f"DELETE FROM {table} t USING decisions_ballot b "  # noqa: S608 -- our tables
                           "WHERE t.ballot_id = b.id AND b.path LIKE %s", like)
        cursor.execute("DELETE FROM decisions_ballot WHERE path LIKE %s", like)
        cursor.execute("DELETE FROM meetings_topic WHERE path LIKE %s AND title LIKE 'bench:%%'", like)


def _communities(root) -> list[tuple[int, str, list[int]]]:
    """(community id, path, [household ids]) for every community, in one pass."""
    from cocreate.orgs.models import Household, Kind, OrgUnit

    communities = dict(OrgUnit.objects.in_subtree(root).of_kind(Kind.COMMUNITY).values_list("path", "id"))
    depth = len(next(iter(communities)))
    households: dict[str, list[int]] = {}
    for pk, path in Household.objects.in_subtree(root).values_list("id", "path").iterator(chunk_size=20_000):
        households.setdefault(path[:depth], []).append(pk)
    return [(pk, path, households.get(path, [])) for path, pk in sorted(communities.items())]


def _build(root, want: int, rng: random.Random) -> dict:
    from django.db import connection, transaction
    from django.utils import timezone

    communities = _communities(root)
    now = timezone.now()
    topics = [(now, now, c, c, path, f"bench: 议题 {i}", "", "voting", 0)
              for i, (c, path, _h) in enumerate(communities)]
    with transaction.atomic(), connection.cursor() as cursor:
        topic_ids = copy_rows(cursor, "meetings_topic", TOPIC_COLUMNS, topics)
        ballots, plan = [], []
        for i in range(want):
            k = i % len(communities)
            community, path, households = communities[k]
            is_open = i % OPEN_EVERY == 0
            opens = now - timedelta(days=rng.randint(1, 300))
            closes = now + timedelta(days=30) if is_open else opens + timedelta(days=7)
            ballots.append((opens, opens, topic_ids[k], community, community, path, f"bench: 表决 {i}", "yes_no", 1,
                            "household", "subtree", "none", 50, opens, closes, "open" if is_open else "published",
                            "" if is_open else secrets.token_hex(32), ""))
            voters = households[: len(households) // 2] if is_open else households
            plan.append((voters, opens))
        ballot_ids = copy_rows(cursor, "decisions_ballot", BALLOT_COLUMNS, ballots)
        copy_only(cursor, "decisions_ballotchoice", ("ballot_id", "key", "label", "order"),
                  ((b, key, label, order) for b in ballot_ids for order, (key, label) in enumerate(CHOICES)))
        votes = copy_only(
            cursor, "decisions_vote", ("ballot_id", "voter_key", "household_id", "channel", "choices", "created_at",
                                       "updated_at", "change_count"),
            ((b, f"h:{h}", h, "online", f'["{rng.choice(CHOICES)[0]}"]', at, at, 0)
             for b, (voters, at) in zip(ballot_ids, plan, strict=True) for h in voters))
        # Freeze the closed ones last: the trigger refuses votes on a frozen ballot.
        cursor.execute("UPDATE decisions_ballot SET frozen_at = closes_at, eligible_count = 0, "
                       "published_at = closes_at WHERE id = ANY(%s) AND status = 'published'", [ballot_ids])
    return {"ballots": len(ballot_ids), "votes": votes}


def fixtures(scale, sessions) -> dict:
    from django.utils.crypto import get_random_string

    from cocreate.decisions.models import Ballot
    from cocreate.orgs.models import Person

    root = _root()
    ballot = Ballot.objects.filter(path__startswith=root.path, status="open").order_by("id")[
        Ballot.objects.filter(path__startswith=root.path, status="open").count() // 2]
    # Residents of the ballot's community who have not voted yet: the first POST casts, the
    # later ones change the vote (an UPDATE under the ballot's row lock).
    voted = set(ballot.votes.values_list("household_id", flat=True))
    heads = (Person.objects.filter(path__startswith=ballot.path, relation=Person.Relation.HEAD)
             .exclude(household_id__in=voted).order_by("id")[: scale.users])
    residents = [sessions.resident_for(person, label=f"bench voter {i}") for i, person in enumerate(heads)]
    csrf = get_random_string(32)
    return {
        "ballot": {"id": ballot.pk, "votes_before": ballot.votes.count()},
        "cookies": [sessions.mint(user, csrf) for user in residents],
        "csrf": csrf,
    }


def scenarios(t: dict) -> list[Scenario]:
    ballot, cookies, csrf = t["ballot"]["id"], t["cookies"], t["csrf"]
    page = f"/me/ballots/{ballot}/"
    form = {"Content-Type": "application/x-www-form-urlencoded", "X-CSRFToken": csrf}
    return [
        Scenario("ballot_page", "Ballot page (resident)", NAME,
                 [Request(page, headers={"Cookie": c}) for c in cookies], expect_text='name="choice"'),
        Scenario("vote_cast", "Cast or change a vote (POST, CSRF, row lock, audit)", NAME,
                 [Request(page, method="POST", headers={"Cookie": c, **form},
                          body=f"choice={('yes', 'no', 'abstain')[i % 3]}".encode())
                  for i, c in enumerate(cookies)],
                 expect_status=302, read=False,
                 note="votes afterwards: SELECT count(*) FROM decisions_vote WHERE ballot_id = the ballot"),
    ]
