"""Decisions in real Chromium: a cadre opens a ballot on a topic, two residents vote on their
phones (390×844), the cadre closes it and publishes the result, the public result page draws
the chart, and the A4 notice downloads as a PDF."""

import re

import pytest
from playwright.sync_api import expect
from steps import RESIDENT_PHONE, click_and_wait, give_staff_password_and_app, resident_login, staff_login

pytestmark = pytest.mark.browser

SECOND_PHONE = "13500135002"
PASSWORD = "Decide#Pass2026"


@pytest.fixture
def topic(world, org_tree):
    from cocreate.meetings.models import Option, Topic
    from cocreate.orgs import services

    services.household_register(actor=None, node=org_tree.building, address="1栋301", occupancy="resident",
                                members=[{"name": "孙桂芳", "phone": SECOND_PHONE, "relation": "head"}])
    community = org_tree.community
    topic = Topic.objects.create(community=community, node=community, path=community.path, title="小区停车位改造")
    Option.objects.create(topic=topic, title="划线停车", cost_fen=3_000_000)
    return topic


def vote_yes(new_page, phone: str, ballot_id: int) -> None:
    page = new_page(phone=True)
    resident_login(page, phone)
    page.goto(f"/me/ballots/{ballot_id}/")
    page.locator("#choice-yes").check()
    click_and_wait(page, page.locator("main form button[type=submit]"))
    expect(page.locator("#my-choice")).to_be_visible()
    expect(page.locator("main [role=status]")).to_be_visible()  # the thanks, in the page's language
    assert not page.js_errors, page.js_errors


def test_cadre_opens_residents_vote_cadre_publishes_and_prints(world, new_page, topic):
    from cocreate.decisions.models import Ballot, Vote

    cadre = world["cadre"]
    give_staff_password_and_app(cadre, PASSWORD)
    staff = new_page(phone=False)
    staff_login(staff, cadre, PASSWORD)
    staff.goto(f"/staff/decisions/topics/{topic.pk}/ballots/new/")
    staff.locator("#id_title").fill("是否划线增加停车位")
    staff.locator("#id_kind").select_option("yes_no")
    click_and_wait(staff, staff.locator("main form button[type=submit]"))
    ballot = Ballot.objects.get(topic=topic)
    expect(staff).to_have_url(re.compile(rf"/staff/decisions/ballots/{ballot.pk}/$"))
    click_and_wait(staff, staff.locator("#open-ballot"))
    ballot.refresh_from_db()
    assert ballot.status == Ballot.Status.OPEN

    vote_yes(new_page, RESIDENT_PHONE, ballot.pk)
    vote_yes(new_page, SECOND_PHONE, ballot.pk)
    assert Vote.objects.filter(ballot=ballot).count() == 2

    staff.reload()
    click_and_wait(staff, staff.locator("#close-ballot"))
    click_and_wait(staff, staff.locator("#publish-ballot"))
    staff.locator("#id_note").fill("感谢各位居民参与投票。")
    click_and_wait(staff, staff.locator("#confirm-publish"))
    ballot.refresh_from_db()
    assert ballot.status == Ballot.Status.PUBLISHED

    # The public result page (what the QR code opens): the chart is drawn, no names shown.
    public = new_page(phone=True)
    public.goto(f"/me/ballots/{ballot.pk}/result/")
    expect(public.locator("#result-chart[data-ready='1'] svg")).to_be_visible()
    text = public.locator("main").inner_text()
    assert "张小明" not in text and "孙桂芳" not in text
    assert not public.js_errors, public.js_errors

    notice = staff.request.get(staff.locator("#notice-pdf").get_attribute("href"))
    assert notice.ok
    assert notice.headers["content-type"] == "application/pdf"
    assert notice.body().startswith(b"%PDF")
