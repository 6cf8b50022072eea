"""Reads of the knowledge base. Every list here holds only what the reader may
see (``knowledge.permissions.visibilities_for``): someone else's article is a
404, never a 403 that confirms it exists."""

from django.db.models import QuerySet
from django.http import Http404

from accounts.models import User

from .models import Article, ArticleCategory
from .permissions import visibilities_for


def article_list_visible_to(user: User | None) -> QuerySet[Article]:
    """Published articles ``user`` may read, with their categories."""
    return Article.objects.filter(
        status=Article.Status.PUBLISHED, visibility__in=visibilities_for(user)
    ).select_related("category")


def article_get_for(user: User | None, slug: str) -> Article:
    """The published article ``slug`` if ``user`` may read it; else Http404."""
    article = article_list_visible_to(user).filter(slug=slug).first()
    if article is None:
        raise Http404("No such article.")
    return article


def category_list() -> QuerySet[ArticleCategory]:
    return ArticleCategory.objects.all()


def category_article_counts(user: User | None) -> dict:
    """``{category id: published articles in it that user may read}``, in one
    query; categories without any are absent."""
    from django.db.models import Count  # here: appended without touching the top

    rows = (
        article_list_visible_to(user)
        .filter(category__isnull=False)
        .order_by()
        .values("category")
        .annotate(count=Count("pk"))
    )
    return {row["category"]: row["count"] for row in rows}
