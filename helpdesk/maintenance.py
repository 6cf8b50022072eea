"""Database housekeeping that differs by engine.

SQLite keeps no query-planner statistics unless asked, and without them it
picks poor plans for the ticket lists (sorting every visible ticket instead of
walking the updated-at index). PostgreSQL's autovacuum gathers statistics on
its own, and MongoDB plans from its indexes with no statistics to refresh.
Any other engine gets nothing, with a warning: what is written here is SQL
for the engines we know, and it is never sent to one we do not.
"""

import logging

from django.db import connection

logger = logging.getLogger(__name__)


def database_optimize() -> str:
    """Refresh the query planner's statistics where the engine needs it.

    Returns one line for the console; an unknown engine is also logged
    (warning), since a nightly task's return value is easy to miss.
    """
    vendor = connection.vendor
    if vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        return "sqlite: statistics refreshed (ANALYZE)"
    if vendor == "postgresql":
        return "postgresql: nothing to do (autovacuum keeps the statistics)"
    if vendor == "mongodb":
        return "mongodb: nothing to do (the server plans from its indexes)"
    logger.warning("Database housekeeping skipped: unknown engine %r.", vendor)
    return f"{vendor}: skipped (no housekeeping is known for this database engine)"
