from django.apps import AppConfig


class HelpdeskConfig(AppConfig):
    """The project package: shared base model, errors, middleware, ops commands."""

    name = "helpdesk"
    verbose_name = "Helpdesk core"
