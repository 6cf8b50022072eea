"""What a report covers: a date range in the viewer's time zone, the buckets
it is drawn in, and the ticket filters. One form reads them from a query
string for the pages, the CSV exports and the API alike, so the three answer
the same question with the same figures.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import User
from accounts.selectors import active_agents
from helpdesk.forms import ModelChoiceField
from organizations.forms import OrganizationField
from organizations.models import Department, Team
from tickets.models import Category, Ticket
from tickets.selectors import ticket_list_visible_to

PRESETS = {
    "last_7": "Last 7 days",
    "last_30": "Last 30 days",
    "this_month": "This month",
    "last_month": "Last month",
    "custom": "Custom range",
}
INTERVALS = {"auto": "Automatic", "day": "Per day", "week": "Per week"}
# Longer ranges than this are drawn per week when the interval is automatic.
AUTO_DAILY_MAX_DAYS = 62
# The days a custom range may name: far enough apart for any real history,
# and far enough from year 1 and 9999 that a local midnight (and the day after
# the last) is still a datetime in every time zone.
EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(9998, 12, 31)


@dataclass(frozen=True)
class Bucket:
    """One point of a chart: the local days ``first_day`` to ``last_day``,
    which are the instants ``start`` (inclusive) to ``end`` (exclusive)."""

    first_day: date
    last_day: date
    start: datetime
    end: datetime

    @property
    def label(self) -> str:
        """A day as "3 Nov", a week as "3–9 Nov" or "29 Sep – 5 Oct"."""
        first, last = self.first_day, self.last_day
        if first == last:
            return f"{first.day} {first:%b}"
        if first.month == last.month:
            return f"{first.day}–{last.day} {last:%b}"
        return f"{first.day} {first:%b} – {last.day} {last:%b}"


@dataclass(frozen=True)
class ReportFilters:
    """A report's question. ``start``/``end`` are aware instants (UTC) of the
    local midnights that begin ``first_day`` and end ``last_day``; the
    dimension fields hold primary keys as strings (``assignee`` may also be
    "none": unassigned tickets), or "" for any."""

    first_day: date
    last_day: date
    zone: ZoneInfo
    preset: str = "last_30"
    interval: str = "day"
    department: str = ""
    team: str = ""
    assignee: str = ""
    category: str = ""
    channel: str = ""
    priority: str = ""
    organization: str = ""

    @property
    def start(self) -> datetime:
        return local_midnight(self.first_day, self.zone)

    @property
    def end(self) -> datetime:
        return local_midnight(self.last_day + timedelta(days=1), self.zone)

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    def buckets(self) -> list[Bucket]:
        """The range cut into days, or into ISO weeks (Monday to Sunday) clipped
        to the range, in order."""
        result = []
        first = self.first_day
        while first <= self.last_day:
            if self.interval == "week":
                last = min(first + timedelta(days=6 - first.weekday()), self.last_day)
            else:
                last = first
            result.append(
                Bucket(
                    first_day=first,
                    last_day=last,
                    start=local_midnight(first, self.zone),
                    end=local_midnight(last + timedelta(days=1), self.zone),
                )
            )
            first = last + timedelta(days=1)
        return result

    def ticket_condition(self, prefix: str = "") -> Q:
        """The dimension filters as a Q on Ticket, or on a model that reaches
        the ticket through ``prefix`` (``"ticket__"`` for events and ratings)."""
        condition = Q()
        for name in ("department", "team", "category", "organization"):
            value = getattr(self, name)
            if value:
                condition &= Q(**{f"{prefix}{name}_id": value})
        if self.assignee == "none":
            condition &= Q(**{f"{prefix}assignee__isnull": True})
        elif self.assignee:
            condition &= Q(**{f"{prefix}assignee_id": self.assignee})
        if self.channel:
            condition &= Q(**{f"{prefix}channel": self.channel})
        if self.priority:
            condition &= Q(**{f"{prefix}priority": self.priority})
        return condition

    def query_string_items(self) -> list[tuple[str, str]]:
        """The filters as query-string pairs, to link from one report to
        another (or to a CSV) with the same question."""
        items = [("preset", self.preset)]
        if self.preset == "custom":
            items += [
                ("start", self.first_day.isoformat()),
                ("end", self.last_day.isoformat()),
            ]
        items.append(("interval", self.interval))
        for name in DIMENSIONS:
            value = getattr(self, name)
            if value:
                items.append((name, str(value)))
        return items


DIMENSIONS = (
    "department",
    "team",
    "assignee",
    "category",
    "channel",
    "priority",
    "organization",
)


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The instant (UTC) a local day begins. Where a time change skips
    midnight, the day begins at the first local time that exists."""
    wall = datetime.combine(day, time.min)
    moment = wall.replace(tzinfo=zone)
    back = moment.astimezone(ZoneInfo("UTC")).astimezone(zone).replace(tzinfo=None)
    if back != wall:  # midnight does not exist that day (a spring-forward gap)
        moment = (wall + timedelta(hours=1)).replace(tzinfo=zone)
    return moment.astimezone(ZoneInfo("UTC"))


