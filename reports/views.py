"""The report pages under /agent/reports/ (agents and admins) and their CSV
downloads.

Every page reads the same filter bar from the query string, asks its one
selector once, and shows each figure twice: as a chart (``reports.charts``)
and as a table beside it, which is also what its CSV holds.
"""

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse

from accounts.decorators import agent_required
from tickets.models import SLANotice

from . import charts, exports
from .filters import (
    DIMENSIONS,
    INTERVALS,
    PRESETS,
    ReportFilterForm,
    ReportFilters,
    preset_days,
)
from .selectors import (
    people_report,
    report_ticket_list,
    satisfaction_report,
    service_level_report,
    speed_report,
    volume_report,
)
from .selectors.ticket_list import BASES

TABS = (
    ("volume", "Volume"),
    ("speed", "Speed"),
    ("service_levels", "Service levels"),
    ("people", "People"),
    ("satisfaction", "Satisfaction"),
    ("tickets", "Tickets"),
)
TICKETS_PER_PAGE = 50
TARGET_LABELS = dict(SLANotice.Target.choices)


# --- The filter bar, shared by every page -------------------------------------


@dataclass
class FilterBar:
    form: ReportFilterForm
    filters: ReportFilters | None  # None while the form has errors
    query: str  # the filters as a query string, for this page's links
    base_query: str  # the same without this page's own pairs, for the tabs
    preset: str  # what the bar shows
    interval: str
    start: str
    end: str
    more_open: bool = False  # a dimension is set or wrong: show them


def _custom_when_dates_edited(form: ReportFilterForm) -> None:
    """The date inputs always show the days the report covers; when the
    viewer changed them (they differ from the ``shown_*`` days the page was
    drawn with), they mean a custom range whatever the preset says."""
    data = form.data
    if data.get("preset") == "custom":
        return
    start, end = data.get("start", ""), data.get("end", "")
    if not (start or end):
        return
    if (start, end) != (data.get("shown_start", ""), data.get("shown_end", "")):
        data["preset"] = "custom"


def bound_form(request: HttpRequest) -> ReportFilterForm:
    """The filter form on the query string. A team's name shows its
    department's, fetched with it rather than once per team."""
    form = ReportFilterForm(request.GET.copy(), user=request.user)
    teams = form.fields["team"]
    teams.queryset = teams.queryset.select_related("department")
    return form


def filter_bar(request: HttpRequest, *, extra: dict[str, str] | None = None):
    """Bind the filter form to the query string; ``extra`` pairs (the ticket
    list's basis) travel in the page's own links and downloads."""
    form = bound_form(request)
    _custom_when_dates_edited(form)
    more_open = any(form.data.get(name) for name in DIMENSIONS)
    if not form.is_valid():
        raw = request.GET.copy()
        for key in ("page", "shown_start", "shown_end"):
            raw.pop(key, None)
        return FilterBar(
            form=form,
            filters=None,
            query=raw.urlencode(),
            base_query=raw.urlencode(),
            preset=form.data.get("preset", ""),
            interval=form.data.get("interval", ""),
            start=form.data.get("start", ""),
            end=form.data.get("end", ""),
            more_open=more_open,
        )
    filters = form.filters()
    interval = form.cleaned_data.get("interval") or "auto"
    # "Automatic" stays automatic from page to page, so a longer range picked
    # later is drawn per week again.
    items = [
        (key, interval if key == "interval" else value)
        for key, value in filters.query_string_items()
    ]
    if filters.preset != "custom":
        first, last = preset_days(filters.preset, form.today)
    else:
        first, last = filters.first_day, filters.last_day
    return FilterBar(
        form=form,
        filters=filters,
        query=urlencode(items + list((extra or {}).items())),
        base_query=urlencode(items),
        preset=filters.preset,
        interval=interval,
        start=first.isoformat(),
        end=last.isoformat(),
        more_open=more_open,
    )


def _render(
    request: HttpRequest, current: str, bar: FilterBar, context: dict
) -> HttpResponse:
    tabs = [
        {
            "key": key,
            "label": label,
            "url": f"{reverse(f'reports:{key}')}?{bar.base_query}",
            "current": key == current,
        }
        for key, label in TABS
    ]
    return render(
        request,
        f"reports/{current}.html",
        {
            "bar": bar,
            "form": bar.form,
            "filters": bar.filters,
            "query": bar.query,
            "tabs": tabs,
            "current": current,
            "presets": PRESETS,
            "intervals": INTERVALS,
            "report_title": dict(TABS)[current],
            **context,
        },
    )


# --- How figures read on the page ---------------------------------------------


def hours_text(minutes: float | None) -> str:
    """Minutes as hours with one decimal ("2.5"); "—" when nothing counted."""
    if minutes is None:
        return "—"
    return f"{minutes / 60:.1f}"


