"""This app's part of the URL × role matrix (see cocreate/core/url_matrix.py).

Residents see the topics of their own community and the meetings their household is invited
to (the 联户长 account lives in the fixture household, so it sees them too); staff see what
lies in their subtree. POST-only views answer 405 to GET.
"""

from datetime import timedelta
from types import SimpleNamespace

from cocreate.core.url_matrix import (
    IN_GRID,
    MISSING_ID,
    NOBODY,
    OWN_COMMUNITY,
    POST_ONLY,
    VIEW_COMMUNITY,
    VIEW_NEIGHBOUR,
    Case,
    Redirect,
    signed_in_page,
    staff_page,
)

OWN_HOUSEHOLD = OWN_COMMUNITY

MATRIX: dict[str, list[Case]] = {
    # --- resident pages under /me/topics/ and /me/meetings/ ---
    "meetings:topics": [Case("own community's topics", expect=signed_in_page())],
    "meetings:mine": [Case("own meetings", expect=signed_in_page())],
    **{
        name: [
            Case("own community", {"topic_id": "topic"}, OWN_HOUSEHOLD),
            Case("neighbour community", {"topic_id": "neighbour_topic"}, NOBODY),
            Case("missing", {"topic_id": MISSING_ID}, NOBODY),
        ]
        for name in ("meetings:topic", "meetings:option-propose")
    },
    "meetings:post": [Case("POST only", {"topic_id": "topic"}, POST_ONLY)],
    "meetings:report": [Case("POST only", {"post_id": "post"}, POST_ONLY)],
    "meetings:hide": [Case("POST only", {"post_id": "post"}, POST_ONLY)],
    "meetings:second": [Case("POST only", {"option_id": "option"}, POST_ONLY)],
    "meetings:withdraw": [Case("POST only", {"option_id": "option"}, POST_ONLY)],
    **{
        name: [
            Case("invited household", {"meeting_id": "meeting"}, OWN_HOUSEHOLD),
            Case("not invited", {"meeting_id": "neighbour_meeting"}, NOBODY),
            Case("missing", {"meeting_id": MISSING_ID}, NOBODY),
        ]
        for name in ("meetings:meeting", "meetings:ics")
    },
    "meetings:raise-need": [Case("POST only", {"meeting_id": "meeting"}, POST_ONLY)],
    # Whoever holds the code sees the meeting's name; only the invited can check in (POST).
    "meetings:checkin": [
        Case("the meeting's code", {"token": "checkin_token"}, signed_in_page()),
        Case("an unknown code", {"token": "unknown_token"}, NOBODY),
    ],
    # --- staff pages under /staff/meetings/ ---
    "meetings_staff:index": [Case("start", expect={
        **staff_page("link_head", "audit_admin", "security_admin"),
        "grid_worker": Redirect("meetings_staff:list", "grid"),
        "neighbour_grid_worker": Redirect("meetings_staff:list", "neighbour_grid"),
        "cadre": Redirect("meetings_staff:list", "community"),
        "neighbour_cadre": Redirect("meetings_staff:list", "neighbour"),
        "street_official": Redirect("meetings_staff:list", "street"),
        "county_official": Redirect("meetings_staff:list", "county"),
        "platform_admin": Redirect("meetings_staff:list", "county"),
    })],
    **{
        name: [
            Case("community", {"node_id": "community"}, staff_page(*VIEW_COMMUNITY)),
            Case("grid", {"node_id": "grid"}, staff_page(*IN_GRID)),
            Case("neighbour", {"node_id": "neighbour"}, staff_page(*VIEW_NEIGHBOUR)),
            Case("missing", {"node_id": MISSING_ID}, staff_page()),
        ]
        for name in ("meetings_staff:list", "meetings_staff:topics")
    },
    "meetings_staff:create": [
        Case("community", {"node_id": "community"}, staff_page("cadre")),
        Case("grid", {"node_id": "grid"}, staff_page("grid_worker", "cadre")),
        Case("neighbour", {"node_id": "neighbour"}, staff_page("neighbour_cadre")),
        Case("street", {"node_id": "street"}, staff_page()),
    ],
    **{
        name: [
            Case("community", {"node_id": "community"}, staff_page("cadre")),
            Case("neighbour", {"node_id": "neighbour"}, staff_page("neighbour_cadre")),
            Case("missing", {"node_id": MISSING_ID}, staff_page()),
        ]
        for name in ("meetings_staff:topic-create", "meetings_staff:moderation", "meetings_staff:moderators")
    },
    "meetings_staff:moderator-remove": [Case("POST only", {"moderator_id": "moderator"}, staff_page(others=405))],
    **{
        name: [
            Case("grid meeting", {"meeting_id": "meeting"}, staff_page(*IN_GRID)),
            Case("neighbour's meeting", {"meeting_id": "neighbour_meeting"}, staff_page(*VIEW_NEIGHBOUR)),
            Case("missing", {"meeting_id": MISSING_ID}, staff_page()),
        ]
        for name in ("meetings_staff:console", "meetings_staff:ics")
    },
    "meetings_staff:raise-need": [
        Case("grid meeting", {"meeting_id": "meeting"}, staff_page("grid_worker", "cadre")),
        Case("neighbour's meeting", {"meeting_id": "neighbour_meeting"}, staff_page("neighbour_cadre")),
    ],
    **{
        name: [Case("POST only", {"meeting_id": "meeting"}, staff_page(others=405))]
        for name in ("meetings_staff:status", "meetings_staff:host-checkin", "meetings_staff:agenda-add",
                     "meetings_staff:minutes", "meetings_staff:task-add")
    },
    "meetings_staff:tally": [Case("POST only", {"item_id": "agenda_item"}, staff_page(others=405))],
    "meetings_staff:task-done": [Case("POST only", {"task_id": "task"}, staff_page(others=405))],
    "meetings_staff:topic": [
        Case("community topic", {"topic_id": "topic"}, staff_page(*VIEW_COMMUNITY)),
        Case("neighbour's topic", {"topic_id": "neighbour_topic"}, staff_page(*VIEW_NEIGHBOUR)),
        Case("missing", {"topic_id": MISSING_ID}, staff_page()),
    ],
    **{
        name: [Case("POST only", {"topic_id": "topic"}, staff_page(others=405))]
        for name in ("meetings_staff:topic-link", "meetings_staff:topic-status", "meetings_staff:topic-option")
    },
    **{
        name: [Case("POST only", {"post_id": "post"}, staff_page(others=405))]
        for name in ("meetings_staff:post-hide", "meetings_staff:reports-dismiss")
    },
}


