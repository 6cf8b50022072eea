"""Archives in the backup storage: names, summaries, listing, keep-N, the
download record and jobs (helpdesk.backup.store)."""

import json
import logging
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from helpdesk.backup import store
from helpdesk.backup.errors import BackupError, BackupNotFound

pytestmark = pytest.mark.django_db

MANIFEST = {
    "engine": "sqlite",
    "product_version": "0.1.0",
    "counts": {"accounts.user": 3, "tickets.ticket": 12, "tickets.message": 30},
}


def saved(tmp_path, when: datetime, *, body=b"archive bytes", verified=True, **flags):
    flags = {"compressed": True, "encrypted": False, **flags}
    name = store.archive_name(when, **flags)
    local = tmp_path / "local" / name
    local.parent.mkdir(exist_ok=True)
    local.write_bytes(body)
    return store.archive_save(local, name=name, manifest=MANIFEST, verified=verified)


def at(day: int, hour: int = 2) -> datetime:
    return datetime(2026, 1, day, hour, 0, 0, 123456, tzinfo=UTC)


def test_names_carry_the_utc_time_and_the_layers():
    paris = datetime(2026, 1, 30, 3, 4, 5, 678901, tzinfo=ZoneInfo("Europe/Paris"))
    assert (
        store.archive_name(paris, compressed=True, encrypted=True)
        == "helpdesk-backup-20260130T020405678901Z.tar.gz.enc"
    )
    assert (
        store.archive_name(paris, compressed=False, encrypted=False)
        == "helpdesk-backup-20260130T020405678901Z.tar"
    )


def test_a_saved_archive_is_listed_with_its_summary(tmp_path, backup_dir):
    entry = saved(tmp_path, at(5), body=b"x" * 5000, encrypted=True)

    assert (backup_dir / entry.name).read_bytes() == b"x" * 5000
    summary = json.loads((backup_dir / f"{entry.name}.json").read_text())
    assert summary["counts"] == MANIFEST["counts"]
    [listed] = store.archive_list()
    assert listed == store.archive_get(entry.name) == entry
    assert listed.created_at == at(5)
    assert (listed.size, listed.engine, listed.product_version) == (
        5000,
        "sqlite",
        "0.1.0",
    )
    assert listed.total_rows == 45
    assert listed.encrypted and listed.compressed
    assert listed.verified_at is not None
    assert listed.downloads == []
    with store.archive_open(entry.name) as handle:
        assert handle.read() == b"x" * 5000


def test_an_unverified_archive_says_so(tmp_path):
    entry = saved(tmp_path, at(5), verified=False, compressed=False)
    assert store.archive_get(entry.name).verified_at is None
    assert not store.archive_get(entry.name).compressed


def test_a_name_is_never_overwritten(tmp_path):
    first = saved(tmp_path, at(5), body=b"first")
    with pytest.raises(BackupError, match="exists already"):
        saved(tmp_path, at(5), body=b"second")
    with store.archive_open(first.name) as handle:
        assert handle.read() == b"first"


def test_only_names_the_store_makes_are_saved(tmp_path):
    local = tmp_path / "x.tar"
    local.write_bytes(b"x")
    for name in ("../x.tar", "x.tar", "helpdesk-backup-../../x.tar"):
        with pytest.raises(BackupNotFound):
            store.archive_save(local, name=name, manifest=MANIFEST, verified=True)


def test_the_list_is_newest_first_and_skips_what_is_not_an_archive(
    tmp_path, backup_dir
):
    names = [saved(tmp_path, at(day)).name for day in (3, 9, 5)]
    (backup_dir / "notes.txt").write_text("hello")
    (backup_dir / "helpdesk-backup-20260101T000000000000Z.tar").write_bytes(b"x")
    broken = saved(tmp_path, at(7)).name
    (backup_dir / f"{broken}.json").write_text("{not json")

    assert [entry.name for entry in store.archive_list()] == [
        names[1],
        names[2],
        names[0],
    ]


def test_an_empty_or_missing_storage_lists_nothing(backup_dir):
    assert not backup_dir.exists()
    assert store.archive_list() == []
    assert store.archive_prune(3) == []
    assert store.job_list() == []


@pytest.mark.parametrize(
    "name",
    [
        "../secret.tar",
        "..",
        "/etc/passwd",
        "helpdesk-backup-20260101T000000000000Z.tar/../../secret.tar",
        "helpdesk-backup-20260101T000000000000Z.tar.json",
        "helpdesk-backup-20260101T000000000000Z.tar\x00",
        "helpdesk-backup-20260101T000000000000Z.tar",  # well formed, not there
        "",
    ],
)
def test_unknown_or_malformed_names_are_not_found(name, tmp_path, backup_dir):
    (tmp_path / "secret.tar").write_bytes(b"not yours")
    saved(tmp_path, at(1))
    admin = UserFactory(admin=True)
    with pytest.raises(BackupNotFound):
        store.archive_get(name)
    with pytest.raises(BackupNotFound):
        store.archive_open(name)
    with pytest.raises(BackupNotFound):
        store.archive_file_response(name)
    with pytest.raises(BackupNotFound):
        store.download_record(name, user=admin, ip="203.0.113.5", via="api")


