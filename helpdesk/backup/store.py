"""Archives in the ``backups`` storage (``settings.STORAGES["backups"]``):
saving, listing, opening, keeping the newest ``BACKUP_KEEP``, backup jobs and
the record of downloads.

Beside each archive ``<name>`` lies ``<name>.json``, its summary
(:class:`BackupEntry` as JSON): the storage may be any Django backend, and
the summaries travel with the archives, so a restored or new database still
lists them. Jobs are ``jobs/<job id>.json`` in the same storage. Only names
this module made (``helpdesk-backup-<YYYYmmddTHHMMSSffffffZ>.tar[.gz][.enc]``)
are ever opened: any other name is ``BackupNotFound``, so no caller-supplied
text (``../x``, an absolute path) ever reaches the storage.

A summary is rewritten whole (delete, then save: not every backend can
overwrite); two downloads of one archive at the same instant may keep only
one of them in the summary, while the log line of each stays.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.http import FileResponse
from django.utils import timezone

from .errors import BackupError, BackupNotFound

logger = logging.getLogger("helpdesk.backup")

PREFIX = "helpdesk-backup-"
NAME_PATTERN = re.compile(r"^helpdesk-backup-(\d{8}T\d{12})Z\.tar(\.gz)?(\.enc)?$")
JOB_PATTERN = re.compile(r"^[0-9a-f]{32}$")
JOB_STATUSES = ("queued", "running", "done", "failed")
JOB_FIELDS = {"status", "archive", "error", "finished_at"}
JOBS_KEPT_DAYS = 7
SUMMARY_SUFFIX = ".json"


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


def backup_storage() -> Storage:
    """The ``backups`` storage, looked up on each call (tests swap it)."""
    return storages["backups"]


def _is_archive_name(name: object) -> bool:
    return isinstance(name, str) and NAME_PATTERN.fullmatch(name) is not None


def _checked(name: object) -> str:
    if not _is_archive_name(name):
        raise BackupNotFound(f"There is no backup named {name!r}.")
    return name


def _write_json(storage: Storage, name: str, data: dict) -> None:
    """Replace ``name`` with ``data`` as UTF-8 JSON."""
    if storage.exists(name):
        storage.delete(name)
    body = json.dumps(data, indent=1, sort_keys=True).encode()
    saved = storage.save(name, ContentFile(body))
    if saved != name:  # written by someone else in between: theirs stays
        storage.delete(saved)
        logger.warning("backup store: %s was rewritten concurrently", name)


def _read_json(storage: Storage, name: str) -> dict:
    with storage.open(name, "rb") as handle:
        return json.loads(handle.read().decode())


def _when(value: str | None) -> datetime | None:
    return None if not value else datetime.fromisoformat(value)


def _entry_from(data: dict) -> BackupEntry:
    return BackupEntry(
        name=data["name"],
        created_at=_when(data["created_at"]),
        size=int(data["size"]),
        engine=data.get("engine", ""),
        product_version=data.get("product_version", ""),
        counts={str(k): int(v) for k, v in data.get("counts", {}).items()},
        encrypted=bool(data.get("encrypted")),
        compressed=bool(data.get("compressed")),
        verified_at=_when(data.get("verified_at")),
        downloads=list(data.get("downloads", [])),
    )


def _entry_data(entry: BackupEntry) -> dict:
    data = asdict(entry)
    data["created_at"] = entry.created_at.isoformat()
    data["verified_at"] = entry.verified_at.isoformat() if entry.verified_at else None
    return data


def _created_at(name: str) -> datetime:
    stamp = NAME_PATTERN.fullmatch(name).group(1)
    return datetime.strptime(stamp, "%Y%m%dT%H%M%S%f").replace(tzinfo=UTC)


# --- Archives -----------------------------------------------------------------


def archive_name(created_at: datetime, *, compressed: bool, encrypted: bool) -> str:
    """The storage name for an archive made at ``created_at`` (aware; shown in
    UTC to the microsecond, so names sort by time):
    ``helpdesk-backup-20260130T020000123456Z.tar.gz.enc``."""
    stamp = created_at.astimezone(UTC).strftime("%Y%m%dT%H%M%S%f")
    return (
        f"{PREFIX}{stamp}Z.tar"
        + (".gz" if compressed else "")
        + (".enc" if encrypted else "")
    )


def archive_save(
    path: Path, *, name: str, manifest: dict, verified: bool
) -> BackupEntry:
    """Copy the finished local archive ``path`` into the storage as ``name``
    and write its summary beside it. Returns the entry.

    From ``manifest`` the summary takes ``engine``, ``product_version`` and
    ``counts`` (rows per model label); the time, compression and encryption
    come from the name (see :func:`archive_name`). ``verified``: the archive
    was read back and checked, so the summary records now as its
    verification time. Raises ``BackupNotFound`` for a name this module would
    not make, ``BackupError`` when the name is taken already.
    """
    _checked(name)
    storage = backup_storage()
    if storage.exists(name):
        raise BackupError(f"A backup named {name} exists already.")
    with Path(path).open("rb") as handle:
        saved = storage.save(name, File(handle, name=name))
    if saved != name:
        storage.delete(saved)
        raise BackupError(f"A backup named {name} exists already.")
    match = NAME_PATTERN.fullmatch(name)
    entry = BackupEntry(
        name=name,
        created_at=_created_at(name),
        size=storage.size(name),
        engine=str(manifest.get("engine", "")),
        product_version=str(manifest.get("product_version", "")),
        counts={str(k): int(v) for k, v in (manifest.get("counts") or {}).items()},
        encrypted=bool(match.group(3)),
        compressed=bool(match.group(2)),
        verified_at=timezone.now() if verified else None,
    )
    _write_json(storage, name + SUMMARY_SUFFIX, _entry_data(entry))
    logger.info("backup saved: %s (%s bytes)", name, entry.size)
    return entry


def _archive_names(storage: Storage) -> list[str]:
    """Every archive name in the storage, oldest first."""
    _folders, files = storage.listdir("")
    return sorted(name for name in files if _is_archive_name(name))


def archive_list() -> list[BackupEntry]:
    """Every archive with a summary, newest first. A summary that cannot be
    read is logged and its archive left out."""
    storage = backup_storage()
    try:
        _folders, files = storage.listdir("")
    except FileNotFoundError:  # nothing was ever saved
        return []
    summaries = set(files)
    entries = []
    for name in sorted(files, reverse=True):
        if not _is_archive_name(name) or name + SUMMARY_SUFFIX not in summaries:
            continue
        try:
            entries.append(_entry_from(_read_json(storage, name + SUMMARY_SUFFIX)))
        except (ValueError, KeyError, TypeError, OSError):
            logger.warning("backup store: the summary of %s is unreadable", name)
    return entries


def archive_get(name: str) -> BackupEntry:
    """One entry; ``BackupNotFound`` for an unknown or malformed name."""
    storage = backup_storage()
    _checked(name)
    if not storage.exists(name) or not storage.exists(name + SUMMARY_SUFFIX):
        raise BackupNotFound(f"There is no backup named {name!r}.")
    try:
        return _entry_from(_read_json(storage, name + SUMMARY_SUFFIX))
    except (ValueError, KeyError, TypeError, OSError):
        raise BackupNotFound(f"The summary of backup {name} is unreadable.") from None


def archive_open(name: str) -> File:
    """The archive ``name`` open for binary reading; ``BackupNotFound``."""
    storage = backup_storage()
    _checked(name)
    if not storage.exists(name):
        raise BackupNotFound(f"There is no backup named {name!r}.")
    return storage.open(name, "rb")


def archive_prune(keep: int) -> list[str]:
    """Remove the oldest archives (and their summaries) beyond the newest
    ``keep``; returns the names removed. ``keep`` below 1 keeps one."""
    storage = backup_storage()
    try:
        names = _archive_names(storage)
    except FileNotFoundError:
        return []
    removed = names[: max(0, len(names) - max(1, keep))]
    for name in removed:
        storage.delete(name)
        if storage.exists(name + SUMMARY_SUFFIX):
            storage.delete(name + SUMMARY_SUFFIX)
        logger.info("backup removed (keeping the newest %s): %s", keep, name)
    return removed


def archive_file_response(name: str) -> FileResponse:
    """The archive as a download (``Content-Disposition: attachment`` with
    its name, ``application/octet-stream``), streamed from the storage in
    chunks. ``BackupNotFound`` for an unknown or malformed name."""
    response = FileResponse(
        archive_open(name),
        as_attachment=True,
        filename=name,
        content_type="application/octet-stream",
    )
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def download_record(name: str, *, user, ip: str, via: str) -> None:
    """Log a download (the ``helpdesk.backup`` logger, INFO, with who, when,
    which archive, from which address, through admin or API) and add it to
    the archive's summary. ``BackupNotFound`` for an unknown name."""
    entry = archive_get(name)
    now = timezone.now()
    logger.info(
        "backup downloaded: %s by %s (id %s) from %s via %s",
        name,
        user.email,
        user.pk,
        ip,
        via,
    )
    entry.downloads.append(
        {
            "user": user.email,
            "user_id": str(user.pk),
            "at": now.isoformat(),
            "ip": ip,
            "via": via,
        }
    )
    _write_json(backup_storage(), name + SUMMARY_SUFFIX, _entry_data(entry))


