"""helpdesk.db.atomic: MongoDB's transient transaction errors run the whole
decorated function again; anything else fails at once."""

import pytest
from django.db import DatabaseError, IntegrityError, connection
from pymongo.errors import OperationFailure

from helpdesk import db
from organizations.models import Organization

pytestmark = pytest.mark.django_db(transaction=True)
on_mongodb = pytest.mark.skipif(
    connection.vendor != "mongodb",
    reason="whole-transaction retries happen on MongoDB only",
)


def write_conflict() -> DatabaseError:
    """A write conflict as the MongoDB backend raises it."""
    try:
        try:
            raise OperationFailure(
                "WriteConflict",
                code=112,
                details={"errorLabels": ["TransientTransactionError"]},
            )
        except OperationFailure as error:
            raise DatabaseError from error
    except DatabaseError as wrapped:
        return wrapped


def test_a_wrapped_write_conflict_is_transient_and_a_duplicate_is_not():
    assert db.is_transient(write_conflict())
    assert not db.is_transient(IntegrityError("duplicate key"))


@on_mongodb
def test_a_write_conflict_runs_the_whole_function_again(monkeypatch):
    monkeypatch.setattr(db, "RETRY_BASE_SECONDS", 0)
    organization = Organization.objects.create(name="Acme", slug="acme")
    calls = []

    @db.atomic
    def rename(*, organization: Organization) -> None:
        calls.append(organization.name)
        organization.name = "Renamed"
        organization.save()
        Organization.objects.create(name=f"Other {len(calls)}", slug=f"o{len(calls)}")
        if len(calls) == 1:
            raise write_conflict()

    rename(organization=organization)
    assert calls == ["Acme", "Acme"]  # the argument was put back before the rerun
    assert sorted(Organization.objects.values_list("name", flat=True)) == [
        "Other 2",
        "Renamed",
    ]


@on_mongodb
def test_retries_stop_after_the_last_attempt(monkeypatch):
    monkeypatch.setattr(db, "RETRY_BASE_SECONDS", 0)
    monkeypatch.setattr(db, "RETRY_ATTEMPTS", 3)
    calls = []

    @db.atomic
    def always_conflicts() -> None:
        calls.append(1)
        raise write_conflict()

    with pytest.raises(DatabaseError):
        always_conflicts()
    assert len(calls) == 3


def test_other_errors_are_not_retried():
    calls = []

    @db.atomic
    def duplicate() -> None:
        calls.append(1)
        raise IntegrityError("duplicate key")

    with pytest.raises(IntegrityError):
        duplicate()
    assert calls == [1]
