"""Projects in real Chromium on a phone (390×844): a resident pledges half a day's labour, the
cadre confirms it with a photo and the resident sees the household on the honour roll; a
resident follows the trace page from the project back to the 屋场会 where it was decided; a
cadre writes the budget and funding plan, sees the self-raised share and the gap, and applies for
the 以奖代补 award, computed from the ledger."""

import io
import re

import pytest
from playwright.sync_api import expect
from steps import click_and_wait, jpeg_file, resident_login, staff_login

pytestmark = pytest.mark.browser


def jpeg_upload():
    from django.core.files.base import ContentFile
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), "gray").save(out, "JPEG")
    return ContentFile(out.getvalue(), name="receipt.jpg")


@pytest.fixture
def project(world, org_tree, settings, tmp_path):
    from cocreate.needs.models import Category
    from cocreate.needs.services import need_raise
    from cocreate.projects import services

    settings.MEDIA_ROOT = tmp_path / "media"
    services.valuation_set(actor=None, node=org_tree.county, labour_day_fen=15000, hours_per_day=8)
    category = Category.objects.get_or_create(code="roads", defaults={"name": "道路", "name_en": "Roads"})[0]
    need = need_raise(actor=None, person=org_tree.resident_person, text="门前的路一下雨就是泥巴路", category=category)
    return services.project_create(actor=world["cadre"], node=org_tree.community, title="硬化门前路",
                                   scope="120 米巷道硬化", origin=services.Origin(needs=(need,)))


def test_resident_pledges_labour_and_sees_it_confirmed_on_the_honour_roll(world, new_page, project, tmp_path):
    from cocreate.projects.models import Contribution, Pledge

    resident = new_page(phone=True)
    resident_login(resident)
    resident.goto("/me/projects/")
    click_and_wait(resident, resident.get_by_role("link", name=re.compile("硬化门前路")))
    click_and_wait(resident, resident.locator("#pledge-link"))
    resident.locator("input[name=kind][value=labour]").check()
    resident.locator("#id_days").fill("0.5")
    click_and_wait(resident, resident.locator("#pledge-submit"))
    expect(resident).to_have_url(re.compile(r"/me/projects/mine/$"))
    pledge = Pledge.objects.get()
    assert pledge.hours == 4 and pledge.value_fen == 7500
    assert not resident.js_errors, resident.js_errors

    staff = new_page(phone=False)
    staff_login(staff, world["cadre"], world["password"])
    staff.goto(f"/staff/projects/{project.pk}/")
    staff.locator(f"#evidence-{pledge.pk}").set_input_files(jpeg_file(tmp_path, "evidence.jpg"))
    click_and_wait(staff, staff.locator(f"#confirm-{pledge.pk}"))
    assert Contribution.objects.get().value_fen == 7500

    resident.goto(f"/me/projects/{project.pk}/")
    roll = resident.locator(".honour-roll").first
    expect(roll).to_contain_text("张*明")
    expect(roll).to_contain_text("75")
    assert "张小明" not in resident.locator("main").inner_text()


