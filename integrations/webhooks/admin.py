"""Admin pages of the outgoing webhooks: endpoints (with the signing secret,
a secret rotation and a test ping, each confirmed first), the delivery log
with every attempt and a redeliver action, and the attempts (read-only)."""

import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.http import HttpRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from helpdesk.admin_site import ServiceAdminMixin
from helpdesk.errors import ApplicationError
from helpdesk.shortcuts import get_or_404

from ..models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from ..models.webhooks import WebhookEvent
from .endpoints import (
    EDITABLE_FIELDS,
    SUBSCRIBABLE,
    endpoint_url_error,
    webhook_endpoint_rotate_secret,
    webhook_endpoint_save,
    webhook_ping,
    webhook_redeliver,
)

EVENT_CHOICES = [
    (value, label) for value, label in WebhookEvent.choices if value in SUBSCRIBABLE
]


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(
        label="URL",
        max_length=2000,
        assume_scheme="https",
        help_text="Where each event is POSTed. Public addresses only.",
    )
    events = forms.MultipleChoiceField(
        choices=EVENT_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave every box empty to receive every event type.",
    )

    class Meta:
        model = WebhookEndpoint
        fields = list(EDITABLE_FIELDS)

    def clean_url(self) -> str:
        url = (self.cleaned_data.get("url") or "").strip()
        problem = endpoint_url_error(url)
        if problem:
            raise forms.ValidationError(problem)
        return url


def _confirm(request, admin_view, *, title: str, template: str, **context):
    return TemplateResponse(
        request,
        f"admin/integrations/{template}",
        {
            **admin_view.admin_site.each_context(request),
            "title": title,
            "opts": admin_view.model._meta,
            **context,
        },
    )


def _each(items, act) -> tuple[int, list[str]]:
    """Run ``act`` on each item: how many succeeded, and "item: reason" for
    each the service refused (ApplicationError)."""
    done, problems = 0, []
    for item in items:
        try:
            act(item)
        except ApplicationError as error:
            problems.append(f"{item}: {error.message}")
            continue
        done += 1
    return done, problems


