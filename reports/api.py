"""Reports over the JSON API: the same selectors as the report pages, so the
figures agree. Agents only; each agent counts the tickets they may see."""

from datetime import date, datetime
from typing import Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from helpdesk.api import ApiError
from helpdesk.api_tools import In, Page, answers, page_of, require_agent
from tickets.api.schemas import TICKET_EXTRAS, TicketOut, ticket_out
from tickets.models import SLANotice

from .filters import ReportFilterForm, ReportFilters
from .selectors import (
    people_report,
    report_ticket_list,
    satisfaction_report,
    service_level_report,
    speed_report,
    summary_for,
    volume_report,
)

router = Router(tags=["reports"])


class SummaryIn(In):
    days: int = Field(7, ge=1, le=366)


class SummaryOut(Schema):
    days: int
    by_status: dict[str, int]
    open_by_priority: dict[str, int]
    created: int
    solved: int
    unassigned: int
    sla_breaches: int = Field(
        description="SLA-breached events recorded in the window, as the "
        "service-levels report counts them."
    )


@router.get("/reports/summary", response=answers({200: SummaryOut}))
def summary(request, params: Query[SummaryIn]):
    """Open work by status and priority; tickets created, solved and SLA
    breaches over the last ``days`` days. Agents only."""
    require_agent(request)
    return summary_for(request.user, days=params.days)


# --- The question every report answers ---------------------------------------


class ReportIn(In):
    """The filter bar of the report pages, as query parameters. Left out:
    the last 30 days in the caller's time zone, every ticket they may see."""

    preset: str | None = Field(
        None,
        description="last_7, last_30 (the default), this_month, "
        "last_month or custom (then start and end are required).",
    )
    start: str | None = Field(None, description="First day (YYYY-MM-DD), custom.")
    end: str | None = Field(None, description="Last day (YYYY-MM-DD), custom.")
    interval: str | None = Field(
        None, description="auto (the default: per day up to 62 days), day or week."
    )
    department: str | None = Field(None, description="A department id.")
    team: str | None = Field(None, description="A team id.")
    assignee: str | None = Field(None, description='An agent id, or "none".')
    category: str | None = Field(None, description="A category id.")
    channel: str | None = None
    priority: str | None = None
    organization: str | None = Field(None, description="An organization id.")


def report_filters(request: HttpRequest) -> ReportFilters:
    """The caller's question, read from the query string by the pages' own
    form; a 400 naming each field it refuses."""
    require_agent(request)
    form = ReportFilterForm(request.GET, user=request.user)
    if not form.is_valid():
        raise ApiError(
            400,
            "The report filters are not valid.",
            "invalid",
            {
                name: [str(message) for message in messages]
                for name, messages in form.errors.items()
            },
        )
    return form.filters()


class RangeOut(Schema):
    """The range the figures cover, in the caller's time zone."""

    first_day: date
    last_day: date
    time_zone: str
    interval: Literal["day", "week"]
    start: datetime = Field(description="When first_day began (inclusive).")
    end: datetime = Field(description="When last_day ended (exclusive).")


def range_out(filters: ReportFilters) -> dict:
    return {
        "first_day": filters.first_day,
        "last_day": filters.last_day,
        "time_zone": str(filters.zone),
        "interval": filters.interval,
        "start": filters.start,
        "end": filters.end,
    }


class BucketOut(Schema):
    """One point of a chart: the local days first_day to last_day (one day,
    or a Monday-to-Sunday week clipped to the range)."""

    first_day: date
    last_day: date
    label: str = Field(description='"3 Nov", or "3–9 Nov" for a week.')


def bucket_out(bucket) -> dict:
    return {
        "first_day": bucket.first_day,
        "last_day": bucket.last_day,
        "label": bucket.label,
    }


# --- Volume -------------------------------------------------------------------


class VolumePointOut(BucketOut):
    created: int
    solved: int = Field(description="Tickets whose latest solve fell in it.")
    reopened: int = Field(description="Moves from solved back to unsolved.")
    backlog: int = Field(description="Tickets unsolved when the bucket ended.")


