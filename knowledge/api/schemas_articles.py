"""What the knowledge API sends and takes for articles and categories."""

from datetime import datetime
from typing import Literal

from django.conf import settings
from ninja import Schema
from pydantic import Field

from helpdesk.api_tools import In

from ..models import Article, ArticleCategory
from ..services.articles import BODY_MAX_CHARS, TITLE_MAX

ArticleStatus = Literal["draft", "published", "archived"]
ListedStatus = Literal["draft", "published", "archived", "all"]
Visibility = Literal["public", "customers", "agents"]

SLUG = r"^[-a-zA-Z0-9_]*$"
LANGUAGE = r"^[a-zA-Z]{2,3}([-_][a-zA-Z0-9]{1,8})?$"


# --- Shapes sent --------------------------------------------------------------


class ArticleCategoryRef(Schema):
    id: str
    name: str
    slug: str


class ArticleAuthorRef(Schema):
    id: str
    full_name: str


class ArticleSummaryOut(Schema):
    id: str
    title: str
    slug: str
    category: ArticleCategoryRef | None
    status: ArticleStatus
    visibility: Visibility
    language: str
    url: str = Field(description="The article's page in the help center.")
    score: float | None = Field(
        description="With ?q=: how well it answers the query, 0 to 1, higher is "
        "better; null otherwise."
    )
    view_count: int
    helpful_count: int
    not_helpful_count: int
    published_at: datetime | None
    created_at: datetime
    updated_at: datetime


class ArticleDetailOut(ArticleSummaryOut):
    # An article's phrasings ("also asked as", ``Article.phrasings``) are not
    # part of the API: they are for editors, never shown to readers.
    body: str = Field(description="Markdown, as written.")
    body_html: str = Field(description="The body rendered and sanitised.")
    author: ArticleAuthorRef | None = Field(description="For agents; null for others.")


class ArticleCategoryOut(Schema):
    id: str
    name: str
    slug: str
    description: str
    position: int
    article_count: int = Field(
        description="Published articles in it that the caller may read."
    )
    url: str = Field(description="The category's page in the help center.")
    created_at: datetime
    updated_at: datetime


def absolute(path: str) -> str:
    """An absolute link: SITE_URL plus the path (never the request's Host)."""
    return settings.SITE_URL.rstrip("/") + path


def category_ref(category: ArticleCategory | None) -> dict | None:
    if category is None:
        return None
    return {"id": str(category.pk), "name": category.name, "slug": category.slug}


def article_out(article: Article, score: float | None = None) -> dict:
    """A row of the article list; the category must be fetched with it."""
    return {
        "id": str(article.pk),
        "title": article.title,
        "slug": article.slug,
        "category": category_ref(article.category),
        "status": article.status,
        "visibility": article.visibility,
        "language": article.language,
        "url": absolute(article.get_absolute_url()),
        "score": score,
        "view_count": article.view_count,
        "helpful_count": article.helpful_count,
        "not_helpful_count": article.not_helpful_count,
        "published_at": article.published_at,
        "created_at": article.created_at,
        "updated_at": article.updated_at,
    }


def article_detail_out(article: Article, *, for_agent: bool) -> dict:
    """One article in full; its author is named to agents only."""
    author = article.author if for_agent else None
    return {
        **article_out(article),
        "body": article.body,
        "body_html": str(article.html),
        "author": {"id": str(author.pk), "full_name": author.full_name}
        if author is not None
        else None,
    }


def category_out(category: ArticleCategory, article_count: int) -> dict:
    return {
        "id": str(category.pk),
        "name": category.name,
        "slug": category.slug,
        "description": category.description,
        "position": category.position,
        "article_count": article_count,
        "url": absolute(category.get_absolute_url()),
        "created_at": category.created_at,
        "updated_at": category.updated_at,
    }


# --- Shapes taken -------------------------------------------------------------


class ArticleFilterIn(In):
    q: str = Field("", max_length=200, description="Search: best first, with score.")
    category: str | None = Field(None, max_length=100, description="A slug or an id.")
    language: str | None = Field(None, max_length=16)
    status: ListedStatus = Field(
        "published",
        description="Agents only: draft, archived or all to see unpublished ones.",
    )
    page: int = Field(1, ge=1, le=100_000)
    per_page: int = Field(25, ge=1, le=100)


class ArticleIn(In):
    title: str = Field(min_length=1, max_length=TITLE_MAX)
    body: str = Field(min_length=1, max_length=BODY_MAX_CHARS, description="Markdown.")
    category_id: str | None = None
    status: ArticleStatus = "draft"
    visibility: Visibility = "public"
    language: str = Field("en", pattern=LANGUAGE)
    slug: str = Field(
        "",
        max_length=100,
        pattern=SLUG,
        description="Made from the title when left empty.",
    )


class ArticlePatch(In):
    title: str | None = Field(None, min_length=1, max_length=TITLE_MAX)
    body: str | None = Field(None, min_length=1, max_length=BODY_MAX_CHARS)
    category_id: str | None = Field(
        None, description="null takes it out of its category"
    )
    status: ArticleStatus | None = None
    visibility: Visibility | None = None
    language: str | None = Field(None, pattern=LANGUAGE)
    slug: str | None = Field(None, max_length=100, pattern=SLUG)


class ArticleCategoryIn(In):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=5_000)
    position: int = Field(0, ge=0, le=1_000_000)
    slug: str = Field(
        "",
        max_length=100,
        pattern=SLUG,
        description="Made from the name when left empty.",
    )


class ArticleCategoryPatch(In):
    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=5_000)
    position: int | None = Field(None, ge=0, le=1_000_000)
    slug: str | None = Field(None, max_length=100, pattern=SLUG)
