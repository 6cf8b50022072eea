"""Who may call the knowledge base's open endpoints: anyone, with or without
credentials (a visitor reads what the public help center shows)."""

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest

from accounts.models import User
from accounts.security import client_ip
from helpdesk.api import ApiError, BearerKey, HeaderKey, VerifiedSession
from helpdesk.ratelimit import count_hit, window_now


def visitor(request: HttpRequest) -> AnonymousUser | None:
    """The last way in for reads: a caller who sent no credentials at all is
    a visitor, who reads what the public help center shows. One who sent a
    key or token that failed stays refused (401), and a session that still
    owes its second factor reads as a visitor, never as its user. Visitors
    share ``API_RATE_LIMIT_PER_MINUTE`` per client address (429)."""
    if request.headers.get("Authorization") or request.headers.get("X-API-Key"):
        return None
    window, retry_after = window_now(60)
    limit = settings.API_RATE_LIMIT_PER_MINUTE
    if count_hit(f"api-rate:ip:{client_ip(request)}:{window}", 60) > limit:
        raise ApiError(
            429,
            f"Rate limit of {limit} requests a minute reached; retry shortly.",
            "rate_limited",
            {"retry_after": retry_after},
        )
    request.user = AnonymousUser()
    request.api_key = None
    return request.user


READERS = [BearerKey(), HeaderKey(), VerifiedSession(), visitor]
# The document says so: any of the ways in, or none at all (``{}``; ninja
# adds it to the ways in it lists itself).
OPTIONAL_AUTH = {"security": [{}]}


def caller(request: HttpRequest) -> User | None:
    """The signed-in caller, or None for a visitor."""
    return request.auth if isinstance(request.auth, User) else None
