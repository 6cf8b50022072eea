"""CSV downloads of the report tables and of the tickets behind them, safe to
open in a spreadsheet.

A text cell a spreadsheet would read as a formula (its first character,
after any leading whitespace, control or invisible formatting characters, is
``=``, ``+``, ``-``, ``@`` or a look-alike of one such as the full-width
``＝`` or the minus sign ``−``, or it starts with a tab or a carriage return)
gets a leading apostrophe, as OWASP's "CSV Injection" page
advises; a subject like ``=HYPERLINK(...)`` then shows as text. Numbers are
written as numbers. defusedcsv was not used: it leaves a leading tab and
carriage return alone.

The file starts with a UTF-8 byte-order mark so that Excel reads accents
right, and is streamed row by row: the ticket list may hold a million rows.
"""

import csv
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, tzinfo
from decimal import Decimal

from django.http import StreamingHttpResponse

from .filters import ReportFilters
from .selectors.results import (
    PeopleReport,
    PersonRow,
    SatisfactionReport,
    ServiceLevelReport,
    SpeedReport,
    VolumeReport,
)

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Characters no compatibility normalisation turns into "-" that a spreadsheet
# or a reader may still take for one.
MINUS_LOOK_ALIKES = frozenset("\u2212\u2010\u2011\u2012\u2013\u2014\u2796\u2795")
# A ticket-list export reads this many rows from the database at a time.
CHUNK_SIZE = 2000


def neutralise(value: object) -> object:
    """The cell as a spreadsheet should show it: numbers unchanged, None
    empty, text that could start a formula prefixed with an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float | Decimal):
        return value
    text = str(value)
    if looks_like_formula(text):
        return "'" + text
    return text


def looks_like_formula(text: str) -> bool:
    """Whether the first character that shows (past whitespace of any kind,
    control and zero-width formatting characters) starts a formula, or a tab
    or carriage return comes before it."""
    for character in text:
        if character in "\t\r":
            return True
        if character.isspace() or unicodedata.category(character) in ("Cc", "Cf"):
            continue
        return (
            unicodedata.normalize("NFKC", character).startswith(FORMULA_STARTS)
            or character in MINUS_LOOK_ALIKES
        )
    return False


class _Echo:
    """A file whose write() hands the line back, for streaming."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[object]]) -> Iterator[str]:
    """The CSV text, line by line: the byte-order mark, the header, the rows,
    every cell through ``neutralise``."""
    writer = csv.writer(_Echo())
    yield BOM + writer.writerow([neutralise(cell) for cell in header])
    for row in rows:
        yield writer.writerow([neutralise(cell) for cell in row])


