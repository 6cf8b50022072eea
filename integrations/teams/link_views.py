"""The portal pages that link a Teams user to an account.

The bot answers an unlinked person in the channel with
``/integrations/teams/link/<token>/``; that answer is visible to everyone in
the channel. So the confirmation page names the Teams user the link is for
and asks only the person who wrote to confirm, the token expires after
``TEAMS_LINK_MAX_AGE_MINUTES``, and a link never replaces another person's
(``links.teams_link_confirm``). Nothing is written until the POST.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from helpdesk.errors import ApplicationError
from helpdesk.shortcuts import get_or_404, id_value

from ..models import TeamsConnector, TeamsLink
from .linking import LinkTokenInvalid, link_token_read
from .links import (
    teams_link_confirm,
    teams_link_taken_message,
    teams_links_of,
)
from .links import teams_link_remove as link_remove


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def teams_link(request: HttpRequest, token: str) -> HttpResponse:
    """GET: who the link is for and what it allows, with Confirm and Cancel.
    POST: make the link, then show the person's links.

    A forged or changed token is a 400 page, an expired one a 410 page; a
    Teams user already linked to another account is a 409 page without a
    Confirm button. None of these writes anything."""
    try:
        link_request = link_token_read(token)
    except LinkTokenInvalid as error:
        expired = isinstance(error.__cause__, signing.SignatureExpired)
        return render(
            request,
            "integrations/teams_link_invalid.html",
            {
                "expired": expired,
                "max_age_minutes": settings.TEAMS_LINK_MAX_AGE_MINUTES,
            },
            status=410 if expired else 400,
        )
    existing = (
        TeamsLink.objects.filter(
            tenant_id=link_request.tenant_id,
            aad_object_id=link_request.aad_object_id,
        )
        .only("pk", "user_id", "linked_at")
        .first()
    )
    refusal = ""
    if request.method == "POST":
        try:
            teams_link_confirm(user=request.user, request=link_request)
        except ApplicationError as error:
            refusal = error.message
        else:
            name = link_request.display_name or "Your Teams account"
            if existing is not None:
                messages.info(request, f"{name} was already linked to your account.")
            else:
                messages.success(
                    request,
                    f"{name} is now linked to your account. Write to the "
                    "helpdesk in Teams again: it knows you now.",
                )
            return redirect("integrations:teams_links")
    elif existing is not None and existing.user_id != request.user.pk:
        refusal = teams_link_taken_message(link_request.display_name)
    return render(
        request,
        "integrations/teams_link.html",
        {
            "link_request": link_request,
            "already_yours": existing is not None
            and existing.user_id == request.user.pk,
            "refusal": refusal,
            "connector": _connector(link_request.connector_id),
            "max_age_minutes": settings.TEAMS_LINK_MAX_AGE_MINUTES,
        },
        status=409 if refusal else 200,
    )


def _connector(connector_id: str) -> TeamsConnector | None:
    """The connector the person wrote through, to name its channel (None
    when it was removed since)."""
    value = id_value(TeamsConnector, connector_id)
    if value is None:
        return None
    return TeamsConnector.objects.filter(pk=value).only("pk", "name").first()


@never_cache
@require_http_methods(["GET"])
@login_required
def teams_links(request: HttpRequest) -> HttpResponse:
    """The signed-in person's Teams links, each with Remove; an empty state
    says how to make one."""
    return render(
        request,
        "integrations/teams_links.html",
        {"links": list(teams_links_of(request.user))},
    )


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def teams_link_remove(request: HttpRequest, link_id: str) -> HttpResponse:
    """GET: ask first. POST: remove one of the signed-in person's links.
    Another person's link, or one that does not exist, is a 404."""
    link = get_or_404(teams_links_of(request.user), link_id)
    if request.method == "POST":
        try:
            link_remove(actor=request.user, link=link)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                f"{link.display_name or 'The Teams user'} is no longer linked to "
                "your account. The helpdesk answers them with help only.",
            )
        return redirect("integrations:teams_links")
    return render(request, "integrations/teams_link_remove.html", {"link": link})
