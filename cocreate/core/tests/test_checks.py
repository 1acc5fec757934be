"""The deploy check asks for a shared cache (Redis) where the cache is per process."""

from cocreate.core import checks


def test_a_per_process_cache_is_a_deploy_warning(settings):
    assert [w.id for w in checks.shared_cache(None)] == ["cocreate.W001"]


def test_redis_satisfies_the_check(settings):
    settings.CACHES = {"default": {"BACKEND": "cocreate.core.cache.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:6379/12"}}
    assert checks.shared_cache(None) == []  # configuring the backend needs no connection