def percent_text(rate: float | None) -> str:
    if rate is None:
        return "—"
    return f"{rate * 100:.0f}%"


def _axis_label(bucket) -> str:
    """A chart's x label: the day, or a week's first day (the table beside
    gives whole weeks)."""
    return f"{bucket.first_day.day} {bucket.first_day:%b}"


def _per(filters: ReportFilters) -> str:
    return "week" if filters.interval == "week" else "day"


# --- The pages ----------------------------------------------------------------


@agent_required
def volume(request: HttpRequest) -> HttpResponse:
    """Tickets created, solved and reopened, and the unsolved backlog."""
    bar = filter_bar(request)
    context: dict = {}
    if bar.filters:
        report = volume_report(request.user, bar.filters)
        labels = [_axis_label(p.bucket) for p in report.points]
        per = _per(bar.filters)
        flow = [
            charts.Series("Created", [p.created for p in report.points]),
            charts.Series("Solved", [p.solved for p in report.points]),
            charts.Series("Reopened", [p.reopened for p in report.points]),
        ]
        backlog = [charts.Series("Unsolved", [p.backlog for p in report.points])]
        context = {
            "report": report,
            "per": per,
            "backlog_note": f"at the end; {report.backlog_start} at the start",
            "empty": not (report.created or report.solved or report.reopened)
            and not report.backlog_start
            and not report.backlog_end,
            "flow_chart": charts.responsive(
                charts.line_chart,
                chart_id="volume-flow",
                title=f"Tickets created, solved and reopened per {per}",
                description=(
                    f"{report.created} created, {report.solved} solved and "
                    f"{report.reopened} reopened in the range. "
                    + charts.series_description(flow)
                    + ". The table beside the chart gives every figure."
                ),
                labels=labels,
                series=flow,
            ),
            "backlog_chart": charts.responsive(
                charts.line_chart,
                chart_id="volume-backlog",
                title=f"Unsolved backlog at the end of each {per}",
                description=(
                    f"{report.backlog_start} unsolved when the range began, "
                    f"{report.backlog_end} when it ended. "
                    "The table beside the chart gives every figure."
                ),
                labels=labels,
                series=backlog,
            ),
        }
    return _render(request, "volume", bar, context)


@agent_required
def speed(request: HttpRequest) -> HttpResponse:
    """First reply and resolution times, and one-touch resolution."""
    bar = filter_bar(request)
    context: dict = {}
    if bar.filters:
        report = speed_report(request.user, bar.filters)
        rows = [
            {
                "measure": measure,
                "clock": clock,
                "count": distribution.count,
                "median": hours_text(distribution.median),
                "p90": hours_text(distribution.p90),
            }
            for measure, clock, distribution in exports.speed_distributions(report)
        ]
        business = [report.first_reply_business, report.resolution_business]

        def bars(attribute: str) -> list[float | None]:
            return [
                None
                if getattr(d, attribute) is None
                else round(getattr(d, attribute) / 60, 1)
                for d in business
            ]

        series = [
            charts.Series("Median", bars("median")),
            charts.Series("90th percentile", bars("p90")),
        ]
        context = {
            "report": report,
            "rows": rows,
            "one_touch_rate": percent_text(report.one_touch_rate),
            "one_touch_note": f"{report.one_touch} of {report.solved} solved",
            "median_first_reply": hours_text(report.first_reply_business.median),
            "median_resolution": hours_text(report.resolution_business.median),
            "empty": not (
                report.first_reply_calendar.count
                or report.resolution_calendar.count
                or report.solved
            ),
            "chart": charts.responsive(
                charts.bar_chart,
                wide_size=charts.COMPACT,
                chart_id="speed",
                title="First reply and resolution time, in business hours",
                description=(
                    "Median and 90th percentile of the first reply time and "
                    "the resolution time, in business hours. "
                    + charts.series_description(series, bars=True)
                    + ". The table beside the chart gives calendar hours too."
                ),
                categories=["First reply", "Resolution"],
                series=series,
                value_labels=[
                    [f"{hours_text(d.median)} h" for d in business],
                    [f"{hours_text(d.p90)} h" for d in business],
                ],
            ),
        }
    return _render(request, "speed", bar, context)


