"""Idempotency-Key (security.md §4.2): a retried write is answered, not done twice."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from cocreate.api.models import IdempotencyKey
from cocreate.api.services import purge_expired
from cocreate.audit.models import AuditEvent
from cocreate.needs.models import Need, Support

pytestmark = pytest.mark.django_db

KEY = {"Idempotency-Key": "6f1c3a52-0d1e-4b7f-9d2a-1c5e8f3b7a90"}


def test_a_replay_returns_the_first_answer_and_writes_nothing(api, token_for, category, needs):
    token = token_for("resident")
    events = AuditEvent.objects.count()
    body = {"text": "3栋门口的井盖松了", "category": category.pk}
    first = api.post("needs_create", token=token, json_body=body, headers=KEY)
    again = api.post("needs_create", token=token, json_body=body, headers=KEY)
    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert Need.objects.filter(text="3栋门口的井盖松了").count() == 1
    assert AuditEvent.objects.count() == events + 1


def test_refusals_are_replayed_too(api, token_for, needs):
    token = token_for("resident")
    api.post("needs_support", need_id=needs["dark"].pk, token=token)
    first = api.post("needs_support", need_id=needs["dark"].pk, token=token, headers=KEY)
    again = api.post("needs_support", need_id=needs["dark"].pk, token=token, headers=KEY)
    assert first.status_code == again.status_code == 409
    assert again["Idempotent-Replayed"] == "true"
    assert Support.objects.filter(need=needs["dark"]).count() == 2


def test_the_same_key_with_another_request_is_refused(api, token_for, category, needs):
    token = token_for("resident")
    api.post("needs_create", token=token, json_body={"text": "3栋门口的井盖松了", "category": category.pk}, headers=KEY)
    other = api.post("needs_create", token=token, json_body={"text": "4栋门口的井盖松了", "category": category.pk},
                     headers=KEY, language="en")
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert other.json()["detail"] == "This Idempotency-Key was already used for a different request."
    elsewhere = api.post("needs_support", need_id=needs["dark"].pk, token=token, headers=KEY)
    assert elsewhere.status_code == 422
    assert not Need.objects.filter(text="4栋门口的井盖松了").exists()


def test_keys_belong_to_their_user(api, token_for, needs, cast, org_tree):
    first = api.post("needs_support", need_id=needs["dark"].pk, token=token_for("resident"), headers=KEY)
    other = api.post("needs_triage", need_id=needs["dark"].pk, token=token_for("grid_worker", "password+totp"),
                     headers=KEY, json_body={"status": "accepted", "assigned_node": org_tree.grid.pk})
    assert first.status_code == other.status_code == 200
    assert "Idempotent-Replayed" not in other


def test_a_key_still_in_progress_answers_409(api, token_for, cast, needs):
    token = token_for("resident")
    response = api.post("needs_support", need_id=needs["dark"].pk, token=token, headers=KEY)
    IdempotencyKey.objects.update(status=None)  # as if the first request were still running
    again = api.post("needs_support", need_id=needs["dark"].pk, token=token, headers=KEY)
    assert response.status_code == 200
    assert again.status_code == 409 and again.json()["code"] == "idempotency_in_progress"


def test_a_malformed_key_is_refused(api, token_for, needs):
    response = api.post("needs_support", need_id=needs["dark"].pk, token=token_for("resident"),
                        headers={"Idempotency-Key": "不是钥匙"})
    assert response.status_code == 400 and response.json()["code"] == "idempotency_key_invalid"
    assert not Support.objects.filter(need=needs["dark"], household__address="1栋101").exists()


def test_keys_are_kept_24_hours_then_purged(api, token_for, needs):
    api.post("needs_support", need_id=needs["dark"].pk, token=token_for("resident"), headers=KEY)
    assert purge_expired() == 0
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=25))
    out = StringIO()
    call_command("housekeeping", stdout=out)
    assert "API tokens and idempotency keys purged: 1" in out.getvalue()
    assert not IdempotencyKey.objects.exists()
