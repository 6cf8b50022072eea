"""The folded copies of subjects and bodies that ticket search reads.

Search compares folded text with folded text (``helpdesk.search_text``), so
every write of a subject or a body stores its folded copy too: services call
``ticket_search_text`` when they set a subject, and ``tickets.bodies
.body_rendered`` (used wherever a body is written) calls
``message_search_text``. ``manage.py search_reindex`` folds every row again
through ``search_text_reindex``, after ``SEARCH_IGNORE_ACCENTS`` changes.
"""

from collections.abc import Callable

from django.conf import settings
from django.db import models

from helpdesk.search_text import search_fold

REINDEX_BATCH = 500


def ticket_search_text(subject: str) -> str:
    """``Ticket.search_text`` for a subject (at most 255 characters)."""
    return search_fold(subject)


def message_search_text(body: str) -> str:
    """``Message.search_text`` for a body: at most twice
    ``MESSAGE_BODY_MAX_CHARS`` characters, which holds any accepted body even
    where folding lengthens it ("ß" is "ss"); text past that is not searched."""
    return search_fold(body, limit=2 * settings.MESSAGE_BODY_MAX_CHARS)


def search_text_reindex(
    model: type[models.Model],
    *,
    source: str,
    fold: Callable[[str], str],
    batch: int = REINDEX_BATCH,
    guarded: bool = True,
) -> tuple[int, int]:
    """Fold ``source`` of every row of ``model`` again into ``search_text``.

    Walks the table in primary-key order, ``batch`` rows a query, and writes
    only the rows whose folded text changed, each with an UPDATE that also
    requires ``source`` to be unchanged: a body redacted while the command
    runs is never given the old body's search text (the redaction stored its
    own). ``guarded=False`` writes a batch's changes in one bulk UPDATE
    instead, for a migration, when nothing else writes. Returns (rows read,
    rows changed). Works with the historical models of a migration as well as
    the real ones.
    """
    manager = model._default_manager
    rows = manager.only("pk", source, "search_text").order_by("pk")
    seen = changed = 0
    last = None
    while True:
        page = rows if last is None else rows.filter(pk__gt=last)
        chunk = list(page[:batch])
        if not chunk:
            return seen, changed
        stale = []
        for row in chunk:
            original = getattr(row, source)
            folded = fold(original)
            if folded == row.search_text:
                continue
            if guarded:
                changed += manager.filter(pk=row.pk, **{source: original}).update(
                    search_text=folded
                )
            else:
                row.search_text = folded
                stale.append(row)
        if stale:
            manager.bulk_update(stale, ["search_text"])
            changed += len(stale)
        seen += len(chunk)
        last = chunk[-1].pk