def test_resident_follows_the_trace_from_the_project_back_to_the_meeting(world, new_page, org_tree, settings,
                                                                         tmp_path):
    from django.utils import timezone

    from cocreate.decisions import services as decisions
    from cocreate.meetings import services as meetings
    from cocreate.projects import services

    settings.MEDIA_ROOT = tmp_path / "media"
    cadre, now = world["cadre"], timezone.now()
    topic = meetings.topic_create(actor=cadre, node=org_tree.community, title="门前路硬化")
    meeting = meetings.meeting_schedule(actor=cadre, node=org_tree.community, kind="wuchang", title="张家湾屋场会",
                                        starts_at=now - timezone.timedelta(days=3),
                                        ends_at=now - timezone.timedelta(days=3, hours=-2), place="张家大院")
    meetings.agenda_item_add(actor=cadre, meeting=meeting, title="修路方案", topic=topic)
    meetings.minutes_record(actor=cadre, meeting=meeting, minutes="大家同意先修门前路，每户出工半天。")
    ballot = decisions.ballot_create(actor=cadre, topic=topic, title="修路表决", kind="yes_no",
                                     opens_at=now - timezone.timedelta(days=2),
                                     closes_at=now + timezone.timedelta(days=1))
    ballot = decisions.ballot_open(actor=cadre, ballot=ballot)
    decisions.vote_cast(actor=world["resident"], ballot=ballot, person=org_tree.resident_person, choices=["yes"])
    ballot = decisions.ballot_publish(actor=cadre, ballot=decisions.ballot_close(actor=cadre, ballot=ballot))
    project = services.project_create(actor=cadre, node=org_tree.community, title="硬化门前路", scope="120 米",
                                      origin=services.Origin(ballot=ballot))

    page = new_page(phone=True)  # no login: the QR code on the site's notice board opens it
    page.goto(f"/me/projects/{project.pk}/")
    click_and_wait(page, page.locator("#trace-link"))
    meetings_step = page.locator("#trace-meetings")
    expect(meetings_step).to_contain_text("张家湾屋场会")
    expect(meetings_step).to_contain_text("张家大院")
    meetings_step.locator("summary").first.click()
    expect(meetings_step).to_contain_text("每户出工半天")
    click_and_wait(page, page.locator("#ballot-link"))
    expect(page).to_have_url(re.compile(rf"/me/ballots/{ballot.pk}/result/$"))
    assert not page.js_errors, page.js_errors


def test_cadre_builds_the_funding_plan_and_applies_for_the_award(world, new_page, project, org_tree):
    from cocreate.funds import services as funds
    from cocreate.funds.models import Application
    from cocreate.projects import services

    pool = funds.pool_create(actor=world["county_official"], node=org_tree.county, year=2026, name="2026年以奖代补",
                             budget_fen=100_000_000, rate_permille=1000, counted_kinds=["cash", "labour"],
                             method="score")
    funds.pool_set_status(actor=world["county_official"], pool=pool, status="open")
    services.contribution_record(actor=world["cadre"], project=project, evidence=jpeg_upload(),
                                 gift=services.Gift(kind="cash", cash_fen=2_000_000),
                                 contributor=services.Contributor(household=org_tree.household))
    staff = new_page(phone=True)  # cadres run the plan from their phones at the site too
    staff_login(staff, world["cadre"], world["password"])
    staff.goto(f"/staff/projects/{project.pk}/")

    def add(section: str, **fields):
        form = staff.locator(f"#{section} form.card")
        for name, value in fields.items():
            field = form.locator(f"[name={name}]")
            if field.evaluate("e => e.tagName") == "SELECT":
                field.select_option(value)
            else:
                field.fill(value)
        click_and_wait(staff, form.locator("button[type=submit]"))

    add("budget", item="水泥路面", amount_yuan="120000")
    add("budget", item="排水沟", amount_yuan="30000")
    add("funding", kind="resident_cash", amount_yuan="50000")
    add("funding", kind="labour", amount_yuan="25000")
    add("funding", kind="award", amount_yuan="40000")
    plan = staff.locator("#funding table.plan")
    expect(plan).to_contain_text("50.0%")  # self-raised: 75,000 of 150,000
    expect(plan.locator("tr.gap")).to_contain_text("35,000")
    project.refresh_from_db()
    assert project.budget_fen == 15_000_000

    # The application for the 以奖代补 award, computed from the confirmed ledger line by line.
    staff.goto(f"/staff/funds/pools/{pool.pk}/apply/")
    staff.locator("#id_project").select_option(str(project.pk))
    staff.locator("#id_requested_yuan").fill("40000")
    click_and_wait(staff, staff.locator("main form button[type=submit]"))
    application = Application.objects.get(project=project)
    expect(staff.locator("#award")).to_contain_text("20,000")  # 1:1 on the ¥20,000 raised in cash
    expect(staff.locator("#working li").first).to_be_visible()
    click_and_wait(staff, staff.locator("#submit-application"))
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    assert not staff.js_errors, staff.js_errors