def test_keep_n_removes_the_oldest_with_their_summaries(tmp_path, backup_dir):
    names = [saved(tmp_path, at(day)).name for day in (4, 1, 3, 5, 2)]
    (backup_dir / "notes.txt").write_text("not an archive")

    removed = store.archive_prune(3)

    assert removed == [names[1], names[4]]  # days 1 and 2
    assert [entry.name for entry in store.archive_list()] == [
        names[3],
        names[0],
        names[2],
    ]
    for name in removed:
        assert not (backup_dir / name).exists()
        assert not (backup_dir / f"{name}.json").exists()
    assert (backup_dir / "notes.txt").exists()
    assert store.archive_prune(3) == []


def test_keep_below_one_keeps_the_newest(tmp_path):
    names = [saved(tmp_path, at(day)).name for day in (1, 2)]
    assert store.archive_prune(0) == [names[0]]
    assert [entry.name for entry in store.archive_list()] == [names[1]]


def test_a_download_is_logged_and_counted(tmp_path, caplog):
    entry = saved(tmp_path, at(5))
    admin = UserFactory(admin=True, email="ada@example.com")
    caplog.set_level(logging.INFO, logger="helpdesk.backup")

    store.download_record(entry.name, user=admin, ip="203.0.113.5", via="admin")
    store.download_record(entry.name, user=admin, ip="198.51.100.7", via="api")

    downloads = store.archive_get(entry.name).downloads
    assert [(d["user"], d["ip"], d["via"]) for d in downloads] == [
        ("ada@example.com", "203.0.113.5", "admin"),
        ("ada@example.com", "198.51.100.7", "api"),
    ]
    assert downloads[0]["user_id"] == str(admin.pk)
    logged = [r.getMessage() for r in caplog.records if r.name == "helpdesk.backup"]
    assert any(
        entry.name in line and "ada@example.com" in line and "via admin" in line
        for line in logged
    )
    assert any("198.51.100.7" in line and "via api" in line for line in logged)


# --- Jobs -----------------------------------------------------------------------


def test_a_job_is_created_queued_and_found_again():
    admin = UserFactory(admin=True, email="ada@example.com")
    job = store.job_create(requested_by=admin)
    assert job["status"] == "queued"
    assert (job["archive"], job["error"], job["finished_at"]) == (None, "", None)
    assert job["requested_by"] == "ada@example.com"
    assert store.job_get(job["id"]) == job


def test_a_finished_job_gets_its_end_time():
    job = store.job_create(requested_by=UserFactory(admin=True))
    running = store.job_update(job["id"], status="running")
    assert running["finished_at"] is None
    done = store.job_update(job["id"], status="done", archive="a-name")
    assert done["finished_at"] is not None
    assert store.job_get(job["id"])["archive"] == "a-name"


def test_jobs_refuse_unknown_fields_and_statuses():
    job = store.job_create(requested_by=UserFactory(admin=True))
    with pytest.raises(ValueError, match="no field"):
        store.job_update(job["id"], requested_by="mallory@example.com")
    with pytest.raises(ValueError, match="status"):
        store.job_update(job["id"], status="exploded")
    assert store.job_get(job["id"]) == job


@pytest.mark.parametrize(
    "job_id", ["", "../jobs/x", "0" * 31, "0" * 32, "Z" * 32, "0" * 32 + "/x"]
)
def test_unknown_or_malformed_jobs_are_not_found(job_id):
    store.job_create(requested_by=UserFactory(admin=True))
    with pytest.raises(BackupNotFound):
        store.job_get(job_id)
    with pytest.raises(BackupNotFound):
        store.job_update(job_id, status="done")


def test_jobs_list_newest_first_and_old_finished_ones_go(monkeypatch):
    admin = UserFactory(admin=True)
    long_ago = timezone.now() - timedelta(days=30)
    with monkeypatch.context() as patch:
        patch.setattr(store.timezone, "now", lambda: long_ago)
        old = store.job_create(requested_by=admin)
        store.job_update(old["id"], status="done")
        stuck = store.job_create(requested_by=admin)  # never finished: kept

    first = store.job_create(requested_by=admin)
    second = store.job_create(requested_by=admin)

    ids = [job["id"] for job in store.job_list(limit=None)]
    assert old["id"] not in ids
    assert set(ids) == {first["id"], second["id"], stuck["id"]}
    assert ids[-1] == stuck["id"]
    assert len(store.job_list(limit=2)) == 2
