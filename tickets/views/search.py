"""Search everywhere: the top bar's box and its results page."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import cached_property

from tickets import selectors
from tickets.models import Ticket
from tickets.search import COUNT_CAP, count_capped

QUERY_MAX_CHARS = 200  # the box's maxlength; longer text is cut
PAGE_SIZE = 25
PREVIEW_SIZE = {"tickets": 10, "people": 5, "organizations": 5}
LABELS = {"tickets": "Tickets", "people": "People", "organizations": "Organizations"}


@dataclass
class Section:
    """One kind of result: its total, and the rows shown (a preview on the
    overview, a page when the section is chosen)."""

    key: str
    label: str
    count: int
    rows: list
    page: Page | None = None
    complete: bool = True  # False: ``count`` is a lower bound

    @property
    def more(self) -> bool:
        return self.page is None and self.count > len(self.rows)

    @property
    def count_label(self) -> str:
        """The total as shown: "1,000+" past the cap."""
        if self.count > COUNT_CAP:
            return f"{COUNT_CAP:,}+"
        return f"{self.count:,}" if self.complete else f"{self.count:,}+"


class CappedPaginator(Paginator):
    """Pages over the first ``COUNT_CAP`` + 1 results at most: the total is
    counted no further (``tickets.search.count_capped``)."""

    @cached_property
    def count(self) -> int:
        return count_capped(self.object_list)


@login_required
def search(request: HttpRequest) -> HttpResponse:
    """A ticket number the user may see opens that ticket; anything else lists
    what it finds, by section. ``section`` shows one section, paginated."""
    # NUL is dropped as the search drops it (PostgreSQL refuses it in a query).
    text = request.GET.get("q", "").replace("\x00", "").strip()[:QUERY_MAX_CHARS]
    user = request.user
    if text:
        ticket = selectors.search_ticket_by_number(user, text)
        if ticket is not None:
            return redirect(
                ticket.get_agent_url() if user.is_agent else ticket.get_absolute_url()
            )
    results = selectors.search_everywhere(user, text)
    keys = ["tickets", "people", "organizations"] if user.is_agent else ["tickets"]
    chosen = request.GET.get("section", "")
    if chosen not in keys:
        chosen = ""
    sections = []
    if text:
        for key in keys:
            queryset = getattr(results, key)
            if key == chosen:
                paginator = CappedPaginator(queryset, PAGE_SIZE)
                page = paginator.get_page(request.GET.get("page"))
                section = Section(
                    key, LABELS[key], page.paginator.count, list(page), page
                )
                section.complete = key != "tickets" or results.tickets_complete
            else:
                count = count_capped(queryset)
                rows = list(queryset[: PREVIEW_SIZE[key]]) if count else []
                section = Section(key, LABELS[key], count, rows)
                section.complete = key != "tickets" or results.tickets_complete
            sections.append(section)
    if user.is_agent:
        _link_tickets(sections)
    return render(
        request,
        "tickets/search.html",
        {
            "global_search_query": text,
            "sections": sections,
            "chosen": chosen,
            "total": sum(section.count for section in sections),
            "total_label": _total_label(sections),
            "shown": [s for s in sections if not chosen or s.key == chosen],
            "show_people": user.is_agent
            or bool(user.organization_id and user.organization.share_tickets),
        },
    )


def _total_label(sections: list[Section]) -> str:
    total = sum(section.count for section in sections)
    capped = any(
        section.count > COUNT_CAP or not section.complete for section in sections
    )
    return f"{total:,}+" if capped else f"{total:,}"


def _agent_list_url(**params: str) -> str:
    """The workspace list over every status, narrowed by ``params``."""
    query = [("view", "all")] + [("status", status) for status in Ticket.Status]
    return f"{reverse('tickets:agent_list')}?{urlencode(query + list(params.items()))}"


def _link_tickets(sections: list[Section]) -> None:
    """Give each person and organization the link to their tickets."""
    for section in sections:
        for row in section.rows:
            if section.key == "people":
                row.requested_url = _agent_list_url(requester=row.email)
                if row.is_agent:
                    row.assigned_url = _agent_list_url(assignee=str(row.pk))
            elif section.key == "organizations":
                row.tickets_url = _agent_list_url(organization=str(row.pk))
