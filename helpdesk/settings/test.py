"""Settings for the test suite (pytest-django loads these)."""

from .base import *
from .base import BASE_DIR, REDIS_URL, env, filesystem_broker

DEBUG = False
SECRET_KEY = "test-only-secret-key-not-for-production"  # noqa: S105
ALLOWED_HOSTS = ["*"]

# Fast hashing: the suite creates many users. Production keeps Argon2.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Static files straight from the finders: no collectstatic before tests.
WHITENOISE_USE_FINDERS = True
STORAGES["staticfiles"] = {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}

# Uploads land in a throwaway folder, never in the developer's private/ tree
# (conftest.py gives each test a folder of its own on top of this).
PRIVATE_MEDIA_ROOT = BASE_DIR / ".test-private"

# A SQLite test database lives in a file, not in memory, so a worker process
# started by a test can open the same database. The worker is handed the
# database name the suite created through HELPDESK_TEST_DB_NAME.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / ".test-db.sqlite3")}
if env("HELPDESK_TEST_DB_NAME", default=""):
    DATABASES["default"]["NAME"] = env("HELPDESK_TEST_DB_NAME")

# Searches rank with BM25 alone unless a test asks for the semantic extra's
# model (knowledge/tests/test_search_semantic.py): the same scores whether or
# not the extra is installed, and no model to load in every test process.
KNOWLEDGE_SEMANTIC_MODEL = env("KNOWLEDGE_SEMANTIC_MODEL", default="off")

# Tasks run in-process unless a test starts a real worker and sends to it.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Mail stays in memory (mail.outbox), except in a worker process a test
# started against its own SMTP server: that one is given EMAIL_URL.
if not env.bool("HELPDESK_TEST_REAL_SMTP", default=False):
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
EMAIL_RETRY_BASE_SECONDS = env.float("EMAIL_RETRY_BASE_SECONDS", default=0.5)
EMAIL_SEND_LEASE_SECONDS = env.int("EMAIL_SEND_LEASE_SECONDS", default=10)
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="celery")
if REDIS_URL:
    # Celery's broker hands an unacknowledged task to another worker after this.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
    }
else:
    # A task a test sends without eager mode never lands in the queue of the
    # developer's own `make run`.
    CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_broker(
        BASE_DIR / env("CELERY_BROKER_FOLDER", default=".test-broker")
    )
LOGGING["root"]["level"] = env("LOG_LEVEL", default="WARNING")

# Webhooks and Teams cards go to receivers the tests start on 127.0.0.1, and
# are retried quickly.
INTEGRATIONS_ALLOWED_NETWORKS = ["127.0.0.0/8", "::1/128"]
WEBHOOK_RETRY_BASE_SECONDS = env.float("WEBHOOK_RETRY_BASE_SECONDS", default=0.2)
TEAMS_RETRY_BASE_SECONDS = env.float("TEAMS_RETRY_BASE_SECONDS", default=0.2)
INTEGRATIONS_LEASE_SECONDS = env.int("INTEGRATIONS_LEASE_SECONDS", default=10)
INTEGRATIONS_HTTP_TIMEOUT_SECONDS = env.float(
    "INTEGRATIONS_HTTP_TIMEOUT_SECONDS", default=5
)
