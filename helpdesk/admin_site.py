from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse
from django_otp.admin import OTPAdminSite


class HelpdeskAdminSite(OTPAdminSite):
    """The Django admin, for admins whose session passed two-factor checks.

    It has no sign-in page of its own: people sign in through the helpdesk's
    (password, then code), and a signed-in admin without a second factor is
    sent to set one up.
    """

    site_header = "Helpdesk administration"
    site_title = "Helpdesk admin"
    index_title = "Administration"

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
