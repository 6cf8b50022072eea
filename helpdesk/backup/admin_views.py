"""The Backups page of the admin (``/admin/backups/``): the archives in the
backup storage, a button that queues a backup now, and a download per
archive. Restoring is never a button: the page says which command does it.

Every view runs inside ``admin_site.admin_view``, so only an active admin
whose session passed the second factor reaches it (the others are sent to
the admin's sign-in, which turns them away); each view checks the role once
more.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from accounts.security import client_ip
from helpdesk.commit_hooks import on_commit_robust

from . import store
from .errors import BackupNotFound


def backup_urls(admin_site) -> list:
    """The admin site's URLs for backups (mounted by ``HelpdeskAdminSite``)."""
    return [
        path(
            "backups/",
            admin_site.admin_view(lambda request: backup_index(admin_site, request)),
            name="backups",
        ),
        path(
            "backups/new/",
            admin_site.admin_view(backup_now),
            name="backup_now",
        ),
        path(
            "backups/<str:name>/download/",
            admin_site.admin_view(backup_download),
            name="backup_download",
        ),
    ]


def backups_app_entry() -> dict:
    """The Backups section of the admin index and its side menu, shaped as
    ``AdminSite.get_app_list`` shapes an app."""
    url = reverse("admin:backups")
    return {
        "name": "Backups",
        "app_label": "backups",
        "app_url": url,
        "has_module_perms": True,
        "models": [
            {
                "name": "Archives",
                "object_name": "BackupArchive",
                "admin_url": url,
                "add_url": None,
                "view_only": True,
                "perms": {"view": True},
            }
        ],
    }


def _require_admin(request: HttpRequest) -> None:
    if not request.user.is_admin:
        raise PermissionDenied


def backup_index(admin_site, request: HttpRequest) -> HttpResponse:
    """The archives, newest first, with the latest jobs."""
    _require_admin(request)
    return TemplateResponse(
        request,
        "admin/backups/index.html",
        {
            **admin_site.each_context(request),
            "title": "Backups",
            "entries": store.archive_list(),
            "jobs": [
                {**job, "asked_at": datetime.fromisoformat(job["created_at"])}
                for job in store.job_list(limit=5)
            ],
            "schedule_hours": settings.BACKUP_SCHEDULE_HOURS,
            "keep": settings.BACKUP_KEEP,
            "encrypting": bool(settings.BACKUP_PASSPHRASE),
        },
    )


@require_POST
def backup_now(request: HttpRequest) -> HttpResponse:
    """Queue a backup job (``helpdesk.tasks.backup_job``) once this request
    commits; the page lists the job until it is done."""
    from helpdesk.tasks import backup_job

    _require_admin(request)
    job_id = store.job_create(requested_by=request.user)["id"]
    on_commit_robust("backup_job_queue", lambda: backup_job.delay(job_id))
    messages.success(
        request,
        "Backup queued… It appears under Archives once it is done "
        "(reload this page); Latest requests shows how it went.",
    )
    return redirect("admin:backups")


def backup_download(request: HttpRequest, name: str) -> HttpResponse:
    """The archive as a download, logged with who, when and from where.
    An unknown or malformed name is a 404."""
    _require_admin(request)
    try:
        response = store.archive_file_response(name)
    except BackupNotFound:
        raise Http404("No such backup.") from None
    try:
        store.download_record(
            name, user=request.user, ip=client_ip(request), via="admin"
        )
    except BaseException:
        response.close()
        raise
    return response
