"""Production refuses a per-process cache: rate limits, lockouts and the API's
failure counts live in the cache, and with one cache per worker process each
process would count on its own (N workers, N times the allowance)."""

import secrets

from .test_settings import run_manage

DEPLOY = {
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "help.example.com",
}


def test_production_refuses_a_per_process_cache():
    result = run_manage("check", **DEPLOY, REDIS_URL="")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "REDIS_URL" in result.stderr


def test_production_starts_with_a_shared_cache():
    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings as s; print(s.CACHES['default']['BACKEND'])",
        **DEPLOY,
        REDIS_URL="redis://127.0.0.1:6379/0",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("RedisCache")
