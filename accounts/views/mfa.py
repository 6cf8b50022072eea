"""Two-factor authentication: enrolment, the second sign-in step, backup
codes and turning it off."""

import base64
import time

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from accounts import services
from accounts.forms import MFAConfirmForm, MFADisableForm, MFAVerifyForm
from accounts.models import User
from helpdesk.errors import ApplicationError

PENDING = "mfa_pending"
PENDING_SECONDS = 300
# Set when the emailed enrolment code checked out: the QR code may be shown.
EMAIL_PROVED = "mfa_enrol_email_proved"
EMAIL_PROVED_SECONDS = 15 * 60


def begin_second_step(request: HttpRequest, user: User, next_url: str):
    """The password was right; remember who, not yet signed in, and ask for a
    code. The session holds no authenticated user until the code checks out."""
    request.session[PENDING] = {
        "user": str(user.pk),
        "backend": user.backend,
        "next": next_url,
        "at": time.time(),
    }
    return redirect("accounts:mfa_verify")


def _pending_user(request: HttpRequest) -> tuple[User | None, dict]:
    pending = request.session.get(PENDING) or {}
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        request.session.pop(PENDING, None)
        return None, {}
    user = User.objects.filter(pk=pending["user"], is_active=True).first()
    return user, pending


def _safe(request: HttpRequest, url: str | None) -> str:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return settings.LOGIN_REDIRECT_URL


@never_cache
def mfa_verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: a code from the app or a backup code.

    Also serves a signed-in session that is not verified yet (one opened
    before the authenticator was added)."""
    if request.user.is_authenticated:
        if request.user.is_verified() or not services.mfa_has_device(request.user):
            return redirect(_safe(request, request.GET.get("next")))
        user, pending = request.user, {"next": request.GET.get("next")}
    else:
        user, pending = _pending_user(request)
        if user is None:
            messages.info(request, "Sign in again to continue.")
            return redirect("accounts:login")
    form = MFAVerifyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.mfa_verify(user=user, code=form.cleaned_data["code"])
        except ApplicationError as error:
            form.add_error("code", error.message)
        else:
            if not request.user.is_authenticated:
                auth_login(request, user, backend=pending["backend"])
            otp_login(request, device)
            request.session.pop(PENDING, None)
            if device.__class__.__name__ == "StaticDevice":
                left = services.mfa_backup_codes_left(user)
                messages.warning(
                    request,
                    f"You used a backup code; {left} left. "
                    "Make new ones from your profile when you run low.",
                )
            return redirect(_safe(request, pending.get("next")))
    return render(request, "accounts/mfa_verify.html", {"form": form})


def _qr_svg(url: str) -> str:
    """The enrolment QR code, drawn here: the secret never leaves the server."""
    image = qrcode.make(
        url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2
    )
    return image.to_string(encoding="unicode")


def _grouped_secret(device) -> str:
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _backup_codes_page(request: HttpRequest, codes: list[str]) -> HttpResponse:
    """Backup codes are shown on this one response and never again."""
    response = render(request, "accounts/mfa_backup_codes.html", {"codes": codes})
    response["Cache-Control"] = "no-store"
    return response


def _masked(email: str) -> str:
    """``ada@example.com`` -> ``a**@example.com``: enough to recognise it."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}{'*' * max(2, len(local) - 1)}@{domain}"


def _email_proved(request: HttpRequest, user: User) -> bool:
    proof = request.session.get(EMAIL_PROVED) or {}
    return (
        proof.get("user") == str(user.pk)
        and time.time() - proof.get("at", 0) < EMAIL_PROVED_SECONDS
    )


def _email_step(request: HttpRequest, user: User) -> HttpResponse:
    """Before the first authenticator: prove the account's email address with
    an emailed code. Nothing about the authenticator (secret, QR code) exists
    or is shown until then, and an app code posted here is refused."""
    action = request.POST.get("action") if request.method == "POST" else None
    form = MFAConfirmForm(request.POST if action == "email_code" else None)
    form.fields["code"].label = "Code from the email"
    form.fields["code"].help_text = "Six digits, sent to you just now."
    send_error, status = None, 200
    if action == "send":
        try:
            services.mfa_enrolment_code_send(user=user)
        except ApplicationError as error:
            send_error = error.message
        else:
            messages.success(
                request, f"We sent a code to {_masked(user.email)}. It works once."
            )
            return redirect("accounts:mfa")
    elif action == "email_code" and form.is_valid():
        try:
            services.mfa_enrolment_code_check(user=user, code=form.cleaned_data["code"])
        except ApplicationError as error:
            form.add_error("code", error.message)
        else:
            request.session[EMAIL_PROVED] = {"user": str(user.pk), "at": time.time()}
            messages.success(request, "Address confirmed. Now set up your app.")
            return redirect("accounts:mfa")
    elif request.method == "POST" and action != "email_code":
        send_error = "Confirm your email address first."
        status = 403
    return render(
        request,
        "accounts/mfa_enrol_email.html",
        {
            "form": form,
            "send_error": send_error,
            "email": _masked(user.email),
            "required": services.mfa_required(user),
        },
        status=status,
    )


@never_cache
@login_required
def mfa_setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app, or manage the one already enrolled.

    Enrolling needs the emailed code first (``_email_step``), for every role:
    the same rule for customers who opt in as for staff who must."""
    user = request.user
    if services.mfa_has_device(user):
        return render(
            request,
            "accounts/mfa_manage.html",
            {
                "codes_left": services.mfa_backup_codes_left(user),
                "disable_form": MFADisableForm(),
                "required": services.mfa_required(user),
            },
        )
    if not _email_proved(request, user):
        return _email_step(request, user)
    device = services.mfa_device_pending(user=user)
    form = MFAConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.mfa_confirm(user=user, code=form.cleaned_data["code"])
        except ApplicationError as error:
            form.add_error("code", error.message)
        else:
            otp_login(request, user.confirmed_device)
            request.session.pop(EMAIL_PROVED, None)
            messages.success(request, "Two-factor authentication is on.")
            return _backup_codes_page(request, codes)
    return render(
        request,
        "accounts/mfa_setup.html",
        {
            "form": form,
            "qr_svg": mark_safe(_qr_svg(device.config_url)),  # noqa: S308 - ours
            "secret": _grouped_secret(device),
            "required": services.mfa_required(user),
        },
    )


@require_POST
@login_required
def mfa_backup_codes(request: HttpRequest) -> HttpResponse:
    if not services.mfa_has_device(request.user) or not request.user.is_verified():
        return redirect("accounts:mfa")
    codes = services.mfa_backup_codes_regenerate(user=request.user)
    messages.success(request, "New backup codes made; the old ones no longer work.")
    return _backup_codes_page(request, codes)


@require_POST
@login_required
def mfa_disable(request: HttpRequest) -> HttpResponse:
    form = MFADisableForm(request.POST)
    if form.is_valid():
        try:
            services.mfa_disable(
                user=request.user,
                password=form.cleaned_data["password"],
                code=form.cleaned_data["code"],
                request=request,
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "Two-factor authentication is off.")
            return redirect("accounts:profile")
    else:
        messages.error(request, "Enter your password and a code to turn it off.")
    return redirect("accounts:mfa")
