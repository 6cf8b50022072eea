from asgiref.sync import sync_to_async
from django.apps import apps
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django_otp.middleware import OTPMiddleware
from django_otp.models import Device

from helpdesk.shortcuts import id_value

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


def device_from_persistent_id(persistent_id: str) -> Device | None:
    """The device a session's ``otp_device_id`` names ("app_label.model/id"),
    or None when none does.

    django-otp (1.7.5, ``Device._filter_persistent_id``) reads the id with
    ``int()``, so on MongoDB, whose keys are ObjectIds, no session was ever
    seen as verified. The key is read by the device model's own field here.
    """
    try:
        label, raw_id = persistent_id.rsplit("/", 1)
        model = apps.get_model(label)
    except (ValueError, LookupError):
        return None
    if not issubclass(model, Device):
        return None
    key = id_value(model, raw_id)
    if key is None:
        return None
    return model.objects.filter(pk=key).first()


class DeviceMiddleware(OTPMiddleware):
    """django-otp's middleware (``request.user.otp_device``,
    ``is_verified()``), reading the device's key on any database."""

    def _device_from_persistent_id(self, persistent_id: str) -> Device | None:
        return device_from_persistent_id(self._normalize_persistent_id(persistent_id))

    async def _adevice_from_persistent_id(self, persistent_id: str) -> Device | None:
        return await sync_to_async(self._device_from_persistent_id)(persistent_id)
