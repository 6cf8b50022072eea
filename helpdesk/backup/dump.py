"""Rows out: every backed-up model written as JSON lines from one snapshot.

The snapshot is a read transaction on a connection of its own, so the site
keeps working while a backup runs and the archive holds no half-written
ticket (the issue's consistency rule):

- PostgreSQL: ``REPEATABLE READ``, one snapshot for every statement of the
  transaction (PostgreSQL manual, "Transaction Isolation"); rows stream from
  server-side cursors.
- SQLite: a ``DEFERRED`` transaction in WAL mode reads one snapshot from its
  first read until it ends, while writers go on (SQLite, "Write-Ahead
  Logging", section "Concurrency"). The site's own connections use
  ``IMMEDIATE`` transactions, which would block writers for the whole
  backup, so the snapshot connection asks for ``DEFERRED``.
- MongoDB: one multi-document transaction (django-mongodb-backend's
  ``atomic``), whose reads come from a single snapshot (MongoDB manual,
  "Transactions and Read Concern"); its lifetime is bounded by the
  server's ``transactionLifetimeLimitSeconds`` (60 s by default), which a
  very large backup must fit in.

When the caller's connection is already inside a transaction (a test, or a
caller with its own block), rows are read inside that transaction instead.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.core.serializers import jsonl
from django.db import DatabaseError, connections, models
from django.db.utils import load_backend

from helpdesk.db import atomic

from .errors import BackupError
from .models import NATURAL, backup_models, label

CHUNK_ROWS = 2000


@contextmanager
def snapshot(using: str) -> Iterator[str]:
    """Yield a database alias whose reads all come from one snapshot of
    ``using`` (see the module's docstring), closed afterwards."""
    if connections[using].in_atomic_block:
        yield using
        return
    alias = f"backup-snapshot-{uuid.uuid4().hex}"
    settings_dict = dict(connections[using].settings_dict)
    options = dict(settings_dict.get("OPTIONS") or {})
    vendor = connections[using].vendor
    if vendor == "sqlite":
        options["transaction_mode"] = "DEFERRED"
    elif vendor == "postgresql":
        from psycopg import IsolationLevel

        options["isolation_level"] = IsolationLevel.REPEATABLE_READ
    settings_dict["OPTIONS"] = options
    # A connection of this thread only, not a new entry in DATABASES: other
    # threads never see it, and Django's test cases allow it.
    wrapper = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(
        settings_dict, alias
    )
    connections[alias] = wrapper
    try:
        with atomic(using=alias):
            yield alias
    finally:
        wrapper.close()
        del connections[alias]


class Serializer(jsonl.Serializer):
    """Django's JSON-lines serializer with three changes for archives.

    - Datetimes and times keep their microseconds (``DjangoJSONEncoder``
      cuts them to milliseconds, which a round trip would lose).
    - References to content types and permissions are natural keys, looked
      up in ``natural`` (``{model label: {pk: key}}``) instead of one query
      per row.
    - Many-to-many fields are left out: their through models are written
      as models of their own, streamed like any other.

    The lines are byte for byte what Django's ``jsonl`` serializer writes.
    """

    def __init__(self, natural: dict[str, dict[str, list]]) -> None:
        super().__init__()
        self.natural = natural

    def _value_from_field(self, obj, field):
        value = field.value_from_object(obj)
        if isinstance(value, dt.datetime | dt.time):
            return value.isoformat()
        return super()._value_from_field(obj, field)

    def handle_fk_field(self, obj, field):
        target = label(field.related_model)
        if target in NATURAL:
            value = getattr(obj, field.attname)
            key = None if value is None else self.natural[target].get(str(value))
            self._current[field.name] = key
            return
        super().handle_fk_field(obj, field)

    def handle_m2m_field(self, obj, field):
        return

    def end_object(self, obj):
        # One json.dumps per row takes the C encoder; Django's json.dump
        # streams through the Python one (bench/backup.py: -28% CPU).
        line = json.dumps(self.get_dump_object(obj), **self.json_kwargs)
        self.stream.write(line + "\n")
        self._current = None


def natural_keys(using: str) -> dict[str, dict[str, list]]:
    """``{label: {str(pk): natural key}}`` for content types and permissions."""
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    content_types = {
        str(ct.pk): [ct.app_label, ct.model] for ct in ContentType.objects.using(using)
    }
    permissions = {
        str(perm.pk): [perm.codename, *content_types[str(perm.content_type_id)]]
        for perm in Permission.objects.using(using)
    }
    return {"contenttypes.contenttype": content_types, "auth.permission": permissions}


def file_fields(model: type[models.Model]) -> list[models.FileField]:
    """The model's ``FileField``s (and subclasses such as ``ImageField``)."""
    return [f for f in model._meta.concrete_fields if isinstance(f, models.FileField)]


def dump_database(
    directory: Path,
    *,
    using: str,
    progress: Callable[[str], None] | None = None,
) -> tuple[dict[str, dict], list[tuple[str, str]]]:
    """Write ``directory/data/<label>.jsonl`` for every backed-up model, all
    read from one snapshot of ``using``.

    Returns the manifest's ``models`` mapping (see :mod:`.manifest`; in load
    order) and the files the rows name, as ``(field label, storage name)``
    pairs in first-seen order (``field label`` is ``app.model.field``).
    Raises ``BackupError`` naming the model, and the last key read, when the
    database cannot read a row (text that is not UTF-8 in SQLite).
    """
    from .manifest import model_fields, pk_kind

    (directory / "data").mkdir(parents=True, exist_ok=True)
    entries: dict[str, dict] = {}
    files: list[tuple[str, str]] = []
    seen_files: set[tuple[str, str]] = set()
    with snapshot(using) as alias:
        serializer = Serializer(natural_keys(alias))
        for model in backup_models():
            name = label(model)
            member = f"data/{name}.jsonl"
            fields = file_fields(model)
            rows = 0
            last_pk = None

            def counted(queryset, fields=fields, name=name):
                nonlocal rows, last_pk
                for obj in queryset:
                    rows += 1
                    last_pk = obj.pk
                    for field in fields:
                        stored = getattr(obj, field.attname)
                        key = (f"{name}.{field.name}", str(stored))
                        if stored and key not in seen_files:
                            seen_files.add(key)
                            files.append(key)
                    yield obj

            queryset = (
                model._base_manager.using(alias)
                .select_related(None)
                .order_by("pk")
                .iterator(chunk_size=CHUNK_ROWS)
            )
            try:
                with open(directory / member, "w", encoding="utf-8") as stream:
                    serializer.serialize(counted(queryset), stream=stream)
            except DatabaseError as error:
                where = "" if last_pk is None else f" after key {last_pk}"
                text = str(error).strip().splitlines()
                raise BackupError(
                    f"The database could not read a {name} row{where} "
                    f"({text[0] if text else type(error).__name__}). Repair the "
                    f"row in the database, then back up again."
                ) from None
            entries[name] = {
                "file": member,
                "rows": rows,
                "pk": pk_kind(model),
                "fields": model_fields(model),
            }
            if progress and rows:
                progress(f"{name}: {rows:,} rows")
    return entries, files
