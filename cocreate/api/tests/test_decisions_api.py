"""The decisions endpoints: the ballot pages' rules and services, answered in JSON."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cocreate.api.tests.test_needs_api import NewEvents
from cocreate.decisions import services
from cocreate.decisions.models import Ballot, Owner, Vote
from cocreate.decisions.tests import conftest as decisions_fixtures
from cocreate.decisions.tests.conftest import sheet_photo

pytestmark = pytest.mark.django_db
topic, make_ballot = decisions_fixtures.topic, decisions_fixtures.make_ballot  # the decisions tests' fixtures

STAFF = "password+totp"


def _staff(token_for, who="cadre"):
    return token_for(who, STAFF)


def _published(make_ballot, cast, org_tree, title="已公布"):
    """A yes/no ballot the resident's household voted yes on, closed and published."""
    ballot = make_ballot(title=title)
    services.vote_cast(actor=cast["resident"], ballot=ballot, person=org_tree.resident_person, choices=["yes"])
    services.ballot_close(actor=cast["cadre"], ballot=ballot)
    return services.ballot_publish(actor=cast["cadre"], ballot=ballot, note="感谢参与")


def _other_building(org_tree):
    from cocreate.orgs.services import node_create

    return node_create(actor=None, parent=org_tree.grid, level=org_tree.building.level, name="2栋")


def _neighbour_ballot(org_tree):
    from cocreate.meetings.models import Topic

    node = org_tree.neighbour
    on = Topic.objects.create(community=node, node=node, path=node.path, title="楼道照明")
    now = timezone.now()
    ballot = services.ballot_create(actor=None, topic=on, title="邻居的表决", kind="yes_no",
                                    opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=1))
    return services.ballot_open(actor=None, ballot=ballot)


# --- residents -----------------------------------------------------------------------------------

def test_my_ballots_open_first_by_keyset_with_a_fixed_number_of_queries(api, token_for, make_ballot, cast,
                                                                         org_tree):
    first = make_ballot(title="第一个")
    make_ballot(title="草稿", open_now=False)
    make_ballot(title="别的楼", node=_other_building(org_tree))  # not mine to vote on
    second = make_ballot(title="第二个")
    services.vote_cast(actor=cast["resident"], ballot=second, person=org_tree.resident_person, choices=["no"])
    _neighbour_ballot(org_tree)
    token = token_for("resident")
    api.get("me_profile", token=token)  # last_used_at written once a minute: warm it up
    seen, cursor, counts = [], None, []
    while True:
        with CaptureQueriesContext(connection) as queries:
            body = api.get("decisions_ballots", token=token,
                           query={"limit": 1, **({"before": cursor} if cursor else {})}).json()
        counts.append(len(queries))
        seen += body["items"]
        cursor = body["next"]
        if cursor is None:
            break
    assert [b["id"] for b in seen] == [second.pk, first.pk]
    assert seen[0]["voted"] and seen[0]["can_vote"] and not seen[1]["voted"]
    with CaptureQueriesContext(connection) as big:
        assert len(api.get("decisions_ballots", token=token, query={"limit": 100}).json()["items"]) == 2
    # The same queries whatever the page size (a page with nobody to vote for skips my votes).
    assert len(big) == max(counts) and min(counts) >= max(counts) - 1


def test_published_ballots_come_after_the_open_ones(api, token_for, make_ballot, cast, org_tree):
    published = _published(make_ballot, cast, org_tree)
    from cocreate.meetings.models import Topic

    Topic.objects.filter(pk=published.topic_id).update(status="discussion")  # room for another ballot
    still_open = make_ballot(title="进行中")
    items = api.get("decisions_ballots", token=token_for("resident")).json()["items"]
    assert [(b["id"], b["status"]) for b in items] == [(still_open.pk, "open"), (published.pk, "published")]


