import smtplib

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse


@shared_task(name="knowledge.tasks.chat_purge_expired")
def chat_purge_expired(older_than_days: int | None = None) -> int:
    """Delete chat conversations older than KNOWLEDGE_CHAT_RETENTION_DAYS.

    Runs from beat once a day; running it twice deletes nothing twice.
    Returns how many conversations were deleted.
    """
    from .services.chat_retention import chat_purge_expired as purge

    days = (
        settings.KNOWLEDGE_CHAT_RETENTION_DAYS
        if older_than_days is None
        else older_than_days
    )
    return purge(older_than_days=days)


@shared_task(
    name="knowledge.tasks.send_chat_handover_link",
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=True,
    max_retries=8,
)
def send_chat_handover_link(conversation_id: str, signed: str) -> bool:
    """Mail the link that passes an anonymous chat to a person to the address
    the visitor gave (knowledge.services.handover.chat_handover). Nothing goes
    for a conversation handed over or deleted meanwhile, or a link
    replaced by a newer one. Links are built from
    SITE_URL, never from a request's Host header."""
    from helpdesk.errors import ApplicationError

    from .services.handover import HANDOVER_LINK_MAX_AGE, handover_link_read

    try:
        conversation, email = handover_link_read(signed)
    except ApplicationError:  # expired, forged or purged: nothing to send
        return False
    if str(conversation.pk) != str(conversation_id) or conversation.handed_over:
        return False
    path = reverse("knowledge:chat_handover_confirm", args=[signed])
    send_mail(
        subject=f"Send your chat to the {settings.HELPDESK_NAME} team",
        message=render_to_string(
            "knowledge/email/chat_handover.txt",
            {
                "link": settings.SITE_URL.rstrip("/") + path,
                "site_name": settings.HELPDESK_NAME,
                "days": HANDOVER_LINK_MAX_AGE.days,
            },
        ),
        from_email=None,
        recipient_list=[email],
    )
    return True
