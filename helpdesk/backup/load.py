"""Rows in: an extracted archive loaded into a database in one transaction.

Primary keys are kept when the archive's kind of key is the target's (SQL to
SQL, MongoDB to MongoDB), so every id, and every link built from one, stays
valid. Between SQL and MongoDB the kinds differ (integers and ObjectIds):
each row gets a new key (``1, 2, ...`` per table on SQL, a new ObjectId on
MongoDB) and every reference to it is rewritten, foreign keys and the few
ids kept as text (:data:`TEXT_REFERENCES`). What people see is never a key:
ticket numbers, slugs, emails, API-key prefixes, file names, password and
secret hashes travel unchanged.

Rows go in with ``bulk_create`` (no signals, so nothing is emailed or
posted), with ``auto_now`` switched off so ``updated_at`` keeps the
archive's time. A reference to a row not loaded yet (a ticket merged into a
later ticket) is written empty and filled in once every row is in. What
is done to the target database itself (checking it is empty, clearing it,
its sequences) is in :mod:`.target`.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote_plus, unquote_plus

from bson import ObjectId
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connections, models

from helpdesk.db import atomic

from .dump import natural_keys
from .errors import BackupError
from .manifest import pk_kind
from .models import (
    EXCLUDED,
    NATURAL,
    SEEDED,
    TEXT_REFERENCES,
    backup_models,
    label,
    text_reference_target,
)
from .target import auto_now_off, ensure_empty, reset_sequences, wipe

BATCH_ROWS = 1000
# Databases whose text columns refuse values longer than ``max_length``.
LENGTH_CHECKED = frozenset({"postgresql", "mysql", "oracle"})


def _read_rows(path: Path) -> Iterator[dict]:
    with open(path, encoding="utf-8") as stream:
        for line in stream:
            if line.strip():
                yield json.loads(line)


class Loader:
    """One restore's state: the key maps and the deferred references."""

    def __init__(self, manifest: dict, directory: Path, using: str) -> None:
        self.manifest = manifest
        self.directory = directory
        self.using = using
        # {label: {str(old pk): new pk}} for models whose keys change.
        self.keys: dict[str, dict[str, object]] = {}
        self.loaded: set[str] = set()
        self.counters: dict[str, int] = defaultdict(int)
        # {label: {str(pk)}} of the rows loaded whose keys were kept, to
        # refuse a reference to a row the archive does not hold.
        self.present: dict[str, set[str]] = defaultdict(set)
        # (model, new pk, attname, target label, old value) filled in last.
        self.deferred: list[tuple[type[models.Model], object, str, str, object]] = []
        self.natural = self._natural_keys()
        self._changes_keys: dict[str, bool] = {}
        self.vendor = connections[using].vendor

    def _natural_keys(self) -> dict[str, dict[tuple, object]]:
        """``{label: {natural key: pk}}``: :func:`.dump.natural_keys` of this
        database, turned round."""
        return {
            name: {
                tuple(key): apps.get_model(name)._meta.pk.to_python(pk)
                for pk, key in keys.items()
            }
            for name, keys in natural_keys(self.using).items()
        }

    def changes_keys(self, model_label: str) -> bool:
        """Whether rows of ``model_label`` get new primary keys."""
        if model_label not in self._changes_keys:
            entry = self.manifest["models"].get(model_label)
            kind = pk_kind(apps.get_model(model_label))
            self._changes_keys[model_label] = (
                entry is not None and entry["pk"] != kind and kind != "other"
            )
        return self._changes_keys[model_label]

    def new_key(self, model: type[models.Model], old: object) -> object:
        name = label(model)
        if not self.changes_keys(name):
            return model._meta.pk.to_python(old)
        if pk_kind(model) == "objectid":
            new = ObjectId()
        else:
            self.counters[name] += 1
            new = self.counters[name]
        self.keys.setdefault(name, {})[str(old)] = new
        return new

    def reference(self, target: str, old: object) -> object:
        """The new key of the ``target`` row that had key ``old``; raises
        ``KeyError`` when that row is not loaded (yet)."""
        if target in NATURAL:
            return self.natural[target][tuple(old)]
        if target in self.keys:
            return self.keys[target][str(old)]
        if self.changes_keys(target) or str(old) not in self.present[target]:
            raise KeyError(old)
        return apps.get_model(target)._meta.pk.to_python(old)

    def text_references(self, model_label: str, fields: dict) -> None:
        """Rewrite ids kept in text fields (:data:`TEXT_REFERENCES`). Only
        an id whose row got a new key is rewritten; every other character
        of the text is kept as it was (a saved query's encoding, its order,
        its parameters without ``=``)."""
        for name, rule in TEXT_REFERENCES.get(model_label, {}).items():
            value = fields.get(name)
            if not value or not isinstance(value, str):
                continue
            selector, targets = rule
            if selector == "query":
                fields[name] = "&".join(
                    self._query_part(part, targets) for part in value.split("&")
                )
                continue
            target = text_reference_target(selector, targets, fields)
            fields[name] = self._maybe(target, value)

    def _query_part(self, part: str, targets: dict[str, str]) -> str:
        """One ``key=value`` of a query string, its value rewritten when it
        names a row whose key changed."""
        key, equals, text = part.partition("=")
        target = targets.get(unquote_plus(key))
        if not equals or target is None:
            return part
        old = unquote_plus(text)
        new = self._maybe(target, old)
        return part if new == old else f"{key}={quote_plus(new)}"

    def _maybe(self, target: str | None, text: str) -> str:
        """``text`` as the new key of the ``target`` row it names, when that
        row's key changed; ``text`` itself otherwise (a model this version
        does not have, a row the archive does not hold)."""
        if target is None or target in EXCLUDED:
            return text
        try:
            if not self.changes_keys(target):
                return text
            return str(self.reference(target, text))
        except (LookupError, TypeError, ValueError):
            return text

    def build(self, model, name: str, row: dict, by_name: dict) -> models.Model:
        """The unsaved row ``row`` of the archive as this database keeps it:
        its key and references remapped, its values converted. References
        to rows not loaded yet are left empty and recorded to fill in."""
        pk_field = model._meta.pk
        fields = row["fields"]
        self.text_references(name, fields)
        values: dict[str, object] = {}
        if pk_field.is_relation:
            new_pk = self.reference(label(pk_field.related_model), row["pk"])
        else:
            new_pk = self.new_key(model, row["pk"])
        for field_name, value in fields.items():
            field = by_name[field_name]
            if field.is_relation:
                target = label(field.related_model)
                if value is None:
                    values[field.attname] = None
                elif target == name or (
                    target not in self.loaded and target not in NATURAL
                ):
                    values[field.attname] = None
                    self.deferred.append((model, new_pk, field.attname, target, value))
                else:
                    try:
                        values[field.attname] = self.reference(target, value)
                    except KeyError:
                        if target in NATURAL and field.null:
                            # A content type of a model this version
                            # no longer has (the admin's old history).
                            values[field.attname] = None
                            continue
                        raise BackupError(
                            f"{name} row {row['pk']} points to a missing "
                            f"{target} row ({value}); the archive is "
                            f"inconsistent."
                        ) from None
            else:
                values[field.attname] = self.value(name, row, field, value)
        obj = model(**values)
        obj.pk = new_pk
        return obj

    def load_model(self, model: type[models.Model], progress) -> int:
        name = label(model)
        entry = self.manifest["models"].get(name)
        if entry is None:
            self.loaded.add(name)
            return 0
        by_name = {f.name: f for f in model._meta.concrete_fields}
        batch: list[models.Model] = []
        rows = 0
        for row in _read_rows(self.directory / entry["file"]):
            try:
                obj = self.build(model, name, row, by_name)
            except (KeyError, TypeError, ValueError, ValidationError) as error:
                raise BackupError(
                    f"{name} row {row.get('pk')!r} is malformed ({error!r}); "
                    f"the archive is damaged. Nothing was restored."
                ) from None
            new_pk = obj.pk
            if name not in self.keys:
                self.present[name].add(str(new_pk))
            batch.append(obj)
            rows += 1
            if len(batch) >= BATCH_ROWS:
                self.insert(model, batch)
                batch = []
        if batch:
            self.insert(model, batch)
        self.loaded.add(name)
        if rows != entry["rows"]:
            raise BackupError(
                f"{name}: the archive holds {rows} rows, its manifest says "
                f"{entry['rows']}."
            )
        if progress and rows:
            progress(f"{name}: {rows:,} rows restored")
        return rows

    def value(self, name: str, row: dict, field: models.Field, value: object):
        """``value`` as ``field`` holds it; raises ``BackupError`` naming the
        row and the field when it is not a valid value, or one this database
        cannot store (a NUL character on PostgreSQL, which SQLite and
        MongoDB keep; text longer than the column, which SQLite and MongoDB
        allow)."""
        try:
            result = field.to_python(value)
        except (ValidationError, TypeError, ValueError) as error:
            reason = "; ".join(getattr(error, "messages", [str(error)]))
            raise BackupError(
                f"{name} row {row['pk']}: the field {field.name!r} holds an "
                f"invalid value ({reason}); the archive is damaged."
            ) from None
        if self.vendor == "postgresql" and _holds_nul(result):
            raise BackupError(
                f"{name} row {row['pk']}: the field {field.name!r} holds a NUL "
                f"character, which PostgreSQL cannot store. Remove it in the "
                f"source database (or restore into SQLite or MongoDB), then "
                f"back up again. Nothing was restored."
            )
        limit = getattr(field, "max_length", None)
        if (
            self.vendor in LENGTH_CHECKED
            and isinstance(result, str)
            and limit
            and len(result) > limit
        ):
            raise BackupError(
                f"{name} row {row['pk']}: the field {field.name!r} holds "
                f"{len(result)} characters, more than the {limit} this "
                f"database's column takes (SQLite and MongoDB do not enforce it). "
                f"Shorten it in the source database, then back up again. "
                f"Nothing was restored."
            )
        return result

    def insert(self, model: type[models.Model], batch: list[models.Model]) -> None:
        """``bulk_create`` the batch; a database error becomes a
        ``BackupError`` naming the model and the batch's keys."""
        try:
            model._base_manager.using(self.using).bulk_create(batch)
        except (DatabaseError, ValueError) as error:
            raise BackupError(
                f"{label(model)}: the database refused the rows with keys "
                f"{batch[0].pk} to {batch[-1].pk} ({_first_line(error)}). "
                f"Nothing was restored."
            ) from None

    def fill_deferred(self) -> None:
        """Write the references that pointed to rows not loaded at the time."""
        for model, new_pk, attname, target, old in self.deferred:
            try:
                value = self.reference(target, old)
            except KeyError:
                raise BackupError(
                    f"{label(model)} row {new_pk} points to a missing {target} "
                    f"row ({old}); the archive is inconsistent."
                ) from None
            model._base_manager.using(self.using).filter(pk=new_pk).update(
                **{attname: value}
            )


