"""Canned responses: the agent's own, and the shared ones admins keep."""

from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.decorators import agent_required
from helpdesk.errors import ApplicationError
from tickets import selectors, services
from tickets.forms import CannedResponseForm
from tickets.models import CannedResponse

from .common import get_or_404


def _editable(user) -> object:
    """The responses this user may change: their own, and shared ones for admins."""
    condition = Q(owner=user)
    if user.is_admin:
        condition |= Q(shared=True)
    return CannedResponse.objects.filter(condition)


@agent_required
def canned_list(request: HttpRequest) -> HttpResponse:
    responses = list(selectors.canned_for(request.user).order_by("-shared", "title"))
    for response in responses:
        response.editable = services.can_edit_canned(request.user, response)
    return render(
        request,
        "tickets/agent/canned_list.html",
        {
            "responses": responses,
            "form": CannedResponseForm(user=request.user),
            "placeholders": services.PLACEHOLDERS,
        },
    )


@require_POST
@agent_required
def canned_create(request: HttpRequest) -> HttpResponse:
    form = CannedResponseForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            response = services.canned_create(
                actor=request.user,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                shared=form.cleaned_data.get("shared", False),
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"Saved “{response.title}”.")
            return redirect("tickets:canned_list")
    responses = list(selectors.canned_for(request.user))
    return render(
        request,
        "tickets/agent/canned_list.html",
        {"responses": responses, "form": form, "placeholders": services.PLACEHOLDERS},
        status=400,
    )


@agent_required
def canned_edit(request: HttpRequest, canned_id: str) -> HttpResponse:
    response = get_or_404(_editable(request.user), canned_id)
    form = CannedResponseForm(
        request.POST if request.method == "POST" else None,
        instance=response,
        user=request.user,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.canned_update(
                actor=request.user,
                response=CannedResponse.objects.get(pk=response.pk),
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                shared=form.cleaned_data.get("shared", response.shared),
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"Saved “{form.cleaned_data['title']}”.")
            return redirect("tickets:canned_list")
    return render(
        request,
        "tickets/agent/canned_form.html",
        {"form": form, "response": response, "placeholders": services.PLACEHOLDERS},
    )


@require_POST
@agent_required
def canned_delete(request: HttpRequest, canned_id: str) -> HttpResponse:
    response = get_or_404(_editable(request.user), canned_id)
    services.canned_delete(actor=request.user, response=response)
    messages.success(request, f"Deleted “{response.title}”.")
    return redirect("tickets:canned_list")
