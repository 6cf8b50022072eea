"""Search over the articles a reader may see: the one way in for the help
center, the new-ticket suggestions, the agents' search and the chatbot.

PLACEHOLDER: a title match, until the BM25 index replaces it. The interface
below is what every caller uses and stays.
"""

from dataclasses import dataclass

from accounts.models import User

from .models import Article
from .selectors import article_list_visible_to


@dataclass(frozen=True)
class ArticleHit:
    """One article found, with its score: 0 to 1, higher is better, and
    comparable with ``CONFIDENT_SCORE`` across queries."""

    article: Article
    score: float


CONFIDENT_SCORE = 0.5


def article_search(
    *, user: User | None, query: str, limit: int = 10, exclude: tuple = ()
) -> list[ArticleHit]:
    """Published articles ``user`` may read that answer ``query``, best first,
    at most ``limit``; ``exclude`` holds article ids to leave out."""
    query = query.strip()
    if not query:
        return []
    found = article_list_visible_to(user).filter(title__icontains=query)
    found = found.exclude(pk__in=list(exclude))[:limit]
    return [ArticleHit(article, 1.0) for article in found]


def related_articles(
    *, user: User | None, article: Article, limit: int = 5
) -> list[ArticleHit]:
    """Articles like ``article`` that ``user`` may read, best first."""
    return article_search(
        user=user, query=article.title, limit=limit, exclude=(article.pk,)
    )


def is_confident(hits: list[ArticleHit]) -> bool:
    """Whether the best hit is good enough to offer as the answer."""
    return bool(hits) and hits[0].score >= CONFIDENT_SCORE
