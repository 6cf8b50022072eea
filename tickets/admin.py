from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path

from helpdesk.admin_site import ServiceAdminMixin
from helpdesk.errors import ApplicationError
from helpdesk.shortcuts import get_or_404

from . import services
from .bodies import message_body_replace
from .models import (
    Attachment,
    BusinessCalendar,
    BusinessHoliday,
    BusinessHours,
    Category,
    Message,
    SatisfactionRating,
    SLANotice,
    SLAPolicy,
    SLATarget,
    Ticket,
    TicketEvent,
)
from .services.sla_policies import holidays_add, public_holidays_named


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "default_department", "active")
    list_filter = ("active", "default_department")
    list_select_related = ("default_department",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("default_department",)
    readonly_fields = ("created_at", "updated_at")


class MessageInline(admin.StackedInline):
    model = Message
    extra = 0
    fields = ("author", "internal", "created_at", "body")
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


class TicketEventInline(admin.TabularInline):
    model = TicketEvent
    extra = 0
    fields = ("created_at", "actor", "kind", "old_value", "new_value")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Ticket)
class TicketAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """Tickets are opened through the portal, email or the API, so there is no
    add button; edits made here go through ``ticket_update`` and leave events.
    Status moves are made in the workspace, where the status machine applies."""

    list_display = (
        "number",
        "subject",
        "status",
        "priority",
        "requester",
        "organization",
        "department",
        "assignee",
        "updated_at",
    )
    list_display_links = ("number", "subject")
    list_filter = (
        "status",
        "priority",
        "channel",
        "department",
        "category",
        "organization",
    )
    list_select_related = ("requester", "organization", "department", "assignee")
    search_fields = ("=number", "subject", "requester__email", "requester__full_name")
    autocomplete_fields = (
        "requester",
        "organization",
        "department",
        "team",
        "assignee",
        "category",
    )
    readonly_fields = (
        "number",
        "requester",
        "organization",
        "status",
        "channel",
        "created_at",
        "updated_at",
        "first_response_at",
        "solved_at",
        "closed_at",
    )
    fieldsets = (
        (None, {"fields": ("number", "subject", "requester", "organization")}),
        ("Triage", {"fields": ("status", "priority", "category", "channel")}),
        ("Routing", {"fields": ("department", "team", "assignee")}),
        (
            "Times",
            {
                "fields": (
                    "created_at",
                    "updated_at",
                    "first_response_at",
                    "solved_at",
                    "closed_at",
                )
            },
        ),
    )
    date_hierarchy = "created_at"
    inlines = [MessageInline, TicketEventInline]

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        changes = {
            field: form.cleaned_data[field]
            for field in form.changed_data
            if field in services.TRACKED_FIELDS
        }
        fresh = Ticket.objects.get(pk=obj.pk)
        try:
            services.ticket_update(ticket=fresh, actor=request.user, **changes)
        except ApplicationError as error:
            self.message_user(request, error.message, level=messages.ERROR)


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0
    fields = ("original_name", "content_type", "human_size", "sha256")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="size")
    def human_size(self, obj):
        return filesizeformat(obj.size)


