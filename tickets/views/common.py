"""Small helpers the ticket views share."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

from helpdesk.shortcuts import get_or_404
from tickets.selectors import SeekOrder, SeekPage, seek_page
from tickets.services import RejectedAttachment

__all__ = ["flash_rejected", "get_or_404", "paginate", "paginate_seek", "safe_next"]


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


@dataclass(frozen=True)
class PageLink:
    """One link of a pager: ``number`` None is a gap (an ellipsis)."""

    label: str
    url: str = ""
    number: int | None = None
    current: bool = False
    rel: str = ""


PAGE_LINKS_EACH_SIDE = 2


def paginate_seek(
    request: HttpRequest,
    queryset: QuerySet,
    order: SeekOrder,
    per_page: int,
    *,
    count: int | None = None,
    partitions: Sequence[Q] = (),
) -> SeekPage:
    """A page read by seeking (``tickets.selectors.seek``), with its links in
    ``page.links`` (numbers around the current page, with gaps) and
    ``page.first_url``, ``previous_url``, ``next_url``, ``last_url``.
    ``?page=N`` alone still shows page N; links carry a cursor as well.
    ``count`` spares the COUNT query when the total is known already."""
    page = seek_page(
        queryset,
        order,
        count=queryset.count() if count is None else count,
        per_page=per_page,
        page=request.GET.get("page"),
        after=request.GET.get("after"),
        before=request.GET.get("before"),
        partitions=partitions,
    )

    def url(number: int) -> str:
        query = request.GET.copy()
        for name in ("page", "after", "before"):
            query.pop(name, None)
        query.update(page.params_for(number))
        return f"{request.path}?{query.urlencode()}"

    last = page.num_pages
    around = range(
        max(1, page.number - PAGE_LINKS_EACH_SIDE),
        min(last, page.number + PAGE_LINKS_EACH_SIDE) + 1,
    )
    numbers = sorted({1, *around, last})
    links: list[PageLink] = []
    for index, number in enumerate(numbers):
        if index and number - numbers[index - 1] > 1:
            links.append(PageLink("…"))
        links.append(
            PageLink(str(number), url(number), number, current=number == page.number)
        )
    page.links = links
    page.first_url = url(1)
    page.last_url = url(last)
    page.previous_url = url(page.number - 1) if page.has_previous else ""
    page.next_url = url(page.number + 1) if page.has_next else ""
    return page


def safe_next(request: HttpRequest, fallback: str) -> str:
    """The ``next`` address from the form when it points back into this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback
