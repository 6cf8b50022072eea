"""The target database of a restore: whether it is empty, clearing it,
its sequences, and ``auto_now`` while rows go in.

A restore goes only into an empty database unless replacing was asked
(:func:`ensure_empty`); "empty" allows the rows ``migrate`` seeds
(:data:`~helpdesk.backup.models.SEEDED`). Replacing deletes the backed-up
models' rows children first, and every session (:func:`wipe`). Rows keep
their archive's times (:func:`auto_now_off`), and PostgreSQL's sequences are
moved past the restored keys afterwards, as ``loaddata`` does
(:func:`reset_sequences`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.management.color import no_style
from django.db import connections, models

from .errors import DatabaseNotEmpty
from .models import SEEDED, backup_models, label


def rows_present(using: str) -> dict[str, int]:
    """``{label: rows}`` of the backed-up models that hold rows on ``using``,
    leaving out the rows ``migrate`` seeds (:data:`SEEDED`)."""
    present = {}
    for model in backup_models():
        if label(model) in SEEDED:
            continue
        if model._base_manager.using(using).exists():
            present[label(model)] = model._base_manager.using(using).count()
    return present


def ensure_empty(using: str) -> None:
    """Raise :class:`DatabaseNotEmpty`, naming what it holds, unless ``using``
    holds nothing but what ``migrate`` seeds."""
    present = rows_present(using)
    if present:
        shown = ", ".join(f"{k} ({v})" for k, v in list(present.items())[:3])
        raise DatabaseNotEmpty(
            f"The database is not empty: {shown}. Restore into a freshly "
            f"migrated database, or pass --replace to delete what it holds."
        )


@contextmanager
def auto_now_off(model_list: list[type[models.Model]]) -> Iterator[None]:
    """Keep the archive's times: ``auto_now`` and ``auto_now_add`` would
    stamp every restored row with the time of the restore."""
    changed = []
    for model in model_list:
        for field in model._meta.concrete_fields:
            if getattr(field, "auto_now", False) or getattr(
                field, "auto_now_add", False
            ):
                changed.append((field, field.auto_now, field.auto_now_add))
                field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in changed:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


def wipe(model_list: list[type[models.Model]], using: str) -> None:
    """Delete every row of ``model_list`` (children first) and every session."""
    from django.contrib.sessions.models import Session

    Session.objects.using(using).all().delete()
    for model in reversed(model_list):
        model._base_manager.using(using).all().delete()


def reset_sequences(model_list: list[type[models.Model]], using: str) -> None:
    """Move each auto-increment sequence past the highest restored key, as
    ``loaddata`` does (PostgreSQL; SQLite and MongoDB need nothing)."""
    connection = connections[using]
    statements = connection.ops.sequence_reset_sql(no_style(), model_list)
    if statements:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
