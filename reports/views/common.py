"""What every report page shares: the filter bar read from the query string,
the tabs, the page frame and the way figures are written."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from tickets.models import SLANotice

from ..filters import (
    DIMENSIONS,
    INTERVALS,
    PRESETS,
    ReportFilterForm,
    ReportFilters,
    preset_days,
)

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


def render_report(
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


def axis_label(bucket) -> str:
    """A chart's x label: the day, or a week's first day (the table beside
    gives whole weeks)."""
    return f"{bucket.first_day.day} {bucket.first_day:%b}"


def per_label(filters: ReportFilters) -> str:
    return "week" if filters.interval == "week" else "day"


# --- The pages ----------------------------------------------------------------