@admin.register(Message)
class MessageAdmin(ServiceAdminMixin, admin.ModelAdmin):
    list_display = ("ticket", "author", "internal", "created_at")
    list_filter = ("internal",)
    list_select_related = ("ticket", "author")
    search_fields = ("=ticket__number", "body", "author__email")
    autocomplete_fields = ("ticket", "author")
    readonly_fields = ("ticket", "author", "internal", "created_at")
    inlines = [AttachmentInline]

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        """An edited body (a redaction) is stored with its HTML rendered anew;
        the stored HTML would otherwise keep showing the old text."""
        if "body" not in form.changed_data:
            return super().save_model(request, obj, form, change)
        try:
            message_body_replace(message=obj, body=form.cleaned_data["body"])
        except ApplicationError as error:
            self.message_user(request, error.message, level=messages.ERROR)


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    """Read-only: the stored file has no URL, and the metadata is evidence."""

    list_display = (
        "original_name",
        "content_type",
        "human_size",
        "message",
        "created_at",
    )
    list_select_related = ("message__ticket", "message__author")
    search_fields = ("original_name", "sha256", "=message__ticket__number")
    fields = (
        "message",
        "original_name",
        "content_type",
        "human_size",
        "sha256",
        "created_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="size")
    def human_size(self, obj):
        return filesizeformat(obj.size)


@admin.register(TicketEvent)
class TicketEventAdmin(admin.ModelAdmin):
    """The audit trail can be read, never edited or deleted."""

    list_display = ("ticket", "kind", "actor", "old_value", "new_value", "created_at")
    list_filter = ("kind",)
    list_select_related = ("ticket", "actor")
    search_fields = ("=ticket__number", "actor__email", "old_value", "new_value")
    date_hierarchy = "created_at"
    fields = ("ticket", "actor", "kind", "old_value", "new_value", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SatisfactionRating)
class SatisfactionRatingAdmin(admin.ModelAdmin):
    """Requesters' ratings, read-only: only the requester gives or changes
    one (tickets.services.satisfaction), and each change is in the audit
    trail."""

    list_display = ("ticket", "rating", "rated_by", "rated_at")
    list_filter = ("rating",)
    list_select_related = ("ticket", "rated_by")
    search_fields = ("=ticket__number", "rated_by__email", "comment")
    date_hierarchy = "rated_at"
    fields = ("ticket", "rated_by", "rating", "comment", "created_at", "rated_at")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- Service levels ---------------------------------------------------------


class BusinessHoursInline(admin.TabularInline):
    model = BusinessHours
    extra = 0


class BusinessHolidayInline(admin.TabularInline):
    model = BusinessHoliday
    extra = 0


class LoadHolidaysForm(forms.Form):
    country = forms.CharField(
        max_length=8, help_text="ISO code, for example DE, US, GB, FR."
    )
    subdivision = forms.CharField(
        max_length=16, required=False, help_text="Optional, for example BY or CA."
    )
    years = forms.CharField(
        help_text="Comma-separated, for example 2026, 2027.", initial="2026, 2027"
    )

    def clean_years(self):
        try:
            years = [int(year) for year in self.cleaned_data["years"].split(",")]
        except ValueError:
            raise forms.ValidationError(
                "Give years as numbers, like 2026, 2027."
            ) from None
        if not years or any(year < 1900 or year > 2200 for year in years):
            raise forms.ValidationError("Give years between 1900 and 2200.")
        return years


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
    list_display = ("name", "timezone", "updated_at")
    search_fields = ("name",)
    inlines = [BusinessHoursInline, BusinessHolidayInline]
    change_form_template = "admin/tickets/businesscalendar/change_form.html"

    def get_urls(self):
        return [
            path(
                "<str:calendar_id>/holidays/",
                self.admin_site.admin_view(self.load_holidays_view),
                name="tickets_businesscalendar_holidays",
            ),
            *super().get_urls(),
        ]

    def load_holidays_view(self, request, calendar_id):
        """Load a country's public holidays into the calendar (the holidays
        package); dates already there are kept."""
        calendar = get_or_404(BusinessCalendar.objects.all(), calendar_id)
        form = LoadHolidaysForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                dates = public_holidays_named(
                    country=data["country"],
                    years=data["years"],
                    subdivision=data["subdivision"],
                )
            except ValueError as error:
                form.add_error("country", str(error))
            else:
                added = holidays_add(calendar=calendar, dates=dates)
                self.message_user(
                    request,
                    f"Loaded {added} holiday(s) for {data['country'].upper()} "
                    f"({len(dates) - added} were there already).",
                    messages.SUCCESS,
                )
                return redirect("admin:tickets_businesscalendar_change", calendar.pk)
        return TemplateResponse(
            request,
            "admin/tickets/businesscalendar/load_holidays.html",
            {
                **self.admin_site.each_context(request),
                "form": form,
                "calendar": calendar,
                "opts": self.model._meta,
                "title": f"Load public holidays into {calendar}",
            },
        )


class SLATargetInline(admin.TabularInline):
    model = SLATarget
    extra = 0


@admin.register(SLAPolicy)
class SLAPolicyAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "calendar",
        "order",
        "is_default",
        "active",
        "warn_before_minutes",
    )
    list_editable = ("order", "active")
    list_filter = ("active", "is_default", "calendar")
    search_fields = ("name",)
    autocomplete_fields = ("organization", "category", "department", "escalate_to_team")
    inlines = [SLATargetInline]
    fieldsets = (
        (None, {"fields": ("name", "calendar", "order", "is_default", "active")}),
        (
            "Applies to",
            {"fields": ("organization", "category", "department", "priority")},
        ),
        (
            "Warnings and escalation",
            {
                "fields": (
                    "warn_before_minutes",
                    "escalate_priority",
                    "escalate_to_team",
                )
            },
        ),
    )


@admin.register(SLANotice)
class SLANoticeAdmin(admin.ModelAdmin):
    list_display = ("ticket", "target", "stage", "due_at", "created_at")
    list_filter = ("target", "stage")
    search_fields = ("=ticket__number",)
    fields = ("ticket", "target", "stage", "due_at", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
