from celery import shared_task
from django.conf import settings


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
