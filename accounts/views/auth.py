from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import SetPasswordForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.views.decorators.cache import never_cache

from accounts import services
from accounts.forms import (
    ConfirmWithPasswordForm,
    GuardedPasswordChangeForm,
    LoginForm,
    RegistrationForm,
    ResendConfirmationForm,
    ResetForm,
)
from accounts.models import User
from accounts.security import registration_rate_limit
from accounts.tokens import email_token_check
from helpdesk.ratelimit import RateLimited

from .mfa import begin_second_step

BACKEND = "accounts.backends.AccountBackend"


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context.get("form")
        return {
            **context,
            "allow_registration": settings.ALLOW_REGISTRATION,
            "awaiting_confirmation": getattr(form, "awaiting_confirmation", False),
        }

    def form_valid(self, form):
        """Password right: sign in, unless a second factor is still owed."""
        user = form.get_user()
        if services.mfa_has_device(user):
            return begin_second_step(self.request, user, self.get_success_url())
        return super().form_valid(form)


class LogoutView(auth_views.LogoutView):
    """POST only (Django's rule); says goodbye on the login page."""

    def post(self, request, *args, **kwargs):
        was_signed_in = request.user.is_authenticated
        response = super().post(request, *args, **kwargs)
        if was_signed_in:
            messages.success(request, "You have been signed out.")
        return response


def register(request: HttpRequest) -> HttpResponse:
    """Customer self-registration, when ALLOW_REGISTRATION is on.

    Signs nobody in, and answers "check your email" whether or not the address
    has an account (the owner of an existing one is emailed instead): see
    ``customer_register``. Limited per address and per client IP."""
    if not settings.ALLOW_REGISTRATION:
        raise Http404("Registration is closed.")
    if request.user.is_authenticated:
        return redirect("home")
    form = RegistrationForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            registration_rate_limit(request, data["email"])
        except RateLimited as error:
            form.add_error(None, error.message)
            status = 429
        else:
            services.customer_register(
                email=data["email"],
                full_name=data["full_name"],
                password=data["password1"],
            )
            return redirect("accounts:register_done")
    return render(request, "accounts/register.html", {"form": form}, status=status)


def register_done(request: HttpRequest) -> HttpResponse:
    return render(
        request, "accounts/register_done.html", {"form": ResendConfirmationForm()}
    )


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset_form.html"
    form_class = ResetForm
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        # The reset link arrived at the address, so the address is proven;
        # every session opened with an older password is signed out.
        services.user_confirm_email(user=form.user)
        return super().form_valid(form)


@never_cache
def confirm_email(request: HttpRequest, token: str) -> HttpResponse:
    """The link from the confirmation email.

    Opening it proves the address but changes nothing (mail scanners open
    links too). The page asks for the password chosen when signing up, or a
    new one; either way the password that remains is known to whoever reads
    the address, so one typed by someone who registered an address they do
    not own stops working, and every other session is signed out. The owner
    is then signed in (after the second factor, if they have one)."""
    user = email_token_check(token)
    if user is None or not user.is_active:
        messages.error(
            request,
            "That confirmation link is not valid any more. Ask for a new one below.",
        )
        return redirect("accounts:confirm_email_resend")
    if user.email_verified:
        messages.info(request, f"{user.email} is confirmed already.")
        return redirect("home" if request.user.is_authenticated else "accounts:login")
    signed_in_here = request.user.is_authenticated and request.user.pk == user.pk
    action = request.POST.get("action") if request.method == "POST" else None
    password_form = ConfirmWithPasswordForm(
        user, request.POST if action == "password" else None
    )
    new_password_form = SetPasswordForm(user, request.POST if action == "new" else None)
    if action == "here" and signed_in_here:
        services.user_confirm_email(user=user)
        update_session_auth_hash(request, user)
        return _confirmed(request, user)
    if action == "password" and user.has_usable_password() and password_form.is_valid():
        services.user_confirm_email(user=user)
        return _sign_in_confirmed(request, user)
    if action == "new" and new_password_form.is_valid():
        services.user_confirm_email(
            user=user, new_password=new_password_form.cleaned_data["new_password1"]
        )
        return _sign_in_confirmed(request, user)
    return render(
        request,
        "accounts/confirm_email.html",
        {
            "confirming": user,
            "signed_in_here": signed_in_here,
            "has_password": user.has_usable_password(),
            "password_form": password_form,
            "new_password_form": new_password_form,
        },
        status=400 if action else 200,
    )


def _sign_in_confirmed(request: HttpRequest, user: User) -> HttpResponse:
    user.backend = BACKEND
    if services.mfa_has_device(user):
        return begin_second_step(request, user, reverse("home"))
    login(request, user, backend=BACKEND)
    return _confirmed(request, user)


def _confirmed(request: HttpRequest, user: User) -> HttpResponse:
    joined = f" You joined {user.organization.name}." if user.organization else ""
    messages.success(request, f"Thanks, {user.email} is confirmed.{joined}")
    return redirect("home")


def confirm_email_resend(request: HttpRequest) -> HttpResponse:
    """Ask for a new confirmation link. The answer is the same whether or
    not the address has an account waiting for confirmation; limited like
    registration, per address and per client IP."""
    initial = {"email": request.user.email} if request.user.is_authenticated else {}
    form = ResendConfirmationForm(
        request.POST if request.method == "POST" else None, initial=initial
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            registration_rate_limit(request, form.cleaned_data["email"])
        except RateLimited as error:
            form.add_error(None, error.message)
            status = 429
        else:
            services.confirmation_resend(email=form.cleaned_data["email"])
            messages.success(
                request,
                "If an account with that address is waiting for confirmation, we "
                "sent it a new link. It works for three days.",
            )
            return redirect(
                "accounts:profile"
                if request.user.is_authenticated
                else "accounts:login"
            )
    return render(
        request, "accounts/confirm_email_resend.html", {"form": form}, status=status
    )


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


class PasswordChangeView(auth_views.PasswordChangeView):
    """A wrong current password counts as a failed sign-in; at the lockout
    limit the session is signed out and the lockout page answers (429)."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")
    form_class = GuardedPasswordChangeForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def form_invalid(self, form):
        if getattr(self.request, "axes_locked_out", False):
            logout(self.request)
        return super().form_invalid(form)

    def form_valid(self, form):
        messages.success(self.request, "Your password was changed.")
        return super().form_valid(form)
