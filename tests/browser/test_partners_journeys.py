"""Service orders in real Chromium on phones (390×844): a resident asks for help from the service
list (点单), a dispatched Party member living in the community claims it (抢单), accepts (接单)
and reports it done with a photo (办结), and the resident rates it (评单)."""

import datetime
import re

import pytest
from playwright.sync_api import expect
from steps import click_and_wait, jpeg_file, resident_login

pytestmark = pytest.mark.browser

MEMBER_PHONE = "13600136011"


@pytest.fixture
def service(world, org_tree, settings, tmp_path):
    """A partner unit paired with the community, its offer on the residents' service list, and a
    Party member of the unit who lives in the building (双报到)."""
    from cocreate.accounts.services import resident_account_for_phone
    from cocreate.orgs import services as orgs
    from cocreate.partners import services

    settings.MEDIA_ROOT = tmp_path / "media"
    unit = orgs.partner_unit_register(actor=None, node=org_tree.county, name="县住建局", kind="机关")
    orgs.pairing_create(actor=None, unit=unit, community=org_tree.community, since=datetime.date(2024, 3, 1))
    home = orgs.household_register(actor=None, node=org_tree.building, address="1栋502", occupancy="resident",
                                   members=[{"name": "党员老李", "relation": "head", "phone": MEMBER_PHONE,
                                             "is_party_member": True}])
    resident_account_for_phone(phone_e164=f"+86{MEMBER_PHONE}")
    orgs.dispatched_member_register(actor=None, person=home.members.get(), unit=unit,
                                    home_community=org_tree.community, grid=org_tree.grid,
                                    reported_at=datetime.date(2024, 4, 1))
    offer = services.offer_create(actor=world["cadre"], unit=unit, community=org_tree.community,
                                  title="上门维修水电", description="党员志愿者上门修理水管、电灯",
                                  category="repair", capacity="每周六上午")
    return services.item_publish(actor=world["cadre"], offer=offer)


def test_resident_orders_a_member_claims_and_does_it_the_resident_rates(world, new_page, service, tmp_path):
    from cocreate.partners.models import ServiceOrder

    resident = new_page(phone=True)
    resident_login(resident)
    resident.goto("/me/services/")
    click_and_wait(resident, resident.get_by_role("link", name=re.compile("上门维修水电")))
    resident.locator("#id_description").fill("厨房水管漏水，请帮忙修一下")
    click_and_wait(resident, resident.locator("main form button[type=submit]"))
    order = ServiceOrder.objects.get()
    assert order.status == ServiceOrder.Status.PLACED and order.item == service

    member = new_page(phone=True)
    resident_login(member, MEMBER_PHONE)
    member.goto("/me/services/tasks/")
    click_and_wait(member, member.locator(f"a[href$='/me/services/orders/{order.pk}/']").first)
    click_and_wait(member, member.locator(f"form[action$='/orders/{order.pk}/claim/'] button"))
    click_and_wait(member, member.locator(f"form[action$='/orders/{order.pk}/accept/'] button"))
    member.locator("#id_hours").fill("1")
    member.locator("#id_minutes").fill("30")
    member.locator("#id_photo").set_input_files(jpeg_file(tmp_path, "done.jpg"))
    click_and_wait(member, member.locator(f"form[action$='/orders/{order.pk}/complete/'] button"))
    order.refresh_from_db()
    assert order.status == ServiceOrder.Status.DONE and order.minutes == 90
    assert not member.js_errors, member.js_errors

    resident.goto(f"/me/services/orders/{order.pk}/")
    expect(resident.locator("img.done-photo")).to_be_visible()
    resident.locator("#rate-form input[name=rating][value='5']").check()
    click_and_wait(resident, resident.locator("#rate-form button[type=submit]"))
    order.refresh_from_db()
    assert order.status == ServiceOrder.Status.RATED and order.rating == 5
    expect(resident.locator("main")).to_contain_text("5/5")
    assert "党员老李" not in resident.locator("main").inner_text()  # the member's name is masked
    assert not resident.js_errors, resident.js_errors
