"""Cached values that a write makes stale at once: each is stored with the generation number
it was computed under, which the write bumps, so a reader never takes a value computed before
the write.

The write bumps twice: in its transaction, so its own later reads miss; and after the commit,
so a reader that computed the old value between the two stored it under a number nobody reads
again. A time-out remains the backstop for rows changed behind the services (bulk loads).
"""

from django.core.cache import cache, caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.db import transaction


def shared() -> bool:
    """Whether every worker process reads the same cache (Redis). A per-process cache cannot
    hear another worker's bump, so what must never be stale (permissions) is not cached there."""
    return not isinstance(caches["default"], LocMemCache | DummyCache)


def current(name: str) -> int:
    return cache.get_or_set(f"generation:{name}", 0, None)


def _bump_now(name: str) -> None:
    try:
        cache.incr(f"generation:{name}")
    except ValueError:  # never read yet, or evicted
        cache.set(f"generation:{name}", 1, None)


def bump(name: str) -> None:
    """Make every value cached under `name` stale, now and again after the commit."""
    _bump_now(name)
    transaction.on_commit(lambda: _bump_now(name))


def cached(name: str, key: str, compute, seconds: int):
    """`compute()`, cached with the generation of `name` it was computed under, for at most
    `seconds`: kept only while that is still the current one. One cache round trip reads both
    (grants are read so on every staff request)."""
    generation_key, value_key = f"generation:{name}", f"{name}:{key}"
    found = cache.get_many([generation_key, value_key])
    generation = found[generation_key] if generation_key in found else current(name)
    stored = found.get(value_key)
    if stored is not None and stored[0] == generation:
        return stored[1]
    value = compute()
    if value is not None:
        cache.set(value_key, (generation, value), seconds)
    return value


def kept(key: str, compute, seconds: int):
    """`compute()`, cached for `seconds`, for values no write changes (no generation to read).
    None is not kept: a row missing now may be created."""
    value = cache.get(key)
    if value is None:
        value = compute()
        if value is not None:
            cache.set(key, value, seconds)
    return value
