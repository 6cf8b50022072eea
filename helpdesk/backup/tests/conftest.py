"""Fixtures of the backup tests.

``fake_backups``: until the real ``backup_create`` (helpdesk.backup.service)
lands, the admin, API and task tests run against this stand-in, which does
what they rely on: writes a small archive into the backup storage through
``store.archive_save`` (with a manifest of the same keys) and keeps the
newest ``BACKUP_KEEP``. Once the service is real, these tests may use it
instead (drop the fixture) without changing what they assert.
"""

import tempfile
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from accounts.models import User
from helpdesk.backup import service, store


def fake_backup_create(
    *, output=None, passphrase=None, compress=None, progress=None, using="default"
) -> service.BackupResult:
    encrypted = bool(settings.BACKUP_PASSPHRASE if passphrase is None else passphrase)
    compressed = settings.BACKUP_COMPRESS if compress is None else compress
    name = store.archive_name(
        timezone.now(), compressed=compressed, encrypted=encrypted
    )
    manifest = {
        "engine": connection.vendor,
        "product_version": "0.1.0",
        "counts": {"accounts.user": User.objects.count(), "tickets.ticket": 0},
    }
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(b"fake archive " + name.encode() + b"\x00" * 2000)
        entry = store.archive_save(path, name=name, manifest=manifest, verified=True)
    store.archive_prune(settings.BACKUP_KEEP)
    return service.BackupResult(name=name, size=entry.size, manifest=manifest)


@pytest.fixture
def fake_backups(monkeypatch):
    """``backup_create`` replaced by :func:`fake_backup_create`; returns the
    list of the calls' keyword arguments."""
    calls = []

    def create(**kwargs):
        calls.append(kwargs)
        return fake_backup_create(**kwargs)

    monkeypatch.setattr(service, "backup_create", create)
    return calls
