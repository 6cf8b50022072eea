"""The workspace's view counts, kept as tickets change.

Every service that opens a ticket or changes its department, team, assignee
or status calls :func:`ticket_counts_apply` in the same transaction, just
before it saves the ticket: the ticket's row in ``TicketCount`` goes down by
one and its new row up by one (``F()`` updates; ``$inc`` on MongoDB). The
view counts are then sums over those rows (``tickets.selectors.counts``),
flat in the number of tickets.

Writes that bypass the services (bulk loads, imports, fixes in a shell) are
put right with ``manage.py ticket_counts --rebuild``; ``--check`` compares the
kept counts with a direct count.

Two people changing the same ticket's counted fields at the very same moment
can leave a count one off (each moves the ticket from the key it loaded);
``--check`` finds that and ``--rebuild`` mends it.
"""

import uuid
from collections.abc import Iterable

from django.db import IntegrityError
from django.db.models import Case, Count, F, IntegerField, Value, When

from helpdesk.db import atomic, is_mongodb
from tickets.models import Ticket, TicketCount
from tickets.models.tickets import COUNTED_FIELDS

CountKey = tuple  # (department id, team id, assignee id, status); ids may be None

CREATE_ATTEMPTS = 5


def ticket_counts_apply(*, ticket: Ticket) -> None:
    """Move ``ticket`` from the counts of the key it was loaded with to those
    of its key now, in the caller's transaction. Call it before saving the
    change (and before inserting a new ticket); calling it twice for one
    change does nothing more.

    A ticket loaded without its counted fields has its stored key read first
    (one query).
    """
    new = ticket.counted_key
    old = getattr(ticket, "_counted_key", None)
    if old is None and not ticket._state.adding:
        old = Ticket.objects.filter(pk=ticket.pk).values_list(*COUNTED_FIELDS).first()
    if old == new:
        return
    if old is not None:
        _add(old, -1)
    _add(new, 1)
    ticket._counted_key = new


def ticket_counts_move(moves: dict[tuple[CountKey, CountKey], int]) -> None:
    """Move tickets between keys in bulk, for writes that change many
    tickets with one UPDATE (the SLA sweep's escalations): ``moves`` maps
    (old key, new key) to how many tickets moved; pairs whose keys are equal
    change nothing.

    A fixed number of queries whatever the number of keys: one read of the
    rows, one UPDATE for those that exist, one bulk insert for the new ones.
    A row that a deletion renamed, or one a concurrent writer inserted first,
    goes through :func:`_add` on its own. Runs in the caller's transaction.
    """
    deltas: dict[CountKey, int] = {}
    for (old, new), moved in moves.items():
        if old != new and moved:
            deltas[old] = deltas.get(old, 0) - moved
            deltas[new] = deltas.get(new, 0) + moved
    _apply(deltas)


def _apply(deltas: dict[CountKey, int]) -> None:
    """Add each delta to its key's row (see ``ticket_counts_move``)."""
    by_name = {_key_name(key): (key, delta) for key, delta in deltas.items() if delta}
    if not by_name:
        return
    rows = TicketCount.objects.filter(key__in=list(by_name)).values_list(
        "key", *COUNTED_FIELDS
    )
    found = {name: tuple(columns) for name, *columns in rows}
    matching = [name for name, columns in found.items() if by_name[name][0] == columns]
    if matching:
        TicketCount.objects.filter(key__in=matching).update(
            count=F("count")
            + Case(
                *[When(key=name, then=Value(by_name[name][1])) for name in matching],
                output_field=IntegerField(),
            )
        )
    renamed = [name for name in found if name not in matching]
    new = [name for name in by_name if name not in found]
    if new and not _created(
        [
            TicketCount(key=name, count=by_name[name][1], **_columns(by_name[name][0]))
            for name in new
        ]
    ):
        renamed += new
    for name in renamed:
        _add(*by_name[name])


