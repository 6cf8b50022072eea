"""The agent workspace: the dashboard, the ticket list and opening tickets."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.decorators import agent_required
from accounts.models import User
from accounts.services import customer_get_or_create
from helpdesk.db import atomic
from helpdesk.errors import ApplicationError
from tickets import selectors, services
from tickets.forms import (
    AgentTicketCreateForm,
    BulkActionForm,
    SavedFilterForm,
    TicketFilterForm,
)
from tickets.models import SavedFilter, Ticket
from tickets.selectors.guards import BulkStatusPreview, bulk_status_preview

from .common import flash_rejected, get_or_404, paginate_seek, safe_next


@agent_required
def agent_home(request: HttpRequest) -> HttpResponse:
    """The agent's start page: how much work there is and what is theirs."""
    return render(
        request, "tickets/agent/home.html", selectors.agent_dashboard(request.user)
    )


@agent_required
def agent_list(request: HttpRequest) -> HttpResponse:
    """The queue: views, filters, search, sorting, paging and bulk actions."""
    form = TicketFilterForm(request.GET or None)
    if form.is_bound:
        form.is_valid()
    filters = form.filters()
    counts = selectors.agent_view_counts(request.user)
    page = paginate_seek(
        request,
        selectors.agent_ticket_list(request.user, filters).for_rows(),
        selectors.sort_order(filters.sort),
        form.page_size(),
        # A bare view's total is one of the (kept) view counts, unless it
        # stopped at its limit ("1000+" at risk).
        count=counts[filters.view]
        if filters.is_bare_view()
        and not isinstance(counts[filters.view], selectors.CountAtLeast)
        else None,
        partitions=selectors.agent_list_partitions(request.user, filters),
    )
    context = {
        "form": form,
        "filters": filters,
        "page": page,
        "view_label": selectors.VIEWS.get(filters.view, selectors.VIEWS["all"]),
        "bulk_form": BulkActionForm(user=request.user),
        "current_url": request.get_full_path(),
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, "tickets/agent/_results.html", context)
    context.update(
        views=[(key, label, counts[key]) for key, label in selectors.VIEWS.items()],
        saved_filters=list(selectors.saved_filters_for(request.user)),
        save_form=SavedFilterForm(initial={"query": request.GET.urlencode()}),
    )
    return render(request, "tickets/agent/list.html", context)


@require_POST
@agent_required
def agent_bulk(request: HttpRequest) -> HttpResponse:
    """Apply one change to the selected rows and say what was refused."""
    back = safe_next(request, reverse("tickets:agent_list"))
    form = BulkActionForm(request.POST, user=request.user)
    if not form.is_valid():
        errors = "; ".join(
            message for field in form.errors.values() for message in field
        )
        messages.error(request, f"Nothing was changed: {errors}")
        return redirect(back)
    data = form.cleaned_data
    action = data["action"]
    if action == "status" and not data["confirmed"]:
        preview = bulk_status_preview(request.user, data["tickets"], data["status"])
        if preview.emails_customers:
            return _bulk_confirm(request, preview, data["tickets"], back)
    kwargs = {}
    if action == "assign":
        kwargs["assignee"] = (
            None
            if data["assignee"] == "none"
            else User.objects.filter(pk=data["assignee"]).first()
        )
    else:
        kwargs[action] = data[action]
    result = services.tickets_bulk_update(
        actor=request.user, numbers=data["tickets"], **kwargs
    )
    if result.changed:
        messages.success(
            request,
            f"Changed {len(result.changed)} of {len(data['tickets'])} selected: "
            + ", ".join(f"#{n}" for n in result.changed)
            + f". {_bulk_outcome(action, kwargs)}",
        )
    for number, reason in result.refused:
        messages.error(request, f"#{number} was not changed: {reason}")
    return redirect(back)


def _bulk_outcome(action: str, kwargs: dict) -> str:
    """What the bulk action did, for its success message."""
    if action == "assign":
        assignee = kwargs["assignee"]
        return f"Assigned to {assignee.display_name}." if assignee else "Unassigned."
    if action == "status":
        return f"Status now {Ticket.Status(kwargs['status']).label}."
    return f"Priority now {Ticket.Priority(kwargs['priority']).label}."


def _bulk_confirm(
    request: HttpRequest, preview: BulkStatusPreview, numbers: list[int], back: str
) -> HttpResponse:
    """Ask before a bulk change that emails customers; the same post, with
    ``confirmed``, makes it. Cancel is a link back to the list."""
    return render(
        request,
        "tickets/agent/bulk_confirm.html",
        {
            "preview": preview,
            "numbers": numbers,
            "back": back,
            "status_label": Ticket.Status(preview.status).label,
            "changing_count": len(preview.changing),
            "customer_count": preview.customer_count,
        },
    )


@require_POST
@agent_required
def saved_filter_save(request: HttpRequest) -> HttpResponse:
    form = SavedFilterForm(request.POST)
    if form.is_valid():
        try:
            saved = services.saved_filter_save(
                owner=request.user,
                name=form.cleaned_data["name"],
                query=form.cleaned_data["query"],
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"Saved the filter “{saved.name}”.")
            return redirect(f"{reverse('tickets:agent_list')}?{saved.query}")
    else:
        messages.error(request, "Give the filter a name to save it.")
    return redirect(safe_next(request, reverse("tickets:agent_list")))


@require_POST
@agent_required
def saved_filter_delete(request: HttpRequest, filter_id: str) -> HttpResponse:
    saved = get_or_404(SavedFilter.objects.filter(owner=request.user), filter_id)
    services.saved_filter_delete(owner=request.user, saved=saved)
    messages.success(request, f"Deleted the filter “{saved.name}”.")
    return redirect(safe_next(request, reverse("tickets:agent_list")))


@agent_required
def agent_new(request: HttpRequest) -> HttpResponse:
    """Open a ticket on a customer's behalf, creating the customer if new."""
    form = AgentTicketCreateForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        # One write transaction for the new customer and the ticket: on
        # SQLite each is a turn at the single writer. Decorated, not a
        # with-block: MongoDB may run it again whole after a write conflict.
        @atomic
        def open_ticket() -> tuple[User, bool, Ticket]:
            requester, created = customer_get_or_create(
                email=data["requester_email"], full_name=data["requester_name"]
            )
            ticket = services.ticket_create(
                requester=requester,
                actor=request.user,
                subject=data["subject"],
                body=data["body"],
                category=data["category"],
                priority=data["priority"],
                assignee=request.user if data["assign_to_me"] else None,
                channel=Ticket.Channel.AGENT,
                attachments=data["attachments"],
            )
            return requester, created, ticket

        try:
            requester, created, ticket = open_ticket()
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            note = " (new customer)" if created else ""
            messages.success(
                request,
                f"Opened {ticket.reference} for {requester.display_name}{note}.",
            )
            flash_rejected(request, ticket.rejected_attachments)
            return redirect(ticket.get_agent_url())
    return render(request, "tickets/agent/new.html", {"form": form})
