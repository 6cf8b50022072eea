"""Small helpers the ticket views share."""

from collections.abc import Iterable

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

from helpdesk.shortcuts import get_or_404
from tickets.services import RejectedAttachment

__all__ = ["flash_rejected", "get_or_404", "paginate", "safe_next"]


def flash_rejected(
    request: HttpRequest, rejected: Iterable[RejectedAttachment]
) -> None:
    """Tell the sender about each refused file; the rest was saved."""
    for item in rejected:
        messages.warning(request, str(item))


class CountedPaginator(Paginator):
    """A paginator told the total, when the caller already knows it."""

    def __init__(self, object_list, per_page, *, count: int):
        super().__init__(object_list, per_page)
        self._known_count = count

    @property
    def count(self) -> int:
        return self._known_count


def paginate(
    request: HttpRequest, queryset, per_page: int, *, count: int | None = None
) -> Page:
    """A page of results; a page number out of range shows the last page.
    ``count`` spares the COUNT query when the total is known already."""
    paginator = (
        Paginator(queryset, per_page)
        if count is None
        else CountedPaginator(queryset, per_page, count=count)
    )
    return paginator.get_page(request.GET.get("page"))


def safe_next(request: HttpRequest, fallback: str) -> str:
    """The ``next`` address from the form when it points back into this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback
