"""What an archive records about where it came from, and whether this
installation may restore it.

The manifest (``manifest.json``, the archive's last member) is a JSON object:

- ``format``: the archive layout's version (:data:`FORMAT`);
- ``product_version``: this project's version (``pyproject.toml``);
- ``created_at``: ISO 8601, UTC;
- ``engine``: the source connection's vendor (``sqlite``, ``postgresql``,
  ``mongodb``), ``engine_family`` ``sql`` or ``mongodb``: the two keep
  different migration sets (``helpdesk/mongo_migrations``);
- ``migrations``: ``{app_label: [applied migration names, sorted]}``;
- ``models``: ``{label: {"file": member name, "rows": int, "pk": "int" |
  "objectid" | "other", "fields": [concrete field names]}}`` in load order;
- ``counts``: ``{label: rows}``, the same counts in one place for listings;
- ``missing_files``: files a row names that were gone when the backup read
  them (the rows are kept);
- ``files``: ``{member name: {"size": bytes, "sha256": hex}}`` (filled by
  :class:`helpdesk.backup.archive.ArchiveWriter`).

A restore is refused (:class:`IncompatibleArchive`) when the archive is from
a newer format or product version, when its engine family matches and it has
a migration this database has not applied (GitLab's rule: restore onto the
same schema version, or migrate first), or, whatever the engine, when it
holds a model or a field this schema does not have. An older archive is
fine: fields it lacks take their defaults.
"""

from __future__ import annotations

import tomllib
from datetime import datetime
from importlib import metadata
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connections
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Model
from packaging.version import InvalidVersion, Version

from .errors import ArchiveCorrupt, IncompatibleArchive

FORMAT = 1


def product_version() -> str:
    """This project's version: ``pyproject.toml``'s beside the code (the
    container image runs the code uninstalled, from /app), else the installed
    package's, else ``0.0.0``."""
    pyproject = Path(settings.BASE_DIR) / "pyproject.toml"
    try:
        return tomllib.loads(pyproject.read_text())["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        pass
    try:
        return metadata.version("helpdesk")
    except metadata.PackageNotFoundError:
        return "0.0.0"


def engine_family(vendor: str) -> str:
    """``mongodb`` for MongoDB, ``sql`` for every relational database."""
    return "mongodb" if vendor == "mongodb" else "sql"


def pk_kind(model: type[Model]) -> str:
    """How ``model``'s primary keys look: ``int`` (an auto-incremented
    integer), ``objectid`` (MongoDB's ObjectId) or ``other`` (a value the
    application chose, or a one-to-one key that follows its target)."""
    internal = model._meta.pk.get_internal_type()
    if internal == "ObjectIdAutoField":
        return "objectid"
    if internal in ("AutoField", "BigAutoField", "SmallAutoField"):
        return "int"
    return "other"


def applied_migrations(using: str) -> dict[str, list[str]]:
    """``{app_label: [name, ...]}`` of the migrations applied on ``using``."""
    applied: dict[str, list[str]] = {}
    for app_label, name in MigrationRecorder(connections[using]).applied_migrations():
        applied.setdefault(app_label, []).append(name)
    return {label: sorted(names) for label, names in sorted(applied.items())}


def unapplied_migrations(using: str) -> list[str]:
    """``app_label.name`` of every migration not yet applied on ``using``."""
    executor = MigrationExecutor(connections[using])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _ in plan]


def model_fields(model: type[Model]) -> list[str]:
    """The concrete field names a row of ``model`` is written with."""
    return [field.name for field in model._meta.concrete_fields]


PK_KINDS = ("int", "objectid", "other")


def _malformed(what: str, format_: object) -> ArchiveCorrupt:
    newer = (
        f" (or it is of format {format_!r}, which this version cannot read)"
        if format_ != FORMAT
        else ""
    )
    return ArchiveCorrupt(
        f"The archive's manifest is malformed: {what}. The archive is damaged "
        f"or was not made by the helpdesk{newer}."
    )


