"""Counting requests per subject in fixed windows, in Django's cache.

One small helper for every limit that is not about signing in (django-axes
counts failed sign-ins): registrations and ticket creation per address and
per client IP. Counts live in Django's cache, so in Redis when ``REDIS_URL``
is set and shared by every worker; the per-process memory cache of a
development machine counts per process only.
"""

import hashlib
import time

from django.core.cache import cache

from .errors import ApplicationError


class RateLimited(ApplicationError):
    """Too many requests for one subject in the current window. The API
    answers 429 with ``retry_after`` (seconds) in ``errors``."""

    code = "rate_limited"
    status_code = 429


def _now() -> float:
    """The clock the windows are cut from (the test suite holds it still, so
    a test's requests never straddle two windows)."""
    return time.time()


def window_now(window_seconds: int) -> tuple[int, int]:
    """The current fixed window's index and the seconds until the next one."""
    now = int(_now())
    return now // window_seconds, window_seconds - now % window_seconds


def count_hit(key: str, window_seconds: int) -> int:
    """Add one to the counter under ``key`` and return it; the first hit
    starts it, and it lives a little longer than its window. Keys should
    carry the window's index (``window_now``)."""
    if cache.add(key, 1, timeout=window_seconds + 10):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window_seconds + 10)
        return 1


def rate_limit_hit(
    *,
    scope: str,
    subjects: dict[str, tuple[str, int]],
    window_seconds: int = 3600,
    message: str = "Too many attempts. Please wait a while and try again.",
) -> None:
    """Count one request against each subject's limit; refuse when any is over.

    ``subjects`` maps a kind to ``(value, limit)``, e.g.
    ``{"address": ("a@example.com", 5), "ip": ("192.0.2.1", 20)}``. An empty
    value or a limit of 0 or less skips that subject. Values are hashed, so
    any text is a safe cache key. Every subject is counted even when one is
    already over, so hammering one subject does not spare the others.

    Raises ``RateLimited`` (status 429, ``extra={"retry_after": seconds}``).
    """
    window, retry_after = window_now(window_seconds)
    over = False
    for kind, (value, limit) in subjects.items():
        if not value or limit <= 0:
            continue
        digest = hashlib.sha256(value.encode()).hexdigest()[:32]
        key = f"rate:{scope}:{kind}:{digest}:{window}"
        if count_hit(key, window_seconds) > limit:
            over = True
    if over:
        raise RateLimited(message, extra={"retry_after": retry_after})