def test_ballot_detail_has_choices_window_and_my_vote(api, token_for, make_ballot, cast, org_tree):
    ballot = make_ballot("approval", max_choices=2)
    keys = list(ballot.choices.values_list("key", flat=True))
    services.vote_cast(actor=cast["resident"], ballot=ballot, person=org_tree.resident_person, choices=keys[:2])
    body = api.get("decisions_ballot", ballot_id=ballot.pk, token=token_for("resident")).json()
    assert [c["key"] for c in body["choices"]] == keys and body["choices"][0]["cost_fen"] == 3_000_000
    assert body["max_choices"] == 2 and body["can_vote"] and body["voting_as"] == ["1栋101"]
    assert body["my_vote"]["choices"] == keys[:2] and body["my_vote"]["channel"] == "online"
    assert body["closes_at"] > body["opens_at"]


def test_vote_change_then_refused_after_the_close(api, token_for, make_ballot, cast):
    ballot = make_ballot()
    token = token_for("resident")
    with NewEvents() as events:
        cast_vote = api.post("decisions_vote", ballot_id=ballot.pk, token=token, json_body={"choices": ["yes"]})
        changed = api.post("decisions_vote", ballot_id=ballot.pk, token=token, json_body={"choices": ["no"]})
    assert cast_vote.status_code == changed.status_code == 200
    assert changed.json()["my_vote"]["choices"] == ["no"] and changed.json()["my_vote"]["change_count"] == 1
    assert events.actions == ["vote.cast", "vote.changed"]
    services.ballot_close(actor=cast["cadre"], ballot=ballot)
    with NewEvents() as events:
        late = api.post("decisions_vote", ballot_id=ballot.pk, token=token, json_body={"choices": ["yes"]},
                        language="en")
    assert late.status_code == 400
    assert late.json()["code"] == "closed" and late.json()["detail"] == "Voting is closed."
    assert events.actions == [] and Vote.objects.get(ballot=ballot).choices == ["no"]
    assert api.get("decisions_ballot", ballot_id=ballot.pk, token=token).json()["can_vote"] is False


@pytest.mark.parametrize(("kind", "pick", "extra"), [
    ("ranked", lambda keys: [keys[2], keys[0]], {}),
    ("approval", lambda keys: keys[:2], {"max_choices": 2}),
    ("budget", lambda keys: [keys[0], keys[2]], {"budget_limit_fen": 5_000_000}),
    ("single", lambda keys: [keys[1]], {}),
])
def test_each_ballot_type_takes_what_the_page_form_takes(api, token_for, make_ballot, kind, pick, extra):
    ballot = make_ballot(kind, **extra)
    keys = list(ballot.choices.values_list("key", flat=True))
    response = api.post("decisions_vote", ballot_id=ballot.pk, token=token_for("resident"),
                        json_body={"choices": pick(keys)})
    assert response.status_code == 200 and response.json()["my_vote"]["choices"] == pick(keys)


def test_choices_that_do_not_fit_the_ballot_are_refused(api, token_for, make_ballot):
    ballot = make_ballot("budget", budget_limit_fen=5_000_000)
    keys = list(ballot.choices.values_list("key", flat=True))
    over = api.post("decisions_vote", ballot_id=ballot.pk, token=token_for("resident"),
                    json_body={"choices": keys[:2]}, language="en")
    assert over.status_code == 400
    assert over.json()["detail"] == "Choose at least one option, within the cost limit."
    shape = api.post("decisions_vote", ballot_id=ballot.pk, token=token_for("resident"), json_body={"choices": "x"})
    assert shape.status_code == 422 and shape.json()["code"] == "validation_error"
    assert shape.json()["errors"][0]["loc"][-1] == "choices"
    assert not Vote.objects.filter(ballot=ballot).exists()


def test_an_ineligible_voter_is_refused_with_a_clear_message(api, token_for, make_ballot, org_tree):
    ballot = make_ballot(node=_other_building(org_tree))
    token = token_for("resident")
    assert api.get("decisions_ballot", ballot_id=ballot.pk, token=token).json()["can_vote"] is False
    refused = api.post("decisions_vote", ballot_id=ballot.pk, token=token, json_body={"choices": ["yes"]},
                       language="en")
    assert refused.status_code == 400
    assert refused.json()["detail"] == "You are not on the list of voters for this ballot."
    assert not Vote.objects.filter(ballot=ballot).exists()