def csv_response(
    name: str, header: Sequence[str], rows: Iterable[Sequence[object]]
) -> StreamingHttpResponse:
    """A download named ``name`` (without ".csv"), streamed."""
    response = StreamingHttpResponse(
        (line.encode("utf-8") for line in csv_lines(header, rows)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def file_name(report: str, filters: ReportFilters, *extra: str) -> str:
    """ "volume-2026-11-01-to-2026-11-30": the report and the range it covers
    (only letters, digits, dots and dashes, so the header needs no quoting)."""
    parts = [report, *[part for part in extra if part]]
    safe = "-".join(
        "".join(c if c.isascii() and (c.isalnum() or c in ".-") else "-" for c in p)
        for p in parts
    )
    return f"{safe}-{filters.first_day.isoformat()}-to-{filters.last_day.isoformat()}"


def hours(minutes: float | None) -> float | None:
    """Minutes as hours, two decimals."""
    return None if minutes is None else round(minutes / 60, 2)


def percent(rate: float | None) -> float | None:
    """A fraction as a percentage, one decimal."""
    return None if rate is None else round(rate * 100, 1)


def local(moment: datetime | None, zone: tzinfo) -> str:
    """A moment in the viewer's zone, as a spreadsheet reads it."""
    if moment is None:
        return ""
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")


def day(value: date) -> str:
    return value.isoformat()


# --- One table each -----------------------------------------------------------

VOLUME_HEADER = (
    "Period start",
    "Period end",
    "Created",
    "Solved",
    "Reopened",
    "Unsolved backlog at period end",
)


def volume_rows(report: VolumeReport) -> Iterator[tuple]:
    for point in report.points:
        yield (
            day(point.bucket.first_day),
            day(point.bucket.last_day),
            point.created,
            point.solved,
            point.reopened,
            point.backlog,
        )


SPEED_HEADER = (
    "Measure",
    "Clock",
    "Tickets",
    "Median (hours)",
    "90th percentile (hours)",
)


def speed_rows(report: SpeedReport) -> Iterator[tuple]:
    for measure, clock, distribution in speed_distributions(report):
        yield (
            measure,
            clock,
            distribution.count,
            hours(distribution.median),
            hours(distribution.p90),
        )


ONE_TOUCH_HEADER = ("Tickets solved", "Solved with one reply", "One-touch rate (%)")


def one_touch_rows(report: SpeedReport) -> Iterator[tuple]:
    yield (report.solved, report.one_touch, percent(report.one_touch_rate))


def speed_distributions(report: SpeedReport):
    """(measure, clock, distribution) in the order the page shows them."""
    return (
        ("First reply time", "Business hours", report.first_reply_business),
        ("First reply time", "Calendar hours", report.first_reply_calendar),
        ("Resolution time", "Business hours", report.resolution_business),
        ("Resolution time", "Calendar hours", report.resolution_calendar),
    )


SERVICE_LEVEL_HEADER = (
    "Target",
    "Achieved",
    "Breached",
    "Total",
    "Achieved (%)",
    "Breached (%)",
)


def service_level_rows(report: ServiceLevelReport) -> Iterator[tuple]:
    for outcome in report.targets:
        yield (
            outcome.label,
            outcome.achieved,
            outcome.breached,
            outcome.total,
            percent(outcome.achieved_rate),
            percent(outcome.breached_rate),
        )


def people_header(kind: str) -> tuple:
    return (
        kind,
        "Solved",
        "Public replies",
        "Median first reply (hours)",
        "Good ratings",
        "Bad ratings",
        "Satisfaction (%)",
    )


def people_rows(rows: Sequence[PersonRow], none_label: str) -> Iterator[tuple]:
    for row in rows:
        yield (
            row.name if row.key else none_label,
            row.solved,
            row.replies,
            hours(row.median_first_reply_minutes),
            row.good,
            row.bad,
            percent(row.csat),
        )


def people_agent_rows(report: PeopleReport) -> Iterator[tuple]:
    return people_rows(report.agents, "Unassigned")


def people_team_rows(report: PeopleReport) -> Iterator[tuple]:
    return people_rows(report.teams, "No team")


SATISFACTION_HEADER = (
    "Period start",
    "Period end",
    "Good",
    "Bad",
    "Satisfaction (%)",
)


def satisfaction_rows(report: SatisfactionReport) -> Iterator[tuple]:
    for point in report.points:
        yield (
            day(point.bucket.first_day),
            day(point.bucket.last_day),
            point.good,
            point.bad,
            percent(point.score),
        )


COMMENT_HEADER = ("Ticket", "Subject", "Requester", "Rating", "Rated at", "Comment")


def comment_rows(report: SatisfactionReport, zone: tzinfo) -> Iterator[tuple]:
    for comment in report.comments:
        yield (
            comment.ticket_number,
            comment.subject,
            comment.requester_name,
            comment.rating,
            local(comment.rated_at, zone),
            comment.comment,
        )


# --- The tickets behind the figures ------------------------------------------

TICKET_FIELDS = (
    ("Ticket", "number"),
    ("Subject", "subject"),
    ("Status", "status"),
    ("Priority", "priority"),
    ("Channel", "channel"),
    ("Requester", "requester__full_name"),
    ("Requester email", "requester__email"),
    ("Organization", "organization__name"),
    ("Department", "department__name"),
    ("Team", "team__name"),
    ("Assignee", "assignee__full_name"),
    ("Category", "category__name"),
    ("Created", "created_at"),
    ("First reply", "first_response_at"),
    ("Solved", "solved_at"),
    ("First reply (hours)", "first_reply_minutes"),
    ("First reply (business hours)", "first_reply_business_minutes"),
    ("Resolution (hours)", "resolution_minutes"),
    ("Resolution (business hours)", "resolution_business_minutes"),
    ("Public replies", "public_reply_count"),
    ("Reopened", "reopen_count"),
)
TICKET_HEADER = tuple(label for label, _ in TICKET_FIELDS)
_TIMES = {"created_at", "first_response_at", "solved_at"}
_MINUTES = {
    "first_reply_minutes",
    "first_reply_business_minutes",
    "resolution_minutes",
    "resolution_business_minutes",
}


def ticket_rows(queryset, zone: tzinfo) -> Iterator[tuple]:
    """One row per ticket of the report's ticket list, read as plain values in
    chunks (no model instances, no per-row query), oldest work last as the
    list orders it."""
    from tickets.models import Ticket

    statuses = dict(Ticket.Status.choices)
    priorities = dict(Ticket.Priority.choices)
    channels = dict(Ticket.Channel.choices)
    names = [name for _, name in TICKET_FIELDS]
    values = queryset.values_list(*names).iterator(chunk_size=CHUNK_SIZE)
    for record in values:
        row = dict(zip(names, record, strict=True))
        row["status"] = statuses.get(row["status"], row["status"])
        row["priority"] = priorities.get(row["priority"], row["priority"])
        row["channel"] = channels.get(row["channel"], row["channel"])
        for name in _TIMES:
            row[name] = local(row[name], zone)
        for name in _MINUTES:
            row[name] = hours(row[name])
        yield tuple(row[name] for name in names)
