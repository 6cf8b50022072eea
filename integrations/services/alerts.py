"""Telling the admins that the helpdesk switched an integration off."""

from accounts.models import User
from helpdesk.commit_hooks import on_commit_robust
from notifications.models import EmailLog
from notifications.services import email_queue


def admins_tell_integration_disabled(
    *, kind: str, name: str, reason: str, link: str
) -> list[EmailLog]:
    """Queue the ``integration_disabled`` email to every active admin and send
    each after commit. ``kind`` is what was switched off ("Teams connector",
    "webhook endpoint"), ``name`` which one, ``reason`` why (shown as is),
    ``link`` an absolute URL of its admin page. Returns the queued entries
    (a template that fails to render is logged as failed, not raised)."""
    from notifications.tasks import send_email

    entries = []
    admins = User.objects.filter(is_active=True, role=User.Role.ADMIN).order_by("pk")
    for admin in admins:
        entry = email_queue(
            template_key="integration_disabled",
            recipient=admin.email,
            user=admin,
            extra_context={
                "integration": {
                    "kind": kind,
                    "name": name,
                    "reason": reason,
                    "link": link,
                }
            },
        )
        if entry is None:
            continue
        entries.append(entry)
        if entry.status == EmailLog.Status.QUEUED:
            log_id = str(entry.pk)
            on_commit_robust(
                "integration_disabled_email",
                lambda log_id=log_id: send_email.delay(log_id),
            )
    return entries
