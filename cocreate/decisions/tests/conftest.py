"""Helpers shared by the decisions tests: a topic with options, residents with accounts, ballots."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def sheet_photo(name="sheet.jpg") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (16, 12), "white").save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


@pytest.fixture
def topic(org_tree):
    from cocreate.meetings.models import Option, Topic

    community = org_tree.community
    topic = Topic.objects.create(community=community, node=community, path=community.path, title="小区停车位改造")
    for title, cost in [("划线停车", 3_000_000), ("建立体车库", 80_000_000), ("维持现状", 0)]:
        Option.objects.create(topic=topic, title=title, cost_fen=cost)
    return topic


@pytest.fixture
def residents(org_tree):
    """Households 2…6 in the building, each head with a phone and an account (returned: persons)."""
    from cocreate.accounts.services import resident_account_for_phone
    from cocreate.orgs import services

    people = []
    for n in range(2, 7):
        household = services.household_register(
            actor=None, node=org_tree.building, address=f"1栋{n}01", occupancy="resident",
            members=[{"name": f"居民{n}", "phone": f"1350013500{n}", "relation": "head", "birth_year": 1970}])
        resident_account_for_phone(phone_e164=f"+861350013500{n}")
        people.append(household.members.select_related("user", "household").get())
    return people


@pytest.fixture
def make_ballot(topic, cast):
    from cocreate.decisions import services

    def _make(kind="yes_no", *, open_now=True, actor=None, **kwargs):
        now = timezone.now()
        options = kwargs.pop("options", None)
        if options is None and kind != "yes_no":
            options = list(topic.options.all())
        ballot = services.ballot_create(
            actor=actor or cast["cadre"], topic=topic, title=kwargs.pop("title", "停车位怎么改"), kind=kind,
            options=options or (), opens_at=kwargs.pop("opens_at", now - timedelta(minutes=1)),
            closes_at=kwargs.pop("closes_at", now + timedelta(days=7)), **kwargs)
        if open_now:
            ballot = services.ballot_open(actor=actor or cast["cadre"], ballot=ballot)
        return ballot

    return _make


@pytest.fixture(autouse=True)
def english(settings):
    """These tests read the English msgids: pages and service messages in English (the
    catalogue's Chinese is checked by tests/test_translations.py and the browser journeys)."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
