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

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

Progress = Callable[[str], None]


@dataclass
class BackupResult:
    """What ``backup_create`` made: ``name`` in the storage (or the file name
    of ``path`` when written to an explicit output), its size in bytes, and
    the manifest as written into it."""

    name: str
    size: int
    manifest: dict
    path: Path | None = None


def backup_create(
    *,
    output: Path | None = None,
    passphrase: str | None = None,
    compress: bool | None = None,
    progress: Progress | None = None,
    using: str = "default",
) -> BackupResult:
    """Back up the database ``using`` and every stored file.

    ``output``: a local path to write; ``None`` writes into the backup
    storage and keeps the newest ``BACKUP_KEEP``. ``passphrase`` and
    ``compress`` default to ``BACKUP_PASSPHRASE`` and ``BACKUP_COMPRESS``.
    Raises ``BackupError`` when the archive cannot be written.
    """
    raise NotImplementedError


def backup_verify(path: Path, *, passphrase: str | None = None) -> dict:
    """Check an archive's checksums and manifest without restoring; returns
    the manifest. Raises ``ArchiveCorrupt``, ``WrongPassphrase`` or
    ``IncompatibleArchive``."""
    raise NotImplementedError


def backup_restore(
    path: Path,
    *,
    passphrase: str | None = None,
    replace: bool = False,
    progress: Progress | None = None,
    using: str = "default",
) -> dict[str, int]:
    """Restore the archive at ``path`` into the database ``using``; returns
    rows restored per model label. Everything or nothing: on any error the
    database is as before. Raises ``ArchiveCorrupt``, ``WrongPassphrase``,
    ``IncompatibleArchive``, or ``DatabaseNotEmpty`` (the database holds
    data and ``replace`` is false)."""
    raise NotImplementedError
