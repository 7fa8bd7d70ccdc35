"""chatgate's Redis cache: Django's, with one client per connection pool."""

from __future__ import annotations

import warnings

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from chatgate.cache_backends import RedisCache


def test_one_client_serves_every_operation(redis_server):
    cache = RedisCache(redis_server.url, {"OPTIONS": {"socket_timeout": 0.5}})
    cache.set("chatgate:test", {"a": 1})
    assert cache.get_many(["chatgate:test", "missing"]) == {"chatgate:test": {"a": 1}}
    assert cache.add("chatgate:test", 2) is False
    assert cache._cache.get_client() is cache._cache.get_client(write=True)


def test_an_unreachable_server_raises_what_djangos_backend_raises():
    cache = RedisCache("redis://127.0.0.1:6399/0", {"OPTIONS": {"socket_connect_timeout": 0.3}})
    with pytest.raises(RedisConnectionError):
        cache.get("anything")


def test_keys_are_not_checked_for_memcacheds_limits(redis_server):
    """Django's check costs ~10 µs a key (two keys per agent when a state is computed); Redis
    takes any key, and chatgate's keys are its own."""
    cache = RedisCache(redis_server.url, {"OPTIONS": {"socket_timeout": 0.5}})
    key = "chatgate:a key memcached would refuse " + "x" * 300
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Django's backend: CacheKeyWarning
        cache.set(key, 1)
        assert cache.get_many([key]) == {key: 1}
