"""One ticket in the workspace: the conversation, the reply box, the sidebar.

Every action is a plain form post that redirects back; when htmx sends it,
the sidebar actions answer with the partial they changed instead.
"""

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
)

from accounts.decorators import agent_required
from helpdesk.errors import ApplicationError
from tickets import permissions, selectors, services
from tickets.forms import (
    AgentReplyForm,
    AssignForm,
    MergeConfirmForm,
    MergeForm,
    StatusForm,
    TicketPropertiesForm,
)
from tickets.models import Ticket
from tickets.selectors.guards import RoutingPreview, ticket_routing_preview
from tickets.services.sla_policies import policy_cached

from .common import flash_rejected, get_or_404


def _detail_context(request: HttpRequest, number: int, **overrides) -> dict:
    context = selectors.agent_ticket_detail(request.user, number)
    ticket = context["ticket"]
    others, mine = selectors.ticket_presence(
        ticket, request.user, settings.PRESENCE_WINDOW_SECONDS
    )
    context.update(
        reply_form=AgentReplyForm(),
        properties_form=TicketPropertiesForm.for_ticket(ticket),
        merge_form=MergeForm(),
        canned=list(selectors.canned_for(request.user)),
        others=others,
        my_presence=mine,
        statuses=_status_choices(request.user, ticket),
        auto_close_days=settings.TICKET_AUTO_CLOSE_DAYS,
        read_only=ticket.is_closed,
        merge_live=selectors.ticket_merge_live_for(user=request.user, ticket=ticket),
        presence_poll_seconds=settings.PRESENCE_POLL_SECONDS,
        sla_policy=policy_cached(ticket.sla_policy_id)
        if ticket.sla_policy_id
        else None,
    )
    context.update(overrides)
    return context


def _status_choices(user, ticket: Ticket) -> list[tuple[str, str]]:
    """The statuses this agent can move this ticket to."""
    return [
        (value, label)
        for value, label in Ticket.Status.choices
        if permissions.can_change_status(user, ticket, value)
    ]


@agent_required
def agent_detail(request: HttpRequest, number: int) -> HttpResponse:
    context = _detail_context(request, number)
    services.presence_touch(
        ticket=context["ticket"],
        user=request.user,
        typing=False,
        seen=context["my_presence"],
    )
    return render(request, "tickets/agent/detail.html", context)


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    """A redirect that works for htmx requests too (a full page load)."""
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def _back(ticket: Ticket, anchor: str = "") -> HttpResponse:
    return redirect(ticket.get_agent_url() + (f"#{anchor}" if anchor else ""))


