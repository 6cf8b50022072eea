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
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, SuspiciousFileOperation
from django.db import connections
from django.db.models import FileField
from django.utils import timezone

from . import store
from .archive import (
    ArchiveWriter,
    archive_extract,
    archive_verify,
    member_name_problem,
)
from .dump import dump_database
from .errors import ArchiveCorrupt, BackupError
from .load import load_database
from .manifest import (
    FORMAT,
    applied_migrations,
    check_compatible,
    check_shape,
    engine_family,
    product_version,
)
from .target import ensure_empty

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
    when it cannot be written (an ``OSError``: a missing folder, no
    permission, a full disk), and then leaves no partial archive.
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
    try:
        return _create(output, name, passphrase, compress, created_at, progress, using)
    except OSError as error:
        raise BackupError(
            f"Cannot write the backup ({error.strerror or error}: "
            f"{error.filename or output or 'the backup storage'}). Nothing was kept."
        ) from None


def _work_dir(prefix: str) -> tempfile.TemporaryDirectory:
    """A folder of its own under BACKUP_WORK_DIR (made if missing), or under
    the system's temporary folder when that setting is empty; removed with
    everything in it when the ``with`` block ends."""
    parent = settings.BACKUP_WORK_DIR or None
    if parent:
        Path(parent).mkdir(parents=True, exist_ok=True)
    return tempfile.TemporaryDirectory(prefix=prefix, dir=parent)


def _create(
    output: Path | None,
    name: str,
    passphrase: str,
    compress: bool,
    created_at: datetime,
    progress: Progress | None,
    using: str,
) -> BackupResult:
    with _work_dir("helpdesk-backup-") as tmp:
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
        try:
            with open(partial, "wb") as raw:
                writer = ArchiveWriter(raw, passphrase=passphrase, compress=compress)
                for entry in models.values():
                    writer.add_file(entry["file"], work / entry["file"])
                for number, (field_label, stored) in enumerate(files, start=1):
                    storage = _storage_of(field_label)
                    member = f"{FILES_PREFIX}{field_label}/{stored}"
                    try:
                        if member_name_problem(member):
                            raise SuspiciousFileOperation(member)
                        size = storage.size(stored)
                        stream = storage.open(stored, "rb")
                    except (OSError, SuspiciousFileOperation):
                        # Deleted since the snapshot was read (or lost
                        # before), or a name no storage may read (``..``,
                        # absolute): the row is kept, and the manifest says
                        # which file.
                        logger.warning("backup: cannot read %s; listed missing", member)
                        manifest["missing_files"].append(f"{field_label}/{stored}")
                        continue
                    with stream:
                        writer.add_stream(member, stream, size)
                    if progress and number % 1000 == 0:
                        progress(f"files: {number:,} of {len(files):,}")
                manifest = writer.close(manifest)
            with open(partial, "rb") as raw:
                archive_verify(raw, passphrase=passphrase)
            os.replace(partial, target)
        except BaseException:
            # A half-written archive next to the finished ones would look
            # like a backup.
            partial.unlink(missing_ok=True)
            raise
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
    """Check that every data file holds as many rows as the manifest says,
    each a JSON object ``{"model", "pk", "fields"}`` whose field names the
    manifest lists for the model. Raises ``ArchiveCorrupt`` naming the member
    and the line."""
    for model_label, entry in manifest.get("models", {}).items():
        path = directory / entry["file"]
        known = set(entry["fields"])
        rows = 0
        with open(path, encoding="utf-8", errors="strict") as stream:
            try:
                for number, line in enumerate(stream, start=1):
                    if not line.strip():
                        continue
                    rows += 1
                    _check_row(entry["file"], number, line, model_label, known)
            except UnicodeDecodeError:
                raise ArchiveCorrupt(
                    f"{entry['file']}: not valid UTF-8 (archive damaged)."
                ) from None
        if rows != entry["rows"]:
            raise ArchiveCorrupt(
                f"{entry['file']}: {rows} rows, but the manifest says "
                f"{entry['rows']} for {model_label}."
            )


def _check_row(member: str, number: int, line: str, model_label: str, known: set):
    try:
        row = json.loads(line)
    except ValueError:
        raise ArchiveCorrupt(
            f"{member} ({model_label}), line {number}: not valid JSON "
            f"(archive damaged)."
        ) from None
    if (
        not isinstance(row, dict)
        or "pk" not in row
        or not isinstance(row.get("fields"), dict)
    ):
        raise ArchiveCorrupt(
            f"{member} ({model_label}), line {number}: a malformed row, not "
            f'{{"model": ..., "pk": ..., "fields": {{...}}}}.'
        )
    unknown = sorted(set(row["fields"]) - known)
    if unknown:
        raise ArchiveCorrupt(
            f"{member} ({model_label}), line {number}: the field {unknown[0]!r}, "
            f"which the manifest does not list for the model (archive damaged)."
        )


