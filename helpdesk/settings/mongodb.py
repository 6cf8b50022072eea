"""The MongoDB profile, chosen when ``DATABASE_URL`` is a ``mongodb://`` or
``mongodb+srv://`` connection string.

django-mongodb-backend (the official backend, 5.2.x for Django 5.2) keeps
primary keys as ObjectIds, so every model, Django's contrib apps' and the
third-party apps' included, gets ``ObjectIdAutoField``; apps that pin an
integer auto field are swapped for the subclasses in
``helpdesk.mongo_apps``. Their migrations differ from the SQL ones (the
primary keys do), so a second migration set lives in
``helpdesk/mongo_migrations/<app label>/``, kept current beside the SQL one
(``makemigrations --check`` runs for both in ``make test``). See the
backend's "Configuring your project" guide.
"""

MONGODB_SCHEMES = ("mongodb://", "mongodb+srv://")
OBJECT_ID_AUTO_FIELD = "django_mongodb_backend.fields.ObjectIdAutoField"

# App entries in INSTALLED_APPS replaced by a config whose auto field is an
# ObjectId; every other app takes DEFAULT_AUTO_FIELD.
MONGODB_APP_CONFIGS = {
    "helpdesk.admin_config.HelpdeskAdminConfig": "helpdesk.mongo_apps.AdminConfig",
    "django.contrib.auth": "helpdesk.mongo_apps.AuthConfig",
    "django.contrib.contenttypes": "helpdesk.mongo_apps.ContentTypesConfig",
    "django_otp.plugins.otp_totp": "helpdesk.mongo_apps.TOTPConfig",
    "django_otp.plugins.otp_static": "helpdesk.mongo_apps.StaticConfig",
    "axes": "helpdesk.mongo_apps.AxesConfig",
}

# Labels of the apps with models whose primary key is an auto field: each has
# a MongoDB migration package. (Sessions are keyed by their own string.)
MONGODB_MIGRATED_APPS = (
    "admin",
    "auth",
    "contenttypes",
    "otp_totp",
    "otp_static",
    "axes",
    "accounts",
    "organizations",
    "tickets",
    "notifications",
    "integrations",
    "knowledge",
)


def is_mongodb_url(url: str) -> bool:
    """Whether ``url`` names a MongoDB deployment."""
    return url.startswith(MONGODB_SCHEMES)


def mongodb_database(url: str) -> dict:
    """The ``DATABASES["default"]`` entry for a MongoDB connection string.

    The backend takes the whole string as ``HOST`` and the database name from
    its path (``mongodb://host:27017/helpdesk``). Raises ``ValueError`` when
    the path names no database: the backend would otherwise fail later with a
    less helpful message.
    """
    from pymongo.uri_parser import parse_uri

    if not parse_uri(url, validate=False).get("database"):
        raise ValueError(
            "DATABASE_URL for MongoDB must name the database in its path, "
            "for example mongodb://127.0.0.1:27017/helpdesk"
        )
    return {"ENGINE": "django_mongodb_backend", "HOST": url, "NAME": ""}


def mongodb_installed_apps(installed_apps: list[str]) -> list[str]:
    """``installed_apps`` with the ObjectId app configs swapped in."""
    return [MONGODB_APP_CONFIGS.get(app, app) for app in installed_apps]


def mongodb_migration_modules() -> dict[str, str]:
    """``MIGRATION_MODULES`` pointing each migrated app at its MongoDB set."""
    return {
        label: f"helpdesk.mongo_migrations.{label}" for label in MONGODB_MIGRATED_APPS
    }
