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

Both plan a query the same way, because no planner can see that the list
wants only the newest page of what matches: the backend first asks for up to
``RARE_LIMIT`` + 1 matching subjects and messages. Fewer (a rare word): the
tickets are named by id, an index look-up each, and the list sorts those.
More (a common word): the condition is a probe per ticket into the index
(FTS5 seeks the rowid in each word's list; PostgreSQL tests the row's stored
vector), so the list, which walks the tickets newest first, stops after a
page's worth, and a capped count after ``COUNT_CAP`` + 1 matches.
"""

from django.db import connection as default_connection
from django.db.models import BooleanField, Exists, Expression, F, OuterRef, Q

from ...models import Message, Ticket
from .base import SearchBackend, SearchQuery

RARE_LIMIT = 2_000  # documents; above it a query counts as common
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
        """SQL for up to ``RARE_LIMIT`` + 1 ids of tickets whose subject
        matches."""
        raise NotImplementedError

    def _messages_sql(self, query: SearchQuery) -> tuple[str, list]:
        """SQL for up to ``RARE_LIMIT`` + 1 (ticket id, internal) of
        matching messages."""
        raise NotImplementedError

    def _holds(self, ref_field: str, table: str, query: SearchQuery) -> _Holds:
        """The per-row test for rows of ``table`` (``ref_field`` names the
        column the backend needs: "pk" or "search_text")."""
        raise NotImplementedError

    def ticket_condition(self, query: SearchQuery) -> Q:
        with default_connection.cursor() as cursor:
            cursor.execute(*self._subjects_sql(query))
            subjects = [row[0] for row in cursor.fetchall()]
            cursor.execute(*self._messages_sql(query))
            messages = cursor.fetchall()
        ticket_table, message_table = (m._meta.db_table for m in (Ticket, Message))
        if len(subjects) > RARE_LIMIT:
            by_subject = Q(self._holds(self.ref_field, ticket_table, query))
        else:
            by_subject = Q(pk__in=subjects)
        if len(messages) > RARE_LIMIT:
            found = Message.objects.filter(
                self._holds(self.ref_field, message_table, query),
                ticket=OuterRef("pk"),
            )
            if not query.include_internal:
                found = found.filter(internal=False)
            return by_subject | Q(Exists(found))
        ids = {
            ticket
            for ticket, internal in messages
            if query.include_internal or not internal
        }
        return by_subject | Q(pk__in=sorted(ids))


# --- SQLite FTS5 -------------------------------------------------------------


def _fts5_expression(query: SearchQuery) -> str:
    """The FTS5 query: every word quoted (words hold letters, digits and
    marks only, never a quote), implicit AND, the last one a prefix."""
    terms = [f'"{word}"' for word in query.words]
    if query.prefix:
        terms[-1] += " *"
    return " ".join(terms)


class SQLiteBackend(_NativeBackend):
    """FTS5 over the folded subjects and messages (see the module)."""

    name = "sqlite"
    ref_field = "pk"

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
        sql = f"SELECT rowid FROM {fts} WHERE {fts} MATCH %s LIMIT {RARE_LIMIT + 1}"
        return sql, [_fts5_expression(query)]

    def _messages_sql(self, query):
        table = Message._meta.db_table
        fts = f"{table}_fts"
        sql = (
            f"SELECT m.ticket_id, m.internal FROM (SELECT rowid AS id FROM {fts} "
            f"WHERE {fts} MATCH %s LIMIT {RARE_LIMIT + 1}) AS f "
            f"JOIN {table} AS m ON m.id = f.id"
        )
        return sql, [_fts5_expression(query)]

    def _holds(self, ref_field, table, query):
        fts = f"{table}_fts"
        expression = _fts5_expression(query)

        def render(ref_sql):
            return (
                f"EXISTS (SELECT 1 FROM {fts} WHERE {fts} MATCH %s "
                f"AND rowid = {ref_sql})",
                [expression],
            )

        return _Holds(F(ref_field), render)


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
    ref_field = "search_text"

    def install(self, connection=None) -> None:
        connection = connection or default_connection
        with connection.cursor() as cursor:
            for table, _pk, fts in _tables():
                cursor.execute(
                    f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {VECTOR} tsvector "
                    f"GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, "
                    f"search_text)) STORED"
                )
                cursor.execute(
                    f"CREATE INDEX IF NOT EXISTS {fts} ON {table} USING gin ({VECTOR})"
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
            f"WHERE {VECTOR} @@ {tsquery} LIMIT {RARE_LIMIT + 1}"
        )
        return sql, params

    def _messages_sql(self, query):
        tsquery, params = _tsquery(query)
        sql = (
            f"SELECT ticket_id, internal FROM {Message._meta.db_table} "
            f"WHERE {VECTOR} @@ {tsquery} LIMIT {RARE_LIMIT + 1}"
        )
        return sql, params

    def _holds(self, ref_field, table, query):
        tsquery, params = _tsquery(query)

        def render(ref_sql):
            # ``ref_sql`` is the row's search_text column, qualified by the
            # alias the query gave the table; the vector sits beside it.
            vector = ref_sql.replace('"search_text"', f'"{VECTOR}"')
            return f"{vector} @@ {tsquery}", params

        return _Holds(F(ref_field), render)


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
