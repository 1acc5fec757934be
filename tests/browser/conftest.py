"""Real Chromium for the browser journeys (inclusion.md): Playwright's sync API against
pytest-django's live server. Chromium comes from Debian at /usr/bin/chromium; when it is
missing every journey fails with the command to install it — the journeys never skip."""

import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("COCREATE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
ROOT = Path(__file__).resolve().parents[2]
PO_FILE = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
GRID_WORKER_PHONE = "13700137000"
CADRE_PASSWORD = "Browser#Pass2026"
TIMEOUT_MS = 10_000


MISSING = (f"Chromium is missing at {CHROMIUM}: the browser journeys need it and never skip. "
           "Install it with `sudo apt-get install -y chromium fonts-noto-cjk` (or `make browser`).")


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per module, or None when it is not installed (the journeys then
    fail — in the test itself, so they are reported as failed, not skipped or set-up errors).

    While Playwright's sync API is started it keeps an asyncio loop running in this thread,
    and Django's ORM refuses to run in a thread with a running loop unless told that it is
    safe (it is: every call blocks). The permission lasts exactly as long as the browser, so
    the rest of the suite keeps Django's guard."""
    if not os.access(CHROMIUM, os.X_OK):
        yield None
        return
    from playwright.sync_api import sync_playwright

    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            yield chromium
            chromium.close()
    finally:
        if before is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


@pytest.fixture(scope="session")
def catalogue(tmp_path_factory):
    """The zh-hans catalogue compiled from the .po as it is now (into a private directory, so
    that a translator's half-saved file or a parallel run never sees a half-written .mo), and
    the messages it translates: assertions on Chinese text become strict as translations land."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with PO_FILE.open("rb") as po:
        catalog = read_po(po, locale="zh_Hans", domain="django")
    locale_dir = tmp_path_factory.mktemp("locale")
    mo_path = locale_dir / "zh_Hans" / "LC_MESSAGES" / "django.mo"
    mo_path.parent.mkdir(parents=True)
    with mo_path.open("wb") as mo:
        write_mo(mo, catalog, use_fuzzy=False)
    translated = {m.id: m.string for m in catalog
                  if m.id and isinstance(m.id, str) and m.string and not m.fuzzy}
    return {"path": locale_dir, "translated": translated}


@pytest.fixture(autouse=True)
def _browser_settings(settings, catalogue):
    """Fresh throttles and outbox; the freshly compiled catalogue (changing LOCALE_PATHS makes
    Django drop its cached translations); codes may be re-sent at once within one journey."""
    from django.core.cache import cache

    from cocreate.notify.backends import LocmemSmsBackend

    settings.LOCALE_PATHS = [catalogue["path"]]
    settings.SMS_RESEND_SECONDS = 0
    cache.clear()
    LocmemSmsBackend.outbox.clear()
    yield
    LocmemSmsBackend.outbox.clear()


@pytest.fixture
def new_page(browser, live_server):
    """`new_page(phone=True)` opens a fresh browser profile (no cookies) on a phone or a desktop."""
    contexts = []

    def _open(*, phone: bool = True):
        if browser is None:
            pytest.fail(MISSING, pytrace=False)
        context = browser.new_context(base_url=live_server.url, locale="zh-CN", **(PHONE if phone else DESKTOP))
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.js_errors = errors
        return page

    yield _open
    for context in contexts:
        context.close()


@pytest.fixture
def world(cast, org_tree):
    """The shared cast, plus a grid worker who lives in the grid (so the resident's home lists
    someone to call) and a cadre with a known password and a confirmed authenticator app."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from cocreate.orgs import services

    worker_home = services.household_register(
        actor=None, node=org_tree.building, address="1栋102", occupancy="resident",
        members=[{"name": "陈网格", "phone": GRID_WORKER_PHONE, "relation": "head"}])
    worker = worker_home.members.get()
    worker.user = cast["grid_worker"]
    worker.save()
    cadre = cast["cadre"]
    cadre.set_password(CADRE_PASSWORD)
    cadre.save(update_fields=["password"])
    TOTPDevice.objects.create(user=cadre, name="phone app", confirmed=True)
    return {**cast, "password": CADRE_PASSWORD}