class VolumeOut(Schema):
    range: RangeOut
    points: list[VolumePointOut]
    created: int
    solved: int
    reopened: int
    backlog_start: int = Field(description="Unsolved when the range began.")
    backlog_end: int = Field(
        description="Unsolved when the range ended (now, for one ending today)."
    )


@router.get("/reports/volume", response=answers({200: VolumeOut}))
def volume(request, params: Query[ReportIn]):
    """Tickets created, solved and reopened per day or week, and the unsolved
    backlog at the end of each."""
    filters = report_filters(request)
    report = volume_report(request.user, filters)
    return {
        "range": range_out(filters),
        "points": [
            {
                **bucket_out(point.bucket),
                "created": point.created,
                "solved": point.solved,
                "reopened": point.reopened,
                "backlog": point.backlog,
            }
            for point in report.points
        ],
        "created": report.created,
        "solved": report.solved,
        "reopened": report.reopened,
        "backlog_start": report.backlog_start,
        "backlog_end": report.backlog_end,
    }


# --- Speed ----------------------------------------------------------------------


class DistributionOut(Schema):
    """Durations in minutes; null when nothing was counted. Percentiles
    interpolate linearly between the closest ranks (PERCENTILE.INC)."""

    count: int
    median: float | None = Field(description="Minutes.")
    p90: float | None = Field(description="Minutes: the 90th percentile.")


def distribution_out(distribution) -> dict:
    return {
        "count": distribution.count,
        "median": distribution.median,
        "p90": distribution.p90,
    }


class SpeedOut(Schema):
    range: RangeOut
    first_reply_calendar: DistributionOut = Field(
        description="Tickets first answered in the range; calendar minutes."
    )
    first_reply_business: DistributionOut = Field(
        description="The same in business minutes of the ticket's SLA calendar."
    )
    resolution_calendar: DistributionOut = Field(
        description="Tickets solved in the range; calendar minutes."
    )
    resolution_business: DistributionOut
    solved: int
    one_touch: int = Field(description="Solved with exactly one public reply.")
    one_touch_rate: float | None = Field(description="one_touch / solved, 0 to 1.")


@router.get("/reports/speed", response=answers({200: SpeedOut}))
def speed(request, params: Query[ReportIn]):
    """First reply and resolution times (median and 90th percentile, in
    calendar and business minutes) and the one-touch resolution rate."""
    filters = report_filters(request)
    report = speed_report(request.user, filters)
    return {
        "range": range_out(filters),
        "first_reply_calendar": distribution_out(report.first_reply_calendar),
        "first_reply_business": distribution_out(report.first_reply_business),
        "resolution_calendar": distribution_out(report.resolution_calendar),
        "resolution_business": distribution_out(report.resolution_business),
        "solved": report.solved,
        "one_touch": report.one_touch,
        "one_touch_rate": report.one_touch_rate,
    }


# --- Service levels -------------------------------------------------------------


class TargetOutcomeOut(Schema):
    target: Literal[tuple(SLANotice.Target.values)]
    label: str
    achieved: int = Field(description="Met, settled in the range.")
    breached: int = Field(description="Breached in the range.")
    total: int
    achieved_rate: float | None = Field(description="0 to 1; null for no outcomes.")
    breached_rate: float | None = Field(description="0 to 1; null for no outcomes.")


class ServiceLevelsOut(Schema):
    range: RangeOut
    targets: list[TargetOutcomeOut] = Field(
        description="First response, next response, resolution, in that order."
    )


@router.get("/reports/service-levels", response=answers({200: ServiceLevelsOut}))
def service_levels(request, params: Query[ReportIn]):
    """SLA targets achieved and breached in the range; the breached tickets
    are at /reports/tickets?basis=breached&target=<target>."""
    filters = report_filters(request)
    report = service_level_report(request.user, filters)
    return {
        "range": range_out(filters),
        "targets": [
            {
                "target": outcome.target,
                "label": outcome.label,
                "achieved": outcome.achieved,
                "breached": outcome.breached,
                "total": outcome.total,
                "achieved_rate": outcome.achieved_rate,
                "breached_rate": outcome.breached_rate,
            }
            for outcome in report.targets
        ],
    }


