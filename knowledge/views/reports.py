"""The knowledge-base report for admins: the chatbot's figures, deflection by
the new-ticket suggestions, the articles offered most, and the unanswered
questions grouped by similarity (also as CSV), over a chosen period; and
"Teach": a group's questions become phrasings of the article that answers
them, so the bot finds it next time."""

import csv
from datetime import date, timedelta
from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods

from helpdesk.errors import ApplicationError

from ..forms import TeachForm
from ..question_groups import QuestionGroup
from ..report_selectors import (
    ReportPeriod,
    chatbot_figures,
    csv_safe,
    suggestion_figures,
    top_articles_offered,
    top_suggestions_opened,
    unanswered_question_groups,
)
from ..selectors import article_list_visible_to
from ..services import article_phrasings_add

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
        "groups_shown": [
            (group, _teach_url(group, request.GET.urlencode()))
            for group in unanswered.groups[:GROUPS_SHOWN]
        ],
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


# --- Teach: a group's questions become an article's phrasings ------------------

REPORT_QUERY_KEYS = ("period", "start", "end")


def _teach_url(group: QuestionGroup, report_query: str) -> str:
    """The teach form's address for ``group``: its wordings, the article the
    bot offered most, and the report's period to come back to."""
    params = [("q", wording) for wording in group.wordings]
    if group.closest_article:
        params.append(("closest", group.closest_article))
    if report_query:
        params.append(("back", report_query))
    return f"{reverse('knowledge:report_teach')}?{urlencode(params)}"


def _report_url(back: str) -> str:
    """The report with the period ``back`` (a query string) named; any other
    key is dropped, so the redirect never leaves the report."""
    given = QueryDict(back or "")
    kept = [(key, given[key]) for key in REPORT_QUERY_KEYS if given.get(key)]
    url = reverse("knowledge:report")
    return f"{url}?{urlencode(kept)}" if kept else url


@admin_required
@require_http_methods(["GET", "POST"])
def teach_phrasings(request: HttpRequest) -> HttpResponse:
    """GET ``?q=…&q=…&closest=<title>&back=<report query>``: the form that
    teaches an article a group of unanswered questions (each wording a
    checked box, the published articles in a select, the closest one
    chosen). POST ``article``, ``phrasing`` (repeated), ``back``: appends the
    checked wordings to the article's phrasings
    (``knowledge.services.article_phrasings_add``) and goes back to the
    report with a message; a 400 with the form again when no published
    article or no question was given."""
    articles = article_list_visible_to(request.user).order_by("title")
    if request.method == "POST":
        wordings = [w for w in request.POST.getlist("phrasing") if w.strip()]
        form = TeachForm(request.POST, articles=articles)
        if form.is_valid() and not wordings:
            form.add_error(None, "Nothing was taught: check at least one question.")
        if form.is_valid():
            article = form.cleaned_data["article"]
            before = len(article.phrasing_list)
            try:
                taught = article_phrasings_add(
                    article=article, phrasings=wordings, actor=request.user
                )
            except ApplicationError as error:
                form.add_error(None, f"Nothing was taught: {error.message}")
            else:
                added = len(taught.phrasing_list) - before
                if added:
                    messages.success(
                        request,
                        f"Added {added} phrasing{'s' if added != 1 else ''} to "
                        f"“{taught.title}”: search and the chatbot now find it "
                        "for these questions.",
                    )
                else:
                    messages.info(
                        request,
                        f"“{taught.title}” already had these phrasings (or has "
                        "the most it may keep); nothing changed.",
                    )
                return redirect(_report_url(form.cleaned_data["back"]))
        status = 400
    else:
        # NUL characters: PostgreSQL refuses them in a lookup; no title has one.
        wordings = [
            w.replace("\x00", " ") for w in request.GET.getlist("q") if w.strip()
        ]
        closest = request.GET.get("closest", "").replace("\x00", "")
        chosen = (
            articles.filter(title=closest).values_list("pk", flat=True).first()
            if closest
            else None
        )
        form = TeachForm(
            initial={"article": chosen, "back": request.GET.get("back", "")},
            articles=articles,
        )
        status = 200
    return render(
        request,
        "knowledge/report_teach.html",
        {
            "form": form,
            "wordings": wordings,
            "report_url": _report_url(
                request.POST.get("back") or request.GET.get("back", "")
            ),
        },
        status=status,
    )
