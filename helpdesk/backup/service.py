"""Backup, verify and restore: what the commands, the task, the admin and the
API call.

``backup_create`` reads every model in one snapshot (:mod:`.dump`), writes an
archive (:mod:`.archive`) to a local temporary file, verifies it, then moves
it to ``output`` or into the backup storage (:mod:`.store`) and prunes old
ones. ``backup_restore`` verifies the whole archive, checks its manifest
against this installation (:mod:`.manifest`), and loads it in one
all-or-nothing transaction (:mod:`.load`).
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import connections
from django.db.models import FileField
from django.utils import timezone

from . import store
from .archive import ArchiveWriter, archive_extract, archive_verify
from .dump import dump_database
from .errors import ArchiveCorrupt, BackupError
from .load import ensure_empty, load_database
from .manifest import (
    FORMAT,
    applied_migrations,
    check_compatible,
    engine_family,
    product_version,
)

Progress = Callable[[str], None]
logger = logging.getLogger("helpdesk.backup")
FILES_PREFIX = "files/"


@dataclass
class BackupResult:
    """What ``backup_create`` made: ``name`` in the storage (or the file name
    of ``path`` when written to an explicit output), its size in bytes, and
    the manifest as written into it."""

    name: str
    size: int
    manifest: dict
    path: Path | None = None


def _storage_of(field_label: str):
    """The storage of the ``FileField`` named ``app.model.field``; raises
    ``ArchiveCorrupt`` when the archive names anything else."""
    try:
        app_label, model_name, field_name = field_label.split(".")
        field = apps.get_model(app_label, model_name)._meta.get_field(field_name)
    except (ValueError, LookupError, FieldDoesNotExist):
        field = None
    if not isinstance(field, FileField):
        raise ArchiveCorrupt(
            f"The archive holds files for {field_label!r}, no file field."
        )
    return field.storage


def _passphrase(passphrase: str | None) -> str:
    return settings.BACKUP_PASSPHRASE if passphrase is None else passphrase


def backup_create(
    *,
    output: Path | None = None,
    passphrase: str | None = None,
    compress: bool | None = None,
    progress: Progress | None = None,
    using: str = "default",
) -> BackupResult:
    """Back up the database ``using`` and every stored file.

    ``output``: a local file (or an existing folder, which gets the
    generated name) to write; ``None`` writes into the backup storage and
    keeps the newest ``BACKUP_KEEP``. ``passphrase`` and ``compress``
    default to ``BACKUP_PASSPHRASE`` and ``BACKUP_COMPRESS``. The archive
    is read back and verified before it is kept. Raises ``BackupError``
    when it cannot be written.
    """
    passphrase = _passphrase(passphrase)
    compress = settings.BACKUP_COMPRESS if compress is None else compress
    created_at = timezone.now()
    name = store.archive_name(
        created_at, compressed=compress, encrypted=bool(passphrase)
    )
    if output is not None and Path(output).is_dir():
        output = Path(output) / name
    if output is not None:
        name = Path(output).name
    with tempfile.TemporaryDirectory(prefix="helpdesk-backup-") as tmp:
        work = Path(tmp)
        models, files = dump_database(work, using=using, progress=progress)
        vendor = connections[using].vendor
        manifest = {
            "format": FORMAT,
            "product": "helpdesk",
            "product_version": product_version(),
            "created_at": created_at.isoformat(),
            "engine": vendor,
            "engine_family": engine_family(vendor),
            "migrations": applied_migrations(using),
            "models": models,
            "counts": {name: entry["rows"] for name, entry in models.items()},
            "missing_files": [],
        }
        target = Path(output) if output is not None else work / name
        partial = target.with_name(target.name + ".partial")
        with open(partial, "wb") as raw:
            writer = ArchiveWriter(raw, passphrase=passphrase, compress=compress)
            for entry in models.values():
                writer.add_file(entry["file"], work / entry["file"])
            for number, (field_label, stored) in enumerate(files, start=1):
                storage = _storage_of(field_label)
                try:
                    size = storage.size(stored)
                    stream = storage.open(stored, "rb")
                except OSError:
                    # Deleted since the snapshot was read (or lost before):
                    # the row is kept, and the manifest says which file.
                    manifest["missing_files"].append(f"{field_label}/{stored}")
                    continue
                with stream:
                    writer.add_stream(
                        f"{FILES_PREFIX}{field_label}/{stored}", stream, size
                    )
                if progress and number % 1000 == 0:
                    progress(f"files: {number:,} of {len(files):,}")
            manifest = writer.close(manifest)
        with open(partial, "rb") as raw:
            archive_verify(raw, passphrase=passphrase)
        os.replace(partial, target)
        size = target.stat().st_size
        if progress:
            rows = sum(entry["rows"] for entry in models.values())
            progress(
                f"archive {name}: {size:,} bytes, {rows:,} rows, {len(files):,} files"
            )
        if output is not None:
            return BackupResult(name=name, size=size, manifest=manifest, path=target)
        store.archive_save(target, name=name, manifest=manifest, verified=True)
    removed = store.archive_prune(settings.BACKUP_KEEP)
    if removed and progress:
        keep = settings.BACKUP_KEEP
        progress(f"removed {len(removed)} older archives (BACKUP_KEEP={keep})")
    logger.info("backup %s written: %s bytes", name, size)
    return BackupResult(name=name, size=size, manifest=manifest)


def _count_rows(directory: Path, manifest: dict) -> None:
    """Check that every data file holds as many rows as the manifest says."""
    for model_label, entry in manifest.get("models", {}).items():
        path = directory / entry["file"]
        with open(path, encoding="utf-8") as stream:
            rows = sum(1 for line in stream if line.strip())
        if rows != entry["rows"]:
            raise ArchiveCorrupt(
                f"{entry['file']}: {rows} rows, but the manifest says "
                f"{entry['rows']} for {model_label}."
            )


def _extract(path: Path, directory: Path, passphrase: str) -> dict:
    if not path.is_file():
        raise BackupError(f"No archive at {path}.")
    with open(path, "rb") as raw:
        manifest = archive_extract(raw, directory, passphrase=passphrase)
    if manifest.get("product") != "helpdesk" or "models" not in manifest:
        raise ArchiveCorrupt("This is not a helpdesk backup: its manifest is foreign.")
    _count_rows(directory, manifest)
    return manifest


def backup_verify(path: Path, *, passphrase: str | None = None) -> dict:
    """Check an archive's checksums and manifest without restoring: every
    member's size and sha256, every data file's row count. Returns the
    manifest. Raises ``ArchiveCorrupt`` or ``WrongPassphrase``; whether this
    database could take it is ``check_compatible``'s question."""
    with tempfile.TemporaryDirectory(prefix="helpdesk-verify-") as tmp:
        return _extract(Path(path), Path(tmp), _passphrase(passphrase))


