"""The suspended-mail queue in the agent workspace: list, look, decide."""

from django.contrib import messages
from django.core.cache import cache
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import agent_required
from helpdesk.errors import ApplicationError
from tickets.views.common import paginate

from . import selectors, services
from .models import InboundEmail
from .parsing import parse_email

Status = InboundEmail.Status
PER_PAGE = 25
PREVIEW_CHARS = 5_000
# The kept original never changes: what the detail page shows of it is derived
# once (up to ~0.7 s for a 1 MB mail) and reused for a day.
CONTENT_CACHE_SECONDS = 24 * 60 * 60


@agent_required
def suspended_list(request: HttpRequest) -> HttpResponse:
    """Waiting mail (or, with ``?show=rejected``, the rejected), newest first."""
    showing = Status.REJECTED if request.GET.get("show") == "rejected" else None
    queryset = selectors.suspended_list_for(
        request.user, status=showing or Status.SUSPENDED
    ).order_by("-received_at", "-pk")
    return render(
        request,
        "integrations/suspended_list.html",
        {
            "page": paginate(request, queryset, PER_PAGE),
            "showing_rejected": showing is not None,
        },
    )


def _content(inbound: InboundEmail) -> dict:
    """What the mail says, read from the kept original on the first view and
    from the cache after that (a few KB: the preview, file names and sizes)."""
    return cache.get_or_set(
        f"integrations:suspended-content:{inbound.pk}:{inbound.raw.name}",
        lambda: _read_content(inbound),
        CONTENT_CACHE_SECONDS,
    )


def _read_content(inbound: InboundEmail) -> dict:
    with inbound.raw.open("rb") as handle:
        parsed = parse_email(handle.read())
    body = parsed.body.strip()
    return {
        "body": body[:PREVIEW_CHARS],
        "body_cut": len(body) > PREVIEW_CHARS,
        "files": [(item.name, len(item.data)) for item in parsed.attachments[:50]],
        "more_files": max(0, len(parsed.attachments) - 50),
        "authentication_results": parsed.authentication_results[:10],
    }


@agent_required
def suspended_detail(request: HttpRequest, inbound_id: str) -> HttpResponse:
    inbound = selectors.suspended_get_for(request.user, inbound_id)
    return render(
        request,
        "integrations/suspended_detail.html",
        {"inbound": inbound, **_content(inbound)},
    )


@require_POST
@agent_required
def suspended_accept(request: HttpRequest, inbound_id: str) -> HttpResponse:
    """Let the mail through as the reply it claimed to be."""
    inbound = selectors.suspended_get_for(request.user, inbound_id)
    try:
        result = services.suspended_accept(inbound=inbound, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("integrations:suspended_list")
    if result.status == Status.PROCESSED and result.message_id:
        messages.success(request, f"Accepted: {result.outcome}.")
        return redirect(
            f"{result.message.ticket.get_agent_url()}#message-{result.message_id}"
        )
    messages.warning(request, f"Accepted, but it could not be added: {result.outcome}.")
    return redirect("integrations:suspended_list")


@agent_required
def suspended_reject(request: HttpRequest, inbound_id: str) -> HttpResponse:
    """GET asks for confirmation; POST rejects (the mail is kept)."""
    inbound = selectors.suspended_get_for(request.user, inbound_id)
    if request.method != "POST":
        return render(
            request, "integrations/suspended_reject.html", {"inbound": inbound}
        )
    try:
        services.suspended_reject(inbound=inbound, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            f"Rejected the mail from {inbound.from_address}. It is kept under "
            "Rejected and was not added to any ticket.",
        )
    return redirect(reverse("integrations:suspended_list"))


@require_GET
@agent_required
def message_original(request: HttpRequest, message_id: str) -> FileResponse:
    """The raw email a message came from, as received, to save and open in
    a mail program: it keeps every file, also those the intake set aside.
    A download, never shown in the browser."""
    inbound = selectors.inbound_original_get_for(request.user, message_id)
    try:
        handle = inbound.raw.open("rb")
    except FileNotFoundError:
        raise Http404("The original email is missing from storage.") from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"message-{inbound.message_id}.eml",
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
