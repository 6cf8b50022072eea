"""Keyset ("seek") paging: any page of a sorted list for the cost of one.

A page is found from a neighbour's edge instead of by counting rows from the
start: "the 25 rows after ticket 1042 in this order" is an index seek and a
short read however deep the page is, where ``OFFSET 469850`` walks every row
before it. The edge travels in the page links as a cursor (the sort values of
the edge row and the page it ends or starts), so Next, Previous and the page
numbers around the current page cost the same at page 2 or page 30,000. Last
is read from the other end of the same order, reversed.

A link without a cursor (a bookmark, ``?page=N``) still shows page N: it is
read with an offset from whichever end is nearer, correct but growing with
its distance from the ends.

A list whose rows fall in a few disjoint parts that each have an index in the
list's order (one part per status, for example: ``status IN (...)`` cannot
be read in ``updated_at`` order from a ``(status, updated_at)`` index, each
``status = ...`` can) is read part by part and merged in Python
(``partitions``).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connections
from django.db.models import F, Q, QuerySet
from django.utils.dateparse import parse_datetime

# Beyond this many rows skipped, a cursor-less page is read with one OFFSET
# query instead of part by part (each part would fetch all the skipped rows).
MERGE_MAX_SKIP = 500


@dataclass(frozen=True)
class SortKey:
    """One column of an order: its name, direction, and whether it may be
    NULL (NULLs sort after every value, in either direction of reading)."""

    name: str
    descending: bool = False
    nullable: bool = False


@dataclass(frozen=True)
class SeekOrder:
    """A total order: its last key must be unique (the ticket number)."""

    keys: tuple[SortKey, ...]

    def order_by(self, *, reverse: bool = False) -> list:
        """``order_by`` arguments for reading forwards or backwards."""
        terms = []
        for key in self.keys:
            descending = key.descending != reverse
            expression = F(key.name)
            if key.nullable:
                # Forwards NULLs come last; read backwards they come first.
                nulls = {"nulls_first": True} if reverse else {"nulls_last": True}
                terms.append(
                    expression.desc(**nulls) if descending else expression.asc(**nulls)
                )
            else:
                terms.append(expression.desc() if descending else expression.asc())
        return terms

    def values_of(self, row: Any) -> tuple:
        """The row's sort values: those it was merged by when it was read in
        parts (``_read``), else its own."""
        merged = getattr(row, "_seek_values", None)
        if merged is not None:
            return merged
        return tuple(getattr(row, key.name) for key in self.keys)

    def after(self, values: Sequence, *, reverse: bool = False) -> Q:
        """Rows strictly after ``values`` in this order (before, with
        ``reverse``), with a non-strict bound on the first key so the database
        seeks to it instead of filtering every row."""
        return self._bound(self.keys[0], values[0], reverse, strict=False) & (
            self._after(list(self.keys), list(values), reverse)
        )

    def _after(self, keys: list[SortKey], values: list, reverse: bool) -> Q:
        key, value = keys[0], values[0]
        strict = self._bound(key, value, reverse, strict=True)
        if len(keys) == 1:
            return strict
        same = (
            Q(**{f"{key.name}__isnull": True})
            if value is None
            else Q(**{key.name: value})
        )
        return strict | (same & self._after(keys[1:], values[1:], reverse))

    @staticmethod
    def _bound(key: SortKey, value: Any, reverse: bool, *, strict: bool) -> Q:
        """Rows beyond ``value`` on one key (or level with it, not strict)."""
        nulls_after = not reverse  # NULLs are last forwards, first backwards
        if value is None:
            if strict:
                return (
                    Q(pk__in=[]) if nulls_after else Q(**{f"{key.name}__isnull": False})
                )
            return Q() if not nulls_after else Q(**{f"{key.name}__isnull": True})
        descending = key.descending != reverse
        lookup = ("lt" if descending else "gt") + ("" if strict else "e")
        condition = Q(**{f"{key.name}__{lookup}": value})
        if key.nullable and nulls_after:
            condition |= Q(**{f"{key.name}__isnull": True})
        return condition

    def sort_keys(self, rows: list, *, reverse: bool = False) -> list:
        """Tuples of the keys' values (in key order, anything after them
        ignored) sorted in this order, in Python: for merging parts that were
        each read in it (keys must compare in Python as in the database:
        numbers and times, not text)."""
        rows = list(rows)
        for index in reversed(range(len(self.keys))):
            descending = self.keys[index].descending != reverse
            nulls_last = not reverse
            present = [r for r in rows if r[index] is not None]
            missing = [r for r in rows if r[index] is None]
            present.sort(key=lambda r, i=index: r[i], reverse=descending)
            rows = present + missing if nulls_last else missing + present
        return rows


def encode_cursor(page: int, values: Sequence) -> str:
    """The edge of a page, for a link: its page number and sort values."""
    plain = [v.isoformat() if isinstance(v, datetime) else v for v in values]
    text = json.dumps([page, plain], separators=(",", ":"), default=str)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(token: str, order: SeekOrder) -> tuple[int, tuple] | None:
    """A cursor back to (page, values), or None when it is not one of ours
    for this order: a damaged link falls back to the page number."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        page, values = json.loads(raw)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        return None
    if not isinstance(page, int) or not isinstance(values, list):
        return None
    if len(values) != len(order.keys):
        return None
    typed = []
    for key, value in zip(order.keys, values, strict=True):
        if value is None:
            if not key.nullable:
                return None
            typed.append(None)
        elif key.name.endswith("_at"):
            moment = parse_datetime(value) if isinstance(value, str) else None
            if moment is None:
                return None
            typed.append(moment)
        elif isinstance(value, bool) or not isinstance(value, int | str):
            return None
        else:
            typed.append(value)
    return page, tuple(typed)


