import zoneinfo

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm

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
    }


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
        email = normalize_email_address(self.cleaned_data["email"])
        if User.objects.filter(email=email).exists():
            raise forms.ValidationError(
                "An account with this email address already exists. "
                "Sign in, or reset your password."
            )
        return email

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
    email) set their first password: Django's form skips such accounts."""

    def get_users(self, email):
        return User.objects.filter(
            email=normalize_email_address(email), is_active=True
        ).iterator()


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
