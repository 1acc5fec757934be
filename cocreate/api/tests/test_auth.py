"""Tokens for the mini-program: SMS code → token for residents, password + TOTP for staff,
revocation, expiry, and the Django session as the other way in."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from cocreate.api.models import ApiToken
from cocreate.api.services import token_hash
from cocreate.audit.models import AuditEvent
from cocreate.core.testing import STAFF_PASSWORD, sign_in

pytestmark = pytest.mark.django_db


def test_sms_code_then_token_then_me(api, cast, request_code):
    sent, code = request_code("138 0013 8000")
    assert sent.status_code == 202
    issued = api.post("auth_token", json_body={"phone": "13800138000", "code": code})
    assert issued.status_code == 201
    body = issued.json()
    assert body["token"].startswith("cc_") and body["token_type"] == "Bearer"
    me = api.get("me_profile", token=body["token"])
    assert me.status_code == 200
    assert me.json()["masked_phone"] == "138****8000"
    assert me.json()["household"]["address"] == "1栋101"
    assert me.json()["community"]["name"] == "幸福社区"
    stored = ApiToken.objects.get(user=cast["resident"])
    assert stored.key_hash == token_hash(body["token"]) and body["token"] not in stored.key_hash
    assert (stored.expires_at - stored.created_at) == timedelta(days=30)


def test_sms_code_answers_the_same_for_unknown_phones(api, cast):
    known = api.post("auth_sms_code", json_body={"phone": "13800138000", "agree": True})
    unknown = api.post("auth_sms_code", json_body={"phone": "13512345678", "agree": True})
    assert (known.status_code, known.json()) == (unknown.status_code, unknown.json())


def test_sms_code_keeps_the_pages_limits(api, cast):
    assert api.post("auth_sms_code", json_body={"phone": "13800138000", "agree": True}).status_code == 202
    again = api.post("auth_sms_code", json_body={"phone": "13800138000", "agree": True}, language="en")
    assert again.status_code == 429
    assert again.json()["code"] == "too_many_requests"
    assert again.json()["detail"] == "Please wait a minute before asking for another code."


def test_sms_code_needs_the_privacy_agreement_and_a_mobile_number(api, cast):
    refused = api.post("auth_sms_code", json_body={"phone": "12345", "agree": False}, language="en")
    assert refused.status_code == 400
    assert set(refused.json()["fields"]) == {"phone", "agree"}


def test_a_wrong_code_is_refused_and_counted(api, cast, request_code):
    _sent, code = request_code()
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    refused = api.post("auth_token", json_body={"phone": "13800138000", "code": wrong})
    assert refused.status_code == 403
    assert refused.json()["code"] == "login_refused"
    assert AuditEvent.objects.filter(action="login.failed").count() == 1
    assert not ApiToken.objects.exists()


def test_issuing_and_revoking_a_token_are_audited_once_each(api, cast, request_code):
    _sent, code = request_code()
    before = AuditEvent.objects.count()
    token = api.post("auth_token", json_body={"phone": "13800138000", "code": code}).json()["token"]
    issued = AuditEvent.objects.order_by("-id")[0]
    assert AuditEvent.objects.count() == before + 1
    assert (issued.action, issued.data["channel"], issued.data["method"]) == ("login.succeeded", "api", "sms")
    assert api.post("auth_revoke", token=token).status_code == 200
    assert AuditEvent.objects.count() == before + 2
    assert AuditEvent.objects.order_by("-id")[0].action == "logout"
    assert api.get("me_profile", token=token).status_code == 401


# --- staff ---------------------------------------------------------------------------------

def _device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def _code(device) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def test_staff_token_needs_password_and_authenticator_code(api, cast, org_tree):
    device = _device(cast["grid_worker"])
    issued = api.post("auth_staff_token", json_body={
        "username": "gridworker", "password": STAFF_PASSWORD, "totp": _code(device)})
    assert issued.status_code == 201
    token = issued.json()["token"]
    stored = ApiToken.objects.get(user=cast["grid_worker"])
    assert (stored.expires_at - stored.created_at) == timedelta(hours=12)
    assert stored.method == "password+totp"
    assert api.get("needs_staff_index", node_id=org_tree.grid.pk, token=token).status_code == 200


def test_no_staff_token_without_the_second_factor(api, cast):
    wrong_code = api.post("auth_staff_token", json_body={
        "username": "gridworker", "password": STAFF_PASSWORD, "totp": "000000"})  # no device enrolled
    assert wrong_code.status_code == 403
    missing = api.post("auth_staff_token", json_body={"username": "gridworker", "password": STAFF_PASSWORD})
    assert missing.status_code == 422
    device = _device(cast["cadre"])
    bad_password = api.post("auth_staff_token", json_body={
        "username": "cadre", "password": "Wrong#Pass2026", "totp": _code(device)})
    assert bad_password.status_code == 403
    assert not ApiToken.objects.exists()
    assert AuditEvent.objects.filter(action__in=["login.failed", "login.2fa_failed"]).count() == 2


def test_staff_token_lockout_applies(api, cast):
    device = _device(cast["cadre"])
    for _attempt in range(5):
        api.post("auth_staff_token", json_body={"username": "cadre", "password": "Wrong#Pass2026", "totp": "123456"})
    locked = api.post("auth_staff_token", json_body={
        "username": "cadre", "password": STAFF_PASSWORD, "totp": _code(device)})
    assert locked.status_code == 403
    assert not ApiToken.objects.exists()


def test_staff_cannot_get_a_resident_token(api, cast, request_code):
    _sent, code = request_code("13700137000")  # the grid worker's own phone
    refused = api.post("auth_token", json_body={"phone": "13700137000", "code": code})
    assert refused.status_code == 403
    assert not ApiToken.objects.exists()


# --- refusals ------------------------------------------------------------------------------

@pytest.mark.parametrize("spoil", ["revoked", "expired", "disabled", "garbage"])
def test_dead_tokens_answer_401(api, cast, token_for, spoil):
    token = token_for("resident")
    row = ApiToken.objects.get()
    if spoil == "revoked":
        ApiToken.objects.update(revoked_at=timezone.now())
    elif spoil == "expired":
        ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    elif spoil == "disabled":
        type(row.user).objects.filter(pk=row.user_id).update(is_active=False)
    else:
        token = token[:-2] + "xx"
    response = api.get("me_profile", token=token)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_staff_token_idle_for_15_minutes_is_refused(api, cast, token_for, org_tree):
    token = token_for("grid_worker", method="password+totp")
    ApiToken.objects.update(last_used_at=timezone.now() - timedelta(minutes=16))
    assert api.get("needs_staff_index", node_id=org_tree.grid.pk, token=token).status_code == 401


def test_last_used_is_written_at_most_once_a_minute(api, cast, token_for):
    token = token_for("resident")
    api.get("me_profile", token=token)
    first = ApiToken.objects.get().last_used_at
    api.get("me_profile", token=token)
    assert ApiToken.objects.get().last_used_at == first


def test_residents_on_staff_endpoints_get_403(api, cast, token_for, org_tree, needs):
    token = token_for("resident")
    assert api.get("needs_staff_index", node_id=org_tree.community.pk, token=token).status_code == 403
    assert api.get("needs_staff_detail", need_id=needs["lamp"].pk, token=token).status_code == 403
    triage = api.post("needs_triage", need_id=needs["lamp"].pk, token=token,
                      json_body={"status": "accepted", "assigned_node": org_tree.grid.pk})
    assert triage.status_code == 403
    assert triage.json()["code"] == "permission_denied"


# --- the session as the other way in ----------------------------------------------------------

def test_a_signed_in_session_works_and_writes_need_the_csrf_token(cast, needs):
    client = sign_in(Client(enforce_csrf_checks=True), cast["resident"])
    assert client.get("/api/v1/me").status_code == 200
    refused = client.post(f"/api/v1/needs/{needs['dark'].pk}/support", content_type="application/json")
    assert refused.status_code == 403
    assert refused.json()["code"] == "csrf_failed"
    client.get("/me/needs/")  # any page sets the CSRF cookie
    allowed = client.post(f"/api/v1/needs/{needs['dark'].pk}/support", content_type="application/json",
                          headers={"X-CSRFToken": client.cookies["csrftoken"].value})
    assert allowed.status_code == 200


def test_a_staff_session_without_the_second_factor_is_not_signed_in(client, cast, org_tree):
    sign_in(client, cast["cadre"], second_factor=False)
    assert client.get(f"/api/v1/staff/nodes/{org_tree.community.pk}/needs").status_code == 401
    sign_in(client, cast["cadre"])
    assert client.get(f"/api/v1/staff/nodes/{org_tree.community.pk}/needs").status_code == 200


def test_an_idle_session_gets_a_json_401_not_the_login_page(client, cast, time_machine):
    time_machine.move_to("2026-11-21 09:00:00+08:00", tick=False)
    sign_in(client, cast["resident"])
    assert client.get("/api/v1/me").status_code == 200
    time_machine.shift(31 * 60)  # residents: 30 minutes without activity
    response = client.get("/api/v1/me")
    # The session store or the session policy ends it, whichever is first: a JSON 401 either way.
    assert response.status_code == 401
    assert response.json()["code"] in {"session_expired", "not_authenticated"}
    assert client.get("/api/v1/me").status_code == 401  # and the session is gone


def test_the_session_policy_answers_api_calls_in_json(rf, cast):
    """Its own limits (the 12-hour absolute one here) answer a program with JSON, not a redirect."""
    import time

    from django.contrib.sessions.backends.db import SessionStore

    from cocreate.accounts.middleware import SESSION_AUTH_AT, SessionPolicyMiddleware

    request = rf.get("/api/v1/me")
    request.user = cast["resident"]
    request.session = SessionStore()
    request.session[SESSION_AUTH_AT] = int(time.time()) - 13 * 3600
    response = SessionPolicyMiddleware(lambda r: None)(request)
    assert response.status_code == 401
    assert json.loads(response.content)["code"] == "session_expired"
