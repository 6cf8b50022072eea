"""Django's Redis cache, with one Redis client per connection pool.

Django 5.2's ``RedisCacheClient.get_client`` builds a new ``redis.Redis``
for every cache call; each construction fills the client's table of a few
hundred response callbacks, about 0.35 ms of CPU. A ticket create makes six
cache calls (its two rate limits), a list page several more. The client
holds no state of its own beyond its pool (which Django already keeps), so
one is built per pool and reused: the same commands go to the same server
over the same connections. Cache objects are per thread (Django's cache
handler), so the clients are too.
"""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoClient


class RedisCacheClient(DjangoClient):
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
    """``django.core.cache.backends.redis.RedisCache``, reusing its clients."""

    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient
