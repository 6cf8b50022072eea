"""Admin pages for Teams channels (connectors) and the log of cards posted.

A connector's two secrets (the Workflows webhook URL cards are posted to,
and the outgoing webhook's security token) are write-only here: the form
takes a new value or keeps the stored one, and pages show the URL masked.
"""

import base64
import binascii
import ipaddress
import json

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from helpdesk.errors import ApplicationError
from notifications.rendering import absolute

from ..models import TeamsConnector, TeamsPost
from ..outbound import UnsafeTarget, url_check
from .testcard import teams_test_post_queue


def _allowed_plain_http(host: str) -> bool:
    """Plain http is only for receivers inside INTEGRATIONS_ALLOWED_NETWORKS
    (a test receiver on 127.0.0.1, a local mock in development)."""
    if host == "localhost" or host.endswith(".localhost"):
        host = "127.0.0.1"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(
        address in ipaddress.ip_network(cidr, strict=False)
        for cidr in settings.INTEGRATIONS_ALLOWED_NETWORKS
    )


class TeamsConnectorForm(forms.ModelForm):
    new_webhook_url = forms.CharField(
        label="New Workflows webhook URL",
        required=False,
        strip=True,
        max_length=2000,
        widget=forms.PasswordInput(render_value=False),
        help_text="The URL Teams' Workflows gives for \"Post to a channel when a "
        'webhook request is received". It is a secret: stored encrypted and '
        "shown masked. Leave empty to keep the current one.",
    )
    new_outgoing_secret = forms.CharField(
        label="New outgoing webhook security token",
        required=False,
        strip=True,
        max_length=500,
        widget=forms.PasswordInput(render_value=False),
        help_text="The base64 token Teams shows once when you create the "
        "outgoing webhook (for commands from Teams). Stored encrypted. Leave "
        "empty to keep the current one.",
    )

    class Meta:
        model = TeamsConnector
        fields = ["name", "department", "team", "is_default", "active"]

    def clean_new_webhook_url(self) -> str:
        """https only (Workflows URLs always are), except for addresses in
        INTEGRATIONS_ALLOWED_NETWORKS; never a private, loopback or
        link-local address otherwise (``url_check``)."""
        url = self.cleaned_data.get("new_webhook_url", "")
        if not url:
            return ""
        try:
            target = url_check(url)
        except UnsafeTarget as error:
            raise forms.ValidationError(error.message) from None
        if target.scheme != "https" and not _allowed_plain_http(target.host):
            raise forms.ValidationError(
                "Teams webhook URLs start with https://; plain http is refused."
            )
        return url

    def clean_new_outgoing_secret(self) -> str:
        secret = self.cleaned_data.get("new_outgoing_secret", "")
        if not secret:
            return ""
        try:
            decoded = base64.b64decode(secret, validate=True)
        except (binascii.Error, ValueError):
            decoded = b""
        if not decoded:
            raise forms.ValidationError(
                "This is not the base64 token Teams showed (letters, digits, "
                "+ and /, ending in = signs); paste it again."
            )
        return secret

    def clean(self):
        data = super().clean()
        if data.get("is_default") and data.get("active"):
            others = TeamsConnector.objects.filter(is_default=True, active=True)
            if self.instance.pk:
                others = others.exclude(pk=self.instance.pk)
            other = others.first()
            if other is not None:
                self.add_error(
                    "is_default",
                    f"{other.name!r} is the active default connector already; "
                    "untick it there or switch it off first.",
                )
        has_url = bool(
            data.get("new_webhook_url") or self.instance.webhook_url_encrypted
        )
        has_secret = bool(
            data.get("new_outgoing_secret") or self.instance.outgoing_secret_encrypted
        )
        if not has_url and not has_secret:
            self.add_error(
                "new_webhook_url",
                "Give the webhook URL (for cards), the security token (for "
                "commands), or both.",
            )
        return data

    def save(self, commit=True):
        connector = super().save(commit=False)
        if self.cleaned_data.get("new_webhook_url"):
            connector.webhook_url = self.cleaned_data["new_webhook_url"]
        if self.cleaned_data.get("new_outgoing_secret"):
            connector.outgoing_secret = self.cleaned_data["new_outgoing_secret"]
        if connector.active and "active" in self.changed_data:
            # Switched back on by an admin: its failures are history.
            connector.consecutive_failures = 0
            connector.disabled_reason = ""
        if commit:
            connector.save()
        return connector


