"""Admin pages for who is who in Teams: the links people confirmed, and the
log of every command the outgoing webhook delivered.

A link is made only by its owner on the portal (signed in, confirming the
bot's link), never here: admins can look one up and delete it (a person
who left, a link made by the wrong person), which unlinks that Teams user.
The command log is read-only and kept: it is the record of what was done
from Teams, and its rows are what makes a replayed message be answered
without acting twice, so it cannot be deleted here either.
"""

from django.contrib import admin
from django.utils.html import format_html

from ..models import TeamsCommand, TeamsLink


@admin.register(TeamsLink)
class TeamsLinkAdmin(admin.ModelAdmin):
    list_display = ("display_name", "user", "tenant_id", "aad_object_id", "linked_at")
    list_select_related = ("user",)
    search_fields = (
        "user__email",
        "user__full_name",
        "display_name",
        "=aad_object_id",
        "=tenant_id",
    )
    date_hierarchy = "linked_at"
    fields = ("display_name", "user", "tenant_id", "aad_object_id", "linked_at")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(TeamsCommand)
class TeamsCommandAdmin(admin.ModelAdmin):
    list_display = (
        "received_at",
        "connector",
        "display_name",
        "user",
        "verb",
        "outcome",
        "ticket_link",
    )
    list_filter = ("connector", "verb", "received_at")
    list_select_related = ("connector", "user", "ticket")
    search_fields = (
        "display_name",
        "user__email",
        "=aad_object_id",
        "text",
        "=ticket__number",
    )
    date_hierarchy = "received_at"
    fields = (
        "received_at",
        "connector",
        "activity_id",
        "display_name",
        "aad_object_id",
        "user",
        "text",
        "verb",
        "outcome",
        "ticket_link",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="ticket")
    def ticket_link(self, obj):
        if not obj.ticket_id:
            return "—"
        return format_html(
            '<a href="{}">{}</a>', obj.ticket.get_agent_url(), obj.ticket.reference
        )