def viewer_zone(user: User) -> ZoneInfo:
    """The viewer's own time zone (their profile), else the site's."""
    return ZoneInfo(getattr(user, "timezone", "") or settings.TIME_ZONE)


def preset_days(preset: str, today: date) -> tuple[date, date]:
    """The first and last local day of a preset range, given today's date."""
    if preset == "last_7":
        return today - timedelta(days=6), today
    if preset == "this_month":
        return today.replace(day=1), today
    if preset == "last_month":
        last = today.replace(day=1) - timedelta(days=1)
        return last.replace(day=1), last
    return today - timedelta(days=29), today


class ReportFilterForm(forms.Form):
    """The filter bar of every report page, read from the query string."""

    preset = forms.ChoiceField(
        label="Date range", choices=list(PRESETS.items()), required=False
    )
    start = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    interval = forms.ChoiceField(
        label="Show", choices=list(INTERVALS.items()), required=False
    )
    department = ModelChoiceField(
        queryset=Department.objects.order_by("name"),
        required=False,
        empty_label="All departments",
    )
    team = ModelChoiceField(
        queryset=Team.objects.order_by("name"), required=False, empty_label="All teams"
    )
    assignee = forms.ChoiceField(required=False)
    category = ModelChoiceField(
        queryset=Category.objects.order_by("name"),
        required=False,
        empty_label="All categories",
    )
    channel = forms.ChoiceField(required=False)
    priority = forms.ChoiceField(required=False)
    organization = OrganizationField()

    def __init__(self, *args, user: User, today: date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.zone = viewer_zone(user)
        self.today = today or timezone.now().astimezone(self.zone).date()
        self.fields["assignee"].choices = [
            ("", "Any assignee"),
            ("none", "Unassigned"),
            *[(str(agent.pk), agent.display_name) for agent in active_agents()],
        ]
        self.fields["channel"].choices = [("", "All channels"), *Ticket.Channel.choices]
        self.fields["priority"].choices = [
            ("", "All priorities"),
            *Ticket.Priority.choices,
        ]
        for field in self.fields.values():
            css = (
                "form-select"
                if isinstance(field.widget, forms.Select)
                else ("form-control")
            )
            field.widget.attrs["class"] = f"{css} form-control-sm"

    def clean(self):
        data = super().clean()
        if data.get("preset") != "custom":
            return data
        for name in ("start", "end"):
            day = data.get(name)
            if day is not None and not EARLIEST_DAY <= day <= LATEST_DAY:
                self.add_error(
                    name,
                    f"Choose a day between {EARLIEST_DAY.isoformat()} and "
                    f"{LATEST_DAY.isoformat()}.",
                )
        start, end = data.get("start"), data.get("end")
        if start is None and "start" not in self.errors:
            self.add_error("start", "Choose the first day of the range.")
        if end is None and "end" not in self.errors:
            self.add_error("end", "Choose the last day of the range.")
        if start and end:
            limit = settings.REPORTS_MAX_RANGE_DAYS
            if start > end:
                self.add_error("end", "The last day is before the first day.")
            elif (end - start).days + 1 > limit:
                self.add_error("end", f"A report covers at most {limit} days.")
        return data

    def filters(self) -> ReportFilters:
        """The question asked, with the defaults (the last 30 days) for what
        was not given; call after ``is_valid()`` returned True."""
        data = self.cleaned_data
        preset = data.get("preset") or "last_30"
        if preset == "custom":
            first_day, last_day = data["start"], data["end"]
        else:
            first_day, last_day = preset_days(preset, self.today)
        interval = data.get("interval") or "auto"
        if interval == "auto":
            days = (last_day - first_day).days + 1
            interval = "day" if days <= AUTO_DAILY_MAX_DAYS else "week"

        def pk(name: str) -> str:
            value = data.get(name)
            return str(value.pk) if value is not None else ""

        return ReportFilters(
            first_day=first_day,
            last_day=last_day,
            zone=self.zone,
            preset=preset,
            interval=interval,
            department=pk("department"),
            team=pk("team"),
            assignee=data.get("assignee") or "",
            category=pk("category"),
            channel=data.get("channel") or "",
            priority=data.get("priority") or "",
            organization=pk("organization"),
        )


def report_tickets(user: User, filters: ReportFilters) -> QuerySet[Ticket]:
    """Every ticket the viewer may see that matches the dimension filters (no
    date condition: each figure adds the one it needs), unordered and with no
    joins, for aggregates."""
    return (
        ticket_list_visible_to(user)
        .select_related(None)
        .order_by()
        .filter(filters.ticket_condition())
    )