@admin.register(TeamsConnector)
class TeamsConnectorAdmin(admin.ModelAdmin):
    """Teams channels: where cards go, and the endpoint their outgoing
    webhook calls. The helpdesk switches a connector off when its cards keep
    failing (the reason is shown); tick Active again once it is fixed."""

    form = TeamsConnectorForm
    list_display = (
        "name",
        "webhook_url_masked",
        "department",
        "team",
        "is_default",
        "active",
        "last_status",
        "disabled_reason",
    )
    list_filter = ("active", "is_default", "department")
    list_select_related = ("department", "team__department")
    search_fields = ("name",)
    autocomplete_fields = ("department", "team")
    actions = ["send_test_card"]
    readonly_fields = (
        "webhook_url_masked",
        "outgoing_secret_state",
        "endpoint_url",
        "disabled_reason",
        "consecutive_failures",
        "last_status",
        "last_posted_at",
    )
    fieldsets = (
        (None, {"fields": ("name", "active", "disabled_reason")}),
        (
            "Which tickets",
            {
                "fields": ("department", "team", "is_default"),
                "description": "Rules without a connector of their own post "
                "to the ticket's team's connector, else its department's, "
                "else the default one.",
            },
        ),
        (
            "Cards to the channel",
            {"fields": ("webhook_url_masked", "new_webhook_url")},
        ),
        (
            "Commands from the channel",
            {
                "fields": (
                    "endpoint_url",
                    "outgoing_secret_state",
                    "new_outgoing_secret",
                )
            },
        ),
        (
            "Health",
            {"fields": ("consecutive_failures", "last_status", "last_posted_at")},
        ),
    )

    def get_fieldsets(self, request, obj=None):
        """A new connector has no health and no reason to be off yet."""
        if obj is not None:
            return self.fieldsets
        _first, *middle, _health = self.fieldsets
        return ((None, {"fields": ("name", "active")}), *middle)

    @admin.display(description="current webhook URL")
    def webhook_url_masked(self, obj):
        if obj is None or not obj.webhook_url_encrypted:
            return "—"
        return obj.webhook_url_masked

    @admin.display(description="current security token")
    def outgoing_secret_state(self, obj):
        if obj is None or not obj.outgoing_secret_encrypted:
            return "Not set"
        return "Set (stored encrypted)"

    @admin.display(description="Callback URL for the outgoing webhook")
    def endpoint_url(self, obj):
        if obj is None or obj.pk is None:
            return "Save the connector to get its URL."
        url = absolute(reverse("integrations:teams_webhook", args=[str(obj.pk)]))
        return format_html(
            "<code>{}</code><br>Paste it as the outgoing webhook's callback URL "
            "in the team's Apps settings.",
            url,
        )

    @admin.action(description="Send a test card to the selected connectors")
    def send_test_card(self, request, queryset):
        """Queue one test card per selected connector; a worker posts them
        after this request (never during it) and each answer shows in the
        Teams posts log."""
        for connector in queryset:
            try:
                teams_test_post_queue(actor=request.user, connector=connector)
            except ApplicationError as error:
                self.message_user(request, error.message, messages.ERROR)
                return
            self.message_user(
                request,
                format_html(
                    "{}: a test card is queued. Its answer shows in the "
                    '<a href="{}">Teams posts log</a>; look for the card in '
                    "the channel.",
                    connector.name,
                    reverse("admin:integrations_teamspost_changelist"),
                ),
                messages.SUCCESS,
            )


@admin.register(TeamsPost)
class TeamsPostAdmin(admin.ModelAdmin):
    """Every card posted or tried: read-only, with each post's last answer."""

    list_display = (
        "created_at",
        "connector",
        "ticket",
        "rule",
        "status",
        "attempts",
        "last_status_code",
        "short_error",
    )
    list_filter = ("status", "connector", "last_status_code")
    list_select_related = ("connector", "ticket", "rule")
    search_fields = ("=ticket__number", "error")
    date_hierarchy = "created_at"
    fields = (
        "created_at",
        "connector",
        "rule",
        "ticket",
        "event",
        "status",
        "attempts",
        "last_status_code",
        "error",
        "next_attempt_at",
        "lease_until",
        "sent_at",
        "card_pretty",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="error")
    def short_error(self, obj):
        return (obj.error[:80] + "…") if len(obj.error) > 80 else obj.error

    @admin.display(description="card (as posted)")
    def card_pretty(self, obj):
        try:
            text = json.dumps(json.loads(obj.card), indent=2, ensure_ascii=False)
        except ValueError:
            text = obj.card
        return format_html("<pre>{}</pre>", text)
