from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """Outbound email: templates, automation rules, the send log."""

    name = "notifications"
    verbose_name = "Notifications"

    def ready(self):
        from tickets.signals import ticket_events_recorded

        from .receivers import on_ticket_events

        ticket_events_recorded.connect(
            on_ticket_events, dispatch_uid="notifications-bulk"
        )