def _columns(key: CountKey) -> dict:
    return dict(zip(COUNTED_FIELDS, key, strict=True))


def _created(rows: list[TicketCount]) -> bool:
    """Insert new count rows at once; False when a concurrent writer made one
    of them first (SQL: nothing was inserted, the savepoint rolled back)."""
    if is_mongodb():
        # No savepoints: a concurrent insert fails the whole transaction (a
        # transient write conflict), which atomic runs again.
        TicketCount.objects.bulk_create(rows)
        return True
    try:
        with atomic():
            TicketCount.objects.bulk_create(rows)
    except IntegrityError:
        return False
    return True


def _key_name(key: CountKey) -> str:
    return "|".join("" if part is None else str(part) for part in key)


def _add(key: CountKey, delta: int) -> None:
    """Add ``delta`` to the row of ``key``, making the row if it is the
    first ticket with that key.

    Two transactions making the same row at once: on PostgreSQL the second
    insert waits for the first and fails on the unique key, its savepoint is
    rolled back and it adds to the row the first made; SQLite runs one writer
    at a time; on MongoDB the second gets a write conflict and
    ``helpdesk.db.atomic`` runs its whole transaction again.
    """
    name = _key_name(key)
    fields = _columns(key)
    for _ in range(CREATE_ATTEMPTS):
        if TicketCount.objects.filter(key=name, **fields).update(
            count=F("count") + delta
        ):
            return
        # A row holding the name whose columns differ lost a department,
        # team or agent to a deletion (SET_NULL): it counts on under its
        # columns, under another name.
        if TicketCount.objects.filter(key=name).update(
            key=f"{name}|{uuid.uuid4().hex}"
        ):
            continue
        if _created([TicketCount(key=name, count=delta, **fields)]):
            return
        # Made by a concurrent transaction meanwhile: add to it.
    raise RuntimeError(f"Could not update the ticket count {name!r}.")


def _direct_counts() -> dict[CountKey, int]:
    """Tickets per key, counted from the tickets themselves."""
    rows = Ticket.objects.order_by().values(*COUNTED_FIELDS).annotate(n=Count("pk"))
    return {tuple(row[name] for name in COUNTED_FIELDS): row["n"] for row in rows}


def _kept_counts() -> dict[CountKey, int]:
    """The kept counts summed per key (rows renamed after a deletion are
    added to the row their columns now match)."""
    kept: dict[CountKey, int] = {}
    for row in TicketCount.objects.values(*COUNTED_FIELDS, "count"):
        key = tuple(row[name] for name in COUNTED_FIELDS)
        kept[key] = kept.get(key, 0) + row["count"]
    return {key: count for key, count in kept.items() if count}


def ticket_counts_differences() -> list[tuple[CountKey, int, int]]:
    """Where the kept counts disagree with a direct count: (key, kept,
    counted) for each, empty when all agree. Reads every ticket once."""
    direct, kept = _direct_counts(), _kept_counts()
    return [
        (key, kept.get(key, 0), direct.get(key, 0))
        for key in sorted(set(direct) | set(kept), key=_key_name)
        if kept.get(key, 0) != direct.get(key, 0)
    ]


@atomic
def ticket_counts_rebuild() -> int:
    """Replace the kept counts with a direct count of every ticket, in one
    transaction; return the number of rows written. For after bulk loads and
    imports that bypass the services."""
    direct = _direct_counts()
    TicketCount.objects.all().delete()
    TicketCount.objects.bulk_create(_rows(direct.items()))
    return len(direct)


def _rows(items: Iterable[tuple[CountKey, int]]) -> list[TicketCount]:
    return [
        TicketCount(
            key=_key_name(key),
            department_id=key[0],
            team_id=key[1],
            assignee_id=key[2],
            status=key[3],
            count=count,
        )
        for key, count in items
    ]


__all__ = [
    "ticket_counts_apply",
    "ticket_counts_differences",
    "ticket_counts_rebuild",
]
