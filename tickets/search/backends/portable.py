"""The portable backend: a term index in Django models, on every database.

``SearchTerm`` holds one row per distinct word (``tickets.search.tokens``) of
each subject and each message. The index follows the rows through
``post_save`` (``tickets.models.search``): a saved subject or message has its
words replaced (one DELETE and one INSERT), a deleted ticket or message loses
them by cascade. ``manage.py search_reindex`` builds it again from the stored
``search_text``, after bulk loads that bypass ``save()``.

A query is plain ORM: for each word, the documents holding it (the last word
also as a prefix), intersected; so it runs wherever the ORM does, MongoDB
included. It is the reference the native backends are tested against, not a
way to search millions of messages fast: each word is one indexed look-up,
but a common word's rows are many.
"""

from collections.abc import Iterable

from django.db.models import Q, QuerySet

from ...models import Message, SearchTerm, Ticket
from ..tokens import words
from .base import SearchBackend, SearchQuery, TicketMatch

BATCH = 1_000


def _terms(word: str, *, prefix: bool) -> QuerySet[SearchTerm]:
    if prefix:
        return SearchTerm.objects.filter(term__startswith=word)
    return SearchTerm.objects.filter(term=word)


def _subject_terms(ticket) -> list[SearchTerm]:
    return [
        SearchTerm(term=word, ticket_id=ticket.pk)
        for word in dict.fromkeys(words(ticket.search_text))
    ]


def _message_terms(message) -> list[SearchTerm]:
    return [
        SearchTerm(term=word, message_id=message.pk, internal=message.internal)
        for word in dict.fromkeys(words(message.search_text))
    ]


def _indexes(update_fields: Iterable[str] | None, created: bool) -> bool:
    return created or update_fields is None or "search_text" in update_fields


class PortableBackend(SearchBackend):
    """Words in ``SearchTerm`` rows (see the module)."""

    name = "portable"

    def ticket_match(self, query: SearchQuery, visible: QuerySet) -> TicketMatch:
        return TicketMatch(self.ticket_condition(query))

    def ticket_condition(self, query: SearchQuery) -> Q:
        last = len(query.words) - 1
        by_subject = Q()
        messages = Message.objects.all()
        if not query.include_internal:
            messages = messages.filter(internal=False)
        for position, word in enumerate(query.words):
            terms = _terms(word, prefix=position == last and query.prefix)
            by_subject &= Q(
                pk__in=terms.filter(message__isnull=True).values("ticket_id")
            )
            messages = messages.filter(
                pk__in=terms.filter(message__isnull=False).values("message_id")
            )
        return by_subject | Q(pk__in=messages.values("ticket_id"))

    def ticket_saved(self, ticket, *, created: bool, update_fields) -> None:
        if not _indexes(update_fields, created):
            return
        if not created:
            SearchTerm.objects.filter(ticket_id=ticket.pk).delete()
        SearchTerm.objects.bulk_create(_subject_terms(ticket))

    def message_saved(self, message, *, created: bool, update_fields) -> None:
        if not _indexes(update_fields, created) and "internal" not in (
            update_fields or ()
        ):
            return
        if not created:
            SearchTerm.objects.filter(message_id=message.pk).delete()
        SearchTerm.objects.bulk_create(_message_terms(message))

    def rebuild(self, *, progress=None) -> int:
        """Every row's words again, ``BATCH`` rows a query, in primary-key
        order. Not atomic: a search meanwhile may miss rows not yet done."""
        SearchTerm.objects.all().delete()
        done = 0
        for model, fields, terms in (
            (Ticket, ("pk", "search_text"), _subject_terms),
            (Message, ("pk", "search_text", "internal"), _message_terms),
        ):
            rows = model._default_manager.only(*fields).order_by("pk")
            last = None
            while True:
                page = rows if last is None else rows.filter(pk__gt=last)
                chunk = list(page[:BATCH])
                if not chunk:
                    break
                SearchTerm.objects.bulk_create(
                    [term for row in chunk for term in terms(row)], batch_size=5_000
                )
                done += len(chunk)
                last = chunk[-1].pk
                if progress:
                    progress(f"{model._meta.verbose_name_plural}: {done} indexed")
        return done