@dataclass
class SeekPage:
    """One page and where its links lead. ``paginator`` has ``count`` and
    ``num_pages`` like Django's, for templates that show the total."""

    object_list: list
    number: int
    num_pages: int
    count: int
    per_page: int
    order: SeekOrder
    paginator: Any = field(init=False)

    def __post_init__(self) -> None:
        self.paginator = _Totals(self.count, self.num_pages)

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.object_list else 0

    @property
    def end_index(self) -> int:
        return self.start_index + len(self.object_list) - 1 if self.object_list else 0

    def params_for(self, number: int) -> dict[str, str]:
        """The query parameters of a link to page ``number``: a cursor from
        this page's edge when it lies ahead or behind, none for the ends."""
        if number <= 1:
            return {"page": "1"}
        if number >= self.num_pages:
            return {"page": str(self.num_pages)}
        if not self.object_list or number == self.number:
            return {"page": str(number)}
        if number > self.number:
            edge = self.order.values_of(self.object_list[-1])
            return {"page": str(number), "after": encode_cursor(self.number, edge)}
        edge = self.order.values_of(self.object_list[0])
        return {"page": str(number), "before": encode_cursor(self.number, edge)}


@dataclass(frozen=True)
class _Totals:
    count: int
    num_pages: int


def _read(
    queryset: QuerySet,
    order: SeekOrder,
    partitions: Sequence[Q],
    *,
    reverse: bool,
    edge: Sequence | None,
    skip: int,
    limit: int,
) -> list:
    """``limit`` rows after ``skip`` rows, from the start of the order (or
    from its end, ``reverse``), or from beyond ``edge``; in reading order."""
    if edge is not None:
        queryset = queryset.filter(order.after(edge, reverse=reverse))
    ordered = queryset.order_by(*order.order_by(reverse=reverse))
    if len(partitions) < 2 or skip > MERGE_MAX_SKIP:
        return list(ordered[skip : skip + limit])
    # Each part gives only its sort values and ids (no models, no columns
    # for the page); the page's rows are read once, by id, after the merge.
    names = [key.name for key in order.keys]
    narrow = [
        ordered.filter(part).values_list(*names, "pk")[: skip + limit]
        for part in partitions
    ]
    features = connections[queryset.db].features
    if (
        features.supports_select_union
        and features.supports_slicing_ordering_in_compound
    ):
        # PostgreSQL, MongoDB: the parts in one round trip, each still its own
        # ordered, limited index range (UNION ALL of parenthesised SELECTs).
        keys = list(narrow[0].union(*narrow[1:], all=True))
    else:
        keys = [row for part in narrow for row in part]
    # A ticket that changed status between two part reads can be in both:
    # it keeps its first place, and the values it has there.
    merged: dict = {}
    for row in order.sort_keys(keys, reverse=reverse):
        merged.setdefault(row[-1], row[:-1])
    chosen = list(merged)[skip : skip + limit]
    if not chosen:
        return []
    found = {row.pk: row for row in queryset.order_by().filter(pk__in=chosen)}
    rows = [found[pk] for pk in chosen if pk in found]
    for row in rows:
        # The page's edges (its links' cursors) are the values it was merged
        # by, even if the row changed since the keys were read.
        row._seek_values = merged[row.pk]
    return rows


