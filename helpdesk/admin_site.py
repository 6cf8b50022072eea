from django.contrib import messages
from django.contrib.admin.options import csrf_protect_m
from django.contrib.auth.views import redirect_to_login
from django.db import router
from django.shortcuts import redirect
from django.urls import reverse
from django_otp.admin import OTPAdminSite

from helpdesk.db import atomic


class HelpdeskAdminSite(OTPAdminSite):
    """The Django admin, for admins whose session passed two-factor checks.

    It has no sign-in page of its own: people sign in through the helpdesk's
    (password, then code), and a signed-in admin without a second factor is
    sent to set one up.
    """

    site_header = "Helpdesk administration"
    site_title = "Helpdesk admin"
    index_title = "Administration"

    def get_urls(self):
        from helpdesk.backup.admin_views import backup_urls

        return [*backup_urls(self), *super().get_urls()]

    def get_app_list(self, request, app_label=None):
        """The registered apps, and on the index and the side menu a Backups
        section (its page is no model's changelist)."""
        app_list = super().get_app_list(request, app_label)
        if app_label is None:
            from helpdesk.backup.admin_views import backups_app_entry

            app_list = sorted(
                [*app_list, backups_app_entry()], key=lambda app: app["name"].lower()
            )
        return app_list

    def login(self, request, extra_context=None):
        if request.user.is_authenticated:
            if not request.user.is_admin:
                messages.error(request, "The administration is for admins only.")
                return redirect("home")
            messages.warning(
                request,
                "The administration needs two-factor authentication. "
                "Set it up, then open it again.",
            )
            return redirect("accounts:mfa")
        return redirect_to_login(
            request.GET.get("next") or reverse("admin:index"),
            reverse("accounts:login"),
        )


class ServiceAdminMixin:
    """For a ``ModelAdmin`` whose ``save_model`` (or ``delete_model``) calls a
    service: its change form and delete page run in :func:`helpdesk.db.atomic`
    instead of Django's ``transaction.atomic``.

    On SQLite and PostgreSQL the two are the same block. On MongoDB Django's
    is no transaction at all, yet it marks the connection as inside an atomic
    block, so the service's own (real) transaction refused to commit
    ("TransactionManagementError: This is forbidden when an 'atomic' block is
    active") and the admin answered 500. Here the service's block joins the
    page's: one transaction, committed when the page is done.
    """

    @csrf_protect_m
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method in ("GET", "HEAD", "OPTIONS", "TRACE"):
            return self._changeform_view(request, object_id, form_url, extra_context)
        with atomic(using=router.db_for_write(self.model)):
            return self._changeform_view(request, object_id, form_url, extra_context)

    @csrf_protect_m
    def delete_view(self, request, object_id, extra_context=None):
        if request.method in ("GET", "HEAD", "OPTIONS", "TRACE"):
            return self._delete_view(request, object_id, extra_context)
        with atomic(using=router.db_for_write(self.model)):
            return self._delete_view(request, object_id, extra_context)
