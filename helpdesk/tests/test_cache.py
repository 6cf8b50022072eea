"""The production cache (``helpdesk.cache.RedisCache``) against a real Redis:
it answers like Django's, over one client per connection pool."""

import os
import uuid

import pytest
from django.conf import settings

from conftest import redis_problem
from helpdesk.cache import RedisCache
from helpdesk.ratelimit import count_hit


@pytest.fixture
def redis_cache():
    problem = redis_problem()
    if problem and os.environ.get("HELPDESK_REQUIRE_SERVICES"):
        pytest.fail(f"{problem}, but HELPDESK_REQUIRE_SERVICES is set")
    if problem:
        pytest.skip(problem)
    cache = RedisCache(settings.REDIS_URL, {"KEY_PREFIX": f"test-{uuid.uuid4().hex}"})
    yield cache
    # Not clear(): that empties the whole Redis database, broker included.
    cache.delete_many(["greeting", "hits", "gone", "rate:test:ip:x:1"])
    cache.close()


def test_values_counters_and_expiry_behave_as_djangos(redis_cache):
    assert redis_cache.add("greeting", {"text": "hello"}, timeout=60)
    assert not redis_cache.add("greeting", "other", timeout=60)
    assert redis_cache.get("greeting") == {"text": "hello"}
    redis_cache.set("hits", 1, timeout=60)
    assert redis_cache.incr("hits") == 2
    assert redis_cache.get("hits") == 2
    with pytest.raises(ValueError):
        redis_cache.incr("missing")
    redis_cache.set("gone", "soon", timeout=0)  # 0: expires at once
    assert redis_cache.get("gone", "absent") == "absent"
    assert redis_cache.delete("greeting")
    assert redis_cache.get("greeting") is None


def test_one_client_serves_every_call(redis_cache):
    client = redis_cache._cache.get_client(write=True)
    assert redis_cache._cache.get_client(write=True) is client
    assert redis_cache._cache.get_client() is client  # one server: reads too


def test_rate_limit_counts_through_it(redis_cache, monkeypatch):
    monkeypatch.setattr("helpdesk.ratelimit.cache", redis_cache)
    assert [count_hit("rate:test:ip:x:1", 60) for _ in range(3)] == [1, 2, 3]
