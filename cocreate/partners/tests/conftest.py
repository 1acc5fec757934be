"""Helpers shared by the partners tests: a partner unit paired with the community, two
dispatched Party members living in the grid (each with an account), an offer, a service on the
list and an order the resident placed."""

import datetime
import io

import pytest
from django.core.files.base import ContentFile
from PIL import Image


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def english(settings):
    """These tests read the English msgids (the catalogue's Chinese is the lead's merge)."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def jpeg(name="photo.jpg") -> ContentFile:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "gray").save(out, "JPEG")
    return ContentFile(out.getvalue(), name=name)


@pytest.fixture
def unit(org_tree):
    from cocreate.orgs import services

    return services.partner_unit_register(actor=None, node=org_tree.county, name="县住建局", kind="机关")


@pytest.fixture
def pairing(unit, org_tree):
    from cocreate.orgs import services

    return services.pairing_create(actor=None, unit=unit, community=org_tree.community,
                                   since=datetime.date(2024, 3, 1))


def _member(org_tree, unit, n: int):
    """A Party member of a household in the building, with a phone and an account, reporting to
    the community (双报到) and placed in the grid."""
    from cocreate.accounts.services import resident_account_for_phone
    from cocreate.orgs import services

    phone = f"1360013601{n}"
    household = services.household_register(
        actor=None, node=org_tree.building, address=f"1栋{n}02", occupancy="resident",
        members=[{"name": f"党员{n}", "relation": "head", "phone": phone, "is_party_member": True}])
    person = household.members.get()
    resident_account_for_phone(phone_e164=f"+86{phone}")
    return services.dispatched_member_register(actor=None, person=person, unit=unit,
                                               home_community=org_tree.community, grid=org_tree.grid,
                                               reported_at=datetime.date(2024, 4, 1))


@pytest.fixture
def member(org_tree, unit, pairing):
    return _member(org_tree, unit, 1)


@pytest.fixture
def member2(org_tree, unit, pairing):
    return _member(org_tree, unit, 2)


def user_of(member):
    member.person.refresh_from_db()
    return member.person.user


@pytest.fixture
def offer(cast, org_tree, unit, pairing):
    from cocreate.partners import services

    return services.offer_create(actor=cast["cadre"], unit=unit, community=org_tree.community,
                                 title="上门维修水电", description="党员志愿者上门修理水管、电灯", category="repair",
                                 capacity="每周六上午两人")


@pytest.fixture
def item(cast, offer):
    from cocreate.partners import services

    return services.item_publish(actor=cast["cadre"], offer=offer)


@pytest.fixture
def order(cast, org_tree, item):
    from cocreate.partners import services

    return services.order_place(actor=cast["resident"], person=org_tree.resident_person, item=item,
                                description="厨房水管漏水，请帮忙修一下")


@pytest.fixture
def category(db):
    from cocreate.needs.models import Category

    return Category.objects.update_or_create(code="repair", defaults={
        "name": "维修", "name_en": "Repairs", "sla_days": 3})[0]
