"""Chat conversations are kept for KNOWLEDGE_CHAT_RETENTION_DAYS, then go."""

from datetime import timedelta

import pytest
from django.utils import timezone

from knowledge.models import (
    Article,
    ChatConversation,
    ChatMessage,
    ChatQuestion,
    SuggestionOpen,
)
from knowledge.tasks import chat_purge_expired

pytestmark = pytest.mark.django_db


def conversation(days_old: int) -> ChatConversation:
    chat = ChatConversation.objects.create()
    question = ChatQuestion.objects.create(conversation=chat, text="refund?")
    ChatMessage.objects.create(
        conversation=chat, role="visitor", text="refund?", question=question
    )
    ChatConversation.objects.filter(pk=chat.pk).update(
        updated_at=timezone.now() - timedelta(days=days_old)
    )
    return chat


def test_conversations_past_the_retention_period_are_deleted_whole(settings):
    settings.KNOWLEDGE_CHAT_RETENTION_DAYS = 30
    old, recent = conversation(31), conversation(29)

    assert chat_purge_expired() == 1
    assert chat_purge_expired() == 0  # running it twice deletes nothing twice

    assert list(ChatConversation.objects.all()) == [recent]
    assert not ChatQuestion.objects.filter(conversation_id=old.pk).exists()
    assert not ChatMessage.objects.filter(conversation_id=old.pk).exists()
    assert ChatMessage.objects.filter(conversation_id=recent.pk).count() == 1


def test_opened_suggestions_past_the_retention_period_are_deleted(settings, customer):
    settings.KNOWLEDGE_CHAT_RETENTION_DAYS = 30
    article = Article.objects.create(title="Refunds", slug="refunds", body="b")
    old = SuggestionOpen.objects.create(article=article, user=customer, query="rfnd")
    SuggestionOpen.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(days=31)
    )
    recent = SuggestionOpen.objects.create(article=article, user=customer, query="x")

    chat_purge_expired()

    assert list(SuggestionOpen.objects.all()) == [recent]


def test_a_retention_of_zero_keeps_everything(settings):
    settings.KNOWLEDGE_CHAT_RETENTION_DAYS = 0
    conversation(4000)

    assert chat_purge_expired() == 0
    assert ChatConversation.objects.count() == 1
