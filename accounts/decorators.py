from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied


def agent_required(view):
    """The agent workspace: agents and admins only; customers get a 403."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_agent:
            raise PermissionDenied("The agent workspace is for agents.")
        return view(request, *args, **kwargs)

    return wrapper
