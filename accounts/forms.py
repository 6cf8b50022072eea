import zoneinfo
from urllib.parse import urlsplit

from axes.handlers.proxy import AxesProxyHandler
from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    PasswordResetForm,
)
from django.contrib.auth.signals import user_login_failed

from .models import User, normalize_email_address

TIMEZONES = sorted(zoneinfo.available_timezones())


class LoginForm(AuthenticationForm):
    """Sign in with an email address; letter case does not matter."""

    username = forms.EmailField(
        label="Email address",
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That email address and password do not match an account.",
        "awaiting_confirmation": "Confirm your email address first: open the link "
        "we sent to %(email)s. No email? Ask for a new link below.",
    }

    awaiting_confirmation = False

    def clean(self):
        """A self-registered account that has not confirmed its address is
        refused by the backend like a wrong password. Whoever typed its
        right password registered it, so telling them why reveals nothing
        they do not know; everyone else sees the usual refusal."""
        try:
            return super().clean()
        except forms.ValidationError:
            pending = getattr(self.request, "account_awaiting_confirmation", None)
            if pending is not None and not getattr(
                self.request, "axes_locked_out", False
            ):
                self.awaiting_confirmation = True
                raise forms.ValidationError(
                    self.error_messages["awaiting_confirmation"],
                    code="awaiting_confirmation",
                    params={"email": pending.email},
                ) from None
            raise


class RegistrationForm(forms.Form):
    full_name = forms.CharField(
        label="Your name",
        max_length=150,
        widget=forms.TextInput({"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label="Email address", widget=forms.EmailInput({"autocomplete": "email"})
    )
    password1 = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput({"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label="Password again",
        strip=False,
        widget=forms.PasswordInput({"autocomplete": "new-password"}),
    )

    def clean_email(self):
        # Whether the address has an account is not said here: the owner
        # is told by email instead (accounts.services.customer_register).
        return normalize_email_address(self.cleaned_data["email"])

    def clean(self):
        data = super().clean()
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords differ.")
        elif first:
            candidate = User(
                email=data.get("email", ""), full_name=data.get("full_name", "")
            )
            try:
                password_validation.validate_password(first, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


class ProfileForm(forms.Form):
    full_name = forms.CharField(label="Name", max_length=150)
    timezone = forms.ChoiceField(
        label="Time zone", choices=[(name, name) for name in TIMEZONES]
    )
    language = forms.ChoiceField(choices=settings.LANGUAGES)


class ResetForm(PasswordResetForm):
    """Also lets people whose account was made for them (by an agent or from an
    email) set their first password: Django's form skips such accounts.

    The link in the email is built from SITE_URL, never from the request's
    Host header (which a caller chooses: a forged one would send the owner a
    link to someone else's server carrying their reset token)."""

    def get_users(self, email):
        return User.objects.filter(
            email=normalize_email_address(email), is_active=True
        ).iterator()

    def save(self, **kwargs):
        site = urlsplit(settings.SITE_URL)
        kwargs["domain_override"] = site.netloc
        kwargs["use_https"] = site.scheme == "https"
        kwargs["extra_email_context"] = {
            **(kwargs.get("extra_email_context") or {}),
            "site_name": settings.HELPDESK_NAME,
            "site_url": settings.SITE_URL.rstrip("/"),
        }
        return super().save(**kwargs)


class ConfirmWithPasswordForm(forms.Form):
    """The confirmation page: the password chosen when signing up."""

    password = forms.CharField(
        label="The password you chose",
        strip=False,
        widget=forms.PasswordInput({"autocomplete": "current-password"}),
    )

    def __init__(self, user: User, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(
                "That is not the password this account was created with. Choose "
                "a new one instead.",
                code="password_incorrect",
            )
        return password


class ResendConfirmationForm(forms.Form):
    email = forms.EmailField(
        label="Email address", widget=forms.EmailInput({"autocomplete": "email"})
    )


class GuardedPasswordChangeForm(PasswordChangeForm):
    """Django's password change, where a wrong current password counts as a
    failed sign-in (django-axes, the same counter as the sign-in form): a
    borrowed session cannot guess the password without limit."""

    def __init__(self, user, *args, request=None, **kwargs):
        self.request = request
        super().__init__(user, *args, **kwargs)

    def clean_old_password(self):
        if self.request is None:
            return super().clean_old_password()
        credentials = {"username": self.user.email}
        if not AxesProxyHandler.is_allowed(self.request, credentials):
            self.request.axes_locked_out = True
            raise forms.ValidationError("Too many failed attempts.", code="locked")
        try:
            return super().clean_old_password()
        except forms.ValidationError:
            user_login_failed.send(
                sender=__name__, credentials=credentials, request=self.request
            )
            raise


class CodeField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Code")
        kwargs.setdefault("max_length", 16)
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={
                    "autocomplete": "one-time-code",
                    "inputmode": "numeric",
                    "autofocus": True,
                }
            ),
        )
        super().__init__(**kwargs)


class MFAConfirmForm(forms.Form):
    code = CodeField(help_text="The 6-digit code your authenticator app shows now.")


class MFAVerifyForm(forms.Form):
    code = CodeField(
        help_text="The 6-digit code from your authenticator app, or a backup code."
    )


class MFADisableForm(forms.Form):
    password = forms.CharField(
        strip=False, widget=forms.PasswordInput({"autocomplete": "current-password"})
    )
    code = CodeField(help_text="A code from your app, or a backup code.")


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        max_length=100, help_text="What uses it, for example “Nightly export”."
    )
    scopes = forms.MultipleChoiceField(
        choices=[("read", "Read"), ("write", "Write")],
        initial=["read"],
        widget=forms.CheckboxSelectMultiple,
        help_text="Read allows GET requests; write allows changes.",
    )
    expires_on = forms.DateField(
        label="Expires on",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Leave empty for a key that lasts until you revoke it.",
    )
