"""The nightly database housekeeping, on whichever database runs the tests."""

import logging

import pytest
from django.db import connection

from helpdesk.tasks import optimize_database

pytestmark = pytest.mark.django_db


def test_nightly_housekeeping_knows_every_supported_database(caplog):
    """SQLite, PostgreSQL and MongoDB are all supported: none of them may
    leave a nightly "unknown engine" warning in the log."""
    with caplog.at_level(logging.WARNING, logger="helpdesk.maintenance"):
        result = optimize_database()

    assert result.startswith(f"{connection.vendor}: ")
    assert "skipped" not in result
    assert caplog.records == []
