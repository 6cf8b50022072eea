"""A MongoDB wire-protocol server for tests and demos: SecantusDB, patched.

Usage::

    python -m helpdesk.devtools.mongo_test_server --host 127.0.0.1 \
        --port 27017 --storage-path :memory:

The arguments are SecantusDB's own (``secantusd-py --help``). No ``mongod``
comes from the package registries these machines reach; SecantusDB (PyPI,
pure Python on WiredTiger) answers as MongoDB 8.2, a one-node replica set, so
sessions and transactions work. It is a test server only: production runs a
real MongoDB, 6.0 or newer, as a replica set.

Two stages differ from mongod in the pinned release (0.7.0b3), and
django-mongodb-backend emits both shapes:

- ``$project`` with a nested inclusion sub-document (``{"t": {"name": 1}}``,
  emitted for ``values("fk__field")``) returns the literal instead of the path
  ``t.name``, so ``user.has_perm()`` through groups silently answered False;
- ``$addFields``/``$set`` with a nested sub-document (``{"a": {"b": "$x"}}``,
  emitted for ``select_related()`` plus ordering by a joined field) replaces
  ``a`` whole, where mongod sets ``a.b`` and keeps the rest of ``a``.

mongod reads both specs as dotted leaves (the MongoDB manual, "$project"
and "$addFields": embedded document fields). This launcher flattens them
into dotted leaves with SecantusDB's own projection-spec helper before the
stage runs.

A third change is for speed: SecantusDB keeps the reply of each retryable
write (up to 10,000, for 30 minutes) and, on every write, scans all of them
for stale ones and sorts them once over the cap. pymongo makes every write
outside a transaction retryable, so after a few minutes of tests each write
paid for a 10,000-entry sort: 600 inserts and reads took 75 s on a server
that had run the suite for an hour, 16 s with retryable writes off. The
records are kept in arrival order, so dropping them oldest-first from the
front keeps the same limits at constant cost.

Then it starts SecantusDB's command line. It touches the package's
internals, hence the exact pin in ``pyproject.toml``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from typing import Any

PINNED_VERSION = "0.7.0b3"


def _flattening(stage: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a stage handler so a mapping spec reaches it as dotted leaves."""
    from secantus.projection import _flatten_projection_spec

    def handler(spec: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(spec, Mapping) and spec:
            spec = _flatten_projection_spec(spec)
        return stage(spec, *args, **kwargs)

    return handler


def _prune_retryable_oldest_first(registry: Any) -> None:
    """SecantusDB's retryable-write pruning with the same lifetime and cap,
    dropping from the oldest end only (records arrive in time order)."""
    from secantus import transactions

    records = registry._retryable
    cutoff = registry._time() - transactions._RETRYABLE_RECORD_LIFETIME_SECONDS
    while records:
        oldest = next(iter(records))
        recorded_at = records[oldest][1]
        if recorded_at >= cutoff and len(records) <= transactions._RETRYABLE_RECORD_MAX:
            break
        del records[oldest]


def patch() -> None:
    """Install the two stage fixes and the pruning change into SecantusDB.

    Raises ``RuntimeError`` if the installed SecantusDB is not the pinned
    release: the fixes reach into its private modules.
    """
    from importlib.metadata import version

    from secantus import aggregate, transactions

    installed = version("secantusdb")
    if installed != PINNED_VERSION:
        raise RuntimeError(
            f"helpdesk's MongoDB test server is written for SecantusDB "
            f"{PINNED_VERSION}, found {installed}"
        )
    for name in ("$project", "$addFields", "$set"):
        aggregate._STAGES[name] = _flattening(aggregate._STAGES[name])
    transactions.TransactionRegistry._prune_retryable_locked = (
        _prune_retryable_oldest_first
    )


def main(argv: list[str] | None = None) -> int:
    """Patch SecantusDB, then run its command line with ``argv``."""
    from secantus import cli

    patch()
    return cli.main(argv)


if __name__ == "__main__":
    sys.exit(main())
