"""Data that is hard to carry: every kind of Unicode, long texts, JSON,
microseconds in other time zones; values the target database cannot store;
and files in the storage that a failed restore must put back."""

import datetime as dt
import io
import json
import zoneinfo

import pytest
from django.db import connection

from accounts.models import User
from helpdesk.backup.compare import database_digest, files_digest
from helpdesk.backup.errors import BackupError
from helpdesk.backup.load import LENGTH_CHECKED
from helpdesk.backup.service import backup_create, backup_restore
from integrations.models import WebhookEndpoint
from tickets.models import Attachment, Message, Ticket

from .test_attack_errors import _edit_rows, repack

pytestmark = pytest.mark.django_db
MONGODB = connection.vendor == "mongodb"
POSTGRESQL = connection.vendor == "postgresql"
HARD_TEXT = (
    "Ünïcödé ß ǅ ﬁ 🔥👩🏽‍💻 𝔘𝔫𝔦 \u05e9\u05dc\u05d5\u05dd \u0627\u0644\u0633"
    "\u200f\u202e e\u0301 \u2028line\u2029para\u0085nel\r\nwin\rmac\ttab "
    '"quotes" \\ back \x7f \ufeff \U0010fffd'
)


def test_hard_text_json_and_times_come_back_identical(helpdesk_data, tmp_path):
    ticket = helpdesk_data.first
    when = dt.datetime(
        2026, 3, 29, 2, 30, 15, 123457, tzinfo=zoneinfo.ZoneInfo("Asia/Kathmandu")
    )
    Ticket.objects.filter(pk=ticket.pk).update(subject=HARD_TEXT[:255], created_at=when)
    Message.objects.filter(ticket=ticket).update(body=HARD_TEXT * 20_000)
    WebhookEndpoint.objects.create(
        url="https://example.com/hook",
        description=HARD_TEXT[:255],
        events=[{"ключ": [1, 2.5, None, True, {"🔥": HARD_TEXT}]}, "ticket.created"],
    )
    before = database_digest(milliseconds=MONGODB)
    archive = backup_create(output=tmp_path / "hard.tar.gz").path

    backup_restore(archive, replace=True)

    assert database_digest(milliseconds=MONGODB) == before
    restored = Ticket.objects.get(number=ticket.number)
    assert restored.subject == HARD_TEXT[:255]
    assert restored.created_at == when or MONGODB
    assert WebhookEndpoint.objects.get().events[0]["ключ"][4]["🔥"] == HARD_TEXT


@pytest.fixture
def archive(helpdesk_data, tmp_path):
    return backup_create(output=tmp_path / "good.tar", compress=False).path


def _subject(value, field="subject"):
    def change(directory, manifest):
        def edit(row):
            row["fields"][field] = value
            return json.dumps(row, ensure_ascii=False)

        _edit_rows(directory, "tickets.ticket", edit)

    return change


def test_a_nul_character_is_refused_by_postgresql_naming_the_row(archive, tmp_path):
    """SQLite keeps a NUL in text, PostgreSQL refuses it: a SQLite archive
    holding one fails on PostgreSQL with the row named, not a traceback."""
    bad = repack(archive, tmp_path / "nul.tar", _subject("bad\x00byte"))
    if not POSTGRESQL:
        backup_restore(bad, replace=True)
        assert set(Ticket.objects.values_list("subject", flat=True)) == {"bad\x00byte"}
        return
    before = database_digest()
    with pytest.raises(BackupError, match=r"tickets\.ticket row .*subject.*NUL"):
        backup_restore(bad, replace=True)
    assert database_digest() == before


def test_text_longer_than_its_column_is_refused_by_postgresql(archive, tmp_path):
    """SQLite and MongoDB do not enforce ``max_length``; PostgreSQL's
    varchar does."""
    long = repack(archive, tmp_path / "long.tar", _subject("x" * 300))
    if connection.vendor not in LENGTH_CHECKED:
        backup_restore(long, replace=True)
        assert Ticket.objects.filter(subject="x" * 300).count() == 2
        return
    before = database_digest()
    with pytest.raises(BackupError, match=r"tickets\.ticket row .*300 characters"):
        backup_restore(long, replace=True)
    assert database_digest() == before


def test_rows_the_database_refuses_name_the_model(archive, tmp_path):
    """Two users with one email (the unique index refuses the second)."""

    def change(directory, manifest):
        path = directory / "data" / "accounts.user.jsonl"
        lines = path.read_text("utf-8").splitlines()
        twin = json.loads(lines[0])
        twin["pk"] = "999999" if MONGODB else 999_999
        if MONGODB:
            twin["pk"] = "65a000000000000000000001"
        path.write_text("\n".join([*lines, json.dumps(twin)]) + "\n", "utf-8")
        manifest["models"]["accounts.user"]["rows"] += 1

    bad = repack(archive, tmp_path / "twins.tar", change)
    before = database_digest(milliseconds=MONGODB)
    with pytest.raises(BackupError, match=r"accounts\.user.*refused"):
        backup_restore(bad, replace=True)
    assert database_digest(milliseconds=MONGODB) == before
    assert User.objects.count() == len(before["accounts.user"])


def test_a_failed_restore_puts_back_files_it_replaced(archive, tmp_path):
    """A file of the archive's name but other bytes is replaced by the
    restore; when the restore then fails, the file has its bytes again."""
    bad = repack(archive, tmp_path / "bad.tar", _subject("yesterday", "created_at"))
    attachment = Attachment.objects.order_by("pk").first()
    storage, name = attachment.file.storage, attachment.file.name
    storage.delete(name)
    storage.save(name, io.BytesIO(b"changed since the backup"))
    before = files_digest()

    with pytest.raises(BackupError, match=r"tickets\.ticket row"):
        backup_restore(bad, replace=True)

    assert files_digest() == before
    with storage.open(name, "rb") as stream:
        assert stream.read() == b"changed since the backup"
