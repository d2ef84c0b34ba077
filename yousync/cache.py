"""Django's Redis cache backend with one connection pool per process.

Django keeps cache objects per async context, and under ASGI every request runs in a
context of its own: the stock backend builds a new client, a new connection pool and a
new TCP connection to Redis for each request, and drops them afterwards (measured: one
connection per request). This backend shares one client — redis-py pools are
thread-safe and reconnect after a fork — among all of a process's cache objects with
the same LOCATION and OPTIONS, and one redis.Redis object per pool.
"""

import threading

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient
from django.utils.functional import cached_property

_clients: dict[tuple, object] = {}
_lock = threading.Lock()


class RedisCacheClient(DjangoRedisCacheClient):
    """Django's client builds a new redis.Redis object (a few hundred response callbacks
    copied into a dict) for every cache call: keep one per connection pool."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient

    @cached_property
    def _cache(self):
        key = (tuple(self._servers), repr(sorted(self._options.items())))
        with _lock:
            if key not in _clients:
                _clients[key] = self._class(self._servers, **self._options)
            return _clients[key]