@agent_required
def service_levels(request: HttpRequest) -> HttpResponse:
    """SLA targets achieved and breached, with the breached tickets a click
    away."""
    bar = filter_bar(request)
    context: dict = {}
    if bar.filters:
        report = service_level_report(request.user, bar.filters)
        base = bar.base_query
        tickets_url = reverse("reports:tickets")
        rows = [
            {
                "outcome": outcome,
                "achieved_rate": percent_text(outcome.achieved_rate),
                "breached_rate": percent_text(outcome.breached_rate),
                "breached_url": f"{tickets_url}?{base}&"
                + urlencode({"basis": "breached", "target": outcome.target}),
            }
            for outcome in report.targets
        ]
        series = [
            charts.Series("Achieved", [o.achieved for o in report.targets]),
            charts.Series("Breached", [o.breached for o in report.targets]),
        ]
        context = {
            "report": report,
            "rows": rows,
            "empty": not any(o.total for o in report.targets),
            "chart": charts.responsive(
                charts.bar_chart,
                wide_size=charts.COMPACT,
                chart_id="service-levels",
                title="SLA targets achieved and breached",
                description=(
                    "; ".join(
                        f"{o.label}: {o.achieved} achieved, {o.breached} breached"
                        for o in report.targets
                    )
                    + ". "
                    + charts.series_description(series, bars=True)
                    + "."
                ),
                categories=[o.label for o in report.targets],
                series=series,
                value_labels=[
                    [
                        f"{o.achieved} ({percent_text(o.achieved_rate)})"
                        for o in report.targets
                    ],
                    [
                        f"{o.breached} ({percent_text(o.breached_rate)})"
                        for o in report.targets
                    ],
                ],
            ),
        }
    return _render(request, "service_levels", bar, context)


def _people_rows(rows, none_label: str) -> list[dict]:
    return [
        {
            "name": row.name if row.key else none_label,
            "row": row,
            "median": hours_text(row.median_first_reply_minutes),
            "csat": percent_text(row.csat),
        }
        for row in rows
    ]


@agent_required
def people(request: HttpRequest) -> HttpResponse:
    """Per agent and per team: solved, replies, first reply, satisfaction."""
    bar = filter_bar(request)
    context: dict = {}
    if bar.filters:
        report = people_report(request.user, bar.filters)
        context = {
            "report": report,
            "agents": _people_rows(report.agents, "Unassigned"),
            "teams": _people_rows(report.teams, "No team"),
        }
    return _render(request, "people", bar, context)


@agent_required
def satisfaction(request: HttpRequest) -> HttpResponse:
    """The CSAT score over time, with the comments."""
    bar = filter_bar(request)
    context: dict = {}
    if bar.filters:
        report = satisfaction_report(request.user, bar.filters)
        per = _per(bar.filters)
        labels = [_axis_label(p.bucket) for p in report.points]
        series = [
            charts.Series(
                "Satisfaction",
                [
                    None if p.score is None else round(p.score * 100, 1)
                    for p in report.points
                ],
            )
        ]
        context = {
            "report": report,
            "per": per,
            "score": percent_text(report.score),
            "rows": [
                {"point": point, "score": percent_text(point.score)}
                for point in report.points
            ],
            "chart": charts.responsive(
                charts.line_chart,
                chart_id="satisfaction",
                title=f"Satisfaction score per {per} (good ÷ rated)",
                description=(
                    f"Overall {percent_text(report.score)} from {report.good} good "
                    f"and {report.bad} bad ratings. A {per} without ratings "
                    "leaves a gap. The table beside the chart gives every figure."
                ),
                labels=labels,
                series=series,
                percent=True,
            ),
        }
    return _render(request, "satisfaction", bar, context)


def _ticket_question(request: HttpRequest) -> tuple[str, str]:
    """The ticket list's basis and SLA target; unknown values mean the
    defaults (created, any target)."""
    basis = request.GET.get("basis", "")
    basis = basis if basis in BASES else "created"
    target = request.GET.get("target", "")
    target = target if basis == "breached" and target in TARGET_LABELS else ""
    return basis, target


@agent_required
def tickets(request: HttpRequest) -> HttpResponse:
    """The tickets behind the figures: created, solved or breached in the
    range, a page at a time."""
    basis, target = _ticket_question(request)
    extra = {"basis": basis, **({"target": target} if target else {})}
    bar = filter_bar(request, extra=extra)
    context: dict = {
        "basis": basis,
        "target": target,
        "bases": BASES,
        "targets": TARGET_LABELS,
    }
    if bar.filters:
        queryset = report_ticket_list(
            request.user, bar.filters, basis=basis, target=target
        )
        page = Paginator(queryset, TICKETS_PER_PAGE).get_page(request.GET.get("page"))
        heading = BASES[basis]
        if target:
            heading = f"{TARGET_LABELS[target]} target breached in the range"
        context |= {"page": page, "heading": heading}
    return _render(request, "tickets", bar, context)


# --- CSV downloads ------------------------------------------------------------


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
        # Plain text: the messages repeat what was sent ("<script> is not one
        # of the available choices"), which must never be read as markup.
        errors = "; ".join(m for messages in form.errors.values() for m in messages)
        return HttpResponseBadRequest(
            f"The filters are not valid: {errors}",
            content_type="text/plain; charset=utf-8",
        )
    filters = form.filters()
    if table == "tickets":
        basis, target = _ticket_question(request)
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
