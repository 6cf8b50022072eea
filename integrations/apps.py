from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    """Inbound email (IMAP and an MTA pipe); later Teams and webhooks."""

    name = "integrations"
    verbose_name = "Integrations"
