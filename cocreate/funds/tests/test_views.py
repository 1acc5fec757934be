"""The funds pages: the working on the application page, reviewing and approving through the
forms (htmx row swap), refusals shown without writing, the resident's vote, the public notice."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cocreate.core.testing import sign_in
from cocreate.funds import services
from cocreate.funds.models import Allocation, ApprovalVote, Pool
from cocreate.funds.tests.conftest import contribute, make_project

pytestmark = pytest.mark.django_db


def test_pool_create_page_converts_yuan_and_percent(client, officials, org_tree):
    sign_in(client, officials["county"])
    response = client.post(reverse("funds_staff:pool-create", args=[org_tree.county.pk]), {
        "name": "2026年奖补", "year": 2026, "budget_yuan": "500000.50", "rate_percent": "80.5",
        "counted_kinds": ["cash", "labour"], "min_share_percent": "30", "method": "score"})
    pool = Pool.objects.get()
    assert response.status_code == 302
    assert (pool.budget_fen, pool.rate_permille, pool.min_share_permille) == (50_000_050, 805, 300)


def test_application_page_shows_the_working_and_the_reviews(client, officials, org_tree, make_pool):
    pool = make_pool(labour_day_fen=15_000)
    project = make_project(org_tree.community)
    contribute(project, org_tree.household, kind="labour", value_fen=1, hours=112)
    app = services.application_create(actor=officials["cadre"], pool=pool, project=project, requested_fen=10**6)
    sign_in(client, officials["cadre"])
    page = client.get(reverse("funds_staff:application", args=[app.pk])).content.decode()
    assert "14 person-days (人天) × ¥150 = ¥2,100" in page
    assert 'id="submit-application"' in page
    client.post(reverse("funds_staff:submit", args=[app.pk]), {})
    page = client.get(reverse("funds_staff:application", args=[app.pk])).content.decode()
    assert 'id="send-review"' not in page and "another person reviews it" in page
    client.logout()
    sign_in(client, officials["cadre_b"])
    response = client.post(reverse("funds_staff:review", args=[app.pk]), {"decision": "return"})
    assert response.status_code == 400 and "Say why" in response.content.decode()
    client.post(reverse("funds_staff:review", args=[app.pk]), {"decision": "approve"})
    app.refresh_from_db()
    assert app.status == "village_approved"


def test_allocation_approval_by_htmx_swaps_the_row(client, officials, org_tree, make_pool, approved):
    pool = make_pool(budget_fen=1_000_000)
    app = approved(pool, make_project(org_tree.community), 500_000)
    contribute(app.project, org_tree.household, kind="cash", value_fen=0)
    Pool.objects.filter(pk=pool.pk).update(status="allocating")
    Application = type(app)
    Application.objects.filter(pk=app.pk).update(award_fen=500_000)
    services.allocation_run(actor=officials["county"], pool=pool)
    proposal = Allocation.objects.get(status="proposed")
    sign_in(client, officials["county"])
    own = client.post(reverse("funds_staff:approve", args=[proposal.pk]), headers={"HX-Request": "true"})
    assert "maker-checker" in own.content.decode() and Allocation.objects.get(pk=proposal.pk).status == "proposed"
    client.logout()
    sign_in(client, officials["county_b"])
    swapped = client.post(reverse("funds_staff:approve", args=[proposal.pk]), headers={"HX-Request": "true"})
    html = swapped.content.decode()
    assert html.startswith(f'<tr id="proposal-{proposal.pk}"') and "status-approved" in html
    assert "<html" not in html


def test_resident_votes_on_the_phone_page_and_the_notice_is_public(client, officials, org_tree, make_pool, approved,
                                                                  cast):
    now = timezone.now()
    pool = make_pool(method="greedy", vote_opens_at=now - timedelta(hours=1), vote_closes_at=now + timedelta(days=1))
    project = make_project(org_tree.community, title="幸福路")
    contribute(project, org_tree.household, kind="cash", value_fen=500_000, cash_fen=500_000)
    app = approved(pool, project, 500_000)
    Pool.objects.filter(pk=pool.pk).update(status="allocating")
    sign_in(client, cast["resident"])
    page = client.get(reverse("funds:vote", args=[pool.pk])).content.decode()
    assert f'id="approve-{app.pk}"' in page
    response = client.post(reverse("funds:vote", args=[pool.pk]), {"approve": [str(app.pk)]})
    assert response.status_code == 302
    assert ApprovalVote.objects.get(pool=pool).approvals == [app.pk]
    client.logout()
    notice = client.get(reverse("funds:notice", args=[pool.pk]))
    assert notice.status_code == 200 and "No allocation has been approved yet." in notice.content.decode()
