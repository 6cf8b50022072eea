"""The MongoDB test database between tests: reset quickly, and on-commit
callbacks held back the way Django's ``TestCase`` holds them on SQL.

On a database without Django-managed transactions every test is a
``TransactionTestCase``: Django empties every collection after each test
(``flush``), then recreates content types and permissions through
``post_migrate``. Against the test server that costs about two seconds a
test, most of it asking each collection for its options and rewriting rows
no test changed. Here a test ends instead by:

- emptying only the collections that hold a document;
- putting back the rows the migrations seeded (the default email templates
  and rules), which a flush would lose for good: Django re-runs no data
  migration;
- keeping the migration records, content types and permissions, which no
  test writes.

On SQL a plain ``django_db`` test runs inside one transaction that is rolled
back, so ``transaction.on_commit`` callbacks (emails, tasks, webhooks) never
run unless the test captures them (``django_capture_on_commit_callbacks``);
on MongoDB every service's transaction really commits and would run them at
once, emails from building the fixtures included. For those tests the
callbacks are held back here exactly as on SQL: queued on the connection,
dropped with a rolled-back transaction, run only when captured. Tests marked
``transaction=True`` keep the backend's real behaviour on every database.
"""

from __future__ import annotations

from django.db import connections

# Written by migrate and post_migrate only; kept across tests.
KEPT = frozenset({"django_migrations", "django_content_type", "auth_permission"})

_baseline: dict[str, dict[str, list[dict]]] = {}


def take_baseline(alias: str) -> None:
    """Record what the freshly migrated test database holds."""
    database = connections[alias].database
    _baseline[alias] = {
        name: list(database[name].find())
        for name in database.list_collection_names()
        if not name.startswith("system.") and name not in KEPT
    }


def reset(alias: str) -> None:
    """Bring the database back to its baseline (see the module docstring)."""
    database = connections[alias].database
    baseline = _baseline.get(alias)
    if baseline is None:
        take_baseline(alias)
        return
    names = [
        name
        for name in database.list_collection_names()
        if not name.startswith("system.") and name not in KEPT
    ]
    for name in names:
        seeded = baseline.get(name) or []
        if seeded:
            database[name].delete_many({})
            database[name].insert_many(seeded)
        elif database[name].find_one({}, {"_id": 1}) is not None:
            database[name].delete_many({})


def _hold_back_callbacks() -> None:
    """Teach the MongoDB connection to queue on-commit callbacks while a
    ``TestCase`` runs (``connection.test_holds_callbacks``)."""
    from django_mongodb_backend.base import DatabaseWrapper

    on_commit = DatabaseWrapper.on_commit
    start = DatabaseWrapper.start_transaction_mongo
    commit = DatabaseWrapper.commit_mongo
    rollback = DatabaseWrapper.rollback_mongo

    def held_on_commit(self, func, robust=False):
        if getattr(self, "test_holds_callbacks", False) and not callable(func):
            raise TypeError("on_commit()'s callback must be a callable.")
        if getattr(self, "test_holds_callbacks", False):
            self.run_on_commit.append(([], func, robust))
            return
        on_commit(self, func, robust)

    def held_start(self):
        self.test_callbacks_mark = len(self.run_on_commit)
        start(self)

    def held_commit(self):
        if not getattr(self, "test_holds_callbacks", False):
            return commit(self)
        held, self.run_on_commit = self.run_on_commit, []
        try:
            commit(self)
        finally:
            self.run_on_commit = held + self.run_on_commit

    def held_rollback(self):
        if not getattr(self, "test_holds_callbacks", False):
            return rollback(self)
        kept = self.run_on_commit[: getattr(self, "test_callbacks_mark", 0)]
        rollback(self)
        self.run_on_commit = kept

    DatabaseWrapper.on_commit = held_on_commit
    DatabaseWrapper.start_transaction_mongo = held_start
    DatabaseWrapper.commit_mongo = held_commit
    DatabaseWrapper.rollback_mongo = held_rollback


def install() -> None:
    """End every test with :func:`reset` instead of Django's flush, and hold
    back on-commit callbacks in ``TestCase`` tests."""
    from django.test.testcases import TestCase, TransactionTestCase

    _hold_back_callbacks()

    def _fixture_setup(cls) -> None:  # a classmethod in Django 5.2
        for alias in cls._databases_names(include_mirrors=False):
            connection = connections[alias]
            if connection.vendor == "mongodb":
                connection.run_on_commit = []
                connection.test_holds_callbacks = True
        _setup(cls)

    def _fixture_teardown(self) -> None:
        for alias in self._databases_names(include_mirrors=False):
            connection = connections[alias]
            if connection.vendor == "mongodb":
                connection.test_holds_callbacks = False
                connection.run_on_commit = []
                reset(alias)
            else:
                _flush(self)

    _setup = TestCase.__dict__["_fixture_setup"].__func__
    _flush = TransactionTestCase._fixture_teardown
    TestCase._fixture_setup = classmethod(_fixture_setup)
    TransactionTestCase._fixture_teardown = _fixture_teardown