def test_neighbour_community_and_drafts_answer_404(api, token_for, make_ballot, org_tree):
    token = token_for("resident")
    for ballot in (_neighbour_ballot(org_tree), make_ballot(open_now=False)):
        assert api.get("decisions_ballot", ballot_id=ballot.pk, token=token).status_code == 404
        voted = api.post("decisions_vote", ballot_id=ballot.pk, token=token, json_body={"choices": ["yes"]})
        assert voted.status_code == 404 and voted.json()["code"] == "not_found"
    assert not Vote.objects.exists()


def test_vote_retried_with_the_same_key_counts_once(api, token_for, make_ballot):
    ballot = make_ballot()
    token, key = token_for("resident"), {"Idempotency-Key": "vote-1"}
    with NewEvents() as events:
        first = api.post("decisions_vote", ballot_id=ballot.pk, token=token, json_body={"choices": ["yes"]},
                         headers=key)
        again = api.post("decisions_vote", ballot_id=ballot.pk, token=token, json_body={"choices": ["yes"]},
                         headers=key)
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert events.actions == ["vote.cast"]


def test_the_published_result_is_public_and_has_no_voter(api, make_ballot, cast, org_tree):
    ballot = _published(make_ballot, cast, org_tree)
    response = api.get("decisions_result", ballot_id=ballot.pk)  # no token, no session
    assert response.status_code == 200
    body = response.json()
    assert (body["eligible"], body["voted"], body["winners"]) == (1, 1, ["yes"])
    assert body["turnout_percent"] == 100.0 and body["public_note"] == "感谢参与"
    assert {c["key"]: c["count"] for c in body["choices"]} == {"yes": 1, "no": 0, "abstain": 0}
    assert "1栋101" not in response.content.decode() and "张" not in response.content.decode()
    assert body["fingerprint"] == ballot.ballots_hash


def test_an_unpublished_result_is_not_found(api, make_ballot):
    assert api.get("decisions_result", ballot_id=make_ballot().pk).status_code == 404


# --- staff -----------------------------------------------------------------------------------------

def test_a_resident_gets_403_on_staff_endpoints(api, token_for, make_ballot, topic, org_tree):
    ballot, token = make_ballot(), token_for("resident")
    assert api.get("decisions_staff_ballots", node_id=org_tree.community.pk, token=token).status_code == 403
    assert api.get("decisions_staff_ballot", ballot_id=ballot.pk, token=token).status_code == 403
    for name, kwargs in [("decisions_staff_ballot_close", {"ballot_id": ballot.pk}),
                         ("decisions_staff_procedure_start", {"topic_id": topic.pk})]:
        response = api.post(name, token=token, json_body={"kind": "majority"}, **kwargs)
        assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert Ballot.objects.get(pk=ballot.pk).status == "open"


def test_staff_list_by_keyset_with_a_fixed_number_of_queries(api, token_for, make_ballot, org_tree):
    made = [make_ballot(title=f"表决{i}") for i in range(5)]
    _neighbour_ballot(org_tree)
    token = _staff(token_for)
    api.get("me_profile", token=token)
    api.get("decisions_staff_ballots", node_id=org_tree.community.pk, token=token)  # warm: the node is cached
    seen, cursor, counts = [], None, []
    while True:
        with CaptureQueriesContext(connection) as queries:
            body = api.get("decisions_staff_ballots", node_id=org_tree.community.pk, token=token,
                           query={"limit": 2, **({"before": cursor} if cursor else {})}).json()
        counts.append(len(queries))
        seen += [b["id"] for b in body["items"]]
        cursor = body["next"]
        if cursor is None:
            break
    assert seen == [b.pk for b in reversed(made)]
    assert len(set(counts)) == 1
    neighbour = api.get("decisions_staff_ballots", node_id=org_tree.neighbour.pk, token=token)
    assert neighbour.status_code == 404


