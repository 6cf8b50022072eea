from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils import timezone

from .models import ApiKey, User


class UserCreateForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "full_name", "role")


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserEditForm
    add_form = UserCreateForm
    list_display = (
        "email",
        "full_name",
        "role",
        "organization",
        "is_active",
        "last_login",
        "created_at",
    )
    list_filter = ("role", "is_active", "organization", "language")
    list_select_related = ("organization",)
    search_fields = ("email", "full_name", "organization__name")
    ordering = ("email",)
    autocomplete_fields = ("organization",)
    readonly_fields = ("last_login", "mfa_enabled", "created_at", "updated_at")
    filter_horizontal = ()
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("full_name", "organization", "timezone", "language")}),
        ("Access", {"fields": ("role", "is_active", "mfa_enabled")}),
        ("History", {"fields": ("last_login", "created_at", "updated_at")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "email",
                    "full_name",
                    "role",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Every key in the system; admins revoke, nobody reads a secret."""

    list_display = (
        "name",
        "user",
        "kind",
        "prefix",
        "scopes",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    )
    list_filter = ("kind", "revoked_at", "scopes")
    list_select_related = ("user",)
    search_fields = ("name", "prefix", "user__email")
    fields = (
        "user",
        "name",
        "prefix",
        "scopes",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    )
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Revoke the selected keys")
    def revoke(self, request, queryset):
        count = queryset.filter(revoked_at__isnull=True).update(
            revoked_at=timezone.now(), updated_at=timezone.now()
        )
        self.message_user(request, f"Revoked {count} key(s).", messages.SUCCESS)
