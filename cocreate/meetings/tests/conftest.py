"""Helpers shared by the meetings tests: a category, a topic, a meeting in the grid, neighbours."""

from datetime import timedelta

import pytest
from django.utils import timezone


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def category(db):
    from cocreate.needs.models import Category

    return Category.objects.update_or_create(code="lighting", defaults={
        "name": "路灯照明", "name_en": "Street lighting", "sla_days": 3})[0]


@pytest.fixture
def neighbours(org_tree):
    """Households 2…6 in the fixture building; the first two heads have a phone and an account."""
    from cocreate.accounts.services import resident_account_for_phone
    from cocreate.orgs import services

    households = []
    for n in range(2, 7):
        members = [{"name": f"邻居{n}", "relation": "head"}]
        if n <= 3:
            members[0]["phone"] = f"1360013600{n}"
        households.append(services.household_register(actor=None, node=org_tree.building, address=f"1栋{n}01",
                                                       occupancy="resident", members=members))
    for n in (2, 3):
        resident_account_for_phone(phone_e164=f"+861360013600{n}")
    return households


def head(household):
    return household.members.select_related("user").get(relation="head")


@pytest.fixture
def topic(cast, org_tree):
    from cocreate.meetings import services

    return services.topic_create(actor=cast["cadre"], node=org_tree.community, title="小区路灯改造",
                                 description="晚上路太黑，老人出门不方便。")


@pytest.fixture
def meeting(cast, org_tree, topic):
    """A 屋场会 of the grid, starting now, with the topic and a free item on its agenda."""
    from cocreate.meetings import services

    now = timezone.now()
    return services.meeting_schedule(actor=cast["grid_worker"], node=org_tree.grid, kind="wuchang",
                                     title="1栋屋场会", place="1栋门前", starts_at=now - timedelta(minutes=5),
                                     ends_at=now + timedelta(hours=2), agenda=[topic, "其他事项"])


@pytest.fixture(autouse=True)
def english(settings):
    """These tests read the English msgids: pages and service messages in English (the
    catalogue's Chinese is checked by tests/test_translations.py and the browser journeys)."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
