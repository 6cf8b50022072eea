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

On MongoDB two transactions that write the same document do not wait for
each other: the second gets a ``WriteConflict`` labelled
``TransientTransactionError`` and its transaction is aborted. The MongoDB
manual ("Transactions", "Retry Transaction": retry the whole transaction on
``TransientTransactionError``) and pymongo's ``ClientSession.with_transaction``
answer by running the whole transaction again. :func:`atomic` does the same
when it is the outermost block and used as a decorator: the function is
called again, up to ``RETRY_ATTEMPTS`` times, after a jittered exponential
pause, with the model instances among its arguments put back as they were.
A ``with atomic():`` block cannot re-run its body, so it only rolls back.
"""

from __future__ import annotations

import copy
import functools
import random
import time
from collections.abc import Callable, Iterator
from contextlib import ContextDecorator, contextmanager

from django.core.exceptions import ValidationError
from django.db import (
    DEFAULT_DB_ALIAS,
    IntegrityError,
    connections,
    models,
    transaction,
)

# Whole-transaction attempts on MongoDB, and the pause before the n-th retry:
# a random time up to RETRY_BASE_SECONDS * 2**n, at most RETRY_MAX_SECONDS.
# Twelve threads opening eight tickets each against the test server
# (tickets/tests/test_numbers.py) needed up to about 50 attempts.
RETRY_ATTEMPTS = 100
RETRY_BASE_SECONDS = 0.005
RETRY_MAX_SECONDS = 0.5
TRANSIENT_LABEL = "TransientTransactionError"


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
        try:
            with _beside_django_atomic(self.using):
                self._delegate().__exit__(exc_type, exc_value, traceback)
        except BaseException:
            _end_failed_transaction(self.using)
            raise

    def __call__(self, func: Callable) -> Callable:
        @functools.wraps(func)
        def inner(*args, **kwargs):
            if not _starts_mongodb_transaction(self.using):
                with self._recreate_cm():
                    return func(*args, **kwargs)
            snapshots = list(_snapshots(args, kwargs))
            for attempt in range(RETRY_ATTEMPTS):
                try:
                    with self._recreate_cm():
                        return func(*args, **kwargs)
                except Exception as error:
                    if attempt + 1 == RETRY_ATTEMPTS or not is_transient(error):
                        raise
                for instance, state in snapshots:
                    _restore(instance, state)
                pause = min(RETRY_MAX_SECONDS, RETRY_BASE_SECONDS * 2**attempt)
                time.sleep(random.uniform(0, pause))  # noqa: S311 (jitter)
            raise AssertionError("unreachable")  # pragma: no cover

        return inner


@contextmanager
def _beside_django_atomic(using: str) -> Iterator[None]:
    """Let the outermost MongoDB block commit inside Django's own atomic().

    Django's admin wraps its add, change and delete views in
    ``django.db.transaction.atomic``, which on MongoDB only sets the
    connection's ``in_atomic_block`` flag: no transaction begins. A service
    called from ``save_model`` opens the real one, and its commit runs the
    on-commit hooks, which Django refuses under that flag
    (TransactionManagementError, "forbidden when an 'atomic' block is
    active"). The MongoDB transaction is the only one there is, so its
    commit and hooks run with the flag lowered, and the flag is put back for
    Django's block to close as usual.
    """
    connection = connections[using]
    outer_flag = connection.in_atomic_block
    lower = (
        connection.vendor == "mongodb"
        and outer_flag
        and not connection.nested_atomics
        and connection.in_atomic_block_mongo
    )
    if not lower:
        yield
        return
    connection.in_atomic_block = False
    try:
        yield
    finally:
        connection.in_atomic_block = outer_flag


def _starts_mongodb_transaction(using: str) -> bool:
    """Whether entering a block on ``using`` now starts a MongoDB transaction
    (rather than joining one, or running on SQL)."""
    connection = connections[using]
    return connection.vendor == "mongodb" and not connection.in_atomic_block_mongo


def _end_failed_transaction(using: str) -> None:
    """Drop the MongoDB session a failed commit left behind.

    The backend rolls back only when the commit raises Django's
    ``DatabaseError``; pymongo's own errors from ``commit_transaction`` leave
    the session on the connection, and the next block would join its dead
    transaction instead of starting one.
    """
    connection = connections[using]
    if connection.vendor != "mongodb" or connection.in_atomic_block_mongo:
        return
    if connection.session is not None:
        connection.session.end_session()  # aborts whatever is left of it
        connection.session = None
    connection.run_on_commit = []


def is_transient(error: BaseException) -> bool:
    """Whether ``error`` (or an error it was raised from) is a MongoDB error
    labelled ``TransientTransactionError``: running the whole transaction
    again may succeed. Django's ``DatabaseError`` wraps pymongo's errors, so
    the chain is followed through ``__cause__`` and ``__context__``."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        has_label = getattr(current, "has_error_label", None)
        if callable(has_label) and has_label(TRANSIENT_LABEL):
            return True
        pending += [current.__cause__, current.__context__]
    return False


def _snapshots(args: tuple, kwargs: dict) -> Iterator[tuple[models.Model, dict]]:
    """The state of each model instance passed in (directly or in a list), to
    put back before a retry: a failed attempt may have changed them."""
    for value in (*args, *kwargs.values()):
        items = value if isinstance(value, list | tuple | set) else (value,)
        for item in items:
            if isinstance(item, models.Model):
                yield item, item.__getstate__()


def _restore(instance: models.Model, state: dict) -> None:
    model_state = copy.copy(state["_state"])
    model_state.fields_cache = dict(state["_state"].fields_cache)
    instance.__dict__.clear()
    instance.__dict__.update(state, _state=model_state)


def atomic(using=None):
    """A transaction on any of the three databases.

    Use as ``@atomic``, ``@atomic(using=...)`` or ``with atomic():``. On
    SQLite and PostgreSQL this is ``django.db.transaction.atomic`` (a nested
    block is a savepoint); on MongoDB it is
    ``django_mongodb_backend.transaction.atomic`` (a nested block joins the
    outer transaction; there are no savepoints), and the outermost decorated
    function is run again on a transient transaction error (see the module
    docstring): its work must be safe to repeat, with side effects left to
    ``transaction.on_commit``.
    """
    if callable(using):
        return _Atomic(DEFAULT_DB_ALIAS)(using)
    return _Atomic(using)


def breaks_unique(instance: models.Model) -> bool:
    """Whether saving ``instance`` now would break one of its model's unique
    fields or constraints.

    Services ask before they write: on MongoDB the refused write would abort
    the whole transaction, so the friendly error must come first. The write
    still guards its own race (a refused write fails the whole block).
    """
    try:
        instance.validate_unique()
        instance.validate_constraints()
    except ValidationError:
        return True
    return False


def save_unique(instance: models.Model, duplicate: Exception) -> None:
    """Save ``instance``, or raise ``duplicate`` when that would break one of
    its unique fields or constraints: asked first (:func:`breaks_unique`),
    and again when a concurrent save wins the race, which then fails the
    whole enclosing block."""
    if breaks_unique(instance):
        raise duplicate
    try:
        with atomic():
            instance.save()
    except IntegrityError as error:
        raise duplicate from error
