"""Database housekeeping that differs by engine.

SQLite keeps no query-planner statistics unless asked, and without them it
picks poor plans for the ticket lists (sorting every visible ticket instead of
walking the updated-at index). PostgreSQL's autovacuum gathers statistics on
its own; other engines need nothing here.
"""

from django.db import connection


def database_optimize() -> str:
    """Refresh the query planner's statistics where the engine needs it."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        return "sqlite: statistics refreshed (ANALYZE)"
    return f"{connection.vendor}: nothing to do (the server keeps its statistics)"
