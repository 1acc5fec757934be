"""Decisions pages: voting and changing a vote on the phone page, the public result, the staff
flow (open, paper entry with attestation, close, publish, PDF notice), fixed query counts."""

import pytest
from django.urls import reverse
from django.utils import timezone

from cocreate.decisions import services
from cocreate.decisions.models import Ballot, PaperTally, Vote

from .conftest import sheet_photo

pytestmark = pytest.mark.django_db


def test_resident_votes_changes_and_sees_the_current_choice(client, signed_in, cast, make_ballot):
    ballot = make_ballot("single")
    first, second = (c.key for c in ballot.choices.all()[:2])
    signed_in(cast["resident"])
    url = reverse("decisions:ballot", args=[ballot.pk])
    assert client.get(url + "?recorded=1").content.decode().count("Your vote is recorded") == 0  # nothing cast yet
    assert client.post(url, {"choice": first}).status_code == 302
    response = client.post(url, {"choice": second})
    assert response.status_code == 302 and response["Location"] == url + "?recorded=1"
    thanked = client.get(response["Location"]).content.decode()
    assert "Your vote is recorded" in thanked and 'role="status"' in thanked
    page = client.get(url).content.decode()
    assert 'id="my-choice"' in page and f'value="{second}" checked' in page
    assert "Your vote is recorded" not in page
    assert Vote.objects.get().choices == [second]
    response = client.post(url, {"choice": [first, second]})
    assert response.status_code == 400
    services.ballot_close(actor=cast["cadre"], ballot=ballot)
    assert client.post(url, {"choice": first}).status_code == 400
    assert Vote.objects.get().choices == [second]


def test_a_vote_leaves_the_session_unwritten(client, signed_in, cast, make_ballot):
    """The thanks after a vote comes from the page, not a flash message kept in the session
    (which would write the session row on the vote and again on the page that shows it)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ballot = make_ballot("single")
    signed_in(cast["resident"])
    url = reverse("decisions:ballot", args=[ballot.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, {"choice": ballot.choices.first().key})
        assert "Your vote is recorded" in client.get(response["Location"]).content.decode()
    writes = [q["sql"] for q in queries if "django_session" in q["sql"] and not q["sql"].startswith("SELECT")]
    assert writes == []


def test_resident_ranks_options(client, signed_in, cast, make_ballot):
    ballot = make_ballot("ranked")
    a, b, c = (ch.key for ch in ballot.choices.all())
    signed_in(cast["resident"])
    url = reverse("decisions:ballot", args=[ballot.pk])
    assert client.post(url, {f"rank_{a}": "2", f"rank_{b}": "1", f"rank_{c}": ""}).status_code == 302
    assert Vote.objects.get().choices == [b, a]
    assert client.post(url, {f"rank_{a}": "1", f"rank_{b}": "1"}).status_code == 400


def test_staff_flow_paper_entry_publish_and_pdf(client, signed_in, cast, residents, make_ballot):
    ballot = make_ballot("yes_no")
    signed_in(cast["cadre"])
    paper = reverse("decisions_staff:paper", args=[ballot.pk])
    page = client.get(paper).content.decode()
    assert f'value="h:{residents[0].household_id}"' in page
    held = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    form = {"method": "hands", "held_at": held, "invalid": "0", "voters": [f"h:{residents[0].household_id}",
            f"h:{residents[1].household_id}"], "count_yes": "2", "count_no": "0", "count_abstain": "0",
            "signatory_one": "王会计", "signatory_two": "刘监委"}
    assert client.post(paper, {**form, "count_yes": "1", "sheet_photo": sheet_photo()}).status_code == 400
    assert client.post(paper, {**form, "sheet_photo": sheet_photo()}).status_code == 302
    assert PaperTally.objects.get().voter_count == 2
    assert client.post(reverse("decisions_staff:close", args=[ballot.pk])).status_code == 302
    response = client.post(reverse("decisions_staff:publish", args=[ballot.pk]), {"note": "谢谢"})
    assert response.status_code == 302
    ballot.refresh_from_db()
    assert ballot.status == Ballot.Status.PUBLISHED
    notice = client.get(reverse("decisions_staff:notice", args=[ballot.pk]))
    assert notice["Content-Type"] == "application/pdf" and notice.content.startswith(b"%PDF")
    client.logout()
    public = client.get(reverse("decisions:result", args=[ballot.pk])).content.decode()
    assert 'id="result-chart-data"' in public and "居民2" not in public and "王会计" not in public


def test_staff_create_ballot_from_the_form(client, signed_in, cast, topic):
    signed_in(cast["cadre"])
    now = timezone.localtime()
    response = client.post(reverse("decisions_staff:ballot-create", args=[topic.pk]), {
        "title": "停车位方案", "kind": "approval", "options": [o.pk for o in topic.options.all()],
        "max_choices": "2", "voter_unit": "household", "eligibility": "subtree", "node": topic.node_id,
        "rule": "none", "quorum_percent": "50", "opens_at": now.strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (now + timezone.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 302
    assert Ballot.objects.get().max_choices == 2


def test_owners_roll_page(client, signed_in, cast, org_tree):
    signed_in(cast["cadre"])
    url = reverse("decisions_staff:owners", args=[org_tree.building.pk])
    assert client.post(url, {"lines": "1栋101, 张小明, 89.5\n1栋102，李四，120"}).status_code == 302
    page = client.get(url).content.decode()
    assert "209.50" in page
    assert client.post(url, {"lines": "坏行"}).status_code == 400


def test_ballot_list_uses_a_fixed_number_of_queries(client, signed_in, cast, org_tree, make_ballot,
                                                    django_assert_max_num_queries):
    signed_in(cast["cadre"])
    url = reverse("decisions_staff:list", args=[org_tree.community.pk])
    make_ballot("yes_no")
    client.get(url)
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    for _n in range(5):
        make_ballot("yes_no")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)
