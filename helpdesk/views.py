from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each role to its own front door."""
    if request.user.is_agent:
        return redirect("tickets:agent_home")
    return redirect("tickets:portal_home")


# ReDoc styles itself with styled-components, which writes style elements,
# and runs its search in a worker built from a blob: URL. Only this page lets
# styles in inline and workers from blob:; scripts stay files from us.
@csp_update({"style-src": [UNSAFE_INLINE], "worker-src": ["blob:"]})
def api_redoc(request: HttpRequest) -> HttpResponse:
    """``/api/v1/redoc``: the API's reference in ReDoc, beside Swagger UI at
    ``/api/v1/docs``; public like the schema it reads, and offline (ReDoc's
    script comes from django-ninja's static files)."""
    from helpdesk.api import api

    return render(
        request,
        "helpdesk/redoc.html",
        {"title": api.title, "openapi_url": reverse("api-v1:openapi-json")},
    )


def metrics(request: HttpRequest) -> HttpResponse:
    """``/metrics`` for Prometheus: 404 unless ``METRICS_ENABLED``; 403 to a
    client outside ``METRICS_ALLOWED_NETWORKS`` (the address a configured
    proxy saw, see ``PROXY_COUNT``). No sign-in: scrapers have none, so the
    network is the guard."""
    from django.conf import settings
    from django.http import Http404

    from accounts.security import client_ip
    from helpdesk import metrics as helpdesk_metrics
    from helpdesk.networks import address_in

    if not settings.METRICS_ENABLED:
        raise Http404("Metrics are off.")
    if not address_in(client_ip(request), settings.METRICS_ALLOWED_NETWORKS):
        return HttpResponse(
            "Metrics are not served to this address (METRICS_ALLOWED_NETWORKS).\n",
            status=403,
            content_type="text/plain; charset=utf-8",
        )
    body, content_type = helpdesk_metrics.exposition()
    response = HttpResponse(body, content_type=content_type)
    response["Cache-Control"] = "no-store"
    return response
