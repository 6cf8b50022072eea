"""Fixtures of the backup tests: a small helpdesk with every kind of row,
gaps in the keys, a watch on ``backup_create`` (``backup_calls``: the real
one runs), and small archive-shaped files in the backup storage."""

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.services import api_key_create
from accounts.tests.factories import UserFactory
from helpdesk.backup import service, store
from organizations.tests.factories import TeamFactory
from tickets.services import message_add, saved_filter_save, ticket_create, ticket_merge

# Names that must never reach a file: one of the right shape that does not
# exist, others that are not archive names or climb out of the folder
# (test_admin.py and test_api.py put a "secret.tar" beside the archives).
NOT_ARCHIVE_NAMES = [
    "helpdesk-backup-20990101T000000000000Z.tar",
    "nothing",
    "..",
    "..%2F..%2Fsecret.tar",
    "%2E%2E%2Fsecret.tar",
    "secret.tar",
]


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


@pytest.fixture
def backup_calls(monkeypatch):
    """``backup_create`` watched: the real one runs, and the list returned
    gets each call's keyword arguments."""
    calls = []
    real = service.backup_create

    def create(**kwargs):
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(service, "backup_create", create)
    return calls


@pytest.fixture
def store_archive(tmp_path):
    """``store_archive(encrypted=..., verified=..., engine=..., counts=...)``
    puts a small archive-shaped file into the backup storage, as a backup of
    2026-01-30 02:00 UTC, and returns its entry (for listing and download
    tests, which need no real backup)."""

    def make(*, encrypted: bool, verified: bool, engine: str, counts: dict):
        name = store.archive_name(
            datetime(2026, 1, 30, 2, 0, tzinfo=UTC),
            compressed=True,
            encrypted=encrypted,
        )
        local = tmp_path / name
        local.write_bytes(b"archive bytes " * 200)
        manifest = {"engine": engine, "product_version": "0.1.0", "counts": counts}
        return store.archive_save(
            local, name=name, manifest=manifest, verified=verified
        )

    return make