def world(objects: dict, users: dict) -> dict:
    """A topic with a post, an option and a moderator in the community, one in the neighbouring
    community, a 屋场会 of the grid with an agenda item and a task, and a neighbour's meeting.
    The check-in tokens are path strings, not pks: they ride in a namespace with a `pk`."""
    from django.utils import timezone

    from cocreate.meetings import services

    cadre, neighbour_cadre = users["cadre"], users["neighbour_cadre"]
    topic = services.topic_create(actor=cadre, node=objects["community"], title="小区路灯改造")
    now = timezone.now()
    window = {"starts_at": now, "ends_at": now + timedelta(hours=2)}
    meeting = services.meeting_schedule(actor=users["grid_worker"], node=objects["grid"], kind="wuchang",
                                        title="1栋屋场会", agenda=[topic], **window)
    return {
        "topic": topic,
        "neighbour_topic": services.topic_create(actor=neighbour_cadre, node=objects["neighbour"], title="停车难"),
        "post": services.post_add(actor=users["resident"], topic=topic, body="同意改造"),
        "option": services.option_propose(actor=users["resident"], topic=topic, title="换LED路灯"),
        "moderator": services.moderator_appoint(actor=cadre, community=objects["community"],
                                                person=objects["resident_person"]),
        "meeting": meeting,
        "agenda_item": meeting.agenda.get(),
        "task": services.task_add(actor=users["grid_worker"], meeting=meeting, title="联系路灯公司",
                                  due_on=timezone.localdate(), owner_name="老李"),
        "neighbour_meeting": services.meeting_schedule(actor=neighbour_cadre, node=objects["neighbour"],
                                                       kind="yishi", title="议事会", **window),
        "checkin_token": SimpleNamespace(pk=meeting.checkin_token),
        "unknown_token": SimpleNamespace(pk="not-a-real-token"),
    }
