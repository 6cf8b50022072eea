from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_POST

from accounts import services
from accounts.forms import LoginForm, RegistrationForm, ResetForm
from accounts.tasks import send_confirmation_email
from accounts.tokens import email_token_check
from helpdesk.errors import ApplicationError

from .mfa import begin_second_step


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "allow_registration": settings.ALLOW_REGISTRATION,
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
    """Customer self-registration, when ALLOW_REGISTRATION is on."""
    if not settings.ALLOW_REGISTRATION:
        raise Http404("Registration is closed.")
    if request.user.is_authenticated:
        return redirect("home")
    form = RegistrationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.customer_create(
                email=form.cleaned_data["email"],
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password1"],
                join_organization=False,
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            transaction.on_commit(lambda: send_confirmation_email.delay(user.pk))
            messages.success(
                request,
                f"Welcome, {user.get_short_name()}! Your account is ready. We sent a "
                f"link to {user.email}: open it to confirm your address.",
            )
            return redirect("tickets:portal_home")
    return render(request, "accounts/register.html", {"form": form})


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
        # The reset link arrived at the address, so the address is proven.
        services.user_confirm_email(user=form.user)
        return super().form_valid(form)


def confirm_email(request: HttpRequest, token: str) -> HttpResponse:
    """The link from the confirmation email: the address is proven."""
    user = email_token_check(token)
    if user is None:
        messages.error(
            request,
            "That confirmation link is not valid any more. Sign in and ask for a "
            "new one from your profile.",
        )
        return redirect("home")
    services.user_confirm_email(user=user)
    joined = f" You joined {user.organization.name}." if user.organization else ""
    messages.success(request, f"Thanks, {user.email} is confirmed.{joined}")
    return redirect("home")


@require_POST
@login_required
def confirm_email_resend(request: HttpRequest) -> HttpResponse:
    if not request.user.email_verified:
        send_confirmation_email.delay(request.user.pk)
        messages.success(request, f"We sent a new link to {request.user.email}.")
    return redirect("accounts:profile")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form):
        messages.success(self.request, "Your password was changed.")
        return super().form_valid(form)
