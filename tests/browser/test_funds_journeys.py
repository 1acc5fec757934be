"""Reward funds in real Chromium on a phone (390×844): a county official opens the fund's page,
approves the proposed allocations (htmx swaps each row; the one who ran the allocation could
not), the public notice shows each project's award with its reason, and the A4 notice downloads
as a PDF."""

import re

import pytest
from playwright.sync_api import expect
from steps import give_staff_password_and_app, staff_login

pytestmark = pytest.mark.browser

PASSWORD = "Funds#Pass2026"


@pytest.fixture
def fund(world, org_tree):
    """A county fund (proportional, ¥30,000) with two approved applications whose awards add up
    to ¥60,000, allocated by a run of the first county official."""
    from cocreate.accounts.services import staff_user_create
    from cocreate.funds import services
    from cocreate.funds.models import Application
    from cocreate.orgs.models import Role, RoleGrant
    from cocreate.projects.models import Contribution, Project

    county = world["county_official"]
    checker = staff_user_create(actor=None, username="county_checker", password=PASSWORD, display_name="复核人")
    RoleGrant.objects.create(user=checker, node=org_tree.county, role=Role.COUNTY_OFFICIAL)
    pool = services.pool_create(actor=county, node=org_tree.county, year=2026, name="县级以奖代补资金",
                                budget_fen=3_000_000, rate_permille=1000, counted_kinds=["cash", "labour"],
                                method="proportional")
    services.pool_set_status(actor=county, pool=pool, status="open")
    community = org_tree.community
    for title, cash in [("幸福路硬化", 2_000_000), ("健身广场", 4_000_000)]:
        project = Project.objects.create(community=community, node=community, path=community.path, title=title,
                                         scope="共同缔造项目", budget_fen=cash * 2, status="funding")
        Contribution.objects.create(project=project, community=community, kind="cash", household=org_tree.household,
                                    value_fen=cash, cash_fen=cash)
        Application.objects.create(pool=pool, project=project, community=community, path=community.path,
                                   requested_fen=cash, award_fen=cash, status="approved",
                                   prepared_by=world["cadre"])
    services.pool_set_status(actor=county, pool=pool, status="allocating")
    services.allocation_run(actor=county, pool=pool)
    return {"pool": pool, "checker": checker}


def test_county_official_approves_allocations_and_the_notice_prints(world, new_page, fund):
    from cocreate.funds.models import Allocation

    pool, checker = fund["pool"], fund["checker"]
    give_staff_password_and_app(checker, PASSWORD)
    page = new_page(phone=True)
    staff_login(page, checker, PASSWORD)
    page.goto(f"/staff/funds/pools/{pool.pk}/")
    expect(page.locator("h1")).to_contain_text("县级以奖代补资金")
    buttons = page.locator("button.approve-allocation")
    expect(buttons).to_have_count(2)
    for proposal in Allocation.objects.filter(pool=pool, status="proposed").order_by("id"):
        row = page.locator(f"#proposal-{proposal.pk}")
        row.locator("button.approve-allocation").click()
        expect(page.locator(f"#proposal-{proposal.pk} .status-approved")).to_be_visible()
    assert Allocation.objects.filter(pool=pool, status="approved").count() == 2
    pool.refresh_from_db()
    assert pool.allocated_fen == 3_000_000
    assert not page.js_errors, page.js_errors

    page.reload()
    expect(page.locator("#pool-allocated")).to_contain_text("30,000")
    page.goto(f"/funds/pools/{pool.pk}/notice/")
    awards = page.locator("#awards")
    expect(awards).to_contain_text("幸福路硬化")
    expect(awards).to_contain_text("¥10,000")
    expect(awards).to_contain_text("¥20,000")
    text = page.locator("main").inner_text()
    assert "张小明" not in text
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the notice scrolls sideways on a phone ({width}px)"

    pdf = page.request.get(page.locator("#notice-pdf").get_attribute("href"))
    assert pdf.ok
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
    expect(page).to_have_url(re.compile(rf"/funds/pools/{pool.pk}/notice/$"))