def test_create_open_close_publish_with_audit_events(api, token_for, topic, cast, org_tree):
    token = _staff(token_for)
    now = timezone.now()
    options = list(topic.options.values_list("pk", flat=True))
    with NewEvents() as events:
        created = api.post("decisions_staff_ballot_create", topic_id=topic.pk, token=token, json_body={
            "title": "停车位方案", "kind": "approval", "options": options[:2], "max_choices": 1,
            "opens_at": (now - timedelta(minutes=5)).isoformat(), "closes_at": (now + timedelta(days=3)).isoformat()})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "draft" and len(body["choices"]) == 2 and body["node"]["id"] == org_tree.community.pk
    assert events.actions == ["ballot.created"]
    ballot_id = body["id"]
    with NewEvents() as events:
        opened = api.post("decisions_staff_ballot_open", ballot_id=ballot_id, token=token)
    assert opened.json()["status"] == "open" and events.actions[0] == "ballot.opened"
    services.vote_cast(actor=cast["resident"], ballot=Ballot.objects.get(pk=ballot_id), person=org_tree.resident_person,
                       choices=[body["choices"][0]["key"]])
    with NewEvents() as events:
        closed = api.post("decisions_staff_ballot_close", ballot_id=ballot_id, token=token)
    assert closed.json()["status"] == "closed" and closed.json()["frozen_at"] and events.actions == ["ballot.closed"]
    with NewEvents() as events:
        published = api.post("decisions_staff_ballot_publish", ballot_id=ballot_id, token=token,
                             json_body={"note": "公示七天"})
    assert published.status_code == 200 and published.json()["status"] == "published"
    assert events.actions[0] == "ballot.published"
    assert published.json()["result"]["winners"] == [body["choices"][0]["key"]]
    again = api.post("decisions_staff_ballot_close", ballot_id=ballot_id, token=token)
    assert again.status_code == 400 and again.json()["code"] == "invalid_transition"


def test_ballot_create_errors_have_the_error_shape(api, token_for, topic):
    token, now = _staff(token_for), timezone.now()
    window = {"opens_at": now.isoformat(), "closes_at": (now + timedelta(days=1)).isoformat()}
    bad_option = api.post("decisions_staff_ballot_create", topic_id=topic.pk, token=token,
                          json_body={"title": "表决", "kind": "single", "options": [987_654], **window})
    assert bad_option.status_code == 400
    assert set(bad_option.json()) >= {"detail", "code", "request_id", "fields"} and "options" in bad_option.json()[
        "fields"]
    rule = api.post("decisions_staff_ballot_create", topic_id=topic.pk, token=token, language="en",
                    json_body={"title": "表决", "kind": "single", "options": list(
                        topic.options.values_list("pk", flat=True)), "rule": "majority", **window})
    assert rule.status_code == 400 and rule.json()["detail"] == "Thresholds apply to yes / no / abstain ballots."
    schema = api.post("decisions_staff_ballot_create", topic_id=topic.pk, token=token,
                      json_body={"title": "表决", "kind": "lottery", **window})
    assert schema.status_code == 422 and schema.json()["code"] == "validation_error"
    assert not Ballot.objects.exists()


def test_neighbour_cadre_gets_404(api, token_for, make_ballot, topic):
    ballot, token = make_ballot(), _staff(token_for, "neighbour_cadre")
    assert api.get("decisions_staff_ballot", ballot_id=ballot.pk, token=token).status_code == 404
    assert api.post("decisions_staff_ballot_close", ballot_id=ballot.pk, token=token).status_code == 404
    assert api.post("decisions_staff_procedure_start", topic_id=topic.pk, token=token,
                    json_body={"kind": "majority"}).status_code == 404
    assert Ballot.objects.get(pk=ballot.pk).status == "open"


def test_notice_pdf_of_a_published_ballot(api, token_for, make_ballot, cast, org_tree):
    ballot = _published(make_ballot, cast, org_tree)
    response = api.get("decisions_staff_notice_pdf", ballot_id=ballot.pk, token=_staff(token_for))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_owners_roll_lines_for_an_owners_ballot(api, token_for, make_ballot, org_tree):
    ballot = make_ballot(eligibility="owners", node=org_tree.building, open_now=False)
    token = _staff(token_for)
    with NewEvents() as events:
        response = api.post("decisions_staff_owners", ballot_id=ballot.pk, token=token,
                            json_body={"lines": "1栋101, 张小明, 88.5\n1栋102，李四，70"})
    assert response.status_code == 200, response.content
    assert response.json() == {"created": 2, "updated": 0, "owners": 2, "area_m2": "158.50"}
    assert events.actions == ["owners.imported"]
    assert Owner.objects.get(unit="1栋101").person == org_tree.resident_person  # may vote online now
    bad = api.post("decisions_staff_owners", ballot_id=ballot.pk, token=token, json_body={"lines": "1栋103"},
                   language="en")
    assert bad.status_code == 400 and bad.json()["detail"].startswith("Line 1:")
    other = api.post("decisions_staff_owners", ballot_id=make_ballot().pk, token=token, json_body={"lines": "x"})
    assert other.status_code == 400 and other.json()["code"] == "not_owners_ballot"


