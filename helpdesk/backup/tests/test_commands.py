"""``manage.py backup`` (with ``--output`` and ``--verify``) and
``manage.py restore`` as an operator runs them."""

import pytest
from django.core.management import CommandError, call_command

from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_backup_to_a_file_then_verify_it(helpdesk_data, tmp_path, capsys):
    call_command("backup", output=str(tmp_path / "ops.tar.gz"))
    said = capsys.readouterr().out
    assert "tickets.ticket: 2 rows" in said
    assert f"Backup written and verified: {tmp_path / 'ops.tar.gz'}" in said

    call_command("backup", verify=str(tmp_path / "ops.tar.gz"))
    said = capsys.readouterr().out
    assert "intact" in said and "2 files" in said


def test_backup_into_a_folder_names_the_archive_by_time(helpdesk_data, tmp_path):
    call_command("backup", output=str(tmp_path), no_compress=True, verbosity=0)
    [archive] = tmp_path.glob("helpdesk-backup-*")
    assert archive.name.endswith(".tar")


def test_verify_of_a_damaged_archive_fails_with_the_reason(helpdesk_data, tmp_path):
    call_command("backup", output=str(tmp_path / "ops.tar.gz"), verbosity=0)
    data = bytearray((tmp_path / "ops.tar.gz").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (tmp_path / "ops.tar.gz").write_bytes(bytes(data))
    with pytest.raises(CommandError):
        call_command("backup", verify=str(tmp_path / "ops.tar.gz"))


def test_passphrase_from_a_file(helpdesk_data, tmp_path):
    (tmp_path / "pass").write_text("s3cret words\n")
    call_command(
        "backup",
        output=str(tmp_path / "ops.tar.gz.enc"),
        passphrase_file=str(tmp_path / "pass"),
        verbosity=0,
    )
    with pytest.raises(CommandError, match=r"(?i)passphrase"):
        call_command("backup", verify=str(tmp_path / "ops.tar.gz.enc"))
    call_command(
        "backup",
        verify=str(tmp_path / "ops.tar.gz.enc"),
        passphrase_file=str(tmp_path / "pass"),
    )


def test_restore_asks_before_replacing_and_a_no_changes_nothing(
    helpdesk_data, tmp_path, monkeypatch
):
    call_command("backup", output=str(tmp_path / "ops.tar.gz"), verbosity=0)
    Ticket.objects.filter(pk=helpdesk_data.first.pk).update(subject="Renamed since")
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError, match="cancelled"):
        call_command("restore", str(tmp_path / "ops.tar.gz"), replace=True)
    assert Ticket.objects.get(pk=helpdesk_data.first.pk).subject == "Renamed since"

    monkeypatch.setattr("builtins.input", lambda prompt: "replace")
    call_command("restore", str(tmp_path / "ops.tar.gz"), replace=True, verbosity=0)
    assert Ticket.objects.get(pk=helpdesk_data.first.pk).subject == "Printer on fire"


def test_restore_into_a_database_with_data_says_how_to_go_on(helpdesk_data, tmp_path):
    call_command("backup", output=str(tmp_path / "ops.tar.gz"), verbosity=0)
    with pytest.raises(CommandError, match="--replace"):
        call_command("restore", str(tmp_path / "ops.tar.gz"))
