"""Back up, restore over it, and find everything as it was: rows, keys,
files, passwords, API keys and authenticators."""

import json
from urllib.parse import parse_qs

import pytest
from django.contrib.sessions.models import Session
from django.db import connection

from accounts.authentication import authenticate_api_key
from accounts.models import User
from helpdesk.backup import load
from helpdesk.backup.compare import database_digest, files_digest
from helpdesk.backup.dump import dump_database
from helpdesk.backup.errors import DatabaseNotEmpty
from helpdesk.backup.service import backup_create, backup_restore, backup_verify
from tickets.models import Attachment, Message, Ticket, TicketEvent
from tickets.services import ticket_create

pytestmark = pytest.mark.django_db
MONGODB = connection.vendor == "mongodb"


def test_restore_over_the_same_database_brings_back_every_row_and_file(
    helpdesk_data, tmp_path
):
    rows_before = database_digest(milliseconds=MONGODB)
    files_before = files_digest()
    keys_before = dict(Ticket.objects.values_list("number", "pk"))
    result = backup_create(output=tmp_path / "helpdesk.tar.gz")
    assert result.manifest["models"]["tickets.ticket"]["rows"] == 2
    assert result.manifest["models"]["tickets.attachment"]["rows"] == 2
    assert len([m for m in result.manifest["files"] if m.startswith("files/")]) == 2

    # What happens after the backup is undone by the restore.
    Ticket.objects.filter(pk=helpdesk_data.second.pk).update(subject="Changed later")
    Attachment.objects.all().delete()
    User.objects.filter(pk=helpdesk_data.customer.pk).update(full_name="Changed")
    counts = backup_restore(result.path, replace=True)

    assert counts["tickets.ticket"] == 2
    assert database_digest(milliseconds=MONGODB) == rows_before
    assert files_digest() == files_before
    assert dict(Ticket.objects.values_list("number", "pk")) == keys_before
    customer = User.objects.get(email=helpdesk_data.customer.email)
    assert customer.check_password(helpdesk_data.password)
    assert not customer.check_password("wrong")
    found = authenticate_api_key(helpdesk_data.raw_key)
    assert found is not None and found[0].email == helpdesk_data.admin.email


def test_backup_and_restore_work_in_backup_work_dir_not_the_temp_folder(
    helpdesk_data, tmp_path, settings, monkeypatch
):
    """In the container /tmp is a tmpfs, held in memory: a backup as large as
    the attachments must unpack on disk, in BACKUP_WORK_DIR, instead."""
    import tempfile

    settings.BACKUP_WORK_DIR = str(tmp_path / "work")
    # Any use of the system's temporary folder now fails.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "no-such-folder"))
    files_before = files_digest()
    result = backup_create(output=tmp_path / "helpdesk.tar.gz")
    backup_verify(result.path)
    Attachment.objects.all().delete()
    backup_restore(result.path, replace=True)

    assert files_digest() == files_before
    # Each job's folder is gone once it is done.
    assert list((tmp_path / "work").iterdir()) == []


def test_new_tickets_after_a_restore_take_fresh_keys_and_the_next_number(
    helpdesk_data, tmp_path
):
    result = backup_create(output=tmp_path / "helpdesk.tar.gz")
    highest = max(Ticket.objects.values_list("number", flat=True))
    backup_restore(result.path, replace=True)
    ticket = ticket_create(
        requester=helpdesk_data.customer, subject="After the restore", body="Hello."
    )
    assert ticket.number == highest + 1
    assert Ticket.objects.count() == 3


def test_restore_with_replace_signs_everyone_out(helpdesk_data, client, tmp_path):
    client.force_login(helpdesk_data.customer)
    assert Session.objects.exists()
    result = backup_create(output=tmp_path / "helpdesk.tar.gz")
    backup_restore(result.path, replace=True)
    assert not Session.objects.exists()
    assert client.get("/tickets/").status_code in (302, 401, 403, 404)


def test_restore_refuses_a_database_that_holds_data(helpdesk_data, tmp_path):
    result = backup_create(output=tmp_path / "helpdesk.tar.gz")
    Ticket.objects.filter(pk=helpdesk_data.first.pk).update(subject="Kept")
    before = database_digest(milliseconds=MONGODB)
    with pytest.raises(DatabaseNotEmpty, match="not empty"):
        backup_restore(result.path)
    assert database_digest(milliseconds=MONGODB) == before
    assert Ticket.objects.get(pk=helpdesk_data.first.pk).subject == "Kept"


def test_verify_reports_the_manifest_without_touching_the_database(
    helpdesk_data, tmp_path
):
    result = backup_create(output=tmp_path / "helpdesk.tar.gz")
    manifest = backup_verify(result.path)
    assert manifest["engine"] == connection.vendor
    assert manifest["models"]["tickets.message"]["rows"] == Message.objects.count()
    assert manifest["models"]["accounts.user"]["rows"] == User.objects.count()
    assert "tickets" in manifest["migrations"]


def test_keys_change_between_engines_and_every_reference_follows(
    key_gaps, helpdesk_data, tmp_path
):
    """What a SQL to MongoDB restore does (new keys of the other kind), on
    this database: the manifest claims the other kind of key, so every row
    gets a new one and every reference, ids kept as text included, is
    rewritten."""
    rows_before = database_digest(milliseconds=MONGODB)
    agent_before = helpdesk_data.agent.pk
    models, _ = dump_database(tmp_path, using="default")
    for entry in models.values():
        entry["pk"] = {"int": "objectid", "objectid": "int"}.get(
            entry["pk"], entry["pk"]
        )
    load.load_database(tmp_path, {"models": models}, using="default", replace=True)

    assert database_digest(milliseconds=MONGODB) == rows_before
    agent = User.objects.get(email=helpdesk_data.agent.email)
    assert str(agent.pk) != str(agent_before)
    saved = agent.filters.get(name="Mine")
    assert parse_qs(saved.query)["assignee"] == [str(agent.pk)]
    reply = TicketEvent.objects.get(kind=TicketEvent.Kind.REPLY)
    message = Message.objects.get(pk=reply.new_value)
    assert message.body == "On my way."
    source = Ticket.objects.get(number=helpdesk_data.second.number)
    assert source.merged_into.number == helpdesk_data.first.number


def test_archive_data_is_django_json_lines(helpdesk_data, tmp_path):
    models, _ = dump_database(tmp_path, using="default")
    lines = (tmp_path / models["tickets.ticket"]["file"]).read_text().splitlines()
    rows = [json.loads(line) for line in lines]
    assert {row["model"] for row in rows} == {"tickets.ticket"}
    assert {row["fields"]["number"] for row in rows} == {
        helpdesk_data.first.number,
        helpdesk_data.second.number,
    }
    stamp = rows[0]["fields"]["created_at"]
    assert "." in stamp and len(stamp.split(".")[1].split("+")[0]) == 6
