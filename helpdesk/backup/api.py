"""Backups in the API (admins only, with a proven second factor): the
archives in the backup storage, a backup made now (queued: a job to poll),
and the download of an archive. Restoring stays a command on the server.
"""

from datetime import datetime

from django.http import HttpResponse
from ninja import Router, Schema, Status
from pydantic import Field

from accounts.security import client_ip
from helpdesk.api_tools import answers, require_admin
from helpdesk.commit_hooks import on_commit_robust

from . import store

router = Router(tags=["backups"])
ARCHIVE_CONTENT = {
    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
}


class BackupDownloadOut(Schema):
    """One download of an archive."""

    user: str = Field(description="The email of who downloaded it.")
    at: datetime
    ip: str = Field(description="The client address it went to.")
    via: str = Field(description="admin or api.")


class BackupArchiveOut(Schema):
    """One archive in the backup storage."""

    name: str = Field(
        description="The archive's name in the storage; "
        "helpdesk-backup-<UTC time>.tar[.gz][.enc]."
    )
    created_at: datetime
    size: int = Field(description="Bytes.")
    engine: str = Field(description="The source database: sqlite, postgresql, ...")
    product_version: str
    counts: dict[str, int] = Field(description="Rows per model label.")
    total_rows: int
    encrypted: bool
    compressed: bool
    verified_at: datetime | None = Field(
        description="When it was read back and its checksums checked; null: never."
    )
    downloads: list[BackupDownloadOut]


class BackupJobOut(Schema):
    """A backup asked for through the API or the admin."""

    id: str
    status: str = Field(description="queued, running, done or failed.")
    archive: str | None = Field(description="The archive's name once done.")
    error: str = Field(description="Why it failed; empty otherwise.")
    created_at: datetime
    finished_at: datetime | None


def _archive_out(entry: store.BackupEntry) -> dict:
    return {
        **{key: getattr(entry, key) for key in BackupArchiveOut.model_fields},
        "downloads": [
            {key: item.get(key, "") for key in ("user", "at", "ip", "via")}
            for item in entry.downloads
        ],
    }


@router.get("/backups", response=answers({200: list[BackupArchiveOut]}))
def backup_list(request):
    """Every archive in the backup storage, newest first. Admins with a
    proven second factor only (403 otherwise)."""
    require_admin(request)
    return [_archive_out(entry) for entry in store.archive_list()]


@router.post("/backups", response=answers({202: BackupJobOut}))
def backup_start(request, response: HttpResponse):
    """Queue a backup now. Answers 202 with the job; poll it at the URL in
    the ``Location`` header (``/backups/jobs/{job_id}``) until its status is
    ``done`` (``archive`` names the new archive) or ``failed`` (``error``)."""
    from helpdesk.tasks import backup_job

    require_admin(request)
    job = store.job_create(requested_by=request.user)
    job_id = job["id"]
    on_commit_robust("backup_job_queue", lambda: backup_job.delay(job_id))
    response["Location"] = request.build_absolute_uri(f"/api/v1/backups/jobs/{job_id}")
    return Status(202, job)


@router.get("/backups/jobs/{job_id}", response=answers({200: BackupJobOut}))
def backup_job_get(request, job_id: str):
    """A backup job; 404 ``not_found`` for an unknown id."""
    require_admin(request)
    return store.job_get(job_id)


@router.get(
    "/backups/{name}/download",
    response=answers({}),
    summary="Download a backup archive",
    openapi_extra={
        "responses": {200: {"description": "The archive.", "content": ARCHIVE_CONTENT}}
    },
)
def backup_download(request, name: str):
    """The archive, streamed as an attachment (``application/octet-stream``).
    Each download is logged with who, when and from where. 404
    ``not_found`` for an unknown or malformed name."""
    require_admin(request)
    response = store.archive_file_response(name)
    try:
        store.download_record(name, user=request.user, ip=client_ip(request), via="api")
    except BaseException:
        response.close()
        raise
    return response
