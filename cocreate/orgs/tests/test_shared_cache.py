"""Grants and tree figures read from a shared cache (Redis, as on a county's server): what a
write changes is never served stale, from this request or the next (core/generations.py).
Skipped where no Redis answers on the loopback."""

import uuid

import pytest
from django.core.exceptions import PermissionDenied

from cocreate.accounts.models import User
from cocreate.core import generations
from cocreate.orgs import selectors, services
from cocreate.orgs.models import Role, RoleGrant
from cocreate.orgs.permissions import has_perm
from conftest import make_staff

REDIS = "redis://127.0.0.1:6379/12"


@pytest.fixture
def redis_cache(settings):
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    # A prefix of its own instead of emptying the database: parallel test workers share it.
    settings.CACHES = {"default": {"BACKEND": "cocreate.core.cache.RedisCache", "LOCATION": REDIS,
                                   "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}}
    assert generations.shared()


def next_request(user) -> User:
    """The account as the next request loads it: no grants memoised on the object."""
    return User.objects.get(pk=user.pk)


def test_without_a_shared_cache_grants_are_read_on_every_request(cast, org_tree, django_assert_num_queries):
    assert not generations.shared()  # the test settings' per-process cache
    has_perm(next_request(cast["cadre"]), "orgs.view_household", org_tree.building)
    cadre = next_request(cast["cadre"])
    with django_assert_num_queries(1):
        assert has_perm(cadre, "orgs.view_household", org_tree.building)


def test_grants_come_from_the_shared_cache_and_a_revocation_takes_effect_on_the_next_request(
        redis_cache, cast, org_tree, django_assert_num_queries):
    worker = cast["grid_worker"]
    assert has_perm(next_request(worker), "orgs.view_household", org_tree.building)
    user = next_request(worker)
    with django_assert_num_queries(0):
        assert has_perm(user, "orgs.view_household", org_tree.building)

    services.role_revoke(actor=cast["security_admin"], grant=RoleGrant.objects.get(user=worker))
    assert not has_perm(next_request(worker), "orgs.view_household", org_tree.building)
    with pytest.raises(PermissionDenied):
        services.household_register(actor=next_request(worker), node=org_tree.grid, address="2栋201",
                                    occupancy="resident", members=[{"name": "钱一", "relation": "head"}])

    services.role_grant(actor=cast["security_admin"], user=worker, node=org_tree.grid, role=Role.GRID_WORKER)
    assert has_perm(next_request(worker), "orgs.view_household", org_tree.building)


def test_a_new_grant_is_seen_by_the_next_request(redis_cache, cast, org_tree):
    newcomer = make_staff("newcomer")
    assert not has_perm(next_request(newcomer), "orgs.view_household", org_tree.building)  # cached: none
    services.role_grant(actor=cast["security_admin"], user=newcomer, node=org_tree.community, role=Role.CADRE)
    assert has_perm(next_request(newcomer), "orgs.view_household", org_tree.building)


def test_tree_figures_are_cached_and_a_registered_household_shows_at_once(
        redis_cache, cast, org_tree, django_assert_num_queries):
    before = selectors.node_coverage(node=org_tree.community).households
    with django_assert_num_queries(0):
        assert selectors.node_coverage(node=org_tree.community).households == before
    services.household_register(actor=cast["cadre"], node=org_tree.grid, address="2栋202", occupancy="resident",
                                members=[{"name": "孙二", "relation": "head"}])
    assert selectors.node_coverage(node=org_tree.community).households == before + 1
