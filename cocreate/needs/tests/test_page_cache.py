"""Kept pages (core/page_cache.py), as a resident, a cadre or an attacker sees them: a kept
page is served again until a write touches what it shows, never to anyone else, never past
the access checks, never in place of a page that must show a message."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from cocreate.audit.services import record
from cocreate.core import page_cache

from .test_views import raise_need

pytestmark = pytest.mark.django_db

HIT = "X-Page-Cache"


def kept(response) -> bool:
    return response.get(HIT) == "hit"


def warm(client, url, **extra) -> None:
    """Build the page and keep it. The first visit sets the CSRF cookie, as the sign-in page
    does in a browser; a page built with a new CSRF secret is not kept."""
    client.get(url, **extra)
    first = client.get(url, **extra)
    assert first.status_code == 200 and not kept(first)
    assert kept(client.get(url, **extra))


@pytest.fixture
def needs_home(client, signed_in, cast):
    """The resident's needs page, built once and kept."""
    signed_in(cast["resident"])
    url = reverse("needs:home")
    warm(client, url)
    return url


def test_a_kept_page_is_the_page_built_before(client, needs_home):
    built = client.get(needs_home).content
    assert client.get(needs_home).content == built


def test_a_neighbours_need_shows_at_once(client, needs_home, category, neighbours, org_tree):
    from .conftest import head

    raise_need(head(neighbours[0]), category, text="楼道堆放杂物")
    response = client.get(needs_home)
    assert not kept(response)
    assert "楼道堆放杂物" in response.content.decode()


def test_a_write_in_another_community_keeps_the_page(client, needs_home, org_tree):
    record(actor=None, action="test.elsewhere", node=org_tree.neighbour_grid)
    assert kept(client.get(needs_home))


@pytest.mark.parametrize("where", ["street", "county"])
def test_a_write_at_an_ancestor_node_changes_the_pages_below(client, needs_home, org_tree, where):
    record(actor=None, action="test.above", node=getattr(org_tree, where))
    assert not kept(client.get(needs_home))


def test_a_write_with_no_node_changes_every_page(client, needs_home):
    record(actor=None, action="test.platform")
    assert not kept(client.get(needs_home))


def test_an_account_event_changes_only_that_accounts_pages(client, needs_home, cast):
    record(actor=cast["cadre"], action="account.preferences_changed")
    assert kept(client.get(needs_home))
    record(actor=cast["resident"], action="account.preferences_changed")
    assert not kept(client.get(needs_home))


def test_a_refused_write_changes_nothing(client, needs_home, cast):
    from cocreate.audit.models import AuditEvent

    record(actor=cast["resident"], action="test.refused", node=None, outcome=AuditEvent.Outcome.FAILURE)
    assert kept(client.get(needs_home))


def test_what_the_user_posts_shows_on_their_next_page(client, needs_home):
    client.post(reverse("needs:messages-read"))
    assert not kept(client.get(needs_home))


def test_another_resident_never_gets_my_page(client, needs_home, neighbours):
    from cocreate.accounts.services import resident_account_for_phone

    neighbour = resident_account_for_phone(phone_e164="+8613600136002")
    client.logout()
    client.force_login(neighbour)
    response = client.get(needs_home)
    assert response.status_code == 200 and not kept(response)


def test_signed_out_the_kept_page_is_not_served(client, needs_home):
    client.logout()
    response = client.get(needs_home)
    assert response.status_code == 302 and not kept(response)


def test_each_language_has_its_own_page(client, needs_home, cast):
    from cocreate.accounts.services import preferences_update

    preferences_update(user=cast["resident"], language="en")
    response = client.get(needs_home)
    assert not kept(response) and response["Content-Language"] == "en"


def test_a_page_with_a_message_to_show_is_built_and_the_message_not_kept(client, needs_home):
    session = client.session
    session["_messages"] = '[["__json_message",0,25,"已保存"]]'
    session.save()
    shown = client.get(needs_home)
    assert not kept(shown) and "已保存" in shown.content.decode()
    after = client.get(needs_home)  # the page kept before, not the one with the message
    assert kept(after) and "已保存" not in after.content.decode()


def test_a_lost_stamp_never_brings_an_old_page_back(client, needs_home, cast, org_tree):
    community = org_tree.community.path
    cache.delete(f"page:tree:{community}")
    assert not kept(client.get(needs_home))


def test_a_staff_page_is_not_served_outside_the_allowed_networks(client, signed_in, cast, org_tree, settings):
    settings.STAFF_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    signed_in(cast["cadre"])
    url = reverse("needs_staff:list", args=[org_tree.community.pk])
    warm(client, url, REMOTE_ADDR="10.1.2.3")
    assert client.get(url, REMOTE_ADDR="203.0.113.9").status_code == 403


def test_rows_and_the_full_page_are_kept_apart(client, signed_in, cast, org_tree):
    signed_in(cast["cadre"])
    url = reverse("needs_staff:list", args=[org_tree.community.pk])
    warm(client, url)
    rows = client.get(url, HTTP_HX_REQUEST="true")
    assert not kept(rows) and rows.content != client.get(url).content
    assert kept(client.get(url, HTTP_HX_REQUEST="true"))


def test_a_revoked_grant_is_not_hidden_by_a_kept_page(client, signed_in, cast, org_tree):
    from cocreate.orgs.models import RoleGrant
    from cocreate.orgs.services import role_revoke

    signed_in(cast["cadre"])
    url = reverse("needs_staff:list", args=[org_tree.community.pk])
    warm(client, url)
    grant = RoleGrant.objects.get(user=cast["cadre"], revoked_at=None)
    role_revoke(actor=cast["security_admin"], grant=grant)
    assert client.get(url).status_code == 404