@require_POST
@agent_required
def agent_reply(request: HttpRequest, number: int) -> HttpResponse:
    """A public reply or an internal note, optionally submitted as a status.
    On a merged ticket (a page left open while someone merged it) it goes to
    the live ticket at the end of the merge chain, and the agent is taken
    there with a word about it."""
    ticket = selectors.ticket_get_for_agent(request.user, number)
    form = AgentReplyForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            message = services.message_add(
                ticket=ticket,
                author=request.user,
                body=data["body"],
                internal=data["kind"] == "internal",
                attachments=data["attachments"],
                status=data["status"] or None,
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            landed = message.ticket
            kind = "Internal note added" if message.internal else "Reply sent"
            if landed.pk == ticket.pk:
                messages.success(request, f"{kind} on {ticket.reference}.")
            else:
                messages.success(
                    request,
                    f"{ticket.reference} was merged into {landed.reference}; "
                    f"{kind.lower()} there.",
                )
            flash_rejected(request, message.rejected_attachments)
            return _back(landed, f"message-{message.pk}")
    context = _detail_context(request, number, reply_form=form)
    return render(request, "tickets/agent/detail.html", context, status=400)


def _sidebar_response(request, ticket: Ticket, *, error: str = "") -> HttpResponse:
    """The properties card after a change (htmx), or a redirect (no JS).

    A change can move the ticket out of the agent's departments; then the
    agent is sent back to the list with a word about where it went.
    """
    if not permissions.can_work_ticket(request.user, ticket):
        where = RoutingPreview(
            department=ticket.department, team=ticket.team, still_visible=False
        ).destination
        messages.info(
            request,
            f"{ticket.reference} moved to {where}; it is no longer in your queues.",
        )
        return _redirect(request, reverse("tickets:agent_list"))
    if request.htmx:
        context = _detail_context(request, ticket.number)
        context["sidebar_error"] = error
        return render(request, "tickets/agent/_sidebar.html", context)
    if error:
        messages.error(request, error)
    return _back(ticket)


def _sidebar_change(
    request, ticket: Ticket, change: Callable[[], object], done: str
) -> HttpResponse:
    """Run a sidebar change: its refusal shows in the sidebar; its success is
    flashed when the page reloads (htmx swaps the sidebar in place)."""
    try:
        change()
    except ApplicationError as error:
        return _sidebar_response(request, ticket, error=error.message)
    if not request.htmx:
        messages.success(request, done)
    return _sidebar_response(request, ticket)


@require_POST
@agent_required
def agent_update(request: HttpRequest, number: int) -> HttpResponse:
    """Save the triage fields that changed in the sidebar.

    A change that routes the ticket where this agent cannot see it is asked
    about first (a confirmation in the sidebar, or a page without htmx); the
    same post with ``confirmed`` makes it.
    """
    ticket = selectors.ticket_get_for_agent(request.user, number)
    form = TicketPropertiesForm.for_ticket(ticket, request.POST)
    if not form.is_valid():
        error = "; ".join(m for errors in form.errors.values() for m in errors)
        return _sidebar_response(request, ticket, error=error)
    changes = form.changes()
    route = ticket_routing_preview(request.user, ticket, changes)
    asked = route.consistent and not route.still_visible
    if asked and request.POST.get("confirmed") != "1":
        context = {"ticket": ticket, "properties_form": form, "route": route}
        if request.htmx:
            return render(request, "tickets/agent/_route_confirm.html", context)
        return render(request, "tickets/agent/route_confirm.html", context)
    return _sidebar_change(
        request,
        ticket,
        lambda: services.ticket_update(ticket=ticket, actor=request.user, **changes),
        f"{ticket.reference} moved to {route.destination}."
        if {"department", "team"} & set(changes)
        else f"{ticket.reference} was updated.",
    )


@require_POST
@agent_required
def agent_status(request: HttpRequest, number: int) -> HttpResponse:
    ticket = selectors.ticket_get_for_agent(request.user, number)
    form = StatusForm(request.POST)
    if not form.is_valid():
        return _sidebar_response(request, ticket, error="Choose a status.")
    try:
        services.ticket_change_status(
            ticket=ticket, actor=request.user, status=form.cleaned_data["status"]
        )
    except ApplicationError as error:
        return _sidebar_response(request, ticket, error=error.message)
    messages.success(
        request, f"{ticket.reference} is now {ticket.get_status_display().lower()}."
    )
    # The status changes the whole page (read-only when closed): reload it.
    return _redirect(request, ticket.get_agent_url())


@require_POST
@agent_required
def agent_take(request: HttpRequest, number: int) -> HttpResponse:
    """ "Take it": assign the ticket to yourself."""
    ticket = selectors.ticket_get_for_agent(request.user, number)
    return _sidebar_change(
        request,
        ticket,
        lambda: services.ticket_take(ticket=ticket, actor=request.user),
        f"{ticket.reference} is yours now.",
    )


@require_POST
@agent_required
def agent_assign(request: HttpRequest, number: int) -> HttpResponse:
    ticket = selectors.ticket_get_for_agent(request.user, number)
    form = AssignForm(request.POST)
    if not form.is_valid():
        return _sidebar_response(request, ticket, error="Choose an agent.")
    return _sidebar_change(
        request,
        ticket,
        lambda: services.ticket_assign(
            ticket=ticket, actor=request.user, assignee=form.cleaned_data["assignee"]
        ),
        f"{ticket.reference} was reassigned.",
    )


@require_http_methods(["GET", "POST"])
@agent_required
def agent_merge(request: HttpRequest, number: int) -> HttpResponse:
    """Merge this ticket into another the agent may work, in two steps.

    Naming the target (a GET from the sidebar, or a POST) shows both tickets
    and changes nothing; only the confirming POST (``confirm``) merges. A
    target the agent may not see is a 404, like any ticket they may not see;
    one that cannot take the merge is refused with why.
    """
    source = selectors.ticket_get_for_agent(request.user, number)
    form = MergeConfirmForm(request.POST if request.method == "POST" else request.GET)
    if not form.is_valid():
        messages.error(request, "Give the number of the ticket to merge into.")
        return _back(source)
    try:
        target = selectors.ticket_get_for_agent(
            request.user, form.cleaned_data["target"]
        )
    except Http404:
        # The same words whether the ticket is missing or hidden from this
        # agent, so a typo costs a message, not a page, and reveals nothing.
        messages.error(
            request,
            f"There is no ticket #{form.cleaned_data['target']} you can work on; "
            "check the number.",
        )
        return _back(source)
    try:
        services.ticket_merge_check(source=source, target=target, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
        return _back(source)
    visibility = form.cleaned_data["visibility"]
    if request.method == "POST" and form.cleaned_data["confirm"]:
        try:
            services.ticket_merge(
                source=source,
                target=target,
                actor=request.user,
                public=visibility == "public" if visibility else None,
            )
        except ApplicationError as error:
            messages.error(request, error.message)
            return _back(source)
        messages.success(request, f"Merged {source.reference} into {target.reference}.")
        return redirect(target.get_agent_url())
    public = services.merge_public_by_default(source=source, target=target)
    confirm_form = MergeConfirmForm(
        initial={
            "target": target.number,
            "visibility": visibility or ("public" if public else "internal"),
            "confirm": True,
        }
    )
    return render(
        request,
        "tickets/agent/merge_confirm.html",
        {
            "ticket": source,
            "preview": selectors.ticket_merge_preview(source=source, target=target),
            "form": confirm_form,
        },
    )


@require_GET
@agent_required
def agent_events(request: HttpRequest, number: int) -> HttpResponse:
    """The ticket's whole timeline."""
    ticket, events = selectors.event_list_for(request.user, number)
    template = (
        "tickets/agent/_timeline.html" if request.htmx else "tickets/agent/events.html"
    )
    return render(request, template, {"ticket": ticket, "events": events})


@require_POST
@agent_required
def agent_presence(request: HttpRequest, number: int) -> HttpResponse:
    """The page's check-in: record this agent, list the others (htmx poll)."""
    ticket = selectors.ticket_get_for_agent(request.user, number)
    typing = request.POST.get("typing") in {"1", "true", "on"}
    services.presence_touch(ticket=ticket, user=request.user, typing=typing)
    others, _ = selectors.ticket_presence(
        ticket, request.user, settings.PRESENCE_WINDOW_SECONDS
    )
    return render(
        request, "tickets/agent/_presence.html", {"ticket": ticket, "others": others}
    )


@require_POST
@agent_required
def agent_canned_insert(request: HttpRequest, number: int) -> HttpResponse:
    """Put a canned response, placeholders filled, into the reply box.

    A POST although it changes nothing: it is sent from the reply form, whose
    CSRF token and draft would otherwise travel in the URL (and so into
    server and proxy logs). Its token is checked like any other post.
    """
    ticket = selectors.ticket_get_for_agent(request.user, number)
    response = get_or_404(
        selectors.canned_for(request.user), request.POST.get("canned")
    )
    text = services.canned_render(response=response, ticket=ticket, agent=request.user)
    current = request.POST.get("body", "")
    body = f"{current.rstrip()}\n\n{text}" if current.strip() else text
    form = AgentReplyForm(
        initial={
            "body": body,
            "kind": request.POST.get("kind") or "public",
            "status": request.POST.get("status", ""),
        }
    )
    if request.htmx:
        return render(
            request,
            "tickets/agent/_reply_form.html",
            {
                "ticket": ticket,
                "reply_form": form,
                "canned": list(selectors.canned_for(request.user)),
                "statuses": _detail_context(request, number)["statuses"],
            },
        )
    context = _detail_context(request, number, reply_form=form)
    return render(request, "tickets/agent/detail.html", context)
