"""The satisfaction survey: the emailed link's page, and the portal's choice.

GET never writes: mail scanners fetch links to look at them. The email's
Good and Bad links open the survey page with that choice preselected, and
a small script of our own (static/js/satisfaction.js) sends it at once, so a
person rates in one click; without JavaScript the page shows the choice and
a Send button.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from helpdesk.errors import ApplicationError, PermissionDeniedError
from tickets import selectors
from tickets.forms import SatisfactionForm
from tickets.satisfaction_tokens import SurveyLink, survey_link_read
from tickets.services.satisfaction import (
    satisfaction_check,
    satisfaction_for,
    satisfaction_rate,
    satisfaction_window_ends_at,
    surveys_enabled,
)


def _until(link: SurveyLink):
    """The last moment this link can change the rating."""
    window = satisfaction_window_ends_at(link.ticket)
    return min(link.expires_at, window) if window else link.expires_at


def _refused(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return render(
        request,
        "tickets/survey_refused.html",
        {"message": message},
        status=status,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def survey(request: HttpRequest, token: str) -> HttpResponse:
    """The survey behind an emailed link; no sign-in, the token is the key."""
    if not surveys_enabled():
        return _refused(request, "Satisfaction surveys are turned off.", 404)
    try:
        link = survey_link_read(token)
    except ApplicationError as error:
        return _refused(request, error.message, error.status_code)
    ticket = link.ticket
    rating = satisfaction_for(ticket)
    try:
        # Said before any choice is made, not after the click.
        satisfaction_check(link.requester, ticket)
    except ApplicationError as error:
        return _refused(request, error.message, error.status_code)
    if request.method == "POST":
        form = SatisfactionForm(request.POST)
        if form.is_valid():
            try:
                satisfaction_rate(
                    ticket=ticket,
                    actor=link.requester,
                    rating=form.cleaned_data["rating"],
                    comment=form.comment_sent(),
                )
            except ApplicationError as error:  # changed since the check above
                return _refused(request, error.message, error.status_code)
            messages.success(
                request,
                "Thank you, your comment was saved."
                if form.comment_sent()
                else "Thank you for your rating.",
            )
            return redirect("tickets:survey", token=token)
        status = 400
    else:
        chosen = request.GET.get("rating", "")
        initial = {"rating": chosen if chosen in ("good", "bad") else ""}
        if not initial["rating"] and rating is not None:
            initial["rating"] = rating.rating
        form = SatisfactionForm(initial=initial)
        status = 200
    # The email's choice is sent at once unless it is already the rating.
    autosubmit = (
        request.method == "GET"
        and request.GET.get("rating") in ("good", "bad")
        and (rating is None or rating.rating != request.GET["rating"])
    )
    return render(
        request,
        "tickets/survey.html",
        {
            "ticket": ticket,
            "form": form,
            "rating": rating,
            "autosubmit": autosubmit,
            "until": _until(link),
            "token": token,
        },
        status=status,
    )


@require_POST
@login_required
def portal_satisfaction(request: HttpRequest, number: int) -> HttpResponse:
    """The requester rates their solved request from the portal. Someone
    else's ticket is a 404, like any ticket they may not see."""
    ticket = selectors.ticket_get_for(request.user, number)
    form = SatisfactionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose Good or Bad to rate this request.")
    else:
        try:
            satisfaction_rate(
                ticket=ticket,
                actor=request.user,
                rating=form.cleaned_data["rating"],
                comment=form.comment_sent(),
            )
        except PermissionDeniedError as error:
            raise PermissionDenied(error.message) from error
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "Thank you for rating our support.")
    return redirect(f"{ticket.get_absolute_url()}#satisfaction")
