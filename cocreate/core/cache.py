"""Django's Redis cache backend, with one Redis client per connection pool.

Django's client builds a new `redis.Redis` for every cache call; its constructor fills a table
of a few hundred response callbacks each time, which costs more CPU than the round trip it
serves, and a page makes several cache calls (session, generations, cached figures). A
`redis.Redis` holds no connection of its own (it borrows one from the pool per command) and is
safe to share between threads, so one per pool is kept and reused.
"""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class SharedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}  # id(pool) → redis.Redis; the pools live as long as this object

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = SharedClientRedisCacheClient
