"""The funds demo skips without projects and is idempotent."""

import pytest

from cocreate.funds import demo

pytestmark = pytest.mark.django_db


def test_demo_skips_gracefully_without_the_demo_county_or_projects():
    assert demo.seed() is None
