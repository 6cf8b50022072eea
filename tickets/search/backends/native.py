# ruff: noqa: S608 -- table and column names come from the models' _meta; values are parameters.
"""The native full-text backends: SQLite FTS5 and PostgreSQL full-text.

This is the one module of the project allowed raw SQL (issue 18): the DDL of
the indexes, their triggers, and the two expressions that query them. The
indexes hold the **folded** text (``Ticket.search_text``,
``Message.search_text``), so the folding rules stay the helpdesk's
(``helpdesk.search_text``) and the database only cuts words and looks them up.

SQLite (``SQLiteBackend``): two FTS5 tables with external content,
``tickets_ticket_fts`` over the subjects and ``tickets_message_fts`` over the
messages (the rows' own ids as FTS rowids, no second copy of the text), kept
current by triggers on insert, delete and change of ``search_text``: every
path that writes a row (services, the admin, bulk loads, cascades) updates
the index in the same transaction. The tokenizer is ``unicode61`` with
``remove_diacritics 0`` (folding already chose) and ``categories 'L* N* Co
M*'``, the word rule of ``tickets.search.tokens``; ``detail=none`` stores
only which rows hold a word (no positions): the smallest index, enough for
AND and prefix queries.

PostgreSQL (``PostgresBackend``): a stored generated column
``search_vector``, ``to_tsvector('simple', search_text)``, on both tables
(PostgreSQL computes it on every write, Django never names it) with a GIN
index. Words are cut by PostgreSQL's parser
with the ``simple`` configuration (no stemming, no stop words) on both the
text and the query, so they always agree with each other; they differ from
``tickets.search.tokens`` where the parser keeps a token whole: an email
address, a URL, a host name, a decimal number or a path is one word (plus
the parts of hyphenated words), and is found whole or by its start.

Schema changes of ``tickets_ticket`` or ``tickets_message`` on SQLite rebuild
the table (``ALTER TABLE`` by copy), which drops its triggers: ``install``
recreates whatever is missing, and runs after every ``migrate``
(``tickets.models.search``) and ``search_reindex``.

Both plan a query the same way. The list wants the newest page of what
matches, and a total; neither engine can probe its index row by row cheaply
(an FTS5 probe costs 0.1 to 1 ms) nor read a common word's millions of
entries in time, so the backend first reads the newest ``CANDIDATES`` + 1
matching subjects and messages (newest id first: FTS5 walks its lists
backwards, PostgreSQL its primary key, both stopping early):

- all of them fit (a rarer word): the condition names those tickets by id;
  complete and exact, and the list sorts a few thousand rows at most;
- more, and the user sees at most ``FEW_VISIBLE`` tickets (a customer): each
  visible ticket is tested row by row (SQLite: a regular expression over the
  folded text, with the word rule of ``tickets.search.tokens``; PostgreSQL:
  the row's stored vector); complete and exact;
- more, over many visible tickets (an agent and a common word): the tickets
  of the newest candidates, an incomplete match (``TicketMatch.complete``):
  the newest activity comes first as it should, and the total is shown as a
  lower bound.
"""

import re
from dataclasses import replace

from django.db import connection as default_connection
from django.db.models import (
    BooleanField,
    Exists,
    Expression,
    F,
    OuterRef,
    Q,
    QuerySet,
)

from ...models import Message, Ticket
from .base import SearchBackend, SearchQuery, TicketMatch

CANDIDATES = 500  # newest matching documents read per table
SUBJECT_PROBE = 2_000  # PostgreSQL: subjects read through the index first
FEW_VISIBLE = 2_000  # tickets; up to this many are tested one by one
VECTOR = "search_vector"  # PostgreSQL's generated column

TOKENIZER = "unicode61 remove_diacritics 0 categories 'L* N* Co M*'"


def _tables() -> list[tuple[str, str, str]]:
    """(table, its id column, its FTS table) for subjects and messages."""
    return [
        (model._meta.db_table, model._meta.pk.column, f"{model._meta.db_table}_fts")
        for model in (Ticket, Message)
    ]


# --- The shared plan ------------------------------------------------------


