from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts import services
from accounts.forms import ProfileForm


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = ProfileForm(
        request.POST if request.method == "POST" else None,
        initial={
            "full_name": user.full_name,
            "timezone": user.timezone,
            "language": user.language,
        },
    )
    if request.method == "POST" and form.is_valid():
        services.user_update_profile(user=user, **form.cleaned_data)
        messages.success(request, "Your profile was saved.")
        return redirect("accounts:profile")
    return render(
        request,
        "accounts/profile.html",
        {
            "form": form,
            "mfa_enabled": services.mfa_has_device(user),
            "can_have_api_keys": services.can_have_api_keys(user),
        },
    )


@require_POST
@login_required
def logout_other_sessions(request: HttpRequest) -> HttpResponse:
    """Sign out every other browser this account is signed in on."""
    services.user_logout_other_sessions(request=request)
    messages.success(request, "You are signed out everywhere else.")
    return redirect("accounts:profile")
