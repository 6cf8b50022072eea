"""The indexes and unique constraints the models declare exist in the
database, on each of the three (the MongoDB backend builds them from its own
migration set)."""

import pytest
from django.apps import apps
from django.db import connection
from django.db.models import UniqueConstraint

pytestmark = pytest.mark.django_db

OUR_APPS = {"accounts", "organizations", "tickets", "notifications", "integrations"}


def _declared(model) -> tuple[set[str], set[tuple[str, ...]]]:
    """Names of declared indexes and unique constraints, and the columns of
    each field-level unique or indexed column."""
    meta = model._meta
    names = {index.name for index in meta.indexes}
    names |= {c.name for c in meta.constraints if isinstance(c, UniqueConstraint)}
    columns = {
        (field.column,)
        for field in meta.local_fields
        if (field.unique or field.db_index) and not field.primary_key
    }
    return names, columns


def test_every_declared_index_and_unique_constraint_exists():
    models = [m for m in apps.get_models() if m._meta.app_label in OUR_APPS]
    assert len(models) > 20
    missing = []
    with connection.cursor() as cursor:
        for model in models:
            names, columns = _declared(model)
            found = connection.introspection.get_constraints(
                cursor, model._meta.db_table
            )
            missing += [f"{model._meta.label} {name}" for name in names - found.keys()]
            indexed = {
                tuple(details["columns"])
                for details in found.values()
                if details["index"] or details["unique"]
            }
            missing += [
                f"{model._meta.label} {column}"
                for column in columns
                if column not in indexed
            ]
    assert missing == []


def test_unique_fields_are_unique_indexes():
    """``Ticket.number`` and ``User.email`` are refused twice by the database
    itself, not only by the code."""
    from accounts.models import User
    from tickets.models import Ticket

    with connection.cursor() as cursor:
        for model, column in ((Ticket, "number"), (User, "email")):
            found = connection.introspection.get_constraints(
                cursor, model._meta.db_table
            )
            assert any(
                details["unique"] and details["columns"] == [column]
                for details in found.values()
            ), f"{model._meta.label}.{column}"
