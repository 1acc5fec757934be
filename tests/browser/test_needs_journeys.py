"""Needs journeys in real Chromium on a phone: a resident raising a need is shown the similar
one a neighbour already raised, and places it on the map; a grid worker records a need for an
elderly resident who has no smartphone, with a photo of the slip she signed."""

import re

import pytest
from playwright.sync_api import expect
from steps import click_and_wait, give_staff_password_and_app, jpeg_file, resident_login, staff_login

pytestmark = pytest.mark.browser

WORKER_PASSWORD = "Grid#Worker2026"


@pytest.fixture
def lighting():
    from cocreate.needs.models import Category

    return Category.objects.get_or_create(code="lighting", defaults={"name": "路灯照明", "name_en": "Lighting"})[0]


def test_resident_is_shown_the_similar_need_and_places_theirs_on_the_map(world, new_page, org_tree, lighting):
    from cocreate.needs import services
    from cocreate.needs.models import Need
    from cocreate.orgs.models import Person

    neighbour = Person.objects.get(name="陈网格")  # lives in 1栋102, same community
    existing = services.need_raise(actor=None, person=neighbour, text="小区路灯坏了", category=lighting)

    page = new_page()
    resident_login(page)
    page.goto("/me/needs/new/")
    page.locator("#id_text").press_sequentially("我们小区的路灯晚上不亮", delay=20)
    suggestion = page.locator("#suggestions .suggestion")
    expect(suggestion).to_have_count(1)
    expect(suggestion).to_contain_text("小区路灯坏了")
    expect(suggestion.locator("a")).to_have_attribute("href", f"/me/needs/{existing.pk}/")

    # It is not quite the same problem here: a point on the map, chosen with a tap.
    page.locator("#id_category").select_option(str(lighting.pk))
    picker = page.locator("[data-map-picker]")
    expect(picker).to_be_hidden()
    page.locator("input[name=place][value=point]").check()
    expect(picker).to_be_visible()
    page.locator("[data-map]").click(position={"x": 120, "y": 90})
    expect(page.locator("#id_latitude")).not_to_have_value("")
    latitude, longitude = (float(page.locator(f"#id_{name}").input_value()) for name in ("latitude", "longitude"))
    assert 29 < latitude < 32 and 110 < longitude < 113, (latitude, longitude)  # around 枝江, where the map opens
    click_and_wait(page, page.locator("main form button[type=submit]"))

    need = Need.objects.exclude(pk=existing.pk).get()
    expect(page).to_have_url(re.compile(rf"/me/needs/{need.pk}/$"))
    assert need.place == Need.Place.POINT
    assert float(need.latitude) == pytest.approx(latitude, abs=1e-6)
    expect(page.locator("main [data-map]")).to_be_visible()  # the need's page shows where it is
    assert page.js_errors == []


def test_grid_worker_records_a_need_for_an_elderly_resident(world, new_page, org_tree, lighting, tmp_path):
    from cocreate.audit.models import AuditEvent
    from cocreate.needs.models import Need
    from cocreate.orgs.models import Person

    elder = Person.objects.get(name="李秀英")
    worker = world["grid_worker"]
    give_staff_password_and_app(worker, WORKER_PASSWORD)

    page = new_page()
    staff_login(page, worker, WORKER_PASSWORD)
    page.goto(f"/staff/households/{org_tree.household.pk}/")
    click_and_wait(page, page.get_by_role("link", name=re.compile("登记需求|Record a need")))
    page.locator("#id_person").select_option(str(elder.pk))
    page.locator("#id_text").fill("楼道灯不亮，晚上下楼看不见")
    page.locator("#id_category").select_option(str(lighting.pk))
    page.locator("input[name=consent_method][value=slip]").check()
    page.locator("#id_consent_slip").set_input_files(jpeg_file(tmp_path, "slip.jpg"))
    click_and_wait(page, page.locator("main form button[type=submit]"))

    need = Need.objects.get(text__startswith="楼道灯不亮")
    assert (need.person, need.recorded_by, need.channel) == (elder, worker, Need.Channel.PROXY)
    assert need.consent_confirmed_at is not None
    event = AuditEvent.objects.get(action="need.raised", target_id=str(need.pk))
    assert (event.actor, event.on_behalf_of_id) == (worker, elder.pk)
    expect(page.locator("main")).to_contain_text("楼道灯不亮")
    assert page.js_errors == []
