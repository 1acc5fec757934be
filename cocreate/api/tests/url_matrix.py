"""The API's part of the URL × role matrix (see cocreate/core/url_matrix.py). The matrix
signs in with a session (staff with the second factor), which the API accepts like a token.

The API answers 401 where a page would redirect to the login page, and 405 for GET on a
POST-only endpoint whoever asks (the method is checked before the caller). A POST that
shares its URL with a GET (POST /needs) answers the GET here."""

from cocreate.core.url_matrix import (
    LOGIN,
    MISSING_ID,
    RESIDENT,
    ROLES,
    VIEW_COMMUNITY,
    VIEW_NEIGHBOUR,
    Case,
    api_signed_in,
    api_staff,
    everyone,
)

OWN_COMMUNITY = api_signed_in(404, **{RESIDENT: 200, "link_head": 200})  # the 联户长 lives in the household
NOBODY = api_signed_in(404)

MATRIX: dict[str, list[Case]] = {
    # The OpenAPI document and the docs page: signed-in people only (ASVS 13.4.5).
    **{name: [Case("signed in", expect={**dict.fromkeys(ROLES, 200), "anonymous": LOGIN})]
       for name in ("api:openapi-json", "api:openapi-view")},
    "api:api-root": [Case("no page", expect=everyone(404))],
    **{name: [Case("POST only", expect=everyone(405))]
       for name in ("api:auth_sms_code", "api:auth_token", "api:auth_staff_token", "api:auth_revoke",
                    "api:me_preferences", "api:me_messages_read")},
    **{name: [Case("own account", expect=api_signed_in())]
       for name in ("api:me_profile", "api:me_messages", "api:needs_categories", "api:needs_similar")},
    "api:needs_index": [Case("own community", expect=api_signed_in())],
    "api:needs_create": [Case("GET lists (same URL)", expect=api_signed_in())],
    "api:needs_detail": [
        Case("own community", {"need_id": "need"}, OWN_COMMUNITY),
        Case("neighbour community", {"need_id": "neighbour_need"}, NOBODY),
        Case("missing", {"need_id": MISSING_ID}, NOBODY),
    ],
    "api:needs_photo": [
        Case("own community", {"need_id": "need", "photo_id": "photo"}, OWN_COMMUNITY),
        Case("photo of another need", {"need_id": "neighbour_need", "photo_id": "photo"}, NOBODY),
    ],
    "api:needs_staff_index": [
        Case("community", {"node_id": "community"}, api_staff(*VIEW_COMMUNITY)),
        Case("grid", {"node_id": "grid"}, api_staff("grid_worker", *VIEW_COMMUNITY)),
        Case("neighbour", {"node_id": "neighbour"}, api_staff(*VIEW_NEIGHBOUR)),
        Case("missing", {"node_id": MISSING_ID}, api_staff()),
    ],
    "api:needs_staff_detail": [
        Case("in the grid", {"need_id": "need"}, api_staff("grid_worker", *VIEW_COMMUNITY)),
        Case("neighbour's", {"need_id": "neighbour_need"}, api_staff("neighbour_grid_worker", *VIEW_NEIGHBOUR)),
        Case("missing", {"need_id": MISSING_ID}, api_staff()),
    ],
    **{name: [Case("POST only", {"need_id": "need"}, everyone(405))]
       for name in ("api:needs_support", "api:needs_triage", "api:needs_merge", "api:needs_consent_code",
                    "api:needs_consent")},
    "api:needs_record": [Case("POST only", {"household_id": "household"}, everyone(405))],
    # --- meetings: the objects come from the meetings app's world (cocreate/meetings/tests/url_matrix.py) ---
    **{name: [Case("own account", expect=api_signed_in())]
       for name in ("api:meetings_topics", "api:meetings_meetings")},
    "api:meetings_topic": [
        Case("own community", {"topic_id": "topic"}, OWN_COMMUNITY),
        Case("neighbour community", {"topic_id": "neighbour_topic"}, NOBODY),
        Case("missing", {"topic_id": MISSING_ID}, NOBODY),
    ],
    **{name: [
        Case("invited household", {"meeting_id": "meeting"}, OWN_COMMUNITY),
        Case("not invited", {"meeting_id": "neighbour_meeting"}, NOBODY),
        Case("missing", {"meeting_id": MISSING_ID}, NOBODY),
    ] for name in ("api:meetings_meeting", "api:meetings_meeting_ics")},
    **{name: [
        Case("community", {"node_id": "community"}, api_staff(*VIEW_COMMUNITY)),
        Case("grid", {"node_id": "grid"}, api_staff("grid_worker", *VIEW_COMMUNITY)),
        Case("neighbour", {"node_id": "neighbour"}, api_staff(*VIEW_NEIGHBOUR)),
        Case("missing", {"node_id": MISSING_ID}, api_staff()),
    ] for name in ("api:meetings_staff_topics", "api:meetings_staff_topic_create",  # GET lists (same URL)
                   "api:meetings_staff_meetings", "api:meetings_staff_meeting_create")},
    "api:meetings_staff_topic": [
        Case("community topic", {"topic_id": "topic"}, api_staff(*VIEW_COMMUNITY)),
        Case("neighbour's topic", {"topic_id": "neighbour_topic"}, api_staff(*VIEW_NEIGHBOUR)),
        Case("missing", {"topic_id": MISSING_ID}, api_staff()),
    ],
    "api:meetings_staff_meeting": [
        Case("grid meeting", {"meeting_id": "meeting"}, api_staff("grid_worker", *VIEW_COMMUNITY)),
        Case("neighbour's meeting", {"meeting_id": "neighbour_meeting"}, api_staff(*VIEW_NEIGHBOUR)),
        Case("missing", {"meeting_id": MISSING_ID}, api_staff()),
    ],
    "api:meetings_staff_checkin_candidates": [  # whoever runs the meeting
        Case("grid meeting", {"meeting_id": "meeting"}, api_staff("grid_worker", "cadre")),
        Case("neighbour's meeting", {"meeting_id": "neighbour_meeting"}, api_staff("neighbour_cadre")),
    ],
    "api:meetings_checkin": [Case("POST only", expect=everyone(405))],
    **{name: [Case("POST only", {"topic_id": "topic"}, everyone(405))]
       for name in ("api:meetings_post_add", "api:meetings_option_propose", "api:meetings_staff_topic_link")},
    **{name: [Case("POST only", {"post_id": "post"}, everyone(405))]
       for name in ("api:meetings_post_report", "api:meetings_staff_post_hide")},
    **{name: [Case("POST only", {"option_id": "option"}, everyone(405))]
       for name in ("api:meetings_option_second", "api:meetings_option_withdraw")},
    **{name: [Case("POST only", {"meeting_id": "meeting"}, everyone(405))]
       for name in ("api:meetings_meeting_need", "api:meetings_staff_meeting_status", "api:meetings_staff_checkin",
                    "api:meetings_staff_minutes", "api:meetings_staff_task_add")},
    "api:meetings_staff_tally": [Case("POST only", {"item_id": "agenda_item"}, everyone(405))],
    "api:meetings_staff_task_done": [Case("POST only", {"task_id": "task"}, everyone(405))],
    # --- decisions: the objects come from the decisions app's world (cocreate/decisions/tests/url_matrix.py) ---
    "api:decisions_ballots": [Case("own account", expect=api_signed_in())],
    "api:decisions_ballot": [
        Case("own community, open", {"ballot_id": "open_ballot"}, OWN_COMMUNITY),
        Case("own community, published", {"ballot_id": "published_ballot"}, OWN_COMMUNITY),
        Case("own community, draft", {"ballot_id": "draft_ballot"}, NOBODY),
        Case("neighbour community", {"ballot_id": "neighbour_ballot"}, NOBODY),
        Case("missing", {"ballot_id": MISSING_ID}, NOBODY),
    ],
    "api:decisions_result": [  # public, like the page the notice's QR code opens
        Case("published", {"ballot_id": "published_ballot"}, everyone(200)),
        Case("still open", {"ballot_id": "open_ballot"}, everyone(404)),
        Case("missing", {"ballot_id": MISSING_ID}, everyone(404)),
    ],
    "api:decisions_staff_ballots": [
        Case("community", {"node_id": "community"}, api_staff(*VIEW_COMMUNITY)),
        Case("grid", {"node_id": "grid"}, api_staff("grid_worker", *VIEW_COMMUNITY)),
        Case("neighbour", {"node_id": "neighbour"}, api_staff(*VIEW_NEIGHBOUR)),
        Case("missing", {"node_id": MISSING_ID}, api_staff()),
    ],
    "api:decisions_staff_ballot": [
        Case("community", {"ballot_id": "open_ballot"}, api_staff(*VIEW_COMMUNITY)),
        Case("neighbour", {"ballot_id": "neighbour_ballot"}, api_staff(*VIEW_NEIGHBOUR)),
        Case("missing", {"ballot_id": MISSING_ID}, api_staff()),
    ],
    "api:decisions_staff_roster": [  # decisions.manage, as the paper entry page
        Case("community", {"ballot_id": "open_ballot"}, api_staff("cadre")),
        Case("neighbour", {"ballot_id": "neighbour_ballot"}, api_staff("neighbour_cadre")),
    ],
    "api:decisions_staff_notice_pdf": [
        Case("published", {"ballot_id": "published_ballot"}, api_staff(*VIEW_COMMUNITY)),
        Case("not published", {"ballot_id": "open_ballot"}, api_staff()),
    ],
    "api:decisions_staff_procedure": [
        Case("community", {"procedure_id": "procedure"}, api_staff(*VIEW_COMMUNITY)),
        Case("missing", {"procedure_id": MISSING_ID}, api_staff()),
    ],
    "api:decisions_vote": [Case("POST only", {"ballot_id": "open_ballot"}, everyone(405))],
    **{name: [Case("POST only", {"topic_id": "ballot_topic"}, everyone(405))]
       for name in ("api:decisions_staff_ballot_create", "api:decisions_staff_procedure_start")},
    **{name: [Case("POST only", {"ballot_id": "open_ballot"}, everyone(405))]
       for name in ("api:decisions_staff_ballot_open", "api:decisions_staff_ballot_close",
                    "api:decisions_staff_ballot_publish", "api:decisions_staff_owners", "api:decisions_staff_paper")},
    "api:decisions_staff_stage": [Case("POST only", {"procedure_id": "procedure"}, everyone(405))],
}


def world(objects: dict, users: dict) -> dict:
    """The cases use the needs objects the shared world already has (need, photo, neighbour_need)
    and the meetings app's (topic, post, option, meeting, agenda_item, task …)."""
    return {}
