"""Readers' answers to "Was this helpful?" and article view counts.

Counts move with ``F()`` expressions, so two readers voting or viewing at
once both count. A reader is ``user:<id>`` when signed in and
``session:<key>`` otherwise (``reader_key``); each reader holds at most one
vote per article (``ArticleVote``'s unique constraint), and changing it moves
one count down and the other up.
"""

from django.db.models import F
from django.http import HttpRequest

from helpdesk.db import atomic, save_unique
from helpdesk.errors import ApplicationError

from ..models import Article, ArticleVote

# How many article ids a session remembers as viewed (oldest dropped first).
VIEWED_SESSION_KEY = "knowledge_viewed"
VIEWED_REMEMBERED = 300


class VoteError(ApplicationError):
    code = "vote_failed"


def reader_key(request: HttpRequest) -> str:
    """``user:<id>`` for someone signed in, else ``session:<key>``; a visitor
    without a session yet is given one (saved now) so the key is stable."""
    if request.user.is_authenticated:
        return f"user:{request.user.pk}"
    if not request.session.session_key:
        request.session.save()
    return f"session:{request.session.session_key}"


def article_vote_of(*, article: Article, voter: str) -> bool | None:
    """The reader's current answer for ``article``: True, False or None."""
    return (
        ArticleVote.objects.filter(article=article, voter=voter)
        .values_list("helpful", flat=True)
        .first()
    )


@atomic
def article_vote(*, article: Article, voter: str, helpful: bool) -> Article:
    """Record ``voter``'s answer; the same answer twice changes nothing, a
    changed answer moves the counts. Returns the article with its counts as
    stored afterwards (``helpful_count``, ``not_helpful_count``). Raises
    VoteError when the same reader's concurrent first vote won the race."""
    vote = ArticleVote.objects.filter(article=article, voter=voter).first()
    counts = Article.objects.filter(pk=article.pk)
    if vote is None:
        save_unique(
            ArticleVote(article=article, voter=voter, helpful=helpful),
            VoteError("Your answer was already recorded."),
        )
        field = "helpful_count" if helpful else "not_helpful_count"
        counts.update(**{field: F(field) + 1})
    elif vote.helpful != helpful:
        ArticleVote.objects.filter(pk=vote.pk).update(helpful=helpful)
        if helpful:
            counts.update(
                helpful_count=F("helpful_count") + 1,
                not_helpful_count=F("not_helpful_count") - 1,
            )
        else:
            counts.update(
                helpful_count=F("helpful_count") - 1,
                not_helpful_count=F("not_helpful_count") + 1,
            )
    fresh = counts.values("helpful_count", "not_helpful_count").first() or {}
    article.helpful_count = fresh.get("helpful_count", article.helpful_count)
    article.not_helpful_count = fresh.get(
        "not_helpful_count", article.not_helpful_count
    )
    return article


def article_view_count(*, request: HttpRequest, article: Article) -> bool:
    """Count one view of ``article`` unless this session counted it already;
    returns whether it counted (then ``article.view_count`` is one higher).
    The session remembers the last ``VIEWED_REMEMBERED`` articles it saw."""
    viewed = list(request.session.get(VIEWED_SESSION_KEY, []))
    key = str(article.pk)
    if key in viewed:
        return False
    Article.objects.filter(pk=article.pk).update(view_count=F("view_count") + 1)
    article.view_count += 1
    viewed.append(key)
    request.session[VIEWED_SESSION_KEY] = viewed[-VIEWED_REMEMBERED:]
    return True
