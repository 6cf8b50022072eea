from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from helpdesk.errors import ApplicationError
from helpdesk.shortcuts import get_or_404

from .models import InboundEmail, Mailbox
from .services import inbound_process, suspended_accept, suspended_reject


class MailboxForm(forms.ModelForm):
    new_password = forms.CharField(
        label="Password",
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Stored encrypted. Leave empty to keep the current password.",
    )

    class Meta:
        model = Mailbox
        fields = [
            "name",
            "host",
            "port",
            "security",
            "username",
            "folder",
            "after_processing",
            "move_to_folder",
            "department",
            "enabled",
        ]

    def clean(self):
        data = super().clean()
        if data.get("after_processing") == Mailbox.After.MOVE and not data.get(
            "move_to_folder"
        ):
            self.add_error("move_to_folder", "Name the folder to move mail to.")
        return data

    def save(self, commit=True):
        mailbox = super().save(commit=False)
        if self.cleaned_data.get("new_password"):
            mailbox.password = self.cleaned_data["new_password"]
        if commit:
            mailbox.save()
        return mailbox


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    form = MailboxForm
    list_display = (
        "name",
        "host",
        "username",
        "folder",
        "department",
        "enabled",
        "last_polled_at",
        "last_error",
    )
    list_filter = ("enabled", "department")
    search_fields = ("name", "host", "username")
    autocomplete_fields = ("department",)
    readonly_fields = ("last_polled_at", "last_error")


@admin.register(InboundEmail)
class InboundEmailAdmin(admin.ModelAdmin):
    """Every received message. Failed ones are listed here (filter: Failed)
    with their error; *Retry* processes them again. Suspended ones (a reply
    whose sender failed authentication) are accepted or rejected here or in
    the agent workspace's Suspended mail page."""

    list_display = (
        "received_at",
        "from_address",
        "subject",
        "status",
        "sender_verification",
        "outcome",
        "ticket_link",
        "attempts",
    )
    list_filter = ("status", "sender_verification", "source", "mailbox")
    list_select_related = ("ticket",)
    search_fields = ("from_address", "subject", "email_message_id", "=ticket__number")
    date_hierarchy = "received_at"
    actions = ["retry", "accept_suspended", "reject_suspended"]
    fields = (
        "received_at",
        "source",
        "mailbox",
        "from_address",
        "subject",
        "email_message_id",
        "size",
        "status",
        "sender_verification",
        "authentication_detail",
        "outcome",
        "error",
        "attempts",
        "ticket",
        "message",
        "processed_at",
        "reviewed_by",
        "reviewed_at",
        "raw_link",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="ticket")
    def ticket_link(self, obj):
        if not obj.ticket_id:
            return "—"
        return format_html(
            '<a href="{}">{}</a>', obj.ticket.get_agent_url(), obj.ticket.reference
        )

    @admin.display(description="raw message")
    def raw_link(self, obj):
        url = reverse("admin:integrations_inboundemail_raw", args=[obj.pk])
        return format_html(
            '<a href="{}">Download the .eml ({} bytes)</a>', url, obj.size
        )

    def get_urls(self):
        return [
            path(
                "<str:inbound_id>/raw/",
                self.admin_site.admin_view(self.raw_view),
                name="integrations_inboundemail_raw",
            ),
            *super().get_urls(),
        ]

    def raw_view(self, request, inbound_id):
        inbound = get_or_404(InboundEmail.objects.all(), inbound_id)
        with inbound.raw.open("rb") as handle:
            response = HttpResponse(handle.read(), content_type="message/rfc822")
        response["Content-Disposition"] = (
            f'attachment; filename="inbound-{inbound.pk}.eml"'
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response

    @admin.action(description="Retry processing the selected failed or stuck messages")
    def retry(self, request, queryset):
        done = {"processed": 0, "failed": 0, "ignored": 0}
        for inbound in queryset.filter(
            status__in=[InboundEmail.Status.FAILED, InboundEmail.Status.PENDING]
        ):
            result = inbound_process(inbound=inbound)
            done[result.status] = done.get(result.status, 0) + 1
        self.message_user(
            request,
            f"Retried: {done['processed']} processed, {done['ignored']} ignored, "
            f"{done['failed']} still failing.",
            messages.SUCCESS if not done["failed"] else messages.WARNING,
        )

    def _decide(self, request, queryset, decide) -> tuple[int, list[str]]:
        done, problems = 0, []
        for inbound in queryset.filter(status=InboundEmail.Status.SUSPENDED):
            try:
                result = decide(inbound=inbound, actor=request.user)
            except ApplicationError as error:
                problems.append(f"{inbound}: {error.message}")
                continue
            if result.status == InboundEmail.Status.FAILED:
                problems.append(f"{inbound}: {result.outcome}")
            else:
                done += 1
        return done, problems

    @admin.action(description="Accept the selected suspended mail (add it as sent)")
    def accept_suspended(self, request, queryset):
        done, problems = self._decide(request, queryset, suspended_accept)
        self.message_user(
            request,
            f"Accepted {done} suspended mail(s)"
            + (f"; not added: {'; '.join(problems)}" if problems else "."),
            messages.SUCCESS if not problems else messages.WARNING,
        )

    @admin.action(description="Reject the selected suspended mail (kept, not added)")
    def reject_suspended(self, request, queryset):
        """Asks first, on a page of its own (as Django's delete does)."""
        waiting = queryset.filter(status=InboundEmail.Status.SUSPENDED)
        if request.POST.get("post") != "yes":
            return TemplateResponse(
                request,
                "admin/integrations/inboundemail/reject_confirmation.html",
                {
                    **self.admin_site.each_context(request),
                    "title": "Reject suspended mail",
                    "opts": self.model._meta,
                    "mails": list(waiting[:200]),
                    "count": waiting.count(),
                    "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
                    "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                },
            )
        done, problems = self._decide(request, queryset, suspended_reject)
        self.message_user(
            request,
            f"Rejected {done} suspended mail(s); they are kept with status Rejected"
            + (f". Not rejected: {'; '.join(problems)}" if problems else "."),
            messages.SUCCESS if not problems else messages.WARNING,
        )


# Teams and webhooks register their pages from their own modules.
from .teams import admin as teams_admin  # noqa: E402, F401
from .teams import admin_links as teams_admin_links  # noqa: E402, F401
from .webhooks import admin as webhooks_admin  # noqa: E402, F401
