from django.contrib import admin

from .models import Department, Organization, OrganizationDomain, Team


class OrganizationDomainInline(admin.TabularInline):
    model = OrganizationDomain
    extra = 1


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "share_tickets", "created_at")
    list_filter = ("share_tickets",)
    search_fields = ("name", "slug", "domains__domain")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("created_at", "updated_at")
    inlines = [OrganizationDomainInline]


@admin.register(OrganizationDomain)
class OrganizationDomainAdmin(admin.ModelAdmin):
    list_display = ("domain", "organization")
    list_select_related = ("organization",)
    search_fields = ("domain", "organization__name")
    autocomplete_fields = ("organization",)


class TeamInline(admin.TabularInline):
    model = Team
    extra = 0
    fields = ("name",)
    show_change_link = True


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "inbound_email", "created_at")
    search_fields = ("name", "slug", "inbound_email")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("agents",)
    readonly_fields = ("created_at", "updated_at")
    inlines = [TeamInline]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "department", "created_at")
    list_filter = ("department",)
    list_select_related = ("department",)
    search_fields = ("name", "department__name")
    autocomplete_fields = ("department", "members")
    readonly_fields = ("created_at", "updated_at")
