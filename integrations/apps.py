from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    """Inbound email (IMAP and an MTA pipe), Microsoft Teams (cards out,
    commands in) and outgoing webhooks."""

    name = "integrations"
    verbose_name = "Integrations"

    def ready(self) -> None:
        from django.core import checks

        from .checks import check_sender_authentication

        checks.register(check_sender_authentication)

        from tickets.signals import ticket_events_recorded

        from .teams.receivers import on_ticket_events as teams_on_events
        from .webhooks.receivers import on_ticket_events as webhooks_on_events

        ticket_events_recorded.connect(teams_on_events, dispatch_uid="teams-bulk")
        ticket_events_recorded.connect(webhooks_on_events, dispatch_uid="webhooks-bulk")