def _holds_nul(value: object) -> bool:
    """Whether ``value`` (text, or JSON data: lists and dicts, keys too)
    holds a NUL character anywhere."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_holds_nul(item) for item in value)
    return False


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def load_database(
    directory: Path,
    manifest: dict,
    *,
    using: str,
    replace: bool,
    progress: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Load the archive extracted in ``directory`` into ``using``, all or
    nothing; returns rows restored per model label.

    Raises :class:`DatabaseNotEmpty` when the database holds data and
    ``replace`` is false, :class:`BackupError` when the archive's rows do
    not fit together (a count differs from the manifest, a required
    reference has no row), a row is malformed, or this database refuses a
    value (a NUL character or an over-long text on PostgreSQL); the
    message names the model and the row.
    """
    model_list = backup_models()
    counts: dict[str, int] = {}
    try:
        with atomic(using=using):
            if not replace:
                ensure_empty(using)
            # Seeded rows the archive does not hold (an older version's
            # archive) stay: a helpdesk without them cannot send email.
            wipe(
                [
                    model
                    for model in model_list
                    if label(model) in manifest["models"] or label(model) not in SEEDED
                ],
                using,
            )
            loader = Loader(manifest, directory, using)
            with auto_now_off(model_list):
                for model in model_list:
                    counts[label(model)] = loader.load_model(model, progress)
                loader.fill_deferred()
            reset_sequences(model_list, using)
    except DatabaseError as error:
        # Raised when the transaction commits (deferred constraints), or by
        # a statement other than the inserts.
        raise BackupError(
            f"The database refused the archive ({_first_line(error)}). "
            f"Nothing was restored."
        ) from None
    return counts