# --- People -----------------------------------------------------------------------


class PersonRowOut(Schema):
    id: str = Field(description="The agent's or team's id; \"\" for none.")
    name: str
    solved: int
    replies: int = Field(description="Public replies written in the range.")
    median_first_reply_minutes: float | None
    good: int
    bad: int
    csat: float | None = Field(description="good / (good + bad), 0 to 1.")


def person_row_out(row) -> dict:
    return {
        "id": row.key,
        "name": row.name,
        "solved": row.solved,
        "replies": row.replies,
        "median_first_reply_minutes": row.median_first_reply_minutes,
        "good": row.good,
        "bad": row.bad,
        "csat": row.csat,
    }


class PeopleOut(Schema):
    range: RangeOut
    agents: list[PersonRowOut] = Field(description="By the ticket's assignee.")
    teams: list[PersonRowOut] = Field(description="By the ticket's team.")


@router.get("/reports/people", response=answers({200: PeopleOut}))
def people(request, params: Query[ReportIn]):
    """Per agent and per team: tickets solved, replies, median first reply
    and satisfaction."""
    filters = report_filters(request)
    report = people_report(request.user, filters)
    return {
        "range": range_out(filters),
        "agents": [person_row_out(row) for row in report.agents],
        "teams": [person_row_out(row) for row in report.teams],
    }


# --- Satisfaction -------------------------------------------------------------------


class SatisfactionPointOut(BucketOut):
    good: int
    bad: int
    score: float | None = Field(description="good / (good + bad), 0 to 1.")


class SatisfactionCommentOut(Schema):
    ticket_number: int
    subject: str
    rating: Literal["good", "bad"]
    comment: str
    rated_at: datetime
    requester_name: str


class SatisfactionOut(Schema):
    range: RangeOut
    points: list[SatisfactionPointOut]
    good: int
    bad: int
    score: float | None = Field(description="good / (good + bad), 0 to 1.")
    comments: list[SatisfactionCommentOut] = Field(
        description="The latest 50 comments, newest first."
    )


@router.get("/reports/satisfaction", response=answers({200: SatisfactionOut}))
def satisfaction(request, params: Query[ReportIn]):
    """The CSAT score over time (ratings given or changed in each bucket),
    with the comments."""
    filters = report_filters(request)
    report = satisfaction_report(request.user, filters)
    return {
        "range": range_out(filters),
        "points": [
            {
                **bucket_out(point.bucket),
                "good": point.good,
                "bad": point.bad,
                "score": point.score,
            }
            for point in report.points
        ],
        "good": report.good,
        "bad": report.bad,
        "score": report.score,
        "comments": [
            {
                "ticket_number": comment.ticket_number,
                "subject": comment.subject,
                "rating": comment.rating,
                "comment": comment.comment,
                "rated_at": comment.rated_at,
                "requester_name": comment.requester_name,
            }
            for comment in report.comments
        ],
    }


# --- The tickets behind the figures ------------------------------------------------


class ReportTicketsIn(ReportIn):
    basis: Literal["created", "solved", "breached"] = Field(
        "created", description="Created, solved, or SLA breached in the range."
    )
    target: Literal[("", *SLANotice.Target.values)] = Field(
        "", description="With basis=breached: only breaches of this target."
    )
    page: int = Field(1, ge=1, le=100_000)
    per_page: int = Field(25, ge=1, le=100)


@router.get("/reports/tickets", response=answers({200: Page[TicketOut]}))
def tickets(request, params: Query[ReportTicketsIn]):
    """The tickets behind a figure, newest first, a page at a time."""
    filters = report_filters(request)
    queryset = report_ticket_list(
        request.user, filters, basis=params.basis, target=params.target
    ).select_related(*TICKET_EXTRAS)
    return page_of(
        queryset,
        params.page,
        params.per_page,
        lambda row: ticket_out(row, request.user),
    )