def _is_str_list(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def check_shape(manifest: dict) -> None:
    """Raise :class:`ArchiveCorrupt` unless ``manifest`` has every key of the
    module's docstring with values of the documented types, and every model
    reads its rows from a data member (``data/<name>.jsonl``, listed in
    ``files``), so that nothing later stumbles on a missing key or reads
    a file outside the archive. Checksums cannot catch this: an archive
    written by a buggy or hostile tool carries valid ones."""
    format_ = manifest.get("format")
    if not isinstance(format_, int) or isinstance(format_, bool):
        raise _malformed("'format' is not a number", format_)
    for key in ("product_version", "created_at", "engine", "engine_family"):
        if not isinstance(manifest.get(key), str):
            raise _malformed(f"{key!r} is missing or not text", format_)
    try:
        datetime.fromisoformat(manifest["created_at"])
    except ValueError:
        raise _malformed("'created_at' is not an ISO 8601 time", format_) from None
    migrations = manifest.get("migrations")
    if not isinstance(migrations, dict) or not all(
        _is_str_list(names) for names in migrations.values()
    ):
        raise _malformed("'migrations' is not {app: [names]}", format_)
    if not _is_str_list(manifest.get("missing_files", [])):
        raise _malformed("'missing_files' is not a list of names", format_)
    models = manifest.get("models")
    if not isinstance(models, dict):
        raise _malformed("'models' is not {label: entry}", format_)
    files = manifest.get("files") or {}
    for label, entry in models.items():
        if not isinstance(entry, dict):
            raise _malformed(f"the entry of {label} is not an object", format_)
        member = entry.get("file")
        if (
            not isinstance(member, str)
            or not member.startswith("data/")
            or not member.endswith(".jsonl")
            or member not in files
        ):
            raise _malformed(
                f"{label} does not read its rows from a data member of the "
                f"archive (data/<model>.jsonl)",
                format_,
            )
        rows = entry.get("rows")
        if not isinstance(rows, int) or isinstance(rows, bool) or rows < 0:
            raise _malformed(f"the row count of {label} is not a number", format_)
        if entry.get("pk") not in PK_KINDS:
            raise _malformed(f"the key kind of {label} is unknown", format_)
        if not _is_str_list(entry.get("fields")):
            raise _malformed(f"the fields of {label} are not a list of names", format_)


def _version(text: str) -> Version:
    try:
        return Version(text)
    except InvalidVersion:
        return Version("0")


def check_compatible(manifest: dict, *, using: str) -> None:
    """Refuse an archive this installation cannot restore faithfully.

    Raises :class:`IncompatibleArchive` naming the first reason found (see
    the module's docstring), or when ``using`` itself has unapplied
    migrations (``manage.py migrate`` first).
    """
    if manifest.get("format") != FORMAT:
        raise IncompatibleArchive(
            f"The archive's format is {manifest.get('format')!r}; this version "
            f"reads format {FORMAT}."
        )
    theirs, ours = manifest.get("product_version", "0"), product_version()
    if _version(theirs) > _version(ours):
        raise IncompatibleArchive(
            f"The archive was made by helpdesk {theirs}, newer than this "
            f"installation ({ours}). Upgrade first, then restore."
        )
    pending = unapplied_migrations(using)
    if pending:
        raise IncompatibleArchive(
            f"This database is not fully migrated ({len(pending)} migrations "
            f"pending, first {pending[0]}): run manage.py migrate, then restore."
        )
    vendor = connections[using].vendor
    if manifest.get("engine_family") == engine_family(vendor):
        here = applied_migrations(using)
        for app_label, names in manifest.get("migrations", {}).items():
            missing = sorted(set(names) - set(here.get(app_label, [])))
            if missing:
                raise IncompatibleArchive(
                    f"The archive comes from a newer schema: migration "
                    f"{app_label}.{missing[0]} is not applied here. Upgrade "
                    f"and migrate first, then restore."
                )
    for label, entry in manifest.get("models", {}).items():
        try:
            model = apps.get_model(label)
        except LookupError:
            raise IncompatibleArchive(
                f"The archive holds {label}, a model this installation does not "
                f"have (a newer schema?)."
            ) from None
        unknown = sorted(set(entry.get("fields", [])) - set(model_fields(model)))
        if unknown:
            raise IncompatibleArchive(
                f"The archive comes from a newer schema: {label} has the field "
                f"{unknown[0]!r}, which this installation does not have."
            )
