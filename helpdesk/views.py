from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each role to its own front door."""
    if request.user.is_agent:
        return redirect("tickets:agent_home")
    return redirect("tickets:portal_home")
