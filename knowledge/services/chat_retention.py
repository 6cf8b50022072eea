"""How long chat conversations and the record of opened suggestions (with what
customers typed) are kept: ``KNOWLEDGE_CHAT_RETENTION_DAYS``."""

from datetime import timedelta

from django.utils import timezone

from helpdesk.db import atomic

from ..models import ChatConversation, ChatMessage, ChatQuestion, SuggestionOpen


@atomic
def chat_purge_expired(*, older_than_days: int) -> int:
    """Delete conversations last changed more than ``older_than_days`` days
    ago, with their questions and transcript lines; returns how many
    conversations went. A handed-over chat lives on as its ticket's first
    message. Opened new-ticket suggestions older than that go too (they hold
    what the customer typed). ``older_than_days`` below 1 deletes nothing."""
    if older_than_days < 1:
        return 0
    cutoff = timezone.now() - timedelta(days=older_than_days)
    SuggestionOpen.objects.filter(created_at__lt=cutoff).delete()
    expired = ChatConversation.objects.filter(updated_at__lt=cutoff)
    ids = list(expired.values_list("pk", flat=True))
    if not ids:
        return 0
    ChatMessage.objects.filter(conversation_id__in=ids).delete()
    ChatQuestion.objects.filter(conversation_id__in=ids).delete()
    ChatConversation.objects.filter(pk__in=ids).delete()
    return len(ids)
