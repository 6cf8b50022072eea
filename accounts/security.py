"""Hooks for django-axes: whose sign-ins are counted, and what a lockout says."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from helpdesk.ratelimit import rate_limit_hit

from .forms import LoginForm
from .models import normalize_email_address


def axes_username(request: HttpRequest, credentials: dict | None) -> str:
    """Count failures per address however it is capitalised, so changing the
    case of the email does not reset the counter. Axes' own backend hands the
    address over under the user model's USERNAME_FIELD ("email"), the sign-in
    form and the lockout signals under "username"."""
    credentials = credentials or {}
    raw = (
        credentials.get("username")
        or credentials.get("email")
        or request.POST.get("username", "")
    )
    return normalize_email_address(raw)


def client_ip(request: HttpRequest) -> str:
    """The client's address; behind PROXY_COUNT trusted proxies, the one the
    outermost of them saw, from X-Forwarded-For."""
    if settings.PROXY_COUNT > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= settings.PROXY_COUNT:
            return forwarded[-settings.PROXY_COUNT]
    return request.META.get("REMOTE_ADDR", "")


def lockout_response(
    request: HttpRequest, original_response=None, credentials=None
) -> HttpResponse:
    """The sign-in page again, saying why and for how long (HTTP 429)."""
    minutes = round(settings.AXES_COOLOFF_TIME * 60)
    return render(
        request,
        "accounts/login.html",
        {
            "form": LoginForm(request),
            "locked_out": True,
            "lockout_minutes": minutes,
            "allow_registration": settings.ALLOW_REGISTRATION,
        },
        status=429,
    )


def registration_rate_limit(request: HttpRequest, email: str) -> None:
    """Count a sign-up (or a request for a new confirmation link) against the
    address and the client IP; raises ``RateLimited`` when either is over."""
    rate_limit_hit(
        scope="register",
        subjects={
            "address": (
                normalize_email_address(email),
                settings.RATE_LIMIT_REGISTRATIONS_PER_ADDRESS,
            ),
            "ip": (client_ip(request), settings.RATE_LIMIT_REGISTRATIONS_PER_IP),
        },
        message="Too many attempts for this address or from your network. "
        "Please wait an hour and try again.",
    )


def ticket_rate_limit(
    request: HttpRequest | None,
    *,
    address: str,
    per_ip: bool,
    scope: str = "ticket",
) -> None:
    """Count a new ticket against its requester's address and, unless
    ``per_ip`` is False (agents opening tickets for many customers, email,
    which has no client IP), the client IP; raises ``RateLimited`` when
    either is over. ``scope`` names the counter: the portal and the API share
    "ticket"; email, whose sender address anyone can claim, counts apart
    ("email-ticket") so it never spends the address owner's allowance."""
    subjects = {
        "address": (
            normalize_email_address(address),
            settings.RATE_LIMIT_TICKETS_PER_ADDRESS,
        )
    }
    if per_ip:
        subjects["ip"] = (client_ip(request), settings.RATE_LIMIT_TICKETS_PER_IP)
    rate_limit_hit(
        scope=scope,
        subjects=subjects,
        message="Too many new requests in a short time. Please wait a while and "
        "try again; your text is kept below.",
    )
