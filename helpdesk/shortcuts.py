"""Ids from callers, checked in one place.

Every id that arrives from outside (a URL, a form, an API path, query string
or body) is an opaque string. ``id_value`` turns it into what the column
holds, or None when no row can have it: malformed ("abc", "1e9999", a NUL),
an integer outside the column's range on this database, or any spelling of
a key but its own (" 12", "+12", "١٢" are not 12). Without this an
out-of-range integer makes SQLite's driver raise OverflowError and a
malformed MongoDB object id raises ValidationError: a 500 instead of a 404.
``get_or_404`` is the one lookup by id that web pages, the admin and the API
share (``helpdesk.api_tools.row_or_404`` is the same function).
"""

from django.core.exceptions import ValidationError
from django.db import connections, router
from django.db.models import Model, QuerySet
from django.http import Http404


def id_value(model: type[Model], raw: object, *, field: str | None = None):
    """The value ``model``'s primary key (or ``field``, followed to the key it
    points at) holds for ``raw``, or None when no row can have it.

    The model's own field converts the text, so a non-integer key (a MongoDB
    object id) is checked its own way.
    """
    column = model._meta.pk if field is None else model._meta.get_field(field)
    while column.is_relation:
        column = column.target_field
    if raw is None or isinstance(raw, bool) or (isinstance(raw, str) and not raw):
        return None
    if isinstance(raw, str) and "\x00" in raw:
        return None
    try:
        value = column.to_python(raw)
    except (ValidationError, TypeError, ValueError, OverflowError):
        return None
    if isinstance(raw, str) and str(value) != raw:
        # Only a key's own spelling names it: not " 12", "012" or "١٢".
        return None
    if isinstance(value, int):
        ops = connections[router.db_for_read(model)].ops
        try:
            low, high = ops.integer_field_range(column.get_internal_type())
        except KeyError:
            low, high = None, None
        if (low is not None and value < low) or (high is not None and value > high):
            return None
    return value


def get_or_404(
    queryset: QuerySet, raw: object, *, message: str = "Not found."
) -> Model:
    """The row of ``queryset`` with this id, or 404: also for an id no row can
    have, so a made-up id is a page that does not exist, never an error."""
    value = id_value(queryset.model, raw)
    if value is None:
        raise Http404(message)
    try:
        return queryset.get(pk=value)
    except queryset.model.DoesNotExist:
        raise Http404(message) from None
