"""Archives that pass every checksum but hold something malformed, and
failures of the disk: each is refused with a message for the operator (a
``BackupError``, a ``CommandError`` from the commands), never a traceback,
and the database is left as it was."""

import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from helpdesk.backup.archive import ArchiveWriter, archive_extract
from helpdesk.backup.compare import database_digest
from helpdesk.backup.errors import ArchiveCorrupt, BackupError
from helpdesk.backup.service import backup_create, backup_restore, backup_verify

pytestmark = pytest.mark.django_db
MONGODB = connection.vendor == "mongodb"


def repack(source: Path, target: Path, change) -> Path:
    """``source`` rewritten as ``target`` with fresh checksums after
    ``change(directory, manifest)`` edited its extracted members: what a
    crafted (or buggy) archive looks like to the reader."""
    directory = target.parent / (target.name + ".d")
    directory.mkdir()
    with open(source, "rb") as raw:
        manifest = archive_extract(raw, directory)
    change(directory, manifest)
    members = [
        path.relative_to(directory).as_posix()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    ]
    with open(target, "wb") as raw:
        writer = ArchiveWriter(raw, compress=False)
        for member in members:
            writer.add_file(member, directory / member)
        manifest.pop("files", None)
        writer.close(manifest)
    return target


def _edit_rows(directory: Path, name: str, edit) -> None:
    path = directory / "data" / f"{name}.jsonl"
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
    lines = [edit(row) for row in rows]
    path.write_text("".join(line + "\n" for line in lines), "utf-8")


def _refused(path: Path, match: str) -> None:
    """``path`` is refused by verify-and-restore with ``match`` in the
    message, by the service and by the command, and nothing changes."""
    before = database_digest(milliseconds=MONGODB)
    with pytest.raises(BackupError, match=match):
        backup_restore(path, replace=True)
    with pytest.raises(CommandError, match=match):
        call_command("restore", str(path), "--replace", "--no-input", verbosity=0)
    assert database_digest(milliseconds=MONGODB) == before


@pytest.fixture
def archive(helpdesk_data, tmp_path) -> Path:
    return backup_create(output=tmp_path / "good.tar", compress=False).path


def test_a_data_line_that_is_not_json_is_refused(archive, tmp_path):
    def change(directory, manifest):
        _edit_rows(directory, "tickets.ticket", lambda row: "{not json")

    bad = repack(archive, tmp_path / "bad.tar", change)
    _refused(bad, r"tickets\.ticket.*line 1.*not valid JSON")


@pytest.mark.parametrize(
    "edit, match",
    [
        (lambda row: json.dumps({"model": row["model"]}), "malformed"),
        (
            lambda row: json.dumps({**row, "fields": {**row["fields"], "zzz": 1}}),
            "zzz",
        ),
        (
            lambda row: json.dumps(
                {**row, "fields": {**row["fields"], "created_at": "yesterday"}}
            ),
            "created_at",
        ),
        (lambda row: json.dumps([row]), "malformed"),
    ],
    ids=["no fields", "unknown field", "invalid value", "not an object"],
)
def test_a_malformed_row_is_refused_naming_the_model(archive, tmp_path, edit, match):
    def change(directory, manifest):
        _edit_rows(directory, "tickets.ticket", edit)

    bad = repack(archive, tmp_path / "bad.tar", change)
    _refused(bad, f"tickets\\.ticket.*{match}")


@pytest.mark.parametrize(
    "change",
    [
        lambda d, m: m["models"]["tickets.ticket"].pop("file"),
        lambda d, m: m["models"]["tickets.ticket"].update(rows="two"),
        lambda d, m: m["models"].update({"tickets.ticket": ["data"]}),
        lambda d, m: m.update(models=["tickets.ticket"]),
        lambda d, m: m["models"]["tickets.ticket"].update(file="/etc/hostname"),
        lambda d, m: m["models"]["tickets.ticket"].update(file="manifest.json"),
        lambda d, m: m.pop("created_at"),
        lambda d, m: m.update(migrations={"tickets": "0001"}),
    ],
    ids=[
        "no file",
        "rows not a number",
        "entry not an object",
        "models a list",
        "file outside the archive",
        "file not a data member",
        "no time",
        "migrations malformed",
    ],
)
def test_a_malformed_manifest_is_refused_as_corrupt(archive, tmp_path, change):
    bad = repack(archive, tmp_path / "bad.tar", change)
    with pytest.raises(ArchiveCorrupt, match="manifest"):
        backup_verify(bad)
    _refused(bad, "manifest")


def test_backup_to_a_folder_that_does_not_exist_says_so(helpdesk_data, tmp_path):
    output = tmp_path / "no" / "such" / "folder" / "x.tar.gz"
    with pytest.raises(CommandError, match="Cannot write"):
        call_command("backup", "--output", str(output), verbosity=0)
    assert not output.parent.exists()


def test_restore_of_an_unreadable_path_says_so(helpdesk_data, tmp_path):
    with pytest.raises(CommandError, match="No archive"):
        call_command("restore", str(tmp_path), "--no-input", verbosity=0)


def test_a_full_disk_during_restore_says_so_and_changes_nothing(archive, monkeypatch):
    from helpdesk.backup import service

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device", "data/tickets.ticket.jsonl")

    monkeypatch.setattr(service, "archive_extract", full)
    _refused(archive, "No space left on device")


def test_a_passphrase_file_that_is_not_text_says_so(archive, tmp_path):
    secret = tmp_path / "secret"
    secret.write_bytes(b"\xff\xfe\x00binary")
    for command in (["backup", "--verify", str(archive)], ["restore", str(archive)]):
        with pytest.raises(CommandError, match="passphrase"):
            call_command(*command, "--passphrase-file", str(secret), verbosity=0)


@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="only SQLite stores text not UTF-8"
)
def test_a_row_the_database_cannot_read_is_named(helpdesk_data, tmp_path):
    """Text written into SQLite by another tool as bytes that are not UTF-8
    cannot be read back: the backup names the model and where it stopped."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE tickets_ticket SET subject = CAST(x'ff41' AS TEXT) WHERE id = %s",
            [helpdesk_data.second.pk],
        )
    output = tmp_path / "x.tar.gz"
    with pytest.raises(CommandError, match=r"read a tickets\.ticket row.*UTF-8"):
        call_command("backup", "--output", str(output), verbosity=0)
    assert not output.exists()
    assert not output.with_name(output.name + ".partial").exists()
