"""The customer portal: open requests and follow them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.security import ticket_rate_limit
from helpdesk.errors import ApplicationError, PermissionDeniedError
from helpdesk.ratelimit import RateLimited
from tickets import permissions, selectors, services
from tickets.forms import (
    PortalFilterForm,
    PortalReplyForm,
    PortalStatusForm,
    PortalTicketForm,
)
from tickets.models import Ticket

from .common import flash_rejected, paginate_seek

PORTAL_PAGE_SIZE = 20


@login_required
def portal_home(request: HttpRequest) -> HttpResponse:
    """The customer's start page: their requests that still need an answer."""
    mine = selectors.ticket_list_visible_to(request.user).filter(requester=request.user)
    return render(
        request,
        "tickets/portal/home.html",
        {
            "open_tickets": list(mine.unsolved().order_by("-updated_at")[:20]),
            "total_count": mine.count(),
        },
    )


@login_required
def portal_list(request: HttpRequest) -> HttpResponse:
    """Every request the customer may see, filtered by status and searched."""
    form = PortalFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    status, q = data.get("status", ""), data.get("q", "")
    tickets = selectors.portal_ticket_list(request.user, status=status, q=q)
    page = paginate_seek(
        request,
        tickets,
        selectors.sort_order("-updated"),
        PORTAL_PAGE_SIZE,
        partitions=selectors.portal_list_partitions(request.user, q=q),
    )
    context = {
        "form": form,
        "page": page,
        "shares": bool(
            request.user.organization_id and request.user.organization.share_tickets
        ),
        "filtered": bool(data.get("status") or data.get("q")),
    }
    template = (
        "tickets/portal/_results.html" if request.htmx else "tickets/portal/list.html"
    )
    return render(request, template, context)


@login_required
def portal_new(request: HttpRequest) -> HttpResponse:
    form = PortalTicketForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            # Per address and per client IP: nobody floods the queue or
            # an inbox with acknowledgements (the text is kept on refusal).
            ticket_rate_limit(request, address=request.user.email, per_ip=True)
            ticket = services.ticket_create(
                requester=request.user,
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
                category=form.cleaned_data["category"],
                attachments=form.cleaned_data["attachments"],
                channel=Ticket.Channel.PORTAL,
            )
        except RateLimited as error:
            form.add_error(None, error.message)
            status = 429
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, f"Thanks! Your request {ticket.reference} is with our team."
            )
            flash_rejected(request, ticket.rejected_attachments)
            return redirect(ticket.get_absolute_url())
    return render(request, "tickets/portal/new.html", {"form": form}, status=status)


@login_required
def portal_detail(request: HttpRequest, number: int) -> HttpResponse:
    """The public conversation. Agents who work the ticket go to their view."""
    ticket, conversation = selectors.portal_ticket_detail(request.user, number)
    if permissions.can_work_ticket(request.user, ticket):
        return redirect(ticket.get_agent_url())
    return _render_detail(request, ticket, conversation, PortalReplyForm())


def _render_detail(request, ticket, conversation, reply_form, status=200):
    return render(
        request,
        "tickets/portal/detail.html",
        {
            "ticket": ticket,
            "conversation": conversation,
            "reply_form": reply_form,
            "merge_live": selectors.ticket_merge_live_for(
                user=request.user, ticket=ticket
            ),
            "can_solve": permissions.can_change_status(
                request.user, ticket, Ticket.Status.SOLVED
            ),
            "can_reopen": permissions.can_change_status(
                request.user, ticket, Ticket.Status.OPEN
            ),
            "colleague": permissions.sees_as_colleague(request.user, ticket),
        },
        status=status,
    )


@require_POST
@login_required
def portal_reply(request: HttpRequest, number: int) -> HttpResponse:
    """A reply; on a closed request it opens a follow-up, never a lost message."""
    ticket, conversation = selectors.portal_ticket_detail(request.user, number)
    form = PortalReplyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            message = services.message_reply_or_follow_up(
                ticket=ticket,
                author=request.user,
                body=form.cleaned_data["body"],
                attachments=form.cleaned_data["attachments"],
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            landed = message.ticket
            if landed.pk == ticket.pk:
                messages.success(request, "Your reply was sent.")
            elif not message.opened_follow_up:
                messages.success(
                    request,
                    f"{ticket.reference} was merged into {landed.reference}; "
                    "your reply was added there.",
                )
            elif landed.follow_up_of_id == ticket.pk:
                messages.success(
                    request,
                    f"{ticket.reference} was closed, so your reply opened a new "
                    f"request, {landed.reference}.",
                )
            else:
                messages.success(
                    request,
                    f"{ticket.reference} was merged into "
                    f"{landed.follow_up_of.reference}, which is closed, so your "
                    f"reply opened a new request, {landed.reference}.",
                )
            flash_rejected(request, message.rejected_attachments)
            return redirect(f"{landed.get_absolute_url()}#message-{message.pk}")
    return _render_detail(request, ticket, conversation, form, status=400)


@require_POST
@login_required
def portal_status(request: HttpRequest, number: int) -> HttpResponse:
    """Mark a request solved, or reopen a solved one: the requester's call
    (and our team's). A colleague who sees a shared request is refused, 403."""
    ticket = selectors.ticket_get_for(request.user, number)
    form = PortalStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose solved or open.")
        return redirect(ticket.get_absolute_url())
    try:
        services.ticket_change_status(
            ticket=ticket, actor=request.user, status=form.cleaned_data["status"]
        )
    except PermissionDeniedError as error:
        if permissions.sees_as_colleague(request.user, ticket):
            raise PermissionDenied(error.message) from error
        messages.error(request, error.message)  # e.g. a page left open
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        if ticket.status == Ticket.Status.SOLVED:
            messages.success(request, f"{ticket.reference} is marked solved. Thanks!")
        else:
            messages.success(request, f"{ticket.reference} is open again.")
    return redirect(ticket.get_absolute_url())