class _Holds(Expression):
    """A per-row test that the row's document matches: rendered by the
    backend from the row's column reference (``ref``)."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, ref, render) -> None:
        super().__init__(output_field=BooleanField())
        self.ref, self.render = ref, render

    def get_source_expressions(self):
        return [self.ref]

    def set_source_expressions(self, exprs):
        (self.ref,) = exprs

    def as_sql(self, compiler, connection):
        ref_sql, ref_params = compiler.compile(self.ref)
        sql, params = self.render(ref_sql)
        return sql, [*ref_params, *params]


class _NativeBackend(SearchBackend):
    """The plan both native backends share (see the module)."""

    def _subjects_sql(self, query: SearchQuery) -> tuple[str, list]:
        """SQL for the ids of the newest ``CANDIDATES`` + 1 tickets whose
        subject matches."""
        raise NotImplementedError

    def _messages_sql(self, query: SearchQuery) -> tuple[str, list]:
        """SQL for (ticket id, internal) of the newest ``CANDIDATES`` + 1
        matching messages."""
        raise NotImplementedError

    def _row_condition(self, query: SearchQuery) -> Q:
        """A per-row test of a ticket's or a message's ``search_text``."""
        raise NotImplementedError

    def _candidates(self, query: SearchQuery) -> tuple[list, list]:
        """The newest matching subjects' ticket ids and messages' (ticket id,
        internal), ``CANDIDATES`` + 1 of each at most.

        Whole words first: when they alone are common, their newest matches
        are the candidates, and the last word's longer forms are not read (a
        short prefix of a common word can stand for hundreds of words, whose
        lists FTS5 would merge whole). Otherwise the query again with the
        last word as a prefix."""
        whole = replace(query, prefix_allowed=False)
        subjects, messages = self._read_candidates(whole)
        common = len(subjects) > CANDIDATES or len(messages) > CANDIDATES
        if query.prefix and not common:
            subjects, messages = self._read_candidates(query)
        return subjects, messages

    def _read_candidates(self, query: SearchQuery) -> tuple[list, list]:
        """Both tables' newest matches in one query."""
        subjects_sql, subjects_params = self._subjects_sql(query)
        messages_sql, messages_params = self._messages_sql(query)
        sql = (
            f"SELECT 0, s.id, {self.false} FROM ({subjects_sql}) AS s UNION ALL "
            f"SELECT 1, m.ticket_id, m.internal FROM ({messages_sql}) AS m"
        )
        with default_connection.cursor() as cursor:
            cursor.execute(sql, [*subjects_params, *messages_params])
            rows = cursor.fetchall()
        subjects = [ticket for kind, ticket, _internal in rows if kind == 0]
        messages = [(ticket, internal) for kind, ticket, internal in rows if kind]
        return subjects, messages

    def ticket_match(self, query: SearchQuery, visible: QuerySet) -> TicketMatch:
        subjects, messages = self._candidates(query)
        complete = len(subjects) <= CANDIDATES and len(messages) <= CANDIDATES
        if not complete and visible.order_by()[: FEW_VISIBLE + 1].count() <= (
            FEW_VISIBLE
        ):
            found = Message.objects.filter(
                self._row_condition(query), ticket=OuterRef("pk")
            )
            if not query.include_internal:
                found = found.filter(internal=False)
            return TicketMatch(self._row_condition(query) | Q(Exists(found)))
        ids = set(subjects[:CANDIDATES])
        ids.update(
            ticket
            for ticket, internal in messages[:CANDIDATES]
            if query.include_internal or not internal
        )
        return TicketMatch(Q(pk__in=sorted(ids)), complete=complete)


# --- SQLite FTS5 -------------------------------------------------------------


def _fts5_expression(query: SearchQuery) -> str:
    """The FTS5 query: every word quoted (words hold letters, digits and
    marks only, never a quote), implicit AND, the last one a prefix."""
    terms = [f'"{word}"' for word in query.words]
    if query.prefix:
        terms[-1] += " *"
    return " ".join(terms)


def _words_pattern(query: SearchQuery) -> str:
    """A Python regular expression (SQLite's REGEXP, which Django provides)
    that holds for text holding every word of the query, the last also as a
    prefix: the row-by-row twin of the FTS5 query. A word starts and ends
    where no letter, digit or mark is beside it (``tickets.search.tokens``;
    Python's ``\\w`` without "_" is letters and digits)."""
    edge = r"(?<![^\W_])"
    parts = []
    last = len(query.words) - 1
    for position, word in enumerate(query.words):
        end = "" if position == last and query.prefix else r"(?![^\W_])"
        parts.append(f"(?=.*?{edge}{re.escape(word)}{end})")
    return "(?s)^" + "".join(parts)


