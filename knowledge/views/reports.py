"""The knowledge-base report for admins: the chatbot's figures, deflection by
the new-ticket suggestions, the articles offered most, and the unanswered
questions grouped by similarity (also as CSV), over a chosen period."""

import csv
from datetime import date, timedelta
from functools import wraps

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from ..report_selectors import (
    ReportPeriod,
    chatbot_figures,
    csv_safe,
    suggestion_figures,
    top_articles_offered,
    top_suggestions_opened,
    unanswered_question_groups,
)

PRESETS = (("7", "Last 7 days"), ("30", "Last 30 days"), ("90", "Last 90 days"))
DEFAULT_PRESET = "30"
# A custom period may span at most this many days.
MAX_DAYS = 366 * 3
# A custom period starts on this day at the earliest (and ends at most a
# year ahead: ``report_date_range``).
EARLIEST_DAY = date(2000, 1, 1)
GROUPS_SHOWN = 50


def admin_required(view):
    """Admins only: agents and customers get a 403, visitors the sign-in."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_admin:
            raise PermissionDenied("The knowledge-base report is for admins.")
        return view(request, *args, **kwargs)

    return wrapper


def report_date_range() -> tuple[date, date]:
    """The first and last day a custom period may cover: 1 Jan 2000 to a
    year after today (local date), so that a date at the calendar's edge
    cannot overflow the period's bounds."""
    return EARLIEST_DAY, timezone.localdate() + timedelta(days=365)


class ReportPeriodForm(forms.Form):
    """The report's period: a preset (last 7, 30, 90 days) or custom dates."""

    period = forms.ChoiceField(
        choices=(*PRESETS, ("custom", "Custom")), required=False, label="Period"
    )
    start = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        if data.get("period") != "custom":
            return data
        start, end = data.get("start"), data.get("end")
        if not start or not end:
            raise forms.ValidationError("A custom period needs both dates.")
        first, last = report_date_range()
        if start < first or end > last:
            raise forms.ValidationError(
                f"A custom period runs from {first.day} {first:%b %Y}"
                f" to {last.day} {last:%b %Y} at the widest."
            )
        if end < start:
            raise forms.ValidationError("The period ends before it starts.")
        if (end - start).days >= MAX_DAYS:
            raise forms.ValidationError(
                f"A custom period spans at most {MAX_DAYS:,} days."
            )
        return data

    def report_period(self) -> ReportPeriod:
        """The chosen period; the default (last 30 days) when the form is
        unbound or invalid."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        choice = data.get("period") or DEFAULT_PRESET
        if choice == "custom":
            return ReportPeriod.between(data["start"], data["end"])
        return ReportPeriod.last_days(int(choice))


def _period_form(request: HttpRequest) -> ReportPeriodForm:
    if not request.GET:
        today = timezone.localdate()
        return ReportPeriodForm(
            initial={
                "period": DEFAULT_PRESET,
                "start": today - timedelta(days=int(DEFAULT_PRESET) - 1),
                "end": today,
            }
        )
    return ReportPeriodForm(request.GET)


@admin_required
@require_GET
def chatbot_report(request: HttpRequest) -> HttpResponse:
    """The report page for ``?period=7|30|90|custom&start=&end=``."""
    form = _period_form(request)
    period = form.report_period()
    unanswered = unanswered_question_groups(period)
    context = {
        "form": form,
        "period": period,
        "chatbot": chatbot_figures(period),
        "suggestions": suggestion_figures(period),
        "top_offered": top_articles_offered(period),
        "top_opened": top_suggestions_opened(period),
        "unanswered": unanswered,
        "groups_shown": unanswered.groups[:GROUPS_SHOWN],
        "groups_limit": GROUPS_SHOWN,
        "query": request.GET.urlencode(),
    }
    return render(request, "knowledge/report.html", context)


CSV_HEADER = [
    "Rank",
    "Questions",
    "Representative question",
    "Closest article",
    "Last asked",
    "Other examples",
]


@admin_required
@require_GET
def unanswered_csv(request: HttpRequest) -> HttpResponse:
    """Every group of unanswered questions of the period as CSV, one row per
    group, biggest first; cells that a spreadsheet would run as a formula are
    neutralised (``csv_safe``)."""
    period = _period_form(request).report_period()
    unanswered = unanswered_question_groups(period)
    filename = (
        f"unanswered-questions-{period.first_day:%Y-%m-%d}"
        f"-to-{period.last_day:%Y-%m-%d}.csv"
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(CSV_HEADER)
    for rank, group in enumerate(unanswered.groups, start=1):
        writer.writerow(
            [
                csv_safe(value)
                for value in (
                    rank,
                    group.size,
                    group.representative,
                    group.closest_article,
                    timezone.localtime(group.last_asked).strftime("%Y-%m-%d %H:%M"),
                    " | ".join(group.examples),
                )
            ]
        )
    return response
