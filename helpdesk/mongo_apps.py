"""App configs that give Django's and third-party apps ObjectId primary keys
on MongoDB (see ``helpdesk/settings/mongodb.py``). Used only by that profile;
each keeps its app's label, so their MongoDB migrations live under
``helpdesk/mongo_migrations/<label>/``."""

from axes.apps import AppConfig as _AxesConfig
from django.contrib.auth.apps import AuthConfig as _AuthConfig
from django.contrib.contenttypes.apps import ContentTypesConfig as _ContentTypesConfig
from django_otp.plugins.otp_static.apps import DefaultConfig as _StaticConfig
from django_otp.plugins.otp_totp.apps import DefaultConfig as _TOTPConfig

from helpdesk.admin_config import HelpdeskAdminConfig

OBJECT_ID = "django_mongodb_backend.fields.ObjectIdAutoField"


class AdminConfig(HelpdeskAdminConfig):
    default_auto_field = OBJECT_ID


class AuthConfig(_AuthConfig):
    default_auto_field = OBJECT_ID


class ContentTypesConfig(_ContentTypesConfig):
    default_auto_field = OBJECT_ID


class TOTPConfig(_TOTPConfig):
    default_auto_field = OBJECT_ID


class StaticConfig(_StaticConfig):
    default_auto_field = OBJECT_ID


class AxesConfig(_AxesConfig):
    default_auto_field = OBJECT_ID