# --- Jobs -------------------------------------------------------------------


def _job_path(job_id: str) -> str:
    return f"jobs/{job_id}.json"


def job_create(*, requested_by) -> dict:
    """Record a queued backup job for ``requested_by`` (a user) and return it:
    ``{"id": str, "status": "queued", "archive": None, "error": "",
    "requested_by": email, "created_at": iso, "finished_at": None}``.
    Jobs that finished more than ``JOBS_KEPT_DAYS`` ago are removed."""
    job = {
        "id": uuid.uuid4().hex,
        "status": "queued",
        "archive": None,
        "error": "",
        "requested_by": requested_by.email,
        "created_at": timezone.now().isoformat(),
        "finished_at": None,
    }
    storage = backup_storage()
    _jobs_prune(storage)
    _write_json(storage, _job_path(job["id"]), job)
    return job


def _jobs_prune(storage: Storage) -> None:
    cutoff = timezone.now() - timedelta(days=JOBS_KEPT_DAYS)
    for job in job_list(limit=None):
        finished = _when(job.get("finished_at"))
        if finished is not None and finished < cutoff:
            storage.delete(_job_path(job["id"]))


def job_list(*, limit: int | None = 5) -> list[dict]:
    """The most recent jobs (all with ``limit=None``), newest first."""
    storage = backup_storage()
    try:
        _folders, files = storage.listdir("jobs")
    except FileNotFoundError:
        return []
    jobs = []
    for file_name in files:
        job_id = file_name.removesuffix(".json")
        if JOB_PATTERN.fullmatch(job_id):
            try:
                jobs.append(_read_json(storage, _job_path(job_id)))
            except (ValueError, OSError):
                logger.warning("backup store: job %s is unreadable", job_id)
    jobs.sort(key=lambda job: job.get("created_at", ""), reverse=True)
    return jobs if limit is None else jobs[:limit]


