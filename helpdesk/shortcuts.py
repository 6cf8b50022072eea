from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404


def get_or_404(queryset: QuerySet, pk: object) -> Model:
    """The row with this primary key, or 404 — also for a malformed key, since
    keys arrive as strings from URLs and forms (MongoDB keys are not ints)."""
    try:
        return queryset.get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404("Not found.") from None
