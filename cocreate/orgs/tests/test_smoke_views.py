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


def test_resident_home_reads_a_fixed_few_rows(client, cast, org_tree, signed_in, django_assert_num_queries):
    """The household without its node joined in (the node and its ancestors, levels included,
    come from the cache), then its 联户长 links and its members: with the session and the
    account, five statements, the community's level name shown."""
    signed_in(cast["resident"])
    url = reverse("residents:home")
    client.get(url)  # fills the node cache
    with django_assert_num_queries(5):
        page = client.get(url).content.decode()
    assert org_tree.community.name in page and org_tree.community.level.name in page
