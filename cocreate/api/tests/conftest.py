"""Helpers for the API tests: calling endpoints by URL name, with a token or a session."""

import io

import pytest
from django.core.files.base import ContentFile
from PIL import Image

from cocreate.api.services import token_issue


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def sms_outbox():
    from cocreate.notify.backends import LocmemSmsBackend

    LocmemSmsBackend.outbox.clear()
    yield LocmemSmsBackend.outbox
    LocmemSmsBackend.outbox.clear()


@pytest.fixture
def token_for(cast):
    """A live token for a role of the cast (or any user)."""

    def issue(who, method="sms"):
        user = cast[who] if isinstance(who, str) else who
        return token_issue(user=user, method=method)[1]

    return issue


@pytest.fixture
def category(db):
    from cocreate.needs.models import Category

    return Category.objects.update_or_create(code="lighting", defaults={
        "name": "路灯照明", "name_en": "Street lighting", "sla_days": 3})[0]


def jpeg() -> ContentFile:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "gray").save(out, "JPEG")
    return ContentFile(out.getvalue(), name="photo.jpg")


@pytest.fixture
def needs(org_tree, cast, category):
    """A need of the resident (with a photo), a similar one from the household next door, and
    one in the neighbouring community."""
    from cocreate.needs import services
    from cocreate.orgs.services import household_register

    next_door = household_register(actor=None, node=org_tree.building, address="1栋102", occupancy="resident",
                                   members=[{"name": "孙桂兰", "relation": "head", "birth_year": 1948}])
    neighbour = org_tree.neighbour_household.members.get()
    lamp = services.need_raise(actor=cast["resident"], person=org_tree.resident_person, text="小区路灯坏了",
                               category=category, photos=[jpeg()])
    return {
        "lamp": lamp,
        "dark": services.need_raise(actor=None, person=next_door.members.get(), text="我们小区的路灯晚上不亮",
                                    category=category),
        "neighbour": services.need_raise(actor=None, person=neighbour, text="楼道堆放杂物", category=category),
    }


@pytest.fixture
def request_code(api, sms_outbox, django_capture_on_commit_callbacks):
    """Ask for a sign-in code through the API; returns the response and the code the SMS carried
    (the SMS leaves when the transaction commits)."""
    import re

    def ask(phone="13800138000", **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            response = api.post("auth_sms_code", json_body={"phone": phone, "agree": True}, **kwargs)
        found = re.search(r"\d{6}", sms_outbox[-1][1]) if sms_outbox else None
        return response, found.group() if found else None

    return ask
