"""Small builders for the ticket-flow and report tests (articles through the
service, chats and suggestion opens written directly with their times)."""

from datetime import datetime

from django.utils import timezone

from accounts.models import User
from knowledge.models import (
    Article,
    ChatConversation,
    ChatQuestion,
    SuggestionOpen,
)
from knowledge.services.articles import article_create

Visibility = Article.Visibility
Feedback = ChatQuestion.Feedback


def article(
    title: str,
    *,
    visibility: str = Visibility.PUBLIC,
    status: str = Article.Status.PUBLISHED,
    body: str = "How to do it, step by step.",
) -> Article:
    return article_create(
        title=title, body=body, actor=None, status=status, visibility=visibility
    )


def chat(
    *questions: tuple,
    user: User | None = None,
    at: datetime | None = None,
    handed_over: bool = False,
    ticket=None,
) -> ChatConversation:
    """A conversation started ``at`` with its ``questions``, each a tuple
    ``(text, article or None, confident, feedback)`` (the last two optional)."""
    at = at or timezone.now()
    conversation = ChatConversation.objects.create(
        user=user,
        handed_over_at=at if handed_over else None,
        ticket=ticket,
        created_at=at,
    )
    for text, best, *rest in questions:
        confident = rest[0] if rest else best is not None
        feedback = rest[1] if len(rest) > 1 else Feedback.NONE
        ChatQuestion.objects.create(
            conversation=conversation,
            text=text,
            article=best,
            confident=confident,
            score=0.9 if confident else 0.2,
            feedback=feedback,
            created_at=at,
        )
    return conversation


def suggestion_open(
    user: User, best: Article, *, at: datetime, query: str = ""
) -> SuggestionOpen:
    return SuggestionOpen.objects.create(
        user=user, article=best, query=query, created_at=at
    )
