"""A cadre runs a 屋场会 in real Chromium: schedules it, a resident checks in by opening the QR
code's link on their phone (signing in on the way), the host checks in an elderly resident
without a phone, records the show of hands and the minutes, and adds a follow-up task."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

RESIDENT_PHONE = "13800138000"
CODE = re.compile(r"(?<!\d)(\d{6})(?!\d)")


def last_code(phone: str) -> str:
    from cocreate.notify.backends import LocmemSmsBackend

    texts = [text for to, text in LocmemSmsBackend.outbox if to.endswith(phone)]
    assert texts, f"no SMS was sent to {phone[:3]}…"
    return CODE.search(texts[-1]).group(1)


def click_and_wait(page, locator) -> None:
    with page.expect_navigation():
        locator.click()


def staff_login(page, world) -> None:
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    page.goto("/accounts/staff/login/")
    page.locator("#id_username").fill("cadre")
    page.locator("#id_password").fill(world["password"])
    click_and_wait(page, page.locator("main form button[type=submit]"))
    device = TOTPDevice.objects.get(user=world["cadre"])
    token = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
    page.locator("#id_token").fill(f"{token:0{device.digits}d}")
    click_and_wait(page, page.locator("main form button[type=submit]").first)


def refused(page) -> list[str]:
    return [" ".join(t.split()) for t in page.locator("main .field-error, main .form-errors").all_inner_texts()]


def test_cadre_runs_a_wuchang_meeting_with_check_ins_and_a_tally(world, new_page):
    from cocreate.meetings.models import Attendance, FollowUpTask, Meeting

    # --- the cadre schedules the 屋场会 for the grid, starting a few minutes ago ---
    host = new_page(phone=False)
    staff_login(host, world)
    click_and_wait(host, host.locator(".staff-nav a[href$='/staff/meetings/']"))
    expect(host.locator("main h1")).to_contain_text("幸福社区")
    click_and_wait(host, host.locator("main a[href$='/new/']").first)
    start = timezone.localtime() - timedelta(minutes=10)
    host.locator("#id_kind").select_option("wuchang")
    host.locator("#id_title").fill("1栋路灯屋场会")
    host.locator("#id_place").fill("1栋门前空地")
    host.locator("#id_starts_at").fill(start.strftime("%Y-%m-%dT%H:%M"))
    host.locator("#id_ends_at").fill((start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    host.locator("#id_node").select_option(label="第一网格（网格）")
    host.locator("#id_other_items").fill("是否更换LED路灯")
    click_and_wait(host, host.locator("main form button[type=submit]"))
    assert "/new/" not in host.url, f"the meeting was refused: {refused(host)}"
    meeting = Meeting.objects.get(title="1栋路灯屋场会")
    expect(host.locator("main h1")).to_contain_text("1栋路灯屋场会")
    expect(host.locator(".qr-checkin svg")).to_be_visible()
    checkin_url = host.locator("#checkin-url").get_attribute("href")
    assert meeting.checkin_token in checkin_url

    # --- a resident scans the code: the phone opens the link, signs in, confirms ---
    phone = new_page(phone=True)
    phone.goto(checkin_url)
    phone.wait_for_url(re.compile(r"/accounts/login/"))
    phone.locator("#id_phone").fill(RESIDENT_PHONE)
    phone.locator("#id_agree").check()
    phone.locator("main form button[type=submit]").click()
    phone.wait_for_url(re.compile(r"/accounts/login/code/"))
    phone.locator("#id_code").fill(last_code(RESIDENT_PHONE))
    phone.locator("main form button[type=submit]").click()
    phone.wait_for_url(re.compile(r"/me/meetings/checkin/"))
    expect(phone.locator("main h1")).to_contain_text("1栋路灯屋场会")
    click_and_wait(phone, phone.locator("main form button[type=submit]"))
    expect(phone).to_have_url(re.compile(rf"/me/meetings/{meeting.pk}/$"))
    expect(phone.locator("main .checked-in")).to_be_visible()
    assert phone.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")[0] <= 390

    # --- the host checks in 李秀英, who has no phone ---
    host.reload()
    host.locator("#q").fill("李秀英")
    expect(host.locator("#candidates tbody tr")).to_have_count(1)
    click_and_wait(host, host.locator("#candidates button[type=submit]"))
    expect(host.locator("#attended-persons")).to_have_text("2")
    expect(host.locator("#attended-households")).to_have_text("1")
    methods = set(Attendance.objects.filter(meeting=meeting).values_list("method", flat=True))
    assert methods == {"qr", "host"}

    # --- show of hands: more hands than people present is refused, then the right count ---
    item = host.locator("main .option").filter(has_text="是否更换LED路灯")
    item.locator("input[name=votes_for]").fill("3")
    item.locator("input[name=votes_against]").fill("0")
    item.locator("input[name=votes_abstain]").fill("0")
    click_and_wait(host, item.locator("button[type=submit]"))
    expect(host.locator("main [role=alert]").first).to_be_visible()
    item = host.locator("main .option").filter(has_text="是否更换LED路灯")
    item.locator("input[name=votes_for]").fill("2")
    item.locator("input[name=votes_against]").fill("0")
    item.locator("input[name=votes_abstain]").fill("0")
    click_and_wait(host, item.locator("button[type=submit]"))
    expect(host.locator("main .tally-result")).to_contain_text("2")

    # --- minutes and a follow-up task ---
    host.locator("#id_minutes").fill("到会2人。大家同意更换LED路灯，由社区联系施工方。")
    click_and_wait(host, host.locator("#minutes button[type=submit]"))
    host.locator("#tasks summary").click()
    host.locator("#id_task-title").fill("联系路灯施工方报价")
    host.locator("#id_task-owner_name").fill("楼栋长老李")
    host.locator("#id_task-due_on").fill((timezone.localdate() + timedelta(days=14)).isoformat())
    click_and_wait(host, host.locator("#tasks form button[type=submit]"))
    expect(host.locator("#tasks table")).to_contain_text("联系路灯施工方报价")

    meeting.refresh_from_db()
    item_row = meeting.agenda.get()
    assert (item_row.votes_for, item_row.votes_against, item_row.votes_abstain) == (2, 0, 0)
    assert "LED" in meeting.minutes
    assert FollowUpTask.objects.get(meeting=meeting).owner_name == "楼栋长老李"
    assert host.js_errors == [] and phone.js_errors == []