def _paper(client, ballot, token, **fields):
    return client.post(reverse("api:decisions_staff_paper", args=[ballot.pk]), fields,
                       headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"})


def test_paper_tally_with_roster_counts_signatories_and_photo(client, api, token_for, make_ballot, org_tree):
    ballot = make_ballot()
    token = _staff(token_for)
    roster = api.get("decisions_staff_roster", ballot_id=ballot.pk, token=token).json()
    assert roster["roster"] == [{"key": f"h:{org_tree.household.pk}", "label": "1栋101"}]
    held = timezone.localtime().strftime("%Y-%m-%dT%H:%M:%S")
    fields = {"method": "hands", "held_at": held, "invalid": 0, "voters": [roster["roster"][0]["key"]],
              "count_yes": 1, "count_no": 0, "count_abstain": 0, "signatory_one": "王会计", "signatory_two": "刘监委"}
    no_photo = _paper(client, ballot, token, **fields)
    assert no_photo.status_code == 400 and "sheet_photo" in no_photo.json()["fields"]
    with NewEvents() as events:
        done = _paper(client, ballot, token, **fields, sheet_photo=sheet_photo())
    assert done.status_code == 201, done.content
    assert events.actions == ["ballot.paper_tally"]
    tally = done.json()["tallies"][0]
    assert tally["counts"] == {"yes": 1} and tally["signatory_two"] == "刘监委"
    assert done.json()["result"]["offline"] == 1
    twice = _paper(client, ballot, token, **fields, sheet_photo=sheet_photo())
    assert twice.status_code == 400 and "voters" in twice.json()["fields"]  # no longer on the roster


def test_procedure_start_read_and_stages_in_order(api, token_for, topic):
    token = _staff(token_for)
    with NewEvents() as events:
        started = api.post("decisions_staff_procedure_start", topic_id=topic.pk, token=token,
                           json_body={"kind": "four_deliberations"})
    assert started.status_code == 201 and events.actions == ["procedure.started"]
    procedure_id = started.json()["id"]
    read = api.get("decisions_staff_procedure", procedure_id=procedure_id, token=token).json()
    assert read["upcoming"]["stage"] == "party_proposal" and len(read["all_stages"]) == 6
    assert "expected" not in read["upcoming"]["fields"] and "minutes_ref" in read["upcoming"]["fields"]
    skipped = api.post("decisions_staff_stage", procedure_id=procedure_id, token=token, language="en",
                       json_body={"stage": "committees", "held_on": "2025-03-01", "body": "两委",
                                  "minutes_ref": "会议记录第3号"})
    assert skipped.status_code == 400 and skipped.json()["detail"].startswith("Stages cannot be skipped")
    with NewEvents() as events:
        recorded = api.post("decisions_staff_stage", procedure_id=procedure_id, token=token,
                            json_body={"held_on": "2025-03-01", "body": "党支部", "minutes_ref": "支部记录2025-03"})
    assert recorded.status_code == 201 and events.actions == ["procedure.stage"]
    assert recorded.json()["stages"][0]["stage"] == "party_proposal"
    assert recorded.json()["upcoming"]["stage"] == "committees"
    no_evidence = api.post("decisions_staff_stage", procedure_id=procedure_id, token=token,
                           json_body={"held_on": "2025-03-02", "body": "两委"})
    assert no_evidence.status_code == 400
    twice = api.post("decisions_staff_procedure_start", topic_id=topic.pk, token=token, json_body={"kind": "majority"})
    assert twice.status_code == 409
