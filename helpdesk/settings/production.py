"""Settings for a real deployment.

Refuses to start without DJANGO_SECRET_KEY and ALLOWED_HOSTS, or with a weak
secret key; with them, ``manage.py check --deploy`` reports nothing.
"""

from django.core.exceptions import ImproperlyConfigured

from helpdesk.logs import log_format

from .base import *
from .base import CACHES, LOGGING, env
from .secret_key import HOW_TO_MAKE_ONE, secret_key_problem

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")

# --- Secret key ----------------------------------------------------------------
# A short, default or published key lets anyone forge sessions and reset links:
# refuse to start with one (see secret_key.py for what counts as weak).
if _secret_key_problem := secret_key_problem(SECRET_KEY):
    raise ImproperlyConfigured(
        f"DJANGO_SECRET_KEY {_secret_key_problem}; {HOW_TO_MAKE_ONE}"
    )

# --- A shared cache (issue 10) -------------------------------------------------
# API rate limits, failed-authentication counts and lockout helpers count in
# the cache; a per-process cache would give every worker its own count.
PER_PROCESS_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
}
if CACHES["default"]["BACKEND"] in PER_PROCESS_CACHES:
    raise ImproperlyConfigured(
        "Production needs a cache shared by every process for its rate limits: "
        "set REDIS_URL (e.g. redis://redis:6379/0)."
    )

# --- HTTPS and cookies -------------------------------------------------------
# SECURE_PROXY_SSL_HEADER is set in base.py, and only behind a configured
# proxy (PROXY_COUNT); a client alone cannot claim HTTPS.

SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool(
    "SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True
)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# --- Logs ------------------------------------------------------------------------
# One JSON object a line for the log collector, unless LOG_FORMAT says console.
LOGGING["handlers"]["console"]["formatter"] = log_format(
    env("LOG_FORMAT", default="json")
)
