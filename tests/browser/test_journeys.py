"""Journeys in real Chromium (inclusion.md): what residents and staff see, on a phone-sized
screen for residents, with elder mode (长辈版) and axe-core's WCAG 2.1 AA rules."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from steps import (
    GRID_WORKER_PHONE,
    NEIGHBOUR_PHONE,
    RESIDENT_PHONE,
    click_and_wait,
    enter_code,
    last_code,
    request_code,
    resident_login,
    sign_out,
)

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
AXE = "axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']})"
# The controls a resident acts with: buttons, button-styled links, the "Call" links, inputs.
CONTROLS = ("header button, main button, main .weui-btn, main a.call-link, "
            "main input:not([type=hidden]):not([type=checkbox]), main select")


# --- steps -------------------------------------------------------------------------------

def elder_toggle(page):
    return page.locator("header button.elder-toggle")


def language_button(page):
    return page.locator("header form[action$='/accounts/language/'] button")


def is_elder(page) -> bool:
    return page.evaluate("document.body.classList.contains('elder')")


def html_lang(page) -> str:
    return page.evaluate("document.documentElement.lang")


def main_text(page) -> str:
    return page.locator("main").inner_text()


def zh(catalogue, msgid: str) -> str:
    """What the Chinese page shows for `msgid`: its translation once the .po has one."""
    return catalogue["translated"].get(msgid, msgid)


def axe_violations(page) -> list[dict]:
    page.add_script_tag(url="/static/vendor/axe/axe.min.js")
    return page.evaluate(AXE)["violations"]


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        lines.extend(f"    {node['target']}: {' '.join(node['failureSummary'].split())}"
                     for node in violation["nodes"][:6])
    return "\n".join(lines)


def assert_accessible(page, where: str) -> None:
    violations = axe_violations(page)
    assert not violations, f"axe-core on {where} ({page.url}):\n{describe(violations)}"


def text_metrics(page) -> list[dict]:
    """Font size and line height of the body and of every visible piece of main text."""
    return page.evaluate("""() => {
      const visible = (el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
      const items = [document.body, ...document.querySelectorAll(
        'main p, main li, main label, main td, main .weui-cell__bd, main .weui-cell__ft, main .help')];
      return items.filter(visible).map((el) => {
        const cs = getComputedStyle(el);
        return {what: el === document.body ? 'body' : el.tagName.toLowerCase() + '.' + el.className,
                text: el.innerText.slice(0, 30), fontSize: parseFloat(cs.fontSize),
                lineHeight: cs.lineHeight === 'normal' ? 0 : parseFloat(cs.lineHeight)};
      });
    }""")


def control_boxes(page) -> list[dict]:
    return page.evaluate("""(selector) => [...document.querySelectorAll(selector)]
      .map((el) => ({what: el.tagName.toLowerCase() + ' ' + (el.innerText || el.name || '').trim().slice(0, 30),
                     box: el.getBoundingClientRect()}))
      .filter((c) => c.box.width > 0 && c.box.height > 0)
      .map((c) => ({what: c.what, width: c.box.width, height: c.box.height}))""", CONTROLS)


def assert_elder_layout(page) -> None:
    """MIIT elder-friendly figures: text ≥ 18 px, line height ≥ 1.3×, main controls ≥ 60 × 60 px."""
    assert is_elder(page), "elder mode is not on"
    metrics = text_metrics(page)
    body = metrics[0]
    assert body["fontSize"] >= 18, body
    small = [m for m in metrics if m["fontSize"] < 18]
    assert not small, f"text under 18 px in elder mode: {small}"
    cramped = [m for m in metrics if m["lineHeight"] < 1.3 * m["fontSize"]]
    assert not cramped, f"line height under 1.3× in elder mode: {cramped}"
    h1 = page.evaluate("parseFloat(getComputedStyle(document.querySelector('main h1')).fontSize)")
    assert h1 > body["fontSize"], "the main heading should be larger than the text"
    controls = control_boxes(page)
    assert controls
    small = [c for c in controls if c["width"] < 60 or c["height"] < 60]
    assert not small, f"controls under 60 × 60 px in elder mode: {small}"
    assert_fits_screen(page)


def assert_standard_layout(page) -> None:
    """Standard view: controls at least 44 px high (inclusion.md), and nothing wider than the phone."""
    assert not is_elder(page), "elder mode is on"
    controls = control_boxes(page)
    small = [c for c in controls if c["height"] < 44 or c["width"] < 44]
    assert not small, f"controls under 44 × 44 px: {small}"
    assert_fits_screen(page)


def assert_fits_screen(page) -> None:
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"the page scrolls sideways on a phone: {widths}"


# --- 1. resident login by SMS code --------------------------------------------------------

def test_resident_signs_in_by_sms_code_and_sees_their_household(world, new_page):
    page = new_page()
    page.goto("/accounts/login/")
    page.locator("#id_phone").fill(RESIDENT_PHONE)
    # Without ticking the privacy notice nothing is sent, and the page says why in words.
    page.locator("main form button[type=submit]").click()
    expect(page.locator("main .field-error [role=alert]")).to_have_count(1)
    expect(page.locator("main .field-error [role=alert]")).to_contain_text("⚠")
    from cocreate.notify.backends import LocmemSmsBackend

    assert LocmemSmsBackend.outbox == []

    page.locator("#id_phone").fill(RESIDENT_PHONE)
    page.locator("#id_agree").check()
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/accounts/login/code/"))
    # The number is shown masked, never in full.
    expect(page.locator("main .lead")).to_contain_text("138****8000")
    assert RESIDENT_PHONE not in page.content()

    page.locator("#id_code").fill(last_code(RESIDENT_PHONE))
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/me/$"))
    expect(page.get_by_test_id("household-address")).to_have_text("1栋101")
    expect(page.locator("main h1")).to_contain_text("张小明")
    expect(page.locator("main")).to_contain_text("李秀英")
    expect(page.locator("main")).to_contain_text("幸福社区")
    expect(page.locator("main")).to_contain_text("第一网格")
    # The grid worker can be called without their number being printed.
    expect(page.locator("main a.call-link")).to_have_count(1)
    assert GRID_WORKER_PHONE not in page.content()
    assert page.js_errors == []


# --- 2. cadre: password + TOTP, register a household, find it in the tree -----------------

def test_cadre_registers_a_household_and_finds_it_in_the_tree(world, new_page):
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    page = new_page(phone=False)
    page.goto("/accounts/staff/login/")
    page.locator("#id_username").fill("cadre")
    page.locator("#id_password").fill(world["password"])
    click_and_wait(page, page.locator("main form button[type=submit]"))
    expect(page).to_have_url(re.compile(r"/accounts/staff/verify/"))

    device = TOTPDevice.objects.get(user=world["cadre"])
    token = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
    page.locator("#id_token").fill(f"{token:0{device.digits}d}")
    click_and_wait(page, page.locator("main form button[type=submit]").first)

    # A cadre works in one community: the console opens on it.
    expect(page.locator("main h1")).to_contain_text("幸福社区")
    click_and_wait(page, page.locator("main table").get_by_role("link", name="第一网格"))
    expect(page.locator("main h1")).to_contain_text("第一网格")
    click_and_wait(page, page.locator("main a[href$='/households/new/']"))

    page.locator("#id_address").fill("1栋203")
    page.locator("#id_occupancy").select_option("rented")
    page.locator("#id_m-0-name").fill("周桂兰")
    page.locator("#id_m-0-relation").select_option("head")
    page.locator("#id_consent_channel").select_option("paper")
    page.locator("#id_consent_evidence").fill("回执 0042")
    page.locator("#id_consent_confirmed").check()
    click_and_wait(page, page.locator("main form button[type=submit]"))
    refused = [" ".join(t.split()) for t in page.locator("main .field-error, main .form-errors").all_inner_texts()]
    assert "/households/new/" not in page.url, f"the registration was refused: {refused}"
    expect(page.locator("main h1")).to_have_text("1栋203")
    expect(page.locator(".messages")).to_be_visible()

    # Find it again from the top of the cadre's tree.
    click_and_wait(page, page.locator(".staff-nav a").first)
    expect(page.locator("main h1")).to_contain_text("幸福社区")
    click_and_wait(page, page.locator("main table").get_by_role("link", name="第一网格"))
    rows = page.locator("#household-rows tr")
    expect(rows).to_have_count(3)  # 1栋101, 1栋102 and the new one
    page.locator("#q").fill("203")
    click_and_wait(page, page.locator("form.search button[type=submit]"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("1栋203")
    click_and_wait(page, rows.first.get_by_role("link", name="1栋203"))
    expect(page.locator("main h1")).to_have_text("1栋203")
    expect(page.locator("main table")).to_contain_text("周桂兰")
    assert page.js_errors == []


# --- 3. language switch and elder mode -----------------------------------------------------

def test_language_switch_changes_the_page_and_is_remembered(world, new_page, catalogue):
    page = new_page()
    page.goto("/accounts/login/")
    assert html_lang(page) == "zh-CN"
    expect(language_button(page)).to_have_text("English")
    expect(page.locator("main h1")).to_have_text(zh(catalogue, "Sign in with your phone"))
    chinese = main_text(page)

    click_and_wait(page, language_button(page))
    assert html_lang(page) == "en"
    expect(language_button(page)).to_have_text("中文")
    expect(page.locator("main h1")).to_have_text("Sign in with your phone")
    expect(page.locator("main form button[type=submit]")).to_have_text("Send me a code")
    english = main_text(page)
    on_page = ["Sign in with your phone", "Send me a code", "Privacy notice", "Staff sign-in"]
    if any(msgid in catalogue["translated"] for msgid in on_page):
        assert chinese != english, "the page reads the same in both languages"
        for msgid in on_page:
            assert zh(catalogue, msgid) in chinese

    page.reload()
    assert html_lang(page) == "en", "the language is remembered after a reload"

    # Signed in, the choice is kept on the account: a new phone opens in English after login.
    resident_login(page)
    assert html_lang(page) == "en"
    expect(page.locator("#my-household")).to_have_text("My household")
    click_and_wait(page, language_button(page))  # back to Chinese, and English again: stored
    assert html_lang(page) == "zh-CN"
    expect(page.locator("#my-household")).to_have_text(zh(catalogue, "My household"))
    click_and_wait(page, language_button(page))
    assert html_lang(page) == "en"

    other = new_page()
    other.goto("/accounts/login/")
    assert html_lang(other) == "zh-CN"
    resident_login(other)
    assert html_lang(other) == "en", "the language chosen by this resident follows them to a new phone"
    expect(other.locator("#my-household")).to_have_text("My household")


def test_elder_mode_enlarges_the_page_and_is_remembered_per_user(world, new_page):
    page = new_page()
    resident_login(page)
    assert_standard_layout(page)
    expect(elder_toggle(page)).to_have_attribute("aria-pressed", "false")
    assert "长辈版" in elder_toggle(page).inner_text()
    standard_size = text_metrics(page)[0]["fontSize"]

    click_and_wait(page, elder_toggle(page))
    expect(page).to_have_url(re.compile(r"/me/$"))
    assert_elder_layout(page)
    assert text_metrics(page)[0]["fontSize"] > standard_size
    expect(elder_toggle(page)).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_test_id("household-address")).to_have_text("1栋101")

    page.reload()
    assert is_elder(page), "elder mode is remembered after a reload"
    sign_out(page)
    assert is_elder(page), "elder mode stays on for this phone after signing out"
    assert_elder_layout(page)

    # The choice belongs to the resident: on a fresh phone it comes back once they sign in …
    fresh = new_page()
    fresh.goto("/accounts/login/")
    assert not is_elder(fresh)
    resident_login(fresh)
    assert is_elder(fresh), "elder mode follows the resident to a new phone after login"
    assert_elder_layout(fresh)

    # … and another resident is not affected.
    neighbour = new_page()
    resident_login(neighbour, NEIGHBOUR_PHONE)
    expect(neighbour.get_by_test_id("household-address")).to_have_text("友谊路8号")
    assert not is_elder(neighbour)


def test_elder_mode_chosen_before_signing_in_is_kept(world, new_page):
    page = new_page()
    page.goto("/accounts/login/")
    click_and_wait(page, elder_toggle(page))
    assert_elder_layout(page)
    request_code(page, NEIGHBOUR_PHONE)
    assert is_elder(page)
    enter_code(page, NEIGHBOUR_PHONE)
    assert is_elder(page), "elder mode chosen before signing in is kept after signing in"


# --- 4. axe-core: no WCAG 2.1 A/AA violations on resident pages -----------------------------

@pytest.mark.parametrize("elder", [False, True], ids=["standard", "elder"])
def test_resident_pages_have_no_axe_violations(world, new_page, elder):
    if elder:  # on this phone (cookie) and on the account
        world["resident"].elder_mode = True
        world["resident"].save(update_fields=["elder_mode"])
    page = new_page()
    page.goto("/accounts/login/")
    if elder:
        click_and_wait(page, elder_toggle(page))
    assert is_elder(page) is elder
    assert_accessible(page, "the login page")
    page.locator("main details.privacy summary").click()
    page.locator("main form button[type=submit]").click()  # nothing filled in: errors in words
    expect(page.locator("main [role=alert]").first).to_be_visible()
    assert_accessible(page, "the login page with errors")

    request_code(page)
    assert is_elder(page) is elder
    assert_accessible(page, "the code page")
    (assert_elder_layout if elder else assert_standard_layout)(page)

    enter_code(page)
    assert is_elder(page) is elder
    expect(page.get_by_test_id("household-address")).to_have_text("1栋101")
    assert_accessible(page, "the resident home")
    (assert_elder_layout if elder else assert_standard_layout)(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"resident-home-{'elder' if elder else 'standard'}.png", full_page=True)
    # A phone set to dark mode gets the same light, legible page (WeUI must not mix in its dark palette).
    page.emulate_media(color_scheme="dark")
    assert_accessible(page, "the resident home on a phone in dark mode")
    assert page.js_errors == []
