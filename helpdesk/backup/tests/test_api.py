"""Backups in the API: list, create (202 and a job to poll), poll, download;
admins with a proven second factor only.

``backup_calls`` (conftest.py) records the calls of the real
``backup_create``."""

import logging

import pytest

from accounts.tests.factories import UserFactory
from helpdesk.backup import store
from helpdesk.backup.tests.conftest import NOT_ARCHIVE_NAMES

pytestmark = pytest.mark.django_db


@pytest.fixture
def archive(store_archive):
    return store_archive(
        encrypted=False,
        verified=True,
        engine="sqlite",
        counts={"tickets.ticket": 2, "tickets.message": 6},
    )


@pytest.fixture
def admin_api(api_as):
    return api_as(UserFactory(admin=True, email="ada@example.com"))


@pytest.fixture
def job():
    return store.job_create(requested_by=UserFactory(admin=True))


def calls(archive, job) -> list[tuple[str, str]]:
    return [
        ("get", "/backups"),
        ("post", "/backups"),
        ("get", f"/backups/jobs/{job['id']}"),
        ("get", f"/backups/{archive.name}/download"),
    ]


def nothing_happened(archive, job, backup_calls) -> None:
    assert backup_calls == []
    assert [item["id"] for item in store.job_list()] == [job["id"]]
    assert store.archive_get(archive.name).downloads == []


# --- Who may ---------------------------------------------------------------------


def test_anonymous_callers_are_401(client, archive, job, backup_calls):
    for method, path in calls(archive, job):
        response = getattr(client, method)(f"/api/v1{path}")
        assert response.status_code == 401, path
        assert response.json()["code"] == "not_authenticated"
    nothing_happened(archive, job, backup_calls)


@pytest.mark.parametrize("role", ["customer", "agent"])
def test_customers_and_agents_are_403(api_as, role, archive, job, backup_calls):
    api = api_as(UserFactory(agent=role == "agent"))
    for method, path in calls(archive, job):
        response = getattr(api, method)(path)
        assert response.status_code == 403, path
        assert response.json()["code"] == "admins_only"
    nothing_happened(archive, job, backup_calls)


def test_an_admin_key_made_without_a_second_factor_is_403(
    api_as, archive, job, backup_calls
):
    api = api_as(UserFactory(admin=True))
    api.key.second_factor = False
    api.key.save(update_fields=["second_factor"])
    for method, path in calls(archive, job):
        response = getattr(api, method)(path)
        assert response.status_code == 403, path
        assert response.json()["code"] == "second_factor_required"
    nothing_happened(archive, job, backup_calls)


def test_an_admin_session_without_a_second_factor_is_refused(
    client, settings, archive, job, backup_calls
):
    client.force_login(UserFactory(admin=True))  # password only
    for method, path in calls(archive, job):
        # the role must enrol: the unverified session does not count at all
        response = getattr(client, method)(f"/api/v1{path}")
        assert response.status_code == 401, path
    settings.MFA_REQUIRED_ROLES = []
    for method, path in calls(archive, job):
        # nobody must enrol: a signed-in session, yet no proven second factor
        response = getattr(client, method)(f"/api/v1{path}")
        assert response.status_code == 403, path
        assert response.json()["code"] == "second_factor_required"
    nothing_happened(archive, job, backup_calls)


def test_a_verified_admin_session_may(client, verify, archive):
    admin = UserFactory(admin=True)
    client.force_login(admin)
    verify(client, admin)
    assert client.get("/api/v1/backups").status_code == 200
    download = client.get(f"/api/v1/backups/{archive.name}/download")
    assert download.status_code == 200
    assert store.archive_get(archive.name).downloads[0]["via"] == "api"


def test_a_read_only_key_cannot_start_a_backup(api_as, backup_calls):
    api = api_as(UserFactory(admin=True), scopes=("read",))
    response = api.post("/backups")
    assert response.status_code == 403
    assert response.json()["code"] == "scope_missing"
    assert backup_calls == []
    assert store.job_list() == []


# --- What it does ------------------------------------------------------------------


def test_the_list_shows_each_archive(admin_api, archive):
    response = admin_api.get("/backups")
    assert response.status_code == 200
    [listed] = response.json()
    assert listed["name"] == archive.name
    assert listed["created_at"].startswith("2026-01-30T02:00:00")
    assert listed["size"] == 2800
    assert listed["engine"] == "sqlite"
    assert listed["product_version"] == "0.1.0"
    assert listed["counts"] == {"tickets.ticket": 2, "tickets.message": 6}
    assert listed["total_rows"] == 8
    assert listed["encrypted"] is False
    assert listed["compressed"] is True
    assert listed["verified_at"] is not None
    assert listed["downloads"] == []


def test_an_empty_storage_lists_nothing(admin_api):
    response = admin_api.get("/backups")
    assert (response.status_code, response.json()) == (200, [])


def test_creating_answers_202_with_a_job_to_poll(
    admin_api, backup_calls, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = admin_api.post("/backups")
    assert len(callbacks) == 1
    assert response.status_code == 202
    job = response.json()
    assert set(job) == {"id", "status", "archive", "error", "created_at", "finished_at"}
    assert job["status"] == "queued"
    assert response["Location"] == f"http://testserver/api/v1/backups/jobs/{job['id']}"

    polled = admin_api.get(f"/backups/jobs/{job['id']}")
    assert polled.status_code == 200
    done = polled.json()
    assert done["status"] == "done"  # eager tasks: it ran at once
    assert done["finished_at"] is not None
    [listed] = admin_api.get("/backups").json()
    assert listed["name"] == done["archive"]
    assert len(backup_calls) == 1


def test_a_failed_job_says_why(
    admin_api, monkeypatch, django_capture_on_commit_callbacks
):
    from helpdesk.backup import service
    from helpdesk.backup.errors import BackupError

    def refuse(**options):
        raise BackupError("The backup storage is full.")

    monkeypatch.setattr(service, "backup_create", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        job = admin_api.post("/backups").json()
    failed = admin_api.get(f"/backups/jobs/{job['id']}").json()
    assert failed["status"] == "failed"
    assert failed["error"] == "The backup storage is full."
    assert failed["archive"] is None


def test_a_download_streams_the_archive_and_is_logged(admin_api, archive, caplog):
    caplog.set_level(logging.INFO, logger="helpdesk.backup")
    response = admin_api.get(f"/backups/{archive.name}/download")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == f'attachment; filename="{archive.name}"'
    assert b"".join(response.streaming_content) == b"archive bytes " * 200
    [download] = store.archive_get(archive.name).downloads
    assert (download["user"], download["via"]) == ("ada@example.com", "api")
    assert any(
        "ada@example.com" in record.getMessage() and "via api" in record.getMessage()
        for record in caplog.records
    )
    listed = admin_api.get("/backups").json()[0]["downloads"]
    assert [(item["user"], item["via"]) for item in listed] == [
        ("ada@example.com", "api")
    ]


@pytest.mark.parametrize("name", NOT_ARCHIVE_NAMES)
def test_unknown_or_malformed_names_are_404(admin_api, archive, tmp_path, name):
    (tmp_path / "secret.tar").write_bytes(b"not yours")
    response = admin_api.get(f"/backups/{name}/download")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert store.archive_get(archive.name).downloads == []


@pytest.mark.parametrize("job_id", ["0" * 32, "nothing", "..", "..%2Fjobs%2Fx"])
def test_unknown_or_malformed_jobs_are_404(admin_api, job, job_id):
    response = admin_api.get(f"/backups/jobs/{job_id}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