def test_off_without_a_shared_cache(client, needs_home, settings):
    settings.PAGE_CACHE_LOCAL = False  # the test cache is per process, like a worker's own
    assert not kept(client.get(needs_home))


def test_an_event_stamps_its_subtree_and_its_own_node():
    class Event:
        node_path, action, actor_id, target_type, target_id = "0001000200030004", "need.raised", 7, "", ""

    names = page_cache.names_of_event(Event)
    assert names == ["page:tree:0001", "page:tree:00010002", "page:tree:000100020003",
                     "page:tree:0001000200030004", "page:node:0001000200030004"]
    assert page_cache.stamps_for("000100020003") == [
        "page:tree:000100020003", "page:node:0001", "page:node:00010002"]


# --- the JSON API (django-ninja), by token as the mini-program calls it -----------------------------

def test_the_api_keeps_a_tokens_answer_until_a_write_touches_it(api, token, category, neighbours):
    from .conftest import head

    resident = token("resident")
    first = api.get("needs_index", token=resident)
    assert first.status_code == 200 and not kept(first)
    again = api.get("needs_index", token=resident)
    assert kept(again) and again.json() == first.json()
    raise_need(head(neighbours[0]), category, text="楼道堆放杂物")
    fresh = api.get("needs_index", token=resident)
    assert not kept(fresh) and "楼道堆放杂物" in fresh.content.decode()


def test_a_revoked_token_gets_no_kept_answer(api, token, cast):
    from cocreate.api.models import ApiToken
    from cocreate.api.services import token_revoke

    resident = token("resident")
    api.get("needs_index", token=resident)
    assert kept(api.get("needs_index", token=resident))
    token_revoke(actor=cast["resident"], token=ApiToken.objects.get(user=cast["resident"]))
    assert api.get("needs_index", token=resident).status_code == 401


def test_each_token_has_its_own_answers(api, token):
    api.get("needs_index", token=token("resident"))
    assert not kept(api.get("needs_index", token=token("resident")))  # a second sign-in, a new token


def test_a_staff_answer_is_not_served_outside_the_allowed_networks(api, token, org_tree, settings):
    settings.STAFF_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    cadre = token("cadre")
    inside = {"REMOTE_ADDR": "10.1.2.3"}
    url = reverse("api:needs_staff_index", kwargs={"node_id": org_tree.community.pk})
    headers = {"Authorization": f"Bearer {cadre}"}
    assert api.client.get(url, headers=headers, **inside).status_code == 200
    assert kept(api.client.get(url, headers=headers, **inside))
    assert api.client.get(url, headers=headers, REMOTE_ADDR="203.0.113.9").status_code == 403


def test_a_resident_whose_household_moves_sees_the_new_community(client, signed_in, cast, org_tree):
    from cocreate.orgs.services import household_move

    signed_in(cast["resident"])
    url = reverse("residents:home")
    warm(client, url)
    household_move(actor=None, household=org_tree.household, to_node=org_tree.neighbour_grid)
    response = client.get(url)
    assert not kept(response) and org_tree.neighbour.name in response.content.decode()


def test_a_moved_household_leaves_the_list_it_left_at_once(client, signed_in, cast, org_tree):
    from cocreate.orgs.services import household_move

    signed_in(cast["cadre"])
    url = reverse("orgs:node", args=[org_tree.community.pk])
    warm(client, url)
    assert "1栋101" in client.get(url).content.decode()
    household_move(actor=None, household=org_tree.household, to_node=org_tree.neighbour_grid)
    response = client.get(url)
    assert not kept(response) and "1栋101" not in response.content.decode()


def test_a_need_page_is_stale_after_a_write_anywhere_in_its_community(client, signed_in, cast, org_tree, category):
    need = raise_need(org_tree.resident_person, category, text="小区路灯坏了")
    signed_in(cast["cadre"])
    url = reverse("needs_staff:detail", args=[need.pk])
    warm(client, url)
    record(actor=None, action="test.elsewhere_in_the_community", node=org_tree.grid)
    assert not kept(client.get(url))
    assert kept(client.get(url))
    record(actor=None, action="test.elsewhere", node=org_tree.neighbour_grid)
    assert kept(client.get(url))


def test_a_grid_page_is_stale_after_a_write_in_a_sibling_grid(client, signed_in, cast, org_tree):
    """A need merged into one of another grid, a project created there for a topic here: the
    grid's lists are kept within the community."""
    from cocreate.orgs.models import Kind, OrgLevel
    from cocreate.orgs.services import node_create

    sibling = node_create(actor=None, parent=org_tree.community, level=OrgLevel.objects.get(kind=Kind.GRID),
                          name="第二网格")
    signed_in(cast["cadre"])
    url = reverse("needs_staff:list", args=[org_tree.grid.pk])
    warm(client, url)
    record(actor=None, action="test.sibling", node=sibling)
    assert not kept(client.get(url))


def test_a_message_to_the_user_shows_at_once(client, needs_home, cast):
    from cocreate.notify.services import message_queue

    message_queue(user_id=cast["resident"].pk, kind="need", text="您反映的问题已受理")
    assert not kept(client.get(needs_home))


def test_reads_and_codes_sent_to_strangers_keep_every_page(client, needs_home, cast, org_tree):
    record(actor=None, action="sms.code_sent", data={"purpose": "login"})
    record(actor=cast["cadre"], action="contact.called", node=org_tree.grid)
    assert kept(client.get(needs_home))
