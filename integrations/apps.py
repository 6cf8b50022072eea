from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    """Inbound email (IMAP and an MTA pipe); later Teams and webhooks."""

    name = "integrations"
    verbose_name = "Integrations"

    def ready(self) -> None:
        from django.core import checks

        from .checks import check_sender_authentication

        checks.register(check_sender_authentication)
