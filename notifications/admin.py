from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.forms import ChoiceField, ModelForm
from django.utils.decorators import method_decorator
from django.utils.html import escape, format_html

from helpdesk.errors import ApplicationError
from tickets.models import Ticket

from .editing import email_log_retry
from .models import (
    AutomationRule,
    EmailLog,
    EmailTemplate,
    NotificationOptOut,
    validate_template_key,
)
from .rendering import TemplateError
from .selectors import rules_orphaned_by, template_key_choices, template_preview


class EmailTemplateForm(ModelForm):
    class Meta:
        model = EmailTemplate
        fields = ["key", "language", "description", "subject", "body_text", "body_html"]


@admin.register(EmailTemplate)
class EmailTemplateAdmin(admin.ModelAdmin):
    """Edit the words of every email; the preview renders with a real ticket."""

    form = EmailTemplateForm
    list_display = ("key", "language", "subject", "updated_at")

    class Media:
        # The preview's look; a style attribute would be refused by the CSP.
        css = {"all": ["css/admin.css"]}

    def get_deleted_objects(self, objs, request):
        """Deleting the last template of a key that rules send is refused,
        as a protected relation is: the page lists the rules to change."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(
            objs, request
        )
        for rule in rules_orphaned_by(objs):
            protected.append(
                format_html(
                    "Automation rule: {} (sends the template {!r})",
                    rule.name,
                    rule.template_key,
                )
            )
        return deleted, counts, perms_needed, protected

    @method_decorator(csp_update({"style-src": [UNSAFE_INLINE]}))
    def changeform_view(self, *args, **kwargs):
        """The preview's sandboxed srcdoc frame inherits this page's CSP, and
        emails are styled inline: on this page only, inline styles apply (the
        site-wide policy refuses them). Scripts stay refused, and images and
        fonts still load only from the site, so a style cannot send data out."""
        return super().changeform_view(*args, **kwargs)

    list_filter = ("language",)
    search_fields = ("key", "subject", "description")
    readonly_fields = ("preview", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("key", "language", "description")}),
        (
            "Content",
            {
                "fields": ("subject", "body_text", "body_html"),
                "description": "Context: ticket.number, ticket.reference, "
                "ticket.subject, ticket.status, ticket.priority, "
                "ticket.requester_name, ticket.department, "
                "ticket.assignee_name, ticket.organization, message.body, "
                "message.body_html, message.author_name, message.signature "
                "(the author's name, empty when the reply is signed already), "
                "recipient.name, recipient.email, links.ticket, links.portal, "
                "site.name, site.url; sla.target on SLA emails. The subject "
                "and the text body are plain text (nothing is escaped, line "
                "breaks in the subject become spaces); the HTML body escapes "
                "every value except message.body_html, which is sanitised.",
            },
        ),
        ("Preview", {"fields": ("preview",)}),
        ("History", {"fields": ("created_at", "updated_at")}),
    )

    @admin.display(description="Preview with the newest ticket")
    def preview(self, obj):
        if obj is None or obj.pk is None:
            return "Save the template to preview it."
        ticket = (
            Ticket.objects.select_related("requester")
            .order_by("-created_at", "-pk")
            .first()
        )
        try:
            rendered = template_preview(
                template=obj, ticket=ticket, recipient_is_agent=False
            )
        except TemplateError as error:
            return format_html(
                '<p class="email-preview-error">Does not render: {}</p>', error
            )
        # srcdoc takes a document as an attribute value: the HTML must be
        # escaped for the attribute even though it is safe as HTML, or its
        # first quote ends the attribute and the rest becomes attributes of
        # the frame in the admin's own page. The frame is sandboxed without
        # allow-scripts or allow-same-origin: the email's HTML runs nothing.
        return format_html(
            "<p><strong>Subject:</strong> {}</p>"
            '<pre class="email-preview-text">{}</pre>'
            '<iframe class="email-preview-frame" title="HTML body" sandbox '
            'srcdoc="{}"></iframe>',
            rendered.subject,
            rendered.body_text,
            escape(str(rendered.body_html or "(no HTML body)")),
        )


def _template_choices() -> list[tuple[str, str]]:
    # An empty first choice: a rule whose template went is not silently
    # given the first one in the list when it is saved again.
    return [("", "---------"), *template_key_choices()]


class AutomationRuleForm(ModelForm):
    """The template is picked from the templates there are; the model's
    validator refuses any other key for every caller, this form included.
    A Teams rule needs no template or recipients: the model's ``clean``
    empties them (and names them when an email rule lacks them)."""

    template_key = ChoiceField(
        label="Email template",
        choices=_template_choices,
        required=False,
        help_text="Email rules only.",
    )

    class Meta:
        model = AutomationRule
        fields = [
            "name",
            "active",
            "order",
            "event",
            "priority",
            "status",
            "category",
            "department",
            "organization",
            "action",
            "template_key",
            "recipient",
            "fixed_address",
            "delay_minutes",
            "teams_connector",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A form posted without the action (written before Teams cards) is
        # an email rule, as the model's default says.
        self.fields["action"].required = False

    def clean_action(self) -> str:
        return self.cleaned_data.get("action") or AutomationRule.Action.EMAIL


class AutomationRuleListForm(ModelForm):
    """A row of the rule list ("active" and "order" only): the template is not
    one of its fields, so the model's validator would not run; turning a rule
    on still needs its template to exist."""

    def clean(self):
        data = super().clean()
        email = self.instance.action == AutomationRule.Action.EMAIL
        if email and data.get("active") and not self.instance.active:
            try:
                validate_template_key(self.instance.template_key)
            except ValidationError as error:
                raise ValidationError(
                    f"{error.messages[0]} Open the rule to pick another "
                    "template before turning it on."
                ) from None
        return data


@admin.register(AutomationRule)
class AutomationRuleAdmin(admin.ModelAdmin):
    form = AutomationRuleForm
    list_display = (
        "name",
        "event",
        "does",
        "delay_minutes",
        "active",
        "disabled_reason",
        "order",
    )
    readonly_fields = ("disabled_reason",)
    list_editable = ("active", "order")
    list_filter = ("active", "action", "event", "recipient")
    list_select_related = ("teams_connector",)
    search_fields = ("name", "template_key", "fixed_address")
    autocomplete_fields = ("category", "department", "organization", "teams_connector")
    fieldsets = (
        (None, {"fields": ("name", "active", "disabled_reason", "order")}),
        (
            "When",
            {
                "fields": (
                    "event",
                    "priority",
                    "status",
                    "category",
                    "department",
                    "organization",
                )
            },
        ),
        ("Do", {"fields": ("action",)}),
        (
            "Send an email",
            {
                "fields": (
                    "template_key",
                    "recipient",
                    "fixed_address",
                    "delay_minutes",
                ),
                "description": "Email rules only; a Teams rule ignores these.",
                "classes": ("rule-action-email",),
            },
        ),
        (
            "Post a card to Microsoft Teams",
            {
                "fields": ("teams_connector",),
                "description": "Teams rules only. No connector: the ticket's "
                "team's connector, else its department's, else the default one.",
                "classes": ("rule-action-teams",),
            },
        ),
    )

    class Media:
        # Shows the fieldset of the chosen action only (a file: the CSP
        # refuses inline scripts). Without JavaScript both stay visible.
        js = ["notifications/rule_action.js"]

    @admin.display(description="sends")
    def does(self, obj):
        if obj.action == AutomationRule.Action.TEAMS:
            if obj.teams_connector_id:
                return f"Card to {obj.teams_connector}"
            return "Card to the ticket's connector"
        return f"{obj.template_key} to {obj.get_recipient_display()}"

    def get_changelist_form(self, request, **kwargs):
        return super().get_changelist_form(
            request, form=AutomationRuleListForm, **kwargs
        )

    def get_form(self, request, obj=None, **kwargs):
        from django import forms

        form = super().get_form(request, obj, **kwargs)
        form.base_fields["priority"].widget = forms.Select(
            choices=[("", "Any"), *Ticket.Priority.choices]
        )
        form.base_fields["status"].widget = forms.Select(
            choices=[("", "Any"), *Ticket.Status.choices]
        )
        return form


@admin.register(EmailLog)
class EmailLogAdmin(admin.ModelAdmin):
    """Every email the helpdesk sent or tried to: read-only, with a resend."""

    list_display = (
        "created_at",
        "recipient",
        "template_key",
        "ticket",
        "status",
        "attempts",
        "short_error",
    )
    list_filter = ("status", "template_key")
    list_select_related = ("ticket",)
    search_fields = ("recipient", "subject", "message_id", "=ticket__number")
    date_hierarchy = "created_at"
    actions = ["send_again"]
    readonly_fields = [field.name for field in EmailLog._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="error")
    def short_error(self, obj):
        return (obj.error[:80] + "…") if len(obj.error) > 80 else obj.error

    @admin.action(description="Send the selected failed emails again")
    def send_again(self, request, queryset):
        """Through the same service as the API's retry: only failed emails
        that rendered are queued, each once, after the commit."""
        queued, skipped = 0, []
        for entry in queryset.filter(status=EmailLog.Status.FAILED):
            try:
                email_log_retry(actor=request.user, entry=entry)
            except ApplicationError as error:
                skipped.append(f"{entry}: {error.message}")
            else:
                queued += 1
        self.message_user(request, f"Queued {queued} email(s) again.", messages.SUCCESS)
        for reason in skipped:
            self.message_user(request, reason, messages.WARNING)


@admin.register(NotificationOptOut)
class NotificationOptOutAdmin(admin.ModelAdmin):
    list_display = ("user", "event")
    list_filter = ("event",)
    search_fields = ("user__email",)
    autocomplete_fields = ("user",)
