"""One all-or-nothing block for the three databases.

Django's ``transaction.atomic()`` does nothing on MongoDB: the backend reports
no transaction support. django-mongodb-backend's own
``transaction.atomic()`` runs a real multi-document transaction there, but it
has no savepoints: a nested block joins the outer one, and a write error
anywhere (a duplicate key included) aborts the whole transaction. Code that
must be correct on all three databases therefore:

- wraps every write that must be all-or-nothing in :func:`atomic`;
- never catches a database error inside a block and carries on writing in
  the same block (check first, or let the whole block fail);
- sends side effects through ``transaction.on_commit`` as before: the
  MongoDB backend runs them after its own commit, and drops them on rollback.
"""

from __future__ import annotations

from contextlib import ContextDecorator

from django.db import DEFAULT_DB_ALIAS, connections, transaction


def is_mongodb(using: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether the database ``using`` is MongoDB."""
    return connections[using].vendor == "mongodb"


class _Atomic(ContextDecorator):
    """Picks Django's ``Atomic`` or the MongoDB backend's on each entry.

    Both keep their state on the connection, not on the object, so a fresh
    delegate per ``__enter__``/``__exit__`` is safe for recursion and
    threads.
    """

    def __init__(self, using: str | None) -> None:
        self.using = using or DEFAULT_DB_ALIAS

    def _delegate(self):
        if is_mongodb(self.using):
            from django_mongodb_backend.transaction import Atomic

            return Atomic(self.using)
        return transaction.Atomic(self.using, savepoint=True, durable=False)

    def __enter__(self) -> None:
        self._delegate().__enter__()

    def __exit__(self, exc_type, exc_value, traceback) -> None:
        self._delegate().__exit__(exc_type, exc_value, traceback)


def atomic(using=None):
    """A transaction on any of the three databases.

    Use as ``@atomic``, ``@atomic(using=...)`` or ``with atomic():``. On
    SQLite and PostgreSQL this is ``django.db.transaction.atomic`` (a nested
    block is a savepoint); on MongoDB it is
    ``django_mongodb_backend.transaction.atomic`` (a nested block joins the
    outer transaction; there are no savepoints).
    """
    if callable(using):
        return _Atomic(DEFAULT_DB_ALIAS)(using)
    return _Atomic(using)
