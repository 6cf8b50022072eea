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
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from accounts.services import api_key_create
from accounts.tests.factories import UserFactory
from helpdesk.backup import service, store
from organizations.tests.factories import TeamFactory
from tickets.services import message_add, saved_filter_save, ticket_create, ticket_merge


@pytest.fixture
def helpdesk_data(db, agent, customer, department, admin_user, password):
    """A small helpdesk touching every kind of row a backup must carry: a
    team (a many-to-many link), tickets with attachments, a reply, an
    internal note, a merge (a ticket pointing at another), a saved filter
    naming the agent by id, an API key and an authenticator."""
    TeamFactory(department=department, members=[agent])
    first = ticket_create(
        requester=customer,
        subject="Printer on fire",
        body="It smokes.",
        department=department,
        attachments=[
            SimpleUploadedFile(
                "smoke.jpg", b"\xff\xd8" + bytes(range(256)) * 8, "image/jpeg"
            )
        ],
    )
    message_add(
        ticket=first,
        author=agent,
        body="On my way.",
        attachments=[
            SimpleUploadedFile("Schritte ü.txt", b"1. unplug\n", "text/plain")
        ],
    )
    message_add(ticket=first, author=agent, body="Call facilities.", internal=True)
    second = ticket_create(
        requester=customer,
        subject="Printer still on fire",
        body="Again.",
        department=department,
    )
    ticket_merge(source=second, target=first, actor=agent)
    saved_filter_save(
        owner=agent, name="Mine", query=f"assignee={agent.pk}&status=open"
    )
    _, raw_key = api_key_create(user=admin_user, name="ops", scopes=("read",))
    TOTPDevice.objects.create(user=admin_user, name="Phone", confirmed=True)
    return SimpleNamespace(
        first=first,
        second=second,
        agent=agent,
        customer=customer,
        admin=admin_user,
        password=password,
        raw_key=raw_key,
    )


@pytest.fixture
def key_gaps(db):
    """Leave gaps in the integer keys (users made and deleted before the
    others), so keys a restore hands out afresh differ from the old ones.
    Ask for it before the fixtures that make rows."""
    for _ in range(3):
        UserFactory().delete()


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
