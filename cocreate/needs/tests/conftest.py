"""Helpers shared by the needs tests: categories, photos, more households and residents."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


@pytest.fixture
def category(db):
    """Street lighting, 3 days to handle (created by migration 0002; a flushed database
    after a transactional test has lost it, so get_or_create)."""
    from cocreate.needs.models import Category

    return Category.objects.update_or_create(code="lighting", defaults={
        "name": "路灯照明", "name_en": "Street lighting", "sla_days": 3})[0]


@pytest.fixture
def roads(db):
    from cocreate.needs.models import Category

    return Category.objects.update_or_create(code="roads", defaults={
        "name": "道路设施", "name_en": "Roads and paths", "sla_days": 14})[0]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def jpeg_bytes(size=(16, 12), colour="gray", exif=None) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", size, colour)
    if exif is not None:
        image.save(out, "JPEG", exif=exif)
    else:
        image.save(out, "JPEG")
    return out.getvalue()


def photo(name="photo.jpg", **kwargs) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg_bytes(**kwargs), content_type="image/jpeg")


@pytest.fixture
def neighbours(org_tree):
    """Households 2…11 in the same building as the fixture household; the first two have a
    member with a phone and an account."""
    from cocreate.accounts.services import resident_account_for_phone
    from cocreate.orgs import services

    households = []
    for n in range(2, 12):
        members = [{"name": f"邻居{n}", "relation": "head"}]
        if n <= 3:
            members[0]["phone"] = f"1360013600{n}"
        households.append(services.household_register(actor=None, node=org_tree.building, address=f"1栋{n}01",
                                                       occupancy="resident", members=members))
    for n in (2, 3):
        resident_account_for_phone(phone_e164=f"+861360013600{n}")
    return households


def head(household):
    return household.members.get(relation="head")
