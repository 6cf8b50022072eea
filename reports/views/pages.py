"""The report pages: each asks its one selector once and shows each figure
twice, as a chart (``reports.charts``) and as a table beside it."""

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from accounts.decorators import agent_required

from .. import charts, exports
from ..selectors import (
    people_report,
    report_ticket_list,
    satisfaction_report,
    service_level_report,
    speed_report,
    volume_report,
)
from ..selectors.ticket_list import BASES
from .common import (
    TARGET_LABELS,
    TICKETS_PER_PAGE,
    axis_label,
    filter_bar,
    hours_text,
    per_label,
    percent_text,
    render_report,
)


@agent_required
def volume(request: HttpRequest) -> HttpResponse:
    """Tickets created, solved and reopened, and the unsolved backlog."""
    bar = filter_bar(request)
    context: dict = {}
    if bar.filters:
        report = volume_report(request.user, bar.filters)
        labels = [axis_label(p.bucket) for p in report.points]
        per = per_label(bar.filters)
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
    return render_report(request, "volume", bar, context)


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
    return render_report(request, "speed", bar, context)


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
    return render_report(request, "service_levels", bar, context)


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
    return render_report(request, "people", bar, context)


@agent_required
def satisfaction(request: HttpRequest) -> HttpResponse:
    """The CSAT score over time, with the comments."""
    bar = filter_bar(request)
    context: dict = {}
    if bar.filters:
        report = satisfaction_report(request.user, bar.filters)
        per = per_label(bar.filters)
        labels = [axis_label(p.bucket) for p in report.points]
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
    return render_report(request, "satisfaction", bar, context)


def ticket_question(request: HttpRequest) -> tuple[str, str]:
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
    basis, target = ticket_question(request)
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
    return render_report(request, "tickets", bar, context)


# --- CSV downloads ------------------------------------------------------------