def _extract(path: Path, directory: Path, passphrase: str) -> dict:
    if not path.is_file():
        raise BackupError(f"No archive at {path}.")
    with open(path, "rb") as raw:
        manifest = archive_extract(raw, directory, passphrase=passphrase)
    if not isinstance(manifest, dict) or manifest.get("product") != "helpdesk":
        raise ArchiveCorrupt("This is not a helpdesk backup: its manifest is foreign.")
    check_shape(manifest)
    _count_rows(directory, manifest)
    return manifest


def backup_verify(path: Path, *, passphrase: str | None = None) -> dict:
    """Check an archive's checksums and manifest without restoring: every
    member's size and sha256, every data file's row count. Returns the
    manifest. Raises ``ArchiveCorrupt`` or ``WrongPassphrase``; whether this
    database could take it is ``check_compatible``'s question."""
    with _work_dir("helpdesk-verify-") as tmp:
        return _extract(Path(path), Path(tmp), _passphrase(passphrase))


class _FileChanges:
    """The files a restore wrote into the storages and those it replaced
    (each first copied to a local folder), so that a failed restore can put
    the storages back as they were."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.created: list[tuple[object, str]] = []
        self.displaced: list[tuple[object, str, Path]] = []

    def displace(self, storage, stored: str) -> None:
        """Copy ``stored`` out of ``storage``, then delete it there."""
        copy = self.folder / str(len(self.displaced))
        with storage.open(stored, "rb") as current, open(copy, "xb") as out:
            shutil.copyfileobj(current, out, 1 << 20)
        storage.delete(stored)
        self.displaced.append((storage, stored, copy))

    def undo(self) -> None:
        """Remove what the restore wrote and put back what it replaced."""
        for storage, stored in reversed(self.created):
            storage.delete(stored)
        for storage, stored, copy in reversed(self.displaced):
            if storage.exists(stored):
                storage.delete(stored)
            with open(copy, "rb") as stream:
                storage.save(stored, stream)


def _restore_files(
    directory: Path, manifest: dict, progress: Progress | None, changes: _FileChanges
) -> None:
    """Write every archived file back to its field's storage under its own
    name, recording in ``changes`` what was written and what replaced."""
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
            changes.displace(storage, stored)
        with open(source, "rb") as stream:
            saved = storage.save(stored, stream)
        changes.created.append((storage, saved))
        if saved != stored:
            raise BackupError(
                f"The storage renamed {stored} to {saved}; restore needs the "
                f"original names."
            )
    if progress and members:
        progress(f"files: {len(members):,} restored")


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
    nothing: on any error the database is as before, files this restore
    wrote are removed, and files it replaced (same name, other bytes) are
    put back. Raises ``ArchiveCorrupt``,
    ``WrongPassphrase``, ``IncompatibleArchive``, ``DatabaseNotEmpty`` (the
    database holds data and ``replace`` is false) or ``BackupError``.
    """
    try:
        counts = _restore(path, passphrase, replace, progress, using)
    except OSError as error:
        raise BackupError(
            f"The restore failed reading or writing a file ({error.strerror or error}"
            f": {error.filename or path}). Nothing was restored."
        ) from None
    logger.info("restore of %s: %s rows", Path(path).name, sum(counts.values()))
    return counts


def _restore(
    path: Path,
    passphrase: str | None,
    replace: bool,
    progress: Progress | None,
    using: str,
) -> dict[str, int]:
    with _work_dir("helpdesk-restore-") as tmp:
        directory = Path(tmp) / "archive"
        directory.mkdir()
        (Path(tmp) / "displaced").mkdir()
        manifest = _extract(Path(path), directory, _passphrase(passphrase))
        if progress:
            progress(
                f"archive verified: {manifest['engine']} backup of "
                f"{manifest['created_at']}, helpdesk {manifest['product_version']}"
            )
        check_compatible(manifest, using=using)
        if not replace:
            ensure_empty(using)
        changes = _FileChanges(Path(tmp) / "displaced")
        try:
            _restore_files(directory, manifest, progress, changes)
            return load_database(
                directory, manifest, using=using, replace=replace, progress=progress
            )
        except BaseException:
            changes.undo()
            raise
