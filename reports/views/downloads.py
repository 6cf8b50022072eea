"""The CSV downloads: every table of every page, and the ticket list
(streamed), written by ``reports.exports``."""

from collections.abc import Callable
from dataclasses import dataclass

from django.http import Http404, HttpRequest, HttpResponseBadRequest
from django.http.response import HttpResponseBase

from accounts.decorators import agent_required

from .. import exports
from ..selectors import (
    people_report,
    report_ticket_list,
    satisfaction_report,
    service_level_report,
    speed_report,
    volume_report,
)
from .common import bound_form
from .pages import ticket_question


@dataclass(frozen=True)
class Table:
    report: str  # the file name's first word
    header: tuple | Callable
    rows: Callable  # (request, filters) -> iterable of rows


def _one(selector, rows_of, **options):
    return lambda request, filters: rows_of(selector(request.user, filters, **options))


TABLES: dict[str, Table] = {
    "volume": Table(
        "volume", exports.VOLUME_HEADER, _one(volume_report, exports.volume_rows)
    ),
    "speed": Table(
        "speed", exports.SPEED_HEADER, _one(speed_report, exports.speed_rows)
    ),
    "one-touch": Table(
        "one-touch",
        exports.ONE_TOUCH_HEADER,
        _one(speed_report, exports.one_touch_rows),
    ),
    "service-levels": Table(
        "service-levels",
        exports.SERVICE_LEVEL_HEADER,
        _one(service_level_report, exports.service_level_rows),
    ),
    "people-agents": Table(
        "people-agents",
        exports.people_header("Agent"),
        _one(people_report, exports.people_agent_rows),
    ),
    "people-teams": Table(
        "people-teams",
        exports.people_header("Team"),
        _one(people_report, exports.people_team_rows),
    ),
    "satisfaction": Table(
        "satisfaction",
        exports.SATISFACTION_HEADER,
        _one(satisfaction_report, exports.satisfaction_rows),
    ),
    "satisfaction-comments": Table(
        "satisfaction-comments",
        exports.COMMENT_HEADER,
        lambda request, filters: exports.comment_rows(
            satisfaction_report(request.user, filters, comment_limit=None), filters.zone
        ),
    ),
}


@agent_required
def export(request: HttpRequest, table: str) -> HttpResponseBase:
    """One table of a report page, or the ticket list, as a CSV download
    with the same filters as the page."""
    if table != "tickets" and table not in TABLES:
        raise Http404("No such table.")
    form = bound_form(request)
    if not form.is_valid():
        # Plain text: the messages repeat what was sent (a markup tag "is not
        # one of the available choices"), which must never be read as markup.
        errors = "; ".join(m for messages in form.errors.values() for m in messages)
        return HttpResponseBadRequest(
            f"The filters are not valid: {errors}",
            content_type="text/plain; charset=utf-8",
        )
    filters = form.filters()
    if table == "tickets":
        basis, target = ticket_question(request)
        queryset = report_ticket_list(request.user, filters, basis=basis, target=target)
        return exports.csv_response(
            exports.file_name("tickets", filters, basis, target),
            exports.TICKET_HEADER,
            exports.ticket_rows(queryset, filters.zone),
        )
    spec = TABLES[table]
    return exports.csv_response(
        exports.file_name(spec.report, filters),
        spec.header,
        list(spec.rows(request, filters)),
    )
