"""This app's part of the URL × role matrix (see cocreate/core/url_matrix.py).

Residents see the ballots of their own community (the 联户长 account lives in the fixture
household, so it does too); a published result is public — the QR code on the printed notice
opens it without a login. Staff read ballots and procedures in their subtree (decisions.view);
only the community's cadres manage them (decisions.manage). POST-only views answer 405 to GET.
"""

import io
from datetime import timedelta

from cocreate.core.url_matrix import (
    IN_GRID,
    MISSING_ID,
    NOBODY,
    OWN_COMMUNITY,
    VIEW_COMMUNITY,
    VIEW_NEIGHBOUR,
    Case,
    Redirect,
    everyone,
    signed_in_page,
    staff_page,
)

MATRIX: dict[str, list[Case]] = {
    # --- resident pages under /me/ballots/ ---
    "decisions:list": [Case("own community's ballots", expect=signed_in_page())],
    "decisions:ballot": [
        Case("own community, open", {"ballot_id": "open_ballot"}, OWN_COMMUNITY),
        Case("own community, published", {"ballot_id": "published_ballot"}, OWN_COMMUNITY),
        Case("own community, draft", {"ballot_id": "draft_ballot"}, NOBODY),
        Case("neighbour community", {"ballot_id": "neighbour_ballot"}, NOBODY),
        Case("missing", {"ballot_id": MISSING_ID}, NOBODY),
    ],
    "decisions:result": [
        Case("published: public", {"ballot_id": "published_ballot"}, everyone(200)),
        Case("still open", {"ballot_id": "open_ballot"}, everyone(404)),
        Case("missing", {"ballot_id": MISSING_ID}, everyone(404)),
    ],
    # --- staff pages under /staff/decisions/ ---
    "decisions_staff:index": [Case("start", expect={
        **staff_page("link_head", "audit_admin", "security_admin"),
        "grid_worker": Redirect("decisions_staff:list", "grid"),
        "neighbour_grid_worker": Redirect("decisions_staff:list", "neighbour_grid"),
        "cadre": Redirect("decisions_staff:list", "community"),
        "neighbour_cadre": Redirect("decisions_staff:list", "neighbour"),
        "street_official": Redirect("decisions_staff:list", "street"),
        "county_official": Redirect("decisions_staff:list", "county"),
        "platform_admin": Redirect("decisions_staff:list", "county"),
    })],
    **{
        name: [
            Case("community", {"node_id": "community"}, staff_page(*VIEW_COMMUNITY)),
            Case("grid", {"node_id": "grid"}, staff_page(*IN_GRID)),
            Case("neighbour", {"node_id": "neighbour"}, staff_page(*VIEW_NEIGHBOUR)),
            Case("missing", {"node_id": MISSING_ID}, staff_page()),
        ]
        for name in ("decisions_staff:list", "decisions_staff:owners")
    },
    **{
        name: [
            Case("own community's topic", {"topic_id": "ballot_topic"}, staff_page("cadre")),
            Case("neighbour's topic", {"topic_id": "neighbour_ballot_topic"}, staff_page("neighbour_cadre")),
            Case("missing", {"topic_id": MISSING_ID}, staff_page()),
        ]
        for name in ("decisions_staff:ballot-create", "decisions_staff:procedure-start")
    },
    "decisions_staff:ballot": [
        Case("community", {"ballot_id": "open_ballot"}, staff_page(*VIEW_COMMUNITY)),
        Case("neighbour", {"ballot_id": "neighbour_ballot"}, staff_page(*VIEW_NEIGHBOUR)),
        Case("missing", {"ballot_id": MISSING_ID}, staff_page()),
    ],
    "decisions_staff:open": [Case("POST only", {"ballot_id": "draft_ballot"}, staff_page(others=405))],
    "decisions_staff:close": [Case("POST only", {"ballot_id": "open_ballot"}, staff_page(others=405))],
    "decisions_staff:publish": [
        Case("community", {"ballot_id": "open_ballot"}, staff_page("cadre")),
        Case("neighbour", {"ballot_id": "neighbour_ballot"}, staff_page("neighbour_cadre")),
    ],
    "decisions_staff:paper": [
        Case("community", {"ballot_id": "open_ballot"}, staff_page("cadre")),
        Case("neighbour", {"ballot_id": "neighbour_ballot"}, staff_page("neighbour_cadre")),
    ],
    "decisions_staff:notice": [
        Case("published", {"ballot_id": "published_ballot"}, staff_page(*VIEW_COMMUNITY)),
        Case("not published", {"ballot_id": "open_ballot"}, staff_page()),
    ],
    "decisions_staff:sheet": [
        Case("own ballot's sheet", {"ballot_id": "published_ballot", "tally_id": "tally"},
             staff_page(*VIEW_COMMUNITY)),
        Case("sheet of another ballot", {"ballot_id": "open_ballot", "tally_id": "tally"}, staff_page()),
    ],
    "decisions_staff:procedure": [
        Case("community", {"procedure_id": "procedure"}, staff_page(*VIEW_COMMUNITY)),
        Case("missing", {"procedure_id": MISSING_ID}, staff_page()),
    ],
    "decisions_staff:evidence": [
        Case("with a photo", {"procedure_id": "procedure", "stage_id": "stage"}, staff_page(*VIEW_COMMUNITY)),
        Case("missing stage", {"procedure_id": "procedure", "stage_id": MISSING_ID}, staff_page()),
    ],
}


