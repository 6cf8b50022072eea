"""Writes to the knowledge base (articles, categories, votes, chats)."""

from .articles import (
    ArticleError,
    article_create,
    article_delete,
    article_phrasings_add,
    article_update,
    category_create,
    category_delete,
    category_update,
    index_version_bump,
    index_version_current,
)

__all__ = [
    "ArticleError",
    "article_create",
    "article_delete",
    "article_phrasings_add",
    "article_update",
    "category_create",
    "category_delete",
    "category_update",
    "index_version_bump",
    "index_version_current",
]
