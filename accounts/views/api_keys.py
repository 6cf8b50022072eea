"""API keys: create (the secret is shown once), list, revoke."""

from datetime import datetime, time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts import services
from accounts.forms import ApiKeyForm
from accounts.models import ApiKey
from helpdesk.errors import ApplicationError
from helpdesk.shortcuts import get_or_404


def _require_keys_allowed(request: HttpRequest) -> None:
    if not services.can_have_api_keys(request.user):
        raise PermissionDenied("Your account cannot have API keys.")


@never_cache
@login_required
def api_keys(request: HttpRequest) -> HttpResponse:
    """The user's keys and the form for a new one. A new key's secret is in
    this one response only: it is not stored, and the page is not cached.

    Creating a key needs a session that passed two-factor authentication,
    whatever MFA_REQUIRED_ROLES says (a key outlives the session and needs no
    code); without one the page lists the keys and says how to get there."""
    _require_keys_allowed(request)
    can_create = services.second_factor_passed(request.user)
    form = ApiKeyForm(request.POST if request.method == "POST" else None)
    new_key = None
    status = 200
    if request.method == "POST" and not can_create:
        form.add_error(
            None, "Turn on two-factor authentication before you create API keys."
        )
        status = 403
    elif request.method == "POST" and form.is_valid():
        expires_on = form.cleaned_data["expires_on"]
        try:
            _key, new_key = services.api_key_create(
                user=request.user,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                expires_at=timezone.make_aware(datetime.combine(expires_on, time.max))
                if expires_on
                else None,
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            form = ApiKeyForm()
    response = render(
        request,
        "accounts/api_keys.html",
        {
            "form": form,
            "keys": ApiKey.objects.filter(user=request.user, kind=ApiKey.Kind.KEY),
            "new_key": new_key,
            "can_create": can_create,
        },
        status=201 if new_key else status,
    )
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@login_required
def api_key_revoke(request: HttpRequest, key_id: str) -> HttpResponse:
    _require_keys_allowed(request)
    key = get_or_404(ApiKey.objects.filter(user=request.user), key_id)
    services.api_key_revoke(actor=request.user, key=key)
    messages.success(request, f"The key “{key.name}” is revoked; it no longer works.")
    return redirect("accounts:api_keys")
