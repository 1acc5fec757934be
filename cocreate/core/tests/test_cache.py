"""The Redis cache backend (core/cache.py): Django's, with one client per connection pool
instead of a new one per call. Skipped where no Redis answers on the loopback."""

import uuid

import pytest

from cocreate.core.cache import RedisCache

REDIS = "redis://127.0.0.1:6379/12"


@pytest.fixture
def cache():
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    backend = RedisCache(REDIS, {"KEY_PREFIX": f"test-{uuid.uuid4().hex}"})
    yield backend
    backend.clear()


def test_one_client_serves_every_call(cache):
    first = cache._cache.get_client(write=True)
    cache.set("a", 1)
    cache.get("a")
    assert cache._cache.get_client(write=False) is first is cache._cache.get_client(write=True)


def test_it_behaves_as_django_s_backend(cache):
    cache.set("household", {"id": 7, "address": "枝江市 3 组"}, 60)
    assert cache.get("household") == {"id": 7, "address": "枝江市 3 组"}
    assert cache.add("household", "other") is False
    assert cache.add("generation", 1)
    assert cache.incr("generation") == 2 == cache.get("generation")
    cache.set_many({"x": 1, "y": [1, 2]})
    assert cache.get_many(["x", "y", "missing"]) == {"x": 1, "y": [1, 2]}
    cache.delete_many(["x", "y"])
    assert cache.get("x", "gone") == "gone"