def _restore_files(directory: Path, manifest: dict, progress: Progress | None) -> list:
    """Write every archived file back to its field's storage under its own
    name; returns ``(storage, name)`` of the files this created, so a failed
    restore can remove them."""
    created = []
    root = directory / FILES_PREFIX
    members = [m for m in manifest["files"] if m.startswith(FILES_PREFIX)]
    for member in members:
        field_label, _, stored = member[len(FILES_PREFIX) :].partition("/")
        storage = _storage_of(field_label)
        source = root / field_label / stored
        if storage.exists(stored):
            digest = hashlib.sha256()
            with storage.open(stored, "rb") as current:
                for chunk in iter(lambda current=current: current.read(1 << 20), b""):
                    digest.update(chunk)
            if digest.hexdigest() == manifest["files"][member]["sha256"]:
                continue
            storage.delete(stored)
        with open(source, "rb") as stream:
            saved = storage.save(stored, stream)
        if saved != stored:
            raise BackupError(
                f"The storage renamed {stored} to {saved}; restore needs the "
                f"original names."
            )
        created.append((storage, stored))
    if progress and members:
        progress(f"files: {len(members):,} restored")
    return created


def backup_restore(
    path: Path,
    *,
    passphrase: str | None = None,
    replace: bool = False,
    progress: Progress | None = None,
    using: str = "default",
) -> dict[str, int]:
    """Restore the archive at ``path`` into the database ``using``; returns
    rows restored per model label.

    Every checksum is checked (the archive is extracted to a temporary
    folder) and the manifest compared with this installation before
    anything is written; the rows then go in one transaction. Everything or
    nothing: on any error the database is as before, and files this
    restore wrote are removed. Raises ``ArchiveCorrupt``,
    ``WrongPassphrase``, ``IncompatibleArchive``, ``DatabaseNotEmpty`` (the
    database holds data and ``replace`` is false) or ``BackupError``.
    """
    with tempfile.TemporaryDirectory(prefix="helpdesk-restore-") as tmp:
        directory = Path(tmp)
        manifest = _extract(Path(path), directory, _passphrase(passphrase))
        if progress:
            progress(
                f"archive verified: {manifest['engine']} backup of "
                f"{manifest['created_at']}, helpdesk {manifest['product_version']}"
            )
        check_compatible(manifest, using=using)
        if not replace:
            ensure_empty(using)
        created = _restore_files(directory, manifest, progress)
        try:
            counts = load_database(
                directory, manifest, using=using, replace=replace, progress=progress
            )
        except BaseException:
            for storage, stored in created:
                storage.delete(stored)
            raise
    logger.info("restore of %s: %s rows", Path(path).name, sum(counts.values()))
    return counts
