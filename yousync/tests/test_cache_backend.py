"""The Redis cache backend (yousync/cache.py) keeps one client per process, although
Django makes a cache object per async context (every ASGI request)."""

import contextvars

from yousync.cache import RedisCache

LOCATION = "redis://127.0.0.1:6379/15"


def test_redis_cache_objects_of_different_contexts_share_one_pool_and_client():
    def make():
        return RedisCache(LOCATION, {"OPTIONS": {"socket_timeout": 2}})

    first = make()
    second = contextvars.copy_context().run(make)  # as in another request's context

    assert first is not second
    assert first._cache is second._cache
    client = first._cache.get_client(write=True)
    assert second._cache.get_client() is client
    assert client.connection_pool is first._cache._get_connection_pool(write=True)


def test_redis_cache_with_other_options_gets_its_own_client():
    plain = RedisCache(LOCATION, {})
    other = RedisCache(LOCATION, {"OPTIONS": {"socket_timeout": 1}})

    assert plain._cache is not other._cache