def job_get(job_id: str) -> dict:
    """A job as ``job_create`` shapes it; status is one of queued, running,
    done (``archive`` names the archive) or failed (``error`` says why).
    ``BackupNotFound`` for an unknown or malformed id."""
    storage = backup_storage()
    if not isinstance(job_id, str) or not JOB_PATTERN.fullmatch(job_id):
        raise BackupNotFound(f"There is no backup job {job_id!r}.")
    if not storage.exists(_job_path(job_id)):
        raise BackupNotFound(f"There is no backup job {job_id!r}.")
    try:
        return _read_json(storage, _job_path(job_id))
    except (ValueError, OSError):
        raise BackupNotFound(f"Backup job {job_id} is unreadable.") from None


def job_update(job_id: str, **changes) -> dict:
    """Change and save a job's fields (``status``, ``archive``, ``error``,
    ``finished_at``); returns the job. A job that becomes done or failed
    without a ``finished_at`` gets now. ``ValueError`` for any other field or
    an unknown status; ``BackupNotFound`` for an unknown job."""
    unknown = set(changes) - JOB_FIELDS
    if unknown:
        raise ValueError(f"Backup jobs have no field(s) {sorted(unknown)}.")
    if "status" in changes and changes["status"] not in JOB_STATUSES:
        raise ValueError(f"Unknown backup job status {changes['status']!r}.")
    job = job_get(job_id)
    job.update(changes)
    if isinstance(job.get("finished_at"), datetime):
        job["finished_at"] = job["finished_at"].isoformat()
    if job["status"] in ("done", "failed") and not job.get("finished_at"):
        job["finished_at"] = timezone.now().isoformat()
    _write_json(backup_storage(), _job_path(job_id), job)
    return job
