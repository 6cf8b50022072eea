"""Damaged, foreign and too-new archives are refused with a clear message,
before anything in the database or the file storage changes."""

import io
import json
import tarfile

import pytest
from django.db import connection

from helpdesk.backup.archive import ArchiveWriter
from helpdesk.backup.compare import database_digest, files_digest
from helpdesk.backup.errors import (
    ArchiveCorrupt,
    BackupError,
    IncompatibleArchive,
    WrongPassphrase,
)
from helpdesk.backup.service import backup_create, backup_restore

pytestmark = pytest.mark.django_db
MONGODB = connection.vendor == "mongodb"


@pytest.fixture
def untouched(helpdesk_data):
    """Assert, after the test, that the database and files are as before."""
    rows, files = database_digest(milliseconds=MONGODB), files_digest()
    yield
    assert database_digest(milliseconds=MONGODB) == rows
    assert files_digest() == files


def _plain_archive(tmp_path):
    return backup_create(output=tmp_path / "plain.tar", compress=False, passphrase="")


def _rewrite(source, target, *, manifest_change=None, member_change=None):
    """Copy an uncompressed archive member by member, passing the manifest
    through ``manifest_change`` and each member's bytes through
    ``member_change(name, data)``, with the checksums of what is written (so
    only the intended fault remains)."""
    with tarfile.open(source, "r:") as tar, open(target, "wb") as raw:
        members = tar.getmembers()
        manifest = json.loads(tar.extractfile("manifest.json").read())
        writer = ArchiveWriter(raw, compress=False)
        for member in members:
            if member.name == "manifest.json":
                continue
            data = tar.extractfile(member).read()
            if member_change:
                data = member_change(member.name, data)
            writer.add_stream(member.name, io.BytesIO(data), len(data))
        manifest.pop("files", None)
        if manifest_change:
            manifest_change(manifest)
        writer.close(manifest)
    return target


@pytest.mark.parametrize("where", [0.1, 0.5, 0.9])
@pytest.mark.parametrize("kind", ["plain", "gzip", "encrypted"])
def test_a_changed_byte_is_refused(untouched, tmp_path, kind, where):
    result = backup_create(
        output=tmp_path / "archive",
        compress=kind != "plain",
        passphrase="correct horse" if kind == "encrypted" else "",
    )
    data = bytearray(result.path.read_bytes())
    data[int(len(data) * where)] ^= 0x01
    damaged = tmp_path / "damaged"
    damaged.write_bytes(bytes(data))
    # AES-GCM cannot tell damage in the first chunk from a wrong key: then
    # the message says "wrong passphrase, or the archive is damaged".
    expected = (
        (ArchiveCorrupt, WrongPassphrase) if kind == "encrypted" else ArchiveCorrupt
    )
    with pytest.raises(expected) as refused:
        backup_restore(damaged, replace=True, passphrase="correct horse")
    assert "damaged" in refused.value.message or "checksum" in refused.value.message


def test_a_truncated_archive_is_refused(untouched, tmp_path):
    result = backup_create(output=tmp_path / "archive.tar.gz", passphrase="")
    data = result.path.read_bytes()
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(ArchiveCorrupt, match=r"(?i)truncat|ends|incomplete"):
        backup_restore(cut, replace=True)


def test_an_archive_missing_a_file_is_refused(untouched, tmp_path):
    plain = _plain_archive(tmp_path).path
    with tarfile.open(plain, "r:") as tar:
        listed = json.loads(tar.extractfile("manifest.json").read())["files"]
        attachment = next(name for name in listed if name.startswith("files/"))
        members = [m for m in tar.getmembers() if m.name != attachment]
        out = io.BytesIO()
        with tarfile.open(fileobj=out, mode="w:") as copy:
            for member in members:
                copy.addfile(member, tar.extractfile(member))
    damaged = tmp_path / "missing.tar"
    damaged.write_bytes(out.getvalue())
    with pytest.raises(ArchiveCorrupt, match=r"missing|not in the archive|absent"):
        backup_restore(damaged, replace=True)


def test_a_wrong_or_missing_passphrase_is_refused(untouched, tmp_path):
    result = backup_create(output=tmp_path / "secret.tar.gz.enc", passphrase="right")
    with pytest.raises(WrongPassphrase):
        backup_restore(result.path, replace=True, passphrase="wrong")
    with pytest.raises(WrongPassphrase):
        backup_restore(result.path, replace=True, passphrase="")


def test_something_else_than_an_archive_is_refused(untouched, tmp_path):
    other = tmp_path / "notes.txt"
    other.write_text("not a backup\n" * 100)
    with pytest.raises(ArchiveCorrupt):
        backup_restore(other, replace=True)
    with pytest.raises(BackupError, match="No archive"):
        backup_restore(tmp_path / "nowhere.tar.gz", replace=True)


def _future_migration(manifest):
    manifest["migrations"].setdefault("tickets", []).append("9999_from_the_future")


def _future_version(manifest):
    manifest["product_version"] = "99.0.0"


def _future_field(manifest):
    manifest["models"]["tickets.ticket"]["fields"].append("mood")


def _future_model(manifest):
    manifest["models"]["tickets.mood"] = {
        "file": "data/tickets.ticket.jsonl",
        "rows": 2,
        "pk": "int",
        "fields": manifest["models"]["tickets.ticket"]["fields"],
    }


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (_future_migration, "newer schema: migration tickets.9999_from_the_future"),
        (_future_version, "helpdesk 99.0.0, newer than this installation"),
        (_future_field, "field 'mood'"),
        (_future_model, "tickets.mood"),
    ],
)
def test_an_archive_from_a_newer_schema_is_refused(untouched, tmp_path, change, said):
    plain = _plain_archive(tmp_path).path
    newer = _rewrite(plain, tmp_path / "newer.tar", manifest_change=change)
    with pytest.raises(IncompatibleArchive, match=said):
        backup_restore(newer, replace=True)


def test_rows_that_do_not_fit_together_restore_nothing(untouched, tmp_path):
    """Checksums match (the archive was written so), but a message names a
    ticket the archive does not hold: the whole restore is refused and rolled
    back, the deletions of --replace included."""
    missing = "f" * 24 if MONGODB else 10**9

    def orphan_a_message(name, data):
        if name != "data/tickets.message.jsonl":
            return data
        first, *rest = data.decode().splitlines(keepends=True)
        row = json.loads(first)
        row["fields"]["ticket"] = missing
        return "".join([json.dumps(row) + "\n", *rest]).encode()

    plain = _plain_archive(tmp_path).path
    broken = _rewrite(plain, tmp_path / "broken.tar", member_change=orphan_a_message)
    with pytest.raises(BackupError, match=r"points to a missing tickets\.ticket row"):
        backup_restore(broken, replace=True)
