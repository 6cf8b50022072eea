"""Which search backend a database uses.

``SEARCH_BACKEND`` (a setting, optional) names one: "sqlite" (FTS5),
"postgresql" (full-text) or "portable" (the term index). Unset, the
database's engine chooses: its native backend where there is one, the
portable one elsewhere (MongoDB). A native backend works only on its own
engine.
"""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from .base import PREFIX_MIN_CHARS, SearchBackend, SearchQuery, TicketMatch
from .native import PostgresBackend, SQLiteBackend
from .portable import PortableBackend

BACKENDS: dict[str, type[SearchBackend]] = {
    "sqlite": SQLiteBackend,
    "postgresql": PostgresBackend,
    "portable": PortableBackend,
}

_chosen: dict[str, SearchBackend] = {}


def search_backend() -> SearchBackend:
    """The backend for the default database (one instance per name)."""
    chosen = settings.SEARCH_BACKEND
    if chosen and chosen not in ("portable", connection.vendor):
        raise ImproperlyConfigured(
            f"SEARCH_BACKEND={chosen!r}: leave it empty for this database's own "
            f"index, or set it to 'portable'."
        )
    name = chosen or connection.vendor
    if name not in BACKENDS:
        name = "portable"
    if name not in _chosen:
        _chosen[name] = BACKENDS[name]()
    return _chosen[name]


def install_native(apps=None, schema_editor=None, *, fill_portable=True) -> None:
    """Create the native backend's tables, columns, indexes and triggers for
    the database's engine, when missing (a migration's ``RunPython``), and
    fill the portable index when it is the one in use: the rows already
    there are searchable once the migration has run (not after every
    ``migrate``: ``fill_portable=False``)."""
    native = BACKENDS.get(connection.vendor)
    if native is not None and native is not PortableBackend:
        native().install(schema_editor.connection if schema_editor else connection)
    if fill_portable and search_backend().name == "portable":
        search_backend().rebuild()


__all__ = [
    "BACKENDS",
    "PREFIX_MIN_CHARS",
    "SearchBackend",
    "SearchQuery",
    "TicketMatch",
    "install_native",
    "search_backend",
]
