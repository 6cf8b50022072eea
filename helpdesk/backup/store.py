"""Archives in the ``backups`` storage (``settings.STORAGES["backups"]``):
saving, listing, opening, keeping the newest ``BACKUP_KEEP``, backup jobs and
the record of downloads.

(Owned by the store/admin/API helper: implement here.) Beside each archive
``<name>`` lies ``<name>.json``, its summary (:class:`BackupEntry` as JSON):
the storage may be any Django backend, and the summaries travel with the
archives, so a restored or new database still lists them. Jobs are
``jobs/<job id>.json`` in the same storage. Only names this module made
(``helpdesk-backup-<YYYYmmddTHHMMSSffffffZ>.tar[.gz][.enc]``) are ever
opened: any other name is ``BackupNotFound``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.core.files import File


@dataclass
class BackupEntry:
    """One archive in the storage, as the admin and the API list it."""

    name: str
    created_at: datetime
    size: int  # bytes
    engine: str  # the source database's vendor: sqlite, postgresql, mongodb
    product_version: str
    counts: dict[str, int]  # rows per model label
    encrypted: bool
    compressed: bool
    verified_at: datetime | None = None
    downloads: list[dict] = field(default_factory=list)  # who, when, from where

    @property
    def total_rows(self) -> int:
        return sum(self.counts.values())


def archive_name(created_at: datetime, *, compressed: bool, encrypted: bool) -> str:
    """The storage name for an archive made at ``created_at`` (aware, UTC)."""
    raise NotImplementedError


def archive_save(
    path: Path, *, name: str, manifest: dict, verified: bool
) -> BackupEntry:
    """Copy the finished local archive ``path`` into the storage as ``name``
    and write its summary beside it. Returns the entry."""
    raise NotImplementedError


def archive_list() -> list[BackupEntry]:
    """Every archive with a summary, newest first."""
    raise NotImplementedError


def archive_get(name: str) -> BackupEntry:
    """One entry; ``BackupNotFound`` for an unknown or malformed name."""
    raise NotImplementedError


def archive_open(name: str) -> File:
    """The archive ``name`` open for binary reading; ``BackupNotFound``."""
    raise NotImplementedError


def archive_prune(keep: int) -> list[str]:
    """Remove the oldest archives (and their summaries) beyond the newest
    ``keep``; returns the names removed. ``keep`` below 1 keeps one."""
    raise NotImplementedError


def download_record(name: str, *, user, ip: str, via: str) -> None:
    """Log a download (the ``helpdesk.backup`` logger, INFO, with who, when,
    which archive, from which address, through admin or API) and add it to
    the archive's summary."""
    raise NotImplementedError


def job_create(*, requested_by) -> dict:
    """Record a queued backup job for ``requested_by`` (a user) and return it:
    ``{"id": str, "status": "queued", "archive": None, "error": "",
    "requested_by": email, "created_at": iso, "finished_at": None}``."""
    raise NotImplementedError


def job_get(job_id: str) -> dict:
    """A job as ``job_create`` shapes it; status is one of queued, running,
    done (``archive`` names the archive) or failed (``error`` says why).
    ``BackupNotFound`` for an unknown or malformed id."""
    raise NotImplementedError


def job_update(job_id: str, **changes) -> dict:
    """Change and save a job's fields; returns the job."""
    raise NotImplementedError
