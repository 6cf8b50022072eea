"""Teams' outgoing webhook endpoint."""

from django.http import HttpRequest, HttpResponse


def teams_webhook(request: HttpRequest, connector_id: str) -> HttpResponse:
    """POST from Teams when someone @mentions the helpdesk."""
    raise NotImplementedError
