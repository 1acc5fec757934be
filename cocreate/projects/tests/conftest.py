"""Helpers shared by the projects tests: a county valuation table, a decided topic with its
published ballot, and a project started from them."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def photo(name="evidence.jpg") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (16, 12), "white").save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


@pytest.fixture
def valuation(org_tree):
    """¥150 a person-day of 8 hours; cement at ¥480 a tonne, sand at ¥95.50 a cubic metre."""
    from cocreate.projects import services

    table = services.valuation_set(actor=None, node=org_tree.county, labour_day_fen=15000, hours_per_day=8)
    services.material_price_set(actor=None, node=org_tree.county, name="水泥", unit="吨", price_fen=48000)
    services.material_price_set(actor=None, node=org_tree.county, name="砂石", unit="方", price_fen=9550)
    return table


@pytest.fixture
def need(org_tree):
    from cocreate.needs.models import Category
    from cocreate.needs.services import need_raise

    category = Category.objects.first() or Category.objects.create(code="road", name="道路", name_en="Roads")
    return need_raise(actor=None, person=org_tree.resident_person, text="门前的路一下雨就是泥巴路，老人出行不方便",
                      category=category)


@pytest.fixture
def project(org_tree, cast, valuation, need):
    from cocreate.projects import services

    return services.project_create(actor=cast["cadre"], node=org_tree.community, title="硬化门前路",
                                   scope="650 米田间路，宽 2.5 米，厚 0.15 米",
                                   origin=services.Origin(needs=(need,)))