class SQLiteBackend(_NativeBackend):
    """FTS5 over the folded subjects and messages (see the module)."""

    name = "sqlite"
    false = "0"

    def install(self, connection=None) -> None:
        connection = connection or default_connection
        with connection.cursor() as cursor:
            for table, pk, fts in _tables():
                cursor.execute(
                    f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5("
                    f"search_text, content='{table}', content_rowid='{pk}', "
                    f'tokenize="{TOKENIZER}", detail=none)'
                )
                cursor.execute(
                    "SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = %s",
                    [f"{fts}_update"],
                )
                missing = cursor.fetchone() is None
                delete = (
                    f"INSERT INTO {fts}({fts}, rowid, search_text) "
                    f"VALUES ('delete', old.{pk}, old.search_text);"
                )
                insert = (
                    f"INSERT INTO {fts}(rowid, search_text) "
                    f"VALUES (new.{pk}, new.search_text);"
                )
                cursor.execute(
                    f"CREATE TRIGGER IF NOT EXISTS {fts}_insert AFTER INSERT ON "
                    f"{table} BEGIN {insert} END"
                )
                cursor.execute(
                    f"CREATE TRIGGER IF NOT EXISTS {fts}_delete AFTER DELETE ON "
                    f"{table} BEGIN {delete} END"
                )
                cursor.execute(
                    f"CREATE TRIGGER IF NOT EXISTS {fts}_update AFTER UPDATE OF "
                    f"search_text ON {table} "
                    f"WHEN old.search_text IS NOT new.search_text "
                    f"BEGIN {delete} {insert} END"
                )
                if missing:
                    # New, or its triggers were lost: rows may be unindexed.
                    cursor.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")

    def rebuild(self, *, progress=None) -> int:
        self.install()
        with default_connection.cursor() as cursor:
            for _table, _pk, fts in _tables():
                if progress:
                    progress(f"rebuilding {fts}")
                cursor.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")
                cursor.execute(f"INSERT INTO {fts}({fts}) VALUES ('optimize')")
        return Ticket.objects.count() + Message.objects.count()

    def _subjects_sql(self, query):
        fts = f"{Ticket._meta.db_table}_fts"
        sql = (
            f"SELECT rowid AS id FROM {fts} WHERE {fts} MATCH %s "
            f"ORDER BY rowid DESC LIMIT {CANDIDATES + 1}"
        )
        return sql, [_fts5_expression(query)]

    def _messages_sql(self, query):
        table = Message._meta.db_table
        fts = f"{table}_fts"
        sql = (
            f"SELECT m.ticket_id, m.internal FROM (SELECT rowid AS id FROM {fts} "
            f"WHERE {fts} MATCH %s ORDER BY rowid DESC LIMIT {CANDIDATES + 1}) AS f "
            f"JOIN {table} AS m ON m.id = f.id"
        )
        return sql, [_fts5_expression(query)]

    def _row_condition(self, query):
        return Q(search_text__regex=_words_pattern(query))


# --- PostgreSQL ----------------------------------------------------------------


def _tsquery(query: SearchQuery) -> tuple[str, list[str]]:
    """SQL for the tsquery and its parameters: every word but the last through
    ``plainto_tsquery`` (PostgreSQL's parser cuts them as it cut the text),
    the last quoted as a prefix (``'word':*``) when long enough."""
    words = query.folded.split()
    if not query.prefix:
        return "plainto_tsquery('simple', %s)", [" ".join(words)]
    last = "'" + words[-1].replace("\\", "\\\\").replace("'", "''") + "':*"
    if len(words) == 1:
        return "to_tsquery('simple', %s)", [last]
    return (
        "(plainto_tsquery('simple', %s) && to_tsquery('simple', %s))",
        [" ".join(words[:-1]), last],
    )


class PostgresBackend(_NativeBackend):
    """A stored ``search_vector`` with a GIN index per table (the module)."""

    name = "postgresql"
    false = "false"

    def install(self, connection=None) -> None:
        """Add what is missing (checked first: PostgreSQL refuses to alter a
        table with pending trigger events, as in a test's transaction)."""
        connection = connection or default_connection
        with connection.cursor() as cursor:
            for table, _pk, fts in _tables():
                cursor.execute(
                    "SELECT 1 FROM information_schema.columns "
                    "WHERE table_name = %s AND column_name = %s "
                    "AND table_schema = current_schema()",
                    [table, VECTOR],
                )
                if cursor.fetchone() is None:
                    cursor.execute(
                        f"ALTER TABLE {table} ADD COLUMN {VECTOR} tsvector "
                        f"GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, "
                        f"search_text)) STORED"
                    )
                cursor.execute(
                    "SELECT 1 FROM pg_indexes WHERE indexname = %s "
                    "AND schemaname = current_schema()",
                    [fts],
                )
                if cursor.fetchone() is None:
                    cursor.execute(
                        f"CREATE INDEX {fts} ON {table} USING gin ({VECTOR})"
                    )

    def rebuild(self, *, progress=None) -> int:
        """PostgreSQL keeps the vectors and indexes current; this makes sure
        they exist and refreshes the planner's statistics of them (a bulk
        load's words are otherwise unknown to it)."""
        self.install()
        with default_connection.cursor() as cursor:
            for table, _pk, _fts in _tables():
                if progress:
                    progress(f"analyzing {table}")
                cursor.execute(f"ANALYZE {table}")
        return Ticket.objects.count() + Message.objects.count()

    def _subjects_sql(self, query):
        tsquery, params = _tsquery(query)
        sql = (
            f"SELECT id FROM {Ticket._meta.db_table} "
            f"WHERE {VECTOR} @@ {tsquery} ORDER BY id DESC LIMIT {CANDIDATES + 1}"
        )
        return sql, params

    def _read_candidates(self, query):
        """The newest ``CANDIDATES`` + 1 matching subjects and messages, in
        one round trip.

        Subjects have a small vocabulary, so PostgreSQL's statistics of their
        vectors know few words (38 on the benchmark's million tickets), and
        it guesses that any other word is in 0.5 % of the tickets: "the
        newest 501" then looks cheapest by walking the primary key
        backwards, which for a word in no subject reads every ticket (925 ms
        at 1,000,000). So the GIN index answers first: at most
        ``SUBJECT_PROBE`` + 1 matching subjects, with the planner's other
        paths switched off for that one statement and reset right after it
        (``SET``/``RESET`` are undone with the transaction if anything
        fails). Fewer is every match, sorted here; more is a common word,
        whose newest matches the backward walk finds at once (a second
        query). The messages are read as the shared plan reads them: their
        statistics know enough words."""
        tsquery, params = _tsquery(query)
        messages_sql, messages_params = self._messages_sql(query)
        sql = (
            "SET enable_seqscan = off; SET enable_indexscan = off; "
            f"SELECT id FROM {Ticket._meta.db_table} WHERE {VECTOR} @@ {tsquery} "
            f"LIMIT {SUBJECT_PROBE + 1}; "
            "RESET enable_seqscan; RESET enable_indexscan; "
            f"{messages_sql}"
        )
        with default_connection.cursor() as cursor:
            cursor.execute(sql, [*params, *messages_params])
            results = []
            while True:
                if cursor.description is not None:
                    results.append(cursor.fetchall())
                if not cursor.nextset():
                    break
        (found, messages) = results
        if len(found) <= SUBJECT_PROBE:
            subjects = sorted((row[0] for row in found), reverse=True)
        else:
            subjects_sql, subjects_params = self._subjects_sql(query)
            with default_connection.cursor() as cursor:
                cursor.execute(subjects_sql, subjects_params)
                subjects = [row[0] for row in cursor.fetchall()]
        subjects = subjects[: CANDIDATES + 1]
        return subjects, [(ticket, internal) for ticket, internal in messages]

    def _messages_sql(self, query):
        tsquery, params = _tsquery(query)
        sql = (
            f"SELECT ticket_id, internal FROM {Message._meta.db_table} "
            f"WHERE {VECTOR} @@ {tsquery} ORDER BY id DESC LIMIT {CANDIDATES + 1}"
        )
        return sql, params

    def _row_condition(self, query):
        return Q(self._holds(query))

    def _holds(self, query):
        tsquery, params = _tsquery(query)

        def render(ref_sql):
            # ``ref_sql`` is the row's search_text column, qualified by the
            # alias the query gave the table; the vector sits beside it.
            vector = ref_sql.replace('"search_text"', f'"{VECTOR}"')
            return f"{vector} @@ {tsquery}", params

        return _Holds(F("search_text"), render)


def uninstall(connection) -> None:
    """Drop what ``install`` made (the migration's reverse)."""
    with connection.cursor() as cursor:
        for table, _pk, fts in _tables():
            if connection.vendor == "sqlite":
                for event in ("insert", "delete", "update"):
                    cursor.execute(f"DROP TRIGGER IF EXISTS {fts}_{event}")
                cursor.execute(f"DROP TABLE IF EXISTS {fts}")
            elif connection.vendor == "postgresql":
                cursor.execute(f"DROP INDEX IF EXISTS {fts}")
                cursor.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS {VECTOR}")
