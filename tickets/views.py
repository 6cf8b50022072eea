from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.decorators import agent_required

from . import selectors


@login_required
def portal_home(request: HttpRequest) -> HttpResponse:
    """The customer's start page: their requests that still need an answer."""
    tickets = selectors.ticket_list_visible_to(request.user).filter(
        requester=request.user
    )
    open_tickets = tickets.unsolved().order_by("-updated_at")[:20]
    return render(
        request,
        "tickets/portal_home.html",
        {"open_tickets": open_tickets, "total_count": tickets.count()},
    )


@agent_required
def agent_home(request: HttpRequest) -> HttpResponse:
    """The agent's start page: how much work there is and what is theirs."""
    return render(
        request,
        "tickets/agent_home.html",
        selectors.agent_dashboard(request.user),
    )
