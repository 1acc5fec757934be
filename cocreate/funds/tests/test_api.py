"""The funds endpoints: the pages' forms, services and permissions, answered in JSON."""

import pytest
from django.urls import reverse

from cocreate.api.services import token_issue
from cocreate.audit.models import AuditEvent
from cocreate.funds.models import Allocation, Application, Pool
from cocreate.funds.tests.conftest import contribute, make_project

pytestmark = pytest.mark.django_db
STAFF = "password+totp"


def token(user, method=STAFF):
    return token_issue(user=user, method=method)[1]


def test_a_fund_from_creation_to_the_public_notice(api, officials, org_tree, cast):
    county, checker = token(officials["county"]), token(officials["county_b"])
    made = api.post("funds_staff_pool_create", node_id=org_tree.county.pk, token=county, json_body={
        "name": "2026年以奖代补", "year": 2026, "budget_yuan": "30000", "rate_percent": "100",
        "counted_kinds": ["cash", "labour"], "method": "proportional", "labour_day_yuan": "150"})
    assert made.status_code == 201, made.json()
    pool_id = made.json()["id"]
    assert made.json()["budget_fen"] == 3_000_000 and made.json()["labour_day_fen"] == 15_000
    assert api.post("funds_staff_pool_status", pool_id=pool_id, token=county,
                    json_body={"status": "open"}).json()["status"] == "open"
    project = make_project(org_tree.community, budget_fen=6_000_000)
    contribute(project, org_tree.household, kind="labour", value_fen=1, hours=14 * 8)
    contribute(project, org_tree.household, kind="cash", value_fen=2_000_000, cash_fen=2_000_000)
    maker = token(officials["cadre"])
    app = api.post("funds_staff_application_create", pool_id=pool_id, token=maker,
                   json_body={"project": project.pk, "requested_yuan": "50000"})
    assert app.status_code == 201, app.json()
    body = app.json()
    assert body["award_fen"] == 2_000_000 + 14 * 15_000
    assert any("14 person-days" in line for line in api.get(
        "funds_staff_application", application_id=body["id"], token=maker, language="en").json()["working"])
    api.post("funds_staff_application_submit", application_id=body["id"], token=maker)
    refused = api.post("funds_staff_application_review", application_id=body["id"], token=maker,
                       json_body={"decision": "approve"})
    assert refused.status_code == 400 and refused.json()["code"] == "maker_checker"
    for who in ("cadre_b", "street", "county"):
        answer = api.post("funds_staff_application_review", application_id=body["id"], token=token(officials[who]),
                          json_body={"decision": "approve"})
        assert answer.status_code == 200, answer.json()
    assert answer.json()["status"] == "approved"
    api.post("funds_staff_pool_status", pool_id=pool_id, token=county, json_body={"status": "allocating"})
    ran = api.post("funds_staff_pool_run", pool_id=pool_id, token=county).json()
    proposal = ran["proposals"][0]
    assert proposal["amount_fen"] == 2_210_000
    own = api.post("funds_staff_allocation_approve", allocation_id=proposal["id"], token=county)
    assert own.status_code == 400 and own.json()["code"] == "maker_checker"
    events = AuditEvent.objects.count()
    approved = api.post("funds_staff_allocation_approve", allocation_id=proposal["id"], token=checker,
                        headers={"Idempotency-Key": "approve-1"})
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    again = api.post("funds_staff_allocation_approve", allocation_id=proposal["id"], token=checker,
                     headers={"Idempotency-Key": "approve-1"})
    assert again["Idempotent-Replayed"] == "true" and AuditEvent.objects.count() == events + 1
    paid = api.post("funds_staff_disbursement", application_id=body["id"], token=county, json_body={
        "kind": "advance", "amount_yuan": "30000", "paid_on": "2026-01-05", "reference": "预拨-001"})
    assert paid.status_code == 400  # more than the allocation (¥22,100)
    notice = api.get("funds_notice", pool_id=pool_id, language="en").json()
    assert notice["allocated_fen"] == 2_210_000
    assert notice["rows"][0]["project"] == project.title and "funded in full" in notice["rows"][0]["reason"]
    pdf = api.get("funds_notice_pdf", pool_id=pool_id)
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_bad_input_answers_400_and_writes_nothing(api, officials, org_tree):
    county = token(officials["county"])
    before = (Pool.objects.count(), AuditEvent.objects.count())
    answer = api.post("funds_staff_pool_create", node_id=org_tree.county.pk, token=county, json_body={
        "name": "缺投票时间", "year": 2026, "budget_yuan": "1000", "rate_percent": "100",
        "counted_kinds": ["cash"], "method": "mes"})
    assert answer.status_code == 400 and "voting window" in api.post(
        "funds_staff_pool_create", node_id=org_tree.county.pk, token=county, language="en", json_body={
            "name": "缺投票时间", "year": 2026, "budget_yuan": "1000", "rate_percent": "100",
            "counted_kinds": ["cash"], "method": "mes"}).json()["detail"]
    assert api.post("funds_staff_pool_create", node_id=org_tree.county.pk, token=county, json_body={
        "name": "x", "year": 2026, "budget_yuan": "-1", "rate_percent": "100", "counted_kinds": ["cash"],
        "method": "score"}).status_code == 422
    assert (Pool.objects.count(), AuditEvent.objects.count()) == before


def test_out_of_scope_is_404_and_residents_are_403(api, officials, org_tree, cast, make_pool, approved):
    pool = make_pool()
    app = approved(pool, make_project(org_tree.community), 1_000)
    neighbour = token(cast["neighbour_cadre"])
    assert api.get("funds_staff_application", application_id=app.pk, token=neighbour).status_code == 404
    assert api.get("funds_staff_pool", pool_id=pool.pk, token=token(cast["resident"], "sms")).status_code == 403
    answer = api.post("funds_staff_pool_run", pool_id=pool.pk, token=token(officials["cadre"]))
    assert answer.status_code == 404


def test_residents_vote_through_the_api(api, officials, org_tree, cast, make_pool, approved):
    pool = make_pool(method="greedy")
    project = make_project(org_tree.community)
    contribute(project, org_tree.household, kind="cash", value_fen=1_000, cash_fen=1_000)
    app = approved(pool, project, 1_000)
    Pool.objects.filter(pk=pool.pk).update(status="allocating")
    resident = token(cast["resident"], "sms")
    ballot = api.get("funds_ballot", pool_id=pool.pk, token=resident).json()
    assert ballot["can_vote"] and ballot["my_approvals"] is None
    voted = api.post("funds_vote", pool_id=pool.pk, token=resident, json_body={"applications": [app.pk]})
    assert voted.status_code == 200 and voted.json()["my_approvals"] == [app.pk]
    neighbour = api.post("funds_vote", pool_id=pool.pk, token=resident, json_body={"applications": [987_654]})
    assert neighbour.status_code == 400
    assert Application.objects.get(pk=app.pk).status == "approved"
    assert not Allocation.objects.exists()
    assert reverse("api:funds_vote", args=[pool.pk]).endswith("/vote")
