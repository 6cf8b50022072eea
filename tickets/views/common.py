"""Small helpers the ticket views share."""

from collections.abc import Iterable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

from tickets.services import RejectedAttachment


def flash_rejected(
    request: HttpRequest, rejected: Iterable[RejectedAttachment]
) -> None:
    """Tell the sender about each refused file; the rest was saved."""
    for item in rejected:
        messages.warning(request, str(item))


def paginate(request: HttpRequest, queryset, per_page: int) -> Page:
    """A page of results; a page number out of range shows the last page."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def safe_next(request: HttpRequest, fallback: str) -> str:
    """The ``next`` address from the form when it points back into this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def get_or_404(queryset: QuerySet, pk: object) -> Model:
    """The row with this primary key, or 404 — also for a malformed key, since
    keys arrive as strings from URLs and forms (MongoDB keys are not ints)."""
    try:
        return queryset.get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404("Not found.") from None