def _report(model_admin, request, text: str, problems: list[str]) -> None:
    """Flash ``text``, with the refusals after it as a warning if any."""
    if problems:
        text += " Not sent: " + "; ".join(problems)
    model_admin.message_user(
        request, text, messages.SUCCESS if not problems else messages.WARNING
    )


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ServiceAdminMixin, admin.ModelAdmin):
    form = WebhookEndpointForm
    change_form_template = "admin/integrations/webhookendpoint/change_form.html"
    list_display = (
        "url",
        "description",
        "events_shown",
        "active",
        "failing_since",
        "disabled_reason",
    )
    list_filter = ("active",)
    search_fields = ("url", "description")
    actions = ["send_ping"]

    def get_fields(self, request, obj=None):
        fields = list(EDITABLE_FIELDS)
        if obj is not None:
            fields += [
                "signing_secret_shown",
                "disabled_reason",
                "failing_since",
                "last_sequence",
                "deliveries_link",
            ]
        return fields

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return (
            "signing_secret_shown",
            "disabled_reason",
            "failing_since",
            "last_sequence",
            "deliveries_link",
        )

    @admin.display(description="events")
    def events_shown(self, obj) -> str:
        return ", ".join(obj.events) if obj.events else "every type"

    @admin.display(description="signing secret")
    def signing_secret_shown(self, obj) -> str:
        return format_html(
            "<code>{}</code><br><small>Receivers verify the webhook-signature "
            "header with it (Standard Webhooks). Rotate it if it leaked.</small>",
            obj.signing_secret,
        )

    @admin.display(description="deliveries")
    def deliveries_link(self, obj) -> str:
        url = reverse("admin:integrations_webhookdelivery_changelist")
        return format_html(
            '<a href="{}?endpoint__id__exact={}">The delivery log</a>', url, obj.pk
        )

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in EDITABLE_FIELDS}
        stored = WebhookEndpoint.objects.get(pk=obj.pk) if change else None
        saved = webhook_endpoint_save(actor=request.user, endpoint=stored, **fields)
        obj.pk = saved.pk
        obj.__dict__.update(
            {key: value for key, value in saved.__dict__.items() if key != "_state"}
        )
        obj._state.adding = False

    def get_urls(self):
        return [
            path(
                "<str:endpoint_id>/rotate-secret/",
                self.admin_site.admin_view(self.rotate_view),
                name="integrations_webhookendpoint_rotate",
            ),
            path(
                "<str:endpoint_id>/ping/",
                self.admin_site.admin_view(self.ping_view),
                name="integrations_webhookendpoint_ping",
            ),
            *super().get_urls(),
        ]

    def _change_url(self, endpoint) -> str:
        return reverse("admin:integrations_webhookendpoint_change", args=[endpoint.pk])

    def rotate_view(self, request: HttpRequest, endpoint_id: str):
        """GET asks; POST rotates (the old secret stops working at once)."""
        endpoint = get_or_404(WebhookEndpoint.objects.all(), endpoint_id)
        if not self.has_change_permission(request, endpoint):
            return HttpResponseRedirect(reverse("admin:index"))
        if request.method != "POST":
            return _confirm(
                request,
                self,
                title="Rotate the signing secret",
                template="webhookendpoint/rotate_confirmation.html",
                endpoint=endpoint,
                back=self._change_url(endpoint),
            )
        webhook_endpoint_rotate_secret(actor=request.user, endpoint=endpoint)
        self.message_user(
            request,
            "A new signing secret is in force; give it to the receiver.",
            messages.SUCCESS,
        )
        return HttpResponseRedirect(self._change_url(endpoint))

    def ping_view(self, request: HttpRequest, endpoint_id: str):
        """GET asks; POST queues a ``webhook.ping``."""
        endpoint = get_or_404(WebhookEndpoint.objects.all(), endpoint_id)
        if not self.has_change_permission(request, endpoint):
            return HttpResponseRedirect(reverse("admin:index"))
        if request.method != "POST":
            return _confirm(
                request,
                self,
                title="Send a test ping",
                template="webhookendpoint/ping_confirmation.html",
                endpoint=endpoint,
                back=self._change_url(endpoint),
            )
        self._ping(request, [endpoint])
        return HttpResponseRedirect(self._change_url(endpoint))

    def _ping(self, request, endpoints) -> None:
        sent, problems = _each(
            endpoints,
            lambda endpoint: webhook_ping(actor=request.user, endpoint=endpoint),
        )
        text = f"Test ping queued for {sent} endpoint(s); see the delivery log."
        _report(self, request, text, problems)

    @admin.action(description="Send a test ping to the selected endpoints")
    def send_ping(self, request, queryset):
        self._ping(request, list(queryset))


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """The delivery log: one row per event and endpoint; the detail shows the
    body and every attempt. *Redeliver* sends one again (asked first)."""

    change_form_template = "admin/integrations/webhookdelivery/change_form.html"
    list_display = (
        "created_at",
        "event_type",
        "endpoint",
        "status",
        "attempts",
        "last_status_code",
        "next_attempt_at",
    )
    list_filter = ("status", "event_type", "endpoint")
    list_select_related = ("endpoint",)
    search_fields = ("webhook_id",)
    date_hierarchy = "created_at"
    actions = ["redeliver"]
    fields = (
        "endpoint",
        "event_type",
        "webhook_id",
        "sequence",
        "status",
        "attempts",
        "last_status_code",
        "next_attempt_at",
        "created_at",
        "delivered_at",
        "payload_shown",
        "attempts_shown",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_fields(self, request, obj=None):
        """A delivery that is done has no next attempt: do not show one."""
        done = (WebhookDelivery.Status.DELIVERED, WebhookDelivery.Status.FAILED)
        if obj is not None and obj.status in done:
            return [name for name in self.fields if name != "next_attempt_at"]
        return self.fields

    @admin.display(description="payload")
    def payload_shown(self, obj) -> str:
        try:
            pretty = json.dumps(json.loads(obj.payload), indent=2, ensure_ascii=False)
        except ValueError:
            pretty = obj.payload
        # Wrapped by static/css/admin.css (the CSP refuses style attributes).
        return format_html("<pre>{}</pre>", pretty)

    @admin.display(description="attempts")
    def attempts_shown(self, obj) -> str:
        attempts = list(obj.attempt_log.order_by("number"))
        if not attempts:
            return "No attempt yet."
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
            "<td><pre>{}</pre></td><td>{}</td></tr>",
            (
                (
                    attempt.number,
                    attempt.attempted_at.isoformat(timespec="seconds"),
                    "redelivery" if attempt.redelivery else "",
                    attempt.status_code if attempt.status_code is not None else "—",
                    attempt.duration_ms,
                    attempt.response_excerpt,
                    attempt.error,
                )
                for attempt in attempts
            ),
        )
        return format_html(
            "<table><thead><tr><th>#</th><th>Time (UTC)</th><th>Kind</th>"
            "<th>Status code</th><th>Duration (ms)</th><th>Response</th>"
            "<th>Error</th></tr></thead><tbody>{}</tbody></table>",
            rows,
        )

    def get_urls(self):
        return [
            path(
                "<str:delivery_id>/redeliver/",
                self.admin_site.admin_view(self.redeliver_view),
                name="integrations_webhookdelivery_redeliver",
            ),
            *super().get_urls(),
        ]

    def _redeliver(self, request, deliveries) -> None:
        done, problems = _each(
            deliveries,
            lambda delivery: webhook_redeliver(actor=request.user, delivery=delivery),
        )
        text = f"Redelivery queued for {done} deliver{'y' if done == 1 else 'ies'}."
        _report(self, request, text, problems)

    def redeliver_view(self, request: HttpRequest, delivery_id: str):
        """GET asks; POST sends the delivery again."""
        delivery = get_or_404(
            WebhookDelivery.objects.select_related("endpoint"), delivery_id
        )
        back = reverse("admin:integrations_webhookdelivery_change", args=[delivery.pk])
        if request.method != "POST":
            return _confirm(
                request,
                self,
                title="Redeliver",
                template="webhookdelivery/redeliver_confirmation.html",
                deliveries=[delivery],
                count=1,
                back=back,
                single=True,
            )
        self._redeliver(request, [delivery])
        return HttpResponseRedirect(back)

    @admin.action(description="Redeliver the selected deliveries")
    def redeliver(self, request, queryset):
        """Asks first, on a page of its own (as Django's delete does)."""
        chosen = queryset.select_related("endpoint")
        if request.POST.get("post") != "yes":
            return _confirm(
                request,
                self,
                title="Redeliver",
                template="webhookdelivery/redeliver_confirmation.html",
                deliveries=list(chosen[:200]),
                count=chosen.count(),
                selected=request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
                action_checkbox_name=helpers.ACTION_CHECKBOX_NAME,
                back=reverse("admin:integrations_webhookdelivery_changelist"),
            )
        self._redeliver(request, list(chosen))


@admin.register(WebhookAttempt)
class WebhookAttemptAdmin(admin.ModelAdmin):
    """Every HTTP request of every delivery (read-only)."""

    list_display = (
        "attempted_at",
        "delivery",
        "number",
        "status_code",
        "duration_ms",
        "redelivery",
        "error",
    )
    list_filter = ("redelivery", "status_code")
    list_select_related = ("delivery", "delivery__endpoint")
    fields = (
        "delivery",
        "number",
        "attempted_at",
        "status_code",
        "duration_ms",
        "response_excerpt",
        "error",
        "redelivery",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
