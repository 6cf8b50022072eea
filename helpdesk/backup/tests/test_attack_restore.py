"""Restores in awkward situations: an empty helpdesk, files lost before the
backup, a database not fully migrated, an archive whose passphrase is not
set, a second restore over the first, a prompt without a terminal."""

import builtins
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from helpdesk.backup.compare import database_digest, files_digest
from helpdesk.backup.errors import IncompatibleArchive, WrongPassphrase
from helpdesk.backup.service import backup_create, backup_restore, backup_verify
from tickets.models import Attachment, Ticket

pytestmark = pytest.mark.django_db
MONGODB = connection.vendor == "mongodb"


def test_an_empty_helpdesk_backs_up_and_restores(tmp_path):
    before = database_digest(milliseconds=MONGODB)
    result = backup_create(output=tmp_path / "empty.tar.gz")
    assert sum(result.manifest["counts"].values()) == sum(
        len(rows) for rows in before.values()
    )
    backup_restore(result.path, replace=True)
    backup_restore(result.path)
    assert database_digest(milliseconds=MONGODB) == before


def test_files_lost_before_the_backup_are_listed_and_rows_kept(helpdesk_data, tmp_path):
    lost = Attachment.objects.order_by("pk").first()
    lost.file.storage.delete(lost.file.name)
    before = database_digest(milliseconds=MONGODB)
    result = backup_create(output=tmp_path / "lost.tar.gz")
    assert result.manifest["missing_files"] == [
        f"tickets.attachment.file/{lost.file.name}"
    ]
    backup_restore(result.path, replace=True)
    assert database_digest(milliseconds=MONGODB) == before
    assert Attachment.objects.filter(file=lost.file.name).exists()


def test_two_restores_in_a_row_give_the_same_helpdesk(helpdesk_data, tmp_path):
    before = database_digest(milliseconds=MONGODB), files_digest()
    result = backup_create(output=tmp_path / "twice.tar.gz")
    backup_restore(result.path, replace=True)
    backup_restore(result.path, replace=True)
    assert (database_digest(milliseconds=MONGODB), files_digest()) == before


@pytest.mark.skipif(MONGODB, reason="MongoDB records its migrations elsewhere")
def test_a_database_not_fully_migrated_is_refused(helpdesk_data, tmp_path):
    result = backup_create(output=tmp_path / "m.tar.gz")
    last = MigrationRecorder.Migration.objects.filter(app="tickets").latest("id")
    last.delete()
    with pytest.raises(IncompatibleArchive, match=r"manage\.py migrate"):
        backup_restore(result.path, replace=True)
    with pytest.raises(CommandError, match="not fully migrated"):
        call_command("restore", str(result.path), "--replace", "--no-input")


def test_an_encrypted_archive_without_the_passphrase_says_so(
    helpdesk_data, tmp_path, settings
):
    settings.BACKUP_PASSPHRASE = "correct horse"
    result = backup_create(output=tmp_path / "secret.tar.gz.enc")
    settings.BACKUP_PASSPHRASE = ""
    with pytest.raises(WrongPassphrase, match="passphrase"):
        backup_verify(result.path)
    with pytest.raises(CommandError, match="passphrase"):
        call_command("restore", str(result.path), "--replace", "--no-input")
    assert Ticket.objects.count() == 2


def test_the_confirmation_without_a_terminal_cancels(
    helpdesk_data, tmp_path, monkeypatch
):
    """``restore --replace`` run with no input (cron, a pipe) is cancelled
    with a message, not an ``EOFError`` traceback."""
    result = backup_create(output=tmp_path / "x.tar.gz")

    def no_terminal(prompt=""):
        raise EOFError

    monkeypatch.setattr(builtins, "input", no_terminal)
    with pytest.raises(CommandError, match="--no-input"):
        call_command("restore", str(result.path), "--replace")


