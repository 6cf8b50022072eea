"""Resetting the MongoDB test database between tests, in a tenth of the time.

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


def install() -> None:
    """End every test with :func:`reset` instead of Django's flush."""
    from django.test.testcases import TransactionTestCase

    def _fixture_teardown(self) -> None:
        for alias in self._databases_names(include_mirrors=False):
            if connections[alias].vendor == "mongodb":
                reset(alias)
            else:
                _flush(self)

    _flush = TransactionTestCase._fixture_teardown
    TransactionTestCase._fixture_teardown = _fixture_teardown
