"""The needs endpoints: the pages' rules and services, answered in JSON."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cocreate.audit.models import AuditEvent
from cocreate.needs.models import Need, Support
from cocreate.orgs.models import Role, RoleGrant

pytestmark = pytest.mark.django_db


class NewEvents:
    """The audit events written inside the block."""

    def __enter__(self):
        self.start = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
        return self

    def __exit__(self, *exc):
        events = AuditEvent.objects.filter(id__gt=self.start).order_by("id")
        self.actions = list(events.values_list("action", flat=True))


# --- residents -----------------------------------------------------------------------------

def test_categories(api, token_for, category):
    response = api.get("needs_categories", token=token_for("resident"), language="en")
    assert response.status_code == 200
    assert {"code": "lighting", "name": "Street lighting"}.items() <= response.json()[0].items()


def test_my_community_needs_newest_first_with_my_flags(api, token_for, needs):
    body = api.get("needs_index", token=token_for("resident")).json()
    assert [n["id"] for n in body["items"]] == [needs["dark"].pk, needs["lamp"].pk]  # not the neighbour's
    lamp = body["items"][1]
    assert lamp["own"] and lamp["supported"] and lamp["status"] == "received"
    assert body["next"] is None


def test_individual_needs_of_other_households_are_left_out(api, token_for, needs):
    Need.objects.filter(pk=needs["dark"].pk).update(scope=Need.Scope.INDIVIDUAL)
    body = api.get("needs_index", token=token_for("resident")).json()
    assert [n["id"] for n in body["items"]] == [needs["lamp"].pk]
    assert api.get("needs_detail", need_id=needs["dark"].pk, token=token_for("resident")).status_code == 404


def _more_needs(org_tree, category, count):
    from cocreate.needs import services
    from cocreate.orgs.services import household_register

    for i in range(count):
        household = household_register(actor=None, node=org_tree.building, address=f"2栋{i:03d}",
                                        occupancy="resident", members=[{"name": f"住户{i}", "relation": "head"}])
        services.need_raise(actor=None, person=household.members.get(), text=f"第{i}号楼道灯不亮了",
                            category=category)


def test_keyset_pages_by_support_and_a_fixed_number_of_queries(api, token_for, needs, org_tree, category):
    _more_needs(org_tree, category, 12)
    token = token_for("resident")
    api.get("me_profile", token=token)  # last_used_at written once a minute: warm it up
    seen, cursor, counts = [], None, []
    while True:
        with CaptureQueriesContext(connection) as queries:
            body = api.get("needs_index", token=token,
                           query={"sort": "support", "limit": 4, **({"before": cursor} if cursor else {})}).json()
        counts.append(len(queries))
        seen += [(n["support_count"], n["id"]) for n in body["items"]]
        cursor = body["next"]
        if cursor is None:
            break
    assert len(seen) == 14 and seen == sorted(seen, reverse=True)
    with CaptureQueriesContext(connection) as big:
        assert len(api.get("needs_index", token=token, query={"limit": 100}).json()["items"]) == 14
    assert len(set(counts)) == 1 and len(big) == counts[0]


def test_detail_of_own_community_only(api, token_for, needs):
    token = token_for("resident")
    body = api.get("needs_detail", need_id=needs["lamp"].pk, token=token).json()
    assert body["text"] == "小区路灯坏了" and len(body["photos"]) == 1 and body["updates"][0]["status"] == "received"
    assert api.get("needs_detail", need_id=needs["neighbour"].pk, token=token).status_code == 404
    assert api.get("needs_detail", need_id=987654, token=token).status_code == 404


def test_photo(api, token_for, needs):
    lamp = needs["lamp"]
    response = api.get("needs_photo", need_id=lamp.pk, photo_id=lamp.photos.get().pk, token=token_for("resident"))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"


def test_similar_needs_while_typing(api, token_for, needs):
    body = api.get("needs_similar", token=token_for("resident"), query={"text": "我们小区的路灯晚上不亮"}).json()
    assert needs["lamp"].pk in [n["id"] for n in body]
    assert needs["neighbour"].pk not in [n["id"] for n in body]


def test_raise_a_need(api, token_for, needs, category):
    token = token_for("resident")
    with NewEvents() as events:
        response = api.post("needs_create", token=token,
                            json_body={"text": "3栋门口的井盖松了", "category": category.pk})
    assert response.status_code == 201
    body = response.json()
    assert body["own"] and body["supported"] and body["support_count"] == 1
    assert events.actions == ["need.raised"]


def test_raise_refuses_what_the_page_refuses(api, token_for, needs, category, org_tree):
    token = token_for("resident")
    short = api.post("needs_create", token=token, json_body={"text": "灯", "category": category.pk})
    assert short.status_code == 422
    elsewhere = api.post("needs_create", token=token, language="en", json_body={
        "text": "友谊社区的路灯坏了", "category": category.pk, "place": "node", "node": org_tree.neighbour_grid.pk})
    assert elsewhere.status_code == 400
    assert "node" in elsewhere.json()["fields"]
    no_point = api.post("needs_create", token=token, json_body={"text": "路边有个大坑", "category": category.pk,
                                                                "place": "point"})
    assert no_point.status_code == 400
    assert Need.objects.count() == 3


def test_staff_without_a_household_cannot_raise(api, token_for, needs, category):
    refused = api.post("needs_create", token=token_for("cadre"),
                       json_body={"text": "路灯坏了很久", "category": category.pk})
    assert refused.status_code == 400
    assert refused.json()["code"] == "no_household"


def test_support_once_per_household(api, token_for, needs):
    token = token_for("resident")
    with NewEvents() as events:
        response = api.post("needs_support", need_id=needs["dark"].pk, token=token)
    assert response.status_code == 200
    assert response.json()["supported"] and response.json()["support_count"] == 2
    assert events.actions == ["need.supported"]
    again = api.post("needs_support", need_id=needs["dark"].pk, token=token)
    assert again.status_code == 409 and again.json()["code"] == "conflict"
    assert api.post("needs_support", need_id=needs["neighbour"].pk, token=token).status_code == 404
    assert Support.objects.filter(need=needs["dark"]).count() == 2


def test_me_preferences_and_messages(api, token_for, needs, cast, org_tree):
    token = token_for("resident")
    with NewEvents() as events:
        response = api.post("me_preferences", token=token, json_body={"elder_mode": True, "language": "en"})
    assert response.status_code == 200 and response.json()["elder_mode"] and response.json()["language"] == "en"
    assert events.actions == ["account.preferences_changed"]
    api.post("needs_triage", need_id=needs["lamp"].pk, token=token_for("grid_worker", "password+totp"),
             json_body={"status": "accepted", "assigned_node": org_tree.grid.pk})
    inbox = api.get("me_messages", token=token).json()
    assert inbox["unread"] == 1 and "Accepted" in inbox["items"][0]["text"]
    assert api.post("me_messages_read", token=token).json()["unread"] == 0


# --- staff -----------------------------------------------------------------------------------

def test_staff_list_in_scope_only_with_fixed_queries(api, token_for, needs, org_tree, category):
    token = token_for("grid_worker", "password+totp")
    api.get("me_profile", token=token)
    api.get("needs_staff_index", node_id=org_tree.grid.pk, token=token)  # warm: the node is cached by id
    with CaptureQueriesContext(connection) as small:
        body = api.get("needs_staff_index", node_id=org_tree.grid.pk, token=token, query={"limit": 1}).json()
    assert len(body["items"]) == 1 and body["next"]
    _more_needs(org_tree, category, 6)
    with CaptureQueriesContext(connection) as large:
        body = api.get("needs_staff_index", node_id=org_tree.grid.pk, token=token, query={"limit": 50}).json()
    assert len(body["items"]) == 8 and not body["next"]
    assert len(small) == len(large)
    assert api.get("needs_staff_index", node_id=org_tree.neighbour.pk, token=token).status_code == 404


def test_staff_detail_masks_the_resident(api, token_for, needs):
    body = api.get("needs_staff_detail", need_id=needs["lamp"].pk, token=token_for("cadre", "password+totp")).json()
    assert body["person"] == "张*明"
    assert body["can_merge"] and needs["dark"].pk in body["merge_candidates"]
    assert set(body["next_statuses"]) == {"accepted", "declined"}


def test_triage_accept_then_decline_needs_a_reason(api, token_for, needs, org_tree):
    token = token_for("grid_worker", "password+totp")
    with NewEvents() as events:
        accepted = api.post("needs_triage", need_id=needs["lamp"].pk, token=token,
                            json_body={"status": "accepted", "assigned_node": org_tree.grid.pk, "scope": "common"})
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "accepted" and accepted.json()["assigned_node"]["id"] == org_tree.grid.pk
    assert events.actions == ["need.accepted"]
    no_reason = api.post("needs_triage", need_id=needs["lamp"].pk, token=token, json_body={"status": "declined"})
    assert no_reason.status_code == 400 and "note" in no_reason.json()["fields"]
    skipped = api.post("needs_triage", need_id=needs["lamp"].pk, token=token, json_body={"status": "resolved"})
    assert skipped.status_code == 400
    Need.objects.get(pk=needs["lamp"].pk).scope == "common"  # noqa: B015 - unchanged when left out


def test_neighbour_cadre_cannot_triage(api, token_for, needs, org_tree):
    response = api.post("needs_triage", need_id=needs["lamp"].pk, token=token_for("neighbour_cadre", "password+totp"),
                        json_body={"status": "accepted", "assigned_node": org_tree.grid.pk})
    assert response.status_code == 404
    assert Need.objects.get(pk=needs["lamp"].pk).status == "received"


def test_merge_keeps_every_supporter(api, token_for, needs):
    token = token_for("cadre", "password+totp")
    with NewEvents() as events:
        response = api.post("needs_merge", need_id=needs["dark"].pk, token=token,
                            json_body={"target": needs["lamp"].pk})
    assert response.status_code == 200
    assert response.json()["id"] == needs["lamp"].pk and response.json()["support_count"] == 2
    assert response.json()["sources"] == [needs["dark"].pk]
    assert events.actions == ["need.merged"]
    grid_worker = api.post("needs_merge", need_id=needs["lamp"].pk, token=token_for("grid_worker", "password+totp"),
                           json_body={"target": needs["dark"].pk})
    assert grid_worker.status_code == 404  # needs.merge is a cadre's


def test_record_for_a_resident_with_sms_consent(api, token_for, org_tree, category, sms_outbox,
                                                django_capture_on_commit_callbacks):
    import re

    token = token_for("link_head", "password+totp")
    with NewEvents() as events, django_capture_on_commit_callbacks(execute=True):
        response = api.post("needs_record", household_id=org_tree.household.pk, token=token, json_body={
            "person": org_tree.resident_person.pk, "text": "家里水管漏水", "category": category.pk,
            "consent_method": "sms"})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["consent_code_sent"] and body["consent_method"] == "sms" and body["consent_confirmed_at"] is None
    assert events.actions == ["need.raised", "sms.code_sent"]
    event = AuditEvent.objects.get(action="need.raised", target_id=str(body["id"]))
    assert event.on_behalf_of_id == org_tree.resident_person.pk
    code = re.search(r"\d{6}", sms_outbox[-1][1]).group()
    with NewEvents() as events:
        confirmed = api.post("needs_consent", need_id=body["id"], token=token, json_body={"code": code})
    assert confirmed.status_code == 200 and confirmed.json()["consent_confirmed_at"]
    assert events.actions == ["need.consent_confirmed"]


def test_record_outside_my_households_is_404(api, token_for, org_tree, category):
    response = api.post("needs_record", household_id=org_tree.neighbour_household.pk,
                        token=token_for("grid_worker", "password+totp"), json_body={
                            "person": org_tree.neighbour_household.members.get().pk, "text": "家里水管漏水",
                            "category": category.pk, "consent_method": "sms"})
    assert response.status_code == 404
    assert not Need.objects.exists()


def test_a_revoked_grant_takes_effect_at_once(api, token_for, needs, org_tree):
    token = token_for("grid_worker", "password+totp")
    assert api.get("needs_staff_detail", need_id=needs["lamp"].pk, token=token).status_code == 200
    RoleGrant.objects.filter(role=Role.GRID_WORKER).update(revoked_at="2026-01-01T00:00:00Z")
    assert api.get("needs_staff_detail", need_id=needs["lamp"].pk, token=token).status_code == 404