def test_seeded_rows_an_older_archive_lacks_are_kept(helpdesk_data, tmp_path):
    """An archive without email templates (made before they existed) keeps
    the ones ``migrate`` seeded, instead of leaving none to send with."""
    from notifications.models import EmailTemplate

    from .test_attack_errors import repack

    seeded = sorted(EmailTemplate.objects.values_list("pk", "subject"))
    assert seeded, "migrate seeds email templates"
    result = backup_create(output=tmp_path / "full.tar", compress=False)

    def change(directory, manifest):
        del manifest["models"]["notifications.emailtemplate"]
        del manifest["counts"]["notifications.emailtemplate"]
        (directory / "data" / "notifications.emailtemplate.jsonl").unlink()

    older = repack(result.path, tmp_path / "older.tar", change)
    backup_restore(older, replace=True)
    assert sorted(EmailTemplate.objects.values_list("pk", "subject")) == seeded


@pytest.mark.parametrize("name", ["../outside.txt", "/etc/hostname", "dir/./x.txt"])
def test_a_row_naming_an_unreadable_path_is_kept_and_its_file_listed_missing(
    helpdesk_data, tmp_path, name
):
    """A file name no storage may read (``..``, absolute, a ``.`` part) does
    not stop the backup: the row is kept, the manifest lists the file."""
    attachment = Attachment.objects.order_by("pk").first()
    attachment.file.storage.save("dir/x.txt", io.BytesIO(b"beside"))
    Attachment.objects.filter(pk=attachment.pk).update(file=name)
    before = database_digest(milliseconds=MONGODB)
    result = backup_create(output=tmp_path / "odd.tar.gz")
    assert result.manifest["missing_files"] == [f"tickets.attachment.file/{name}"]
    backup_restore(result.path, replace=True)
    assert database_digest(milliseconds=MONGODB) == before


def test_a_manifest_listing_models_in_another_order_restores_the_same(
    helpdesk_data, tmp_path
):
    from .test_attack_errors import repack

    before = database_digest(milliseconds=MONGODB)
    result = backup_create(output=tmp_path / "full.tar", compress=False)

    def change(directory, manifest):
        manifest["models"] = dict(reversed(manifest["models"].items()))

    odd = repack(result.path, tmp_path / "odd.tar", change)
    backup_restore(odd, replace=True)
    assert database_digest(milliseconds=MONGODB) == before


def test_a_saved_query_comes_back_character_for_character(helpdesk_data, tmp_path):
    """Only ids of rows whose keys change are rewritten; the rest of a saved
    query (its encoding, a parameter without ``=``) stays as written."""
    from tickets.models import SavedFilter

    query = f"q=a%20b&flag&assignee={helpdesk_data.agent.pk}&x=1;y=2"
    SavedFilter.objects.update(query=query)
    result = backup_create(output=tmp_path / "q.tar.gz")
    backup_restore(result.path, replace=True)
    assert SavedFilter.objects.get().query == query


def test_admin_history_of_a_model_this_version_lacks_is_restored(
    helpdesk_data, tmp_path
):
    """The admin's history may name a model removed since (its content type
    is not made here): the entry is kept, its content type empty."""
    from django.contrib.admin.models import ADDITION, LogEntry
    from django.contrib.contenttypes.models import ContentType

    from .test_attack_errors import _edit_rows, repack

    LogEntry.objects.create(
        user=helpdesk_data.admin,
        content_type=ContentType.objects.get_for_model(Ticket),
        object_id="17",
        object_repr="Old thing",
        action_flag=ADDITION,
    )
    result = backup_create(output=tmp_path / "log.tar", compress=False)

    def change(directory, manifest):
        def edit(row):
            row["fields"]["content_type"] = ["oldapp", "oldmodel"]
            return json.dumps(row)

        _edit_rows(directory, "admin.logentry", edit)

    older = repack(result.path, tmp_path / "older.tar", change)
    backup_restore(older, replace=True)
    entry = LogEntry.objects.get(object_repr="Old thing")
    assert (entry.content_type_id, entry.object_id) == (None, "17")
