"""What the notifications API's routes share: who may call them."""

from django.http import HttpRequest

from helpdesk.api import ApiError
from helpdesk.api_tools import require_admin

from ..permissions import can_manage_email


def require_email_manager(request: HttpRequest) -> None:
    """403 ``admins_only`` for agents and customers and 403
    ``second_factor_required`` for an admin without a proven second factor,
    as for every admin operation of the API; the app's own rule
    (``can_manage_email``) is asked as well, so it decides if it ever grows
    stricter than the role."""
    require_admin(request)
    if not can_manage_email(request.user):
        raise ApiError(403, "Only admins may manage email.", "admins_only")
