"""Django's Redis cache, with one ``redis.Redis`` client per connection pool instead of one per
operation.

Django's ``RedisCache`` builds a new ``redis.Redis`` for every cache call; with redis-py 5 and
later that costs about 0.2 ms of CPU each (its response callbacks are set up anew), more than
the round trip itself on a local Redis. A client is thread-safe over its pool, and Django keeps
one cache object per thread, so one client per pool is enough. Keys are not checked for
memcached's limits (Redis has none). Everything else is Django's:
``LOCATION``, ``OPTIONS`` and errors are the same.

    CACHES = {"default": {"BACKEND": "chatgate.cache_backends.RedisCache", "LOCATION": ...}}
"""

from __future__ import annotations

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class ReusedClient(RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = ReusedClient

    def validate_key(self, key: str) -> None:
        """Redis takes any key. Django's check warns about keys memcached would refuse, at
        about 10 µs a key: a state computed after a change reads two keys per agent."""
