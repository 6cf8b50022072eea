"""The one interface every ticket search backend gives.

Modelled on Wagtail's search backends (``wagtail.search.backends``): the
callers (the lists' and the search page's selectors) ask one object, chosen
once per database from its engine, for a condition on tickets; how the words
are found is the backend's business. Each backend finds the same tickets for
the same words, within the word-cutting rules told in its docstring.

What a search finds (every backend): a ticket whose **subject**, or one of
whose **messages**, holds **every word** of the query (AND), the **last word
also as the start of a word** (type-ahead, from ``PREFIX_MIN_CHARS``
characters on). Messages are public replies for everyone, and internal notes
too when ``include_internal`` (agents); customers never match a note. Words
are compared folded (``helpdesk.search_text``: caseless in every script,
accentless with ``SEARCH_IGNORE_ACCENTS``), the query folded alike.

Before issue 18 the whole query was a substring of one subject or message
(``LIKE '%…%'``); now it is words, within one subject or one message, so
every ticket a query of whole words found is still found, words need not be
adjacent or in order, and text inside a word ("voice" in "invoice") no longer
matches. The ticket number and the requester's email stay the selectors'
business (``tickets.selectors.lists._search``).
"""

from dataclasses import dataclass

from django.db.models import Q, QuerySet

PREFIX_MIN_CHARS = 3  # a shorter last word must match a whole word


@dataclass(frozen=True)
class SearchQuery:
    """A query ready for a backend.

    ``folded``: the query folded (``search_fold``), as typed otherwise;
    ``words``: its words (``tickets.search.tokens.query_words``), at least
    one; ``include_internal``: whether internal notes count (agents)."""

    folded: str
    words: tuple[str, ...]
    include_internal: bool
    prefix_allowed: bool = True  # False: every word matched whole

    @property
    def prefix(self) -> bool:
        """Whether the last word also matches as the start of a word."""
        return self.prefix_allowed and len(self.words[-1]) >= PREFIX_MIN_CHARS


@dataclass(frozen=True)
class TicketMatch:
    """A backend's answer: ``condition`` on ``Ticket`` rows, and whether it
    is ``complete``. Incomplete means a common word searched over many
    visible tickets: the condition holds for the tickets of the newest
    matching subjects and messages only (``CANDIDATES`` of each), which are
    the results a list sorted by activity shows first; a total counted over
    it is a lower bound ("400+")."""

    condition: Q
    complete: bool = True


class SearchBackend:
    """What a backend implements. Subclasses set ``name``."""

    name = ""

    def ticket_match(self, query: SearchQuery, visible: QuerySet) -> TicketMatch:
        """The tickets the query finds, as a condition the caller applies to
        ``visible`` (the tickets the user may see: visibility stays the
        selectors', ``ticket_list_visible_to``). It may cost the backend a
        few small queries to choose its plan."""
        raise NotImplementedError

    def install(self, connection) -> None:
        """Create what the backend needs in the database, when it is
        missing (idempotent; migrations call it). Nothing by default."""

    def rebuild(self, *, progress=None) -> int:
        """Index every subject and message again from their ``search_text``;
        return how many documents were indexed. ``progress`` (str -> None)
        hears about long runs."""
        raise NotImplementedError

    # The upkeep of a backend that keeps its own index in Django models; the
    # native backends keep theirs in the database (triggers, expression
    # indexes) and ignore these.

    def ticket_saved(self, ticket, *, created: bool, update_fields) -> None:
        """A ticket row was saved (``post_save``)."""

    def message_saved(self, message, *, created: bool, update_fields) -> None:
        """A message row was saved (``post_save``)."""