def merged_first(
    queryset: QuerySet, partitions: Sequence[Q], order: Sequence[str], limit: int
) -> list:
    """The first ``limit`` rows of ``queryset`` in ``order`` (plain field
    names, "-" for descending, the last unique), read part by part."""
    seek = SeekOrder(
        tuple(SortKey(name.lstrip("-"), name.startswith("-")) for name in order)
    )
    return _read(
        queryset, seek, partitions, reverse=False, edge=None, skip=0, limit=limit
    )


def seek_page(
    queryset: QuerySet,
    order: SeekOrder,
    *,
    count: int,
    per_page: int,
    page: str | None,
    after: str | None = None,
    before: str | None = None,
    partitions: Sequence[Q] = (),
) -> SeekPage:
    """Page ``page`` of ``queryset`` in ``order``, ``count`` rows in all.

    ``after``/``before`` are cursors from a link (``SeekPage.params_for``);
    a page number out of range shows the nearest page, and a cursor that no
    longer finds rows (the list changed) falls back to the page number.
    """
    num_pages = max(1, -(-count // per_page))
    try:
        number = int(page or 1)
    except ValueError:
        number = 1
    number = min(max(number, 1), num_pages)

    def read(**kwargs) -> list:
        return _read(queryset, order, partitions, limit=per_page, **kwargs)

    rows: list | None = None
    forward = decode_cursor(after, order) if after else None
    backward = decode_cursor(before, order) if before else None
    if forward is not None and forward[0] < number:
        skip = (number - forward[0] - 1) * per_page
        rows = read(reverse=False, edge=forward[1], skip=skip) or None
    elif backward is not None and backward[0] > number:
        skip = (backward[0] - number - 1) * per_page
        found = read(reverse=True, edge=backward[1], skip=skip)
        rows = list(reversed(found)) if len(found) == per_page else None
    if rows is None:
        from_end = count - number * per_page  # rows after this page
        if number > 1 and from_end < (number - 1) * per_page:
            # Nearer the end: read the order backwards.
            limit = per_page + min(from_end, 0)
            found = _read(
                queryset,
                order,
                partitions,
                reverse=True,
                edge=None,
                skip=max(from_end, 0),
                limit=limit,
            )
            rows = list(reversed(found))
        else:
            rows = read(reverse=False, edge=None, skip=(number - 1) * per_page)
    return SeekPage(
        object_list=rows,
        number=number,
        num_pages=num_pages,
        count=count,
        per_page=per_page,
        order=order,
    )


__all__ = [
    "SeekOrder",
    "SeekPage",
    "SortKey",
    "decode_cursor",
    "encode_cursor",
    "merged_first",
    "seek_page",
]