def _jpeg():
    from django.core.files.base import ContentFile
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(out, "JPEG")
    return ContentFile(out.getvalue(), name="sheet.jpg")


def _topic(node, title):
    from cocreate.meetings.models import Option, Topic

    topic = Topic.objects.create(community=node, node=node, path=node.path, title=title)
    for name, cost in [("方案一", 100_000), ("方案二", 200_000)]:
        Option.objects.create(topic=topic, title=name, cost_fen=cost)
    return topic


def world(objects: dict, users: dict) -> dict:
    """Topics in both communities; a draft, an open and a published ballot (with a paper tally)
    in the community, an open one in the neighbour; a 四议两公开 procedure with an evidence photo."""
    import datetime

    from django.utils import timezone

    from cocreate.decisions import services

    now = timezone.now()
    topic, neighbour_topic = _topic(objects["community"], "停车位改造"), _topic(objects["neighbour"], "楼道照明")

    def ballot(on, title, *, open_it=True):
        made = services.ballot_create(actor=None, topic=on, title=title, kind="yes_no",
                                      opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=2))
        return services.ballot_open(actor=None, ballot=made) if open_it else made

    draft, open_ballot = ballot(topic, "草稿表决", open_it=False), ballot(topic, "进行中的表决")
    published = ballot(topic, "已公布的表决")  # publishing decides the topic: the other ballots come first
    tally = services.paper_tally_record(
        actor=None, ballot=published, method="hands", held_at=now - timedelta(minutes=5), counts={"yes": 1},
        voter_keys=[f"h:{objects['household'].pk}"], sheet_photo=_jpeg(), signatory_one="王会计",
        signatory_two="刘监委")
    services.ballot_close(actor=None, ballot=published)
    services.ballot_publish(actor=None, ballot=published)
    procedure = services.procedure_start(actor=None, topic=topic, kind="four_deliberations")
    stage = services.procedure_record_stage(actor=None, procedure=procedure, stage="party_proposal",
                                            held_on=datetime.date(2025, 3, 1), body="党支部", evidence=_jpeg())
    return {
        "ballot_topic": topic, "neighbour_ballot_topic": neighbour_topic,
        "draft_ballot": draft, "open_ballot": open_ballot,
        "published_ballot": published, "tally": tally, "neighbour_ballot": ballot(neighbour_topic, "邻居的表决"),
        "procedure": procedure, "stage": stage,
    }
