import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_cadre_sees_node_page_with_households(client, cast, org_tree, signed_in):
    signed_in(cast["cadre"])
    response = client.get(reverse("orgs:node", args=[org_tree.community.pk]))
    assert response.status_code == 200
    assert "1栋101" in response.content.decode()


def test_resident_home_shows_household(client, cast, signed_in):
    signed_in(cast["resident"])
    response = client.get(reverse("residents:home"))
    assert response.status_code == 200
    assert "1栋101" in response.content.decode()
