"""The Backups page of the admin, as an admin sees it (issue 17): the empty
state, "Back up now" (the job runs at once here: tasks are eager), the
archive in the list with its per-model counts, a download, and the restore
hint instead of a button. Each step is photographed.

The admin signs in as a real one does (password, then an authenticator
code): the admin site needs a session that passed the second factor.
The backup is the real one, of this test's database and files.
"""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from helpdesk.backup import store

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.mfa]


def test_an_admin_backs_up_and_downloads(admin_page, shot, settings):
    settings.BACKUP_SCHEDULE_HOURS = 24
    settings.BACKUP_KEEP = 7
    page = admin_page

    page.goto("/admin/")
    link = page.locator("#content-main").get_by_role("link", name="Backups")
    expect(link).to_be_visible()
    shot(page, "admin-index-with-backups")
    link.click()

    expect(page.get_by_role("heading", name="Backups")).to_be_visible()
    expect(page.get_by_text("No backups yet.")).to_be_visible()
    expect(page.get_by_text("manage.py restore <archive>")).to_be_visible()
    expect(page.get_by_role("button", name="Restore")).to_have_count(0)
    shot(page, "backups-empty")

    page.get_by_role("button", name="Back up now").click()
    expect(page.get_by_text("Backup queued…")).to_be_visible()
    [entry] = store.archive_list()
    archives = page.locator(".backups-list table")
    expect(archives).to_contain_text(entry.created_at.strftime("%Y-%m-%d %H:%M:%S"))
    expect(archives).to_contain_text(entry.verified_at.strftime("%Y-%m-%d %H:%M"))
    expect(page.locator(".backups-jobs")).to_contain_text("Done")
    page.locator(".backup-counts summary").click()
    expect(page.get_by_text("accounts.user")).to_be_visible()
    shot(page, "backups-one-archive")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download").click()
    download = download_info.value
    assert download.suggested_filename == entry.name
    with store.archive_open(entry.name) as handle:
        assert Path(download.path()).read_bytes() == handle.read()
    assert store.archive_get(entry.name).downloads[0]["via"] == "admin"
    assert page.errors == []
