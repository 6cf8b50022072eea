"""The Backups page of the admin: who may open it, the list, "Back up now",
downloads (logged) and the restore hint.

``backup_calls`` (conftest.py) records the calls of the real
``backup_create``."""

import logging

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from helpdesk.backup import store
from helpdesk.backup.tests.conftest import NOT_ARCHIVE_NAMES

pytestmark = pytest.mark.django_db

INDEX = "/admin/backups/"
NOW = "/admin/backups/new/"


def download_url(name: str) -> str:
    return reverse("admin:backup_download", args=[name])


@pytest.fixture
def archive(store_archive):
    return store_archive(
        encrypted=True,
        verified=False,
        engine="postgresql",
        counts={"tickets.ticket": 50, "tickets.message": 150},
    )


@pytest.fixture
def admin_client(login):
    return login(UserFactory(admin=True, email="ada@example.com"))


def test_urls():
    assert reverse("admin:backups") == INDEX
    assert reverse("admin:backup_now") == NOW


# --- Who may ---------------------------------------------------------------------


def refused_everywhere(client, archive, *, to: str) -> None:
    for method, url in (
        ("get", INDEX),
        ("post", NOW),
        ("get", download_url(archive.name)),
    ):
        response = getattr(client, method)(url)
        assert response.status_code == 302, (method, url)
        assert response["Location"].startswith(to), (method, url)
    assert store.job_list() == []
    assert store.archive_get(archive.name).downloads == []


def test_anonymous_is_sent_to_sign_in(client, archive, backup_calls):
    refused_everywhere(client, archive, to="/admin/login/")
    assert (
        client.get(INDEX, follow=True)
        .redirect_chain[-1][0]
        .startswith(reverse("accounts:login"))
    )
    assert backup_calls == []


@pytest.mark.parametrize("role", ["customer", "agent"])
def test_customers_and_agents_are_turned_away(login, role, archive, backup_calls):
    client = login(UserFactory(agent=role == "agent"))
    refused_everywhere(client, archive, to="/admin/login/")
    followed = client.get(INDEX, follow=True).content.decode()
    assert "The administration is for admins only." in followed
    assert archive.name not in followed
    assert backup_calls == []


@pytest.mark.parametrize("required", [True, False])
def test_an_admin_without_a_verified_second_factor_is_sent_to_set_it_up(
    client, archive, backup_calls, settings, required
):
    """Whether or not their role must enrol (then the sign-in middleware
    sends them on at once), the admin site wants a verified session."""
    if not required:
        settings.MFA_REQUIRED_ROLES = []
    client.force_login(UserFactory(admin=True))  # password only
    refused_everywhere(
        client, archive, to=reverse("accounts:mfa") if required else "/admin/login/"
    )
    followed = client.get(INDEX, follow=True)
    assert followed.redirect_chain[-1][0] == reverse("accounts:mfa")
    assert backup_calls == []


# --- The page ----------------------------------------------------------------------


def test_the_index_links_to_backups(admin_client):
    page = admin_client.get("/admin/").content.decode()
    assert f'href="{INDEX}"' in page
    assert ">Backups<" in page
    # the side menu of any admin page too
    changelist = admin_client.get("/admin/tickets/ticket/").content.decode()
    assert f'href="{INDEX}"' in changelist


def test_an_empty_list_says_how_to_start(admin_client, settings):
    settings.BACKUP_SCHEDULE_HOURS = 24
    settings.BACKUP_KEEP = 7
    response = admin_client.get(INDEX)
    assert response.status_code == 200
    page = response.content.decode()
    assert "No backups yet." in page
    assert 'value="Back up now"' in page
    assert "A backup is made every 24 hours" in page
    assert "the newest 7 are kept" in page
    assert "manage.py restore &lt;archive&gt;" in page
    assert "Restore" not in page.replace("Restoring", "")  # a hint, no button


def test_the_list_shows_each_archive(admin_client, archive):
    page = admin_client.get(INDEX).content.decode()
    assert "No backups yet." not in page
    assert "2026-01-30 02:00:00" in page
    assert "2.7\xa0KB" in page  # 2,800 bytes
    assert "postgresql" in page
    assert "0.1.0" in page
    assert "200 rows" in page
    assert "<code>tickets.message</code>: 150" in page
    assert "Not verified" in page
    assert "<td>Yes</td>" in page  # encrypted
    assert f'href="{download_url(archive.name)}"' in page


def test_back_up_now_queues_a_job_that_makes_an_archive(
    admin_client, backup_calls, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = admin_client.post(NOW, follow=True)
    assert len(callbacks) == 1
    assert response.redirect_chain == [(INDEX, 302)]
    page = response.content.decode()
    assert "Backup queued…" in page
    [job] = store.job_list()
    assert job["requested_by"] == "ada@example.com"
    assert job["status"] == "done"  # eager tasks: it ran at once
    [entry] = store.archive_list()
    assert entry.name == job["archive"]

    page = admin_client.get(INDEX).content.decode()
    assert f'href="{download_url(entry.name)}"' in page
    assert "Done" in page


def test_a_failed_job_shows_why(
    admin_client, monkeypatch, django_capture_on_commit_callbacks
):
    from helpdesk.backup import service
    from helpdesk.backup.errors import BackupError

    def refuse(**options):
        raise BackupError("The backup storage is full.")

    monkeypatch.setattr(service, "backup_create", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(NOW)
    page = admin_client.get(INDEX).content.decode()
    assert "Failed" in page
    assert "The backup storage is full." in page
    assert "No backups yet." in page


def test_back_up_now_is_a_post(admin_client, backup_calls):
    assert admin_client.get(NOW).status_code == 405
    assert store.job_list() == []


def test_a_download_streams_the_archive_and_is_logged(admin_client, archive, caplog):
    caplog.set_level(logging.INFO, logger="helpdesk.backup")
    response = admin_client.get(download_url(archive.name), REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{archive.name}"'
    assert response["Content-Type"] == "application/octet-stream"
    assert b"".join(response.streaming_content) == b"archive bytes " * 200

    [download] = store.archive_get(archive.name).downloads
    assert (download["user"], download["ip"], download["via"]) == (
        "ada@example.com",
        "203.0.113.9",
        "admin",
    )
    assert any(
        archive.name in record.getMessage() and "via admin" in record.getMessage()
        for record in caplog.records
    )
    assert "<td>1</td>" in admin_client.get(INDEX).content.decode()


@pytest.mark.parametrize("name", NOT_ARCHIVE_NAMES)
def test_unknown_or_malformed_names_are_404(admin_client, archive, tmp_path, name):
    (tmp_path / "secret.tar").write_bytes(b"not yours")
    response = admin_client.get(f"/admin/backups/{name}/download/")
    assert response.status_code == 404
    assert b"not yours" not in response.content
    assert store.archive_get(archive.name).downloads == []
