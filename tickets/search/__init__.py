"""Ticket search: the folded text every row stores, and the index over it.

- ``text``: the folded copies of subjects and bodies (``Ticket.search_text``,
  ``Message.search_text``) that services store with every write, and their
  re-folding (``search_text_reindex``);
- ``tokens``: how folded text is cut into words;
- ``backends``: one interface (``SearchBackend``), a portable term index and
  the native full-text indexes of SQLite and PostgreSQL, one chosen per
  database (``search_backend``).

Callers use the functions here: ``ticket_text_match`` for the lists and
the search page, ``count_capped`` for the totals they show, and
``search_index_rebuild`` (``manage.py search_reindex``).
"""

from collections.abc import Callable

from django.db.models import QuerySet

from helpdesk.search_text import search_fold

from .backends import (
    PREFIX_MIN_CHARS,
    SearchBackend,
    SearchQuery,
    TicketMatch,
    install_native,
    search_backend,
)
from .text import (
    REINDEX_BATCH,
    message_search_text,
    search_text_reindex,
    ticket_search_text,
)
from .tokens import query_words

COUNT_CAP = 1_000  # totals above it show as "1,000+"


def search_query(text: str, *, include_internal: bool) -> SearchQuery | None:
    """The query for ``text`` as typed (already cut to a sane length), or None
    when it holds no word (only punctuation, say)."""
    folded = search_fold(text)
    found = query_words(folded)
    if not found:
        return None
    return SearchQuery(
        folded=folded, words=tuple(found), include_internal=include_internal
    )


def ticket_text_match(
    text: str, *, include_internal: bool, visible: QuerySet
) -> TicketMatch | None:
    """The tickets among ``visible`` whose subject or one message holds
    every word of ``text`` (the last also as a prefix; see
    ``backends.base``), internal notes counting only with
    ``include_internal``: a condition to apply to ``visible``, and whether it
    is complete (``TicketMatch``). None when ``text`` has no word. Runs two or
    three small queries (the backend choosing its plan)."""
    query = search_query(text, include_internal=include_internal)
    if query is None:
        return None
    return search_backend().ticket_match(query, visible)


def count_capped(queryset: QuerySet, cap: int | None = None) -> int:
    """How many rows ``queryset`` has, counting no further than ``cap`` + 1:
    a result above ``cap`` means "more than ``cap``". One query, whose work
    stops at ``cap`` + 1 rows however many match. ``cap`` defaults to
    ``COUNT_CAP``."""
    cap = COUNT_CAP if cap is None else cap
    return queryset.values("pk").order_by()[: cap + 1].count()


def search_index_rebuild(progress: Callable[[str], object] | None = None) -> int:
    """Build the active backend's index again from the stored search text;
    return how many subjects and messages it covers."""
    return search_backend().rebuild(progress=progress)


__all__ = [
    "COUNT_CAP",
    "PREFIX_MIN_CHARS",
    "REINDEX_BATCH",
    "SearchBackend",
    "SearchQuery",
    "TicketMatch",
    "count_capped",
    "install_native",
    "message_search_text",
    "search_backend",
    "search_index_rebuild",
    "search_query",
    "search_text_reindex",
    "ticket_search_text",
    "ticket_text_match",
]
