from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse

from .services import mfa_has_device, session_owes_second_factor

# Paths a user who still owes a second factor may open.
# The API answers for itself (401 in JSON), rather than with a redirect.
OPEN_PREFIXES = ("/static/", "/accounts/mfa/", "/accounts/logout/", "/api/")


class MFAMiddleware:
    """Two rules, after django-otp has marked the session verified or not:

    - an account with an authenticator whose session is not verified (it was
      signed in before the authenticator was added, say) must enter a code;
    - a role in MFA_REQUIRED_ROLES without an authenticator is sent to set
      one up, and can open nothing else until it has.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if not user.is_authenticated or request.path.startswith(OPEN_PREFIXES):
            return self.get_response(request)
        if not session_owes_second_factor(user):
            return self.get_response(request)
        if mfa_has_device(user):
            return redirect(f"{reverse('accounts:mfa_verify')}?next={request.path}")
        messages.warning(
            request,
            "Your role must use two-factor authentication. Set it up to continue.",
        )
        return redirect("accounts:mfa")
