"""Teams' outgoing webhook endpoint: someone @mentioned the helpdesk.

Order matters: the connector is looked up by its id (a malformed id is a
404 like a missing one), the raw body's size is capped, its HMAC signature
checked, and only then is the JSON parsed and the activity's timestamp
checked. A refusal writes nothing. The answer is the response body (a
message activity), within Teams' 5-second limit: nothing here calls out.
"""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from helpdesk.errors import ApplicationError
from helpdesk.shortcuts import id_value

from ..models import TeamsConnector
from .activity import MAX_BODY_BYTES, activity_load, activity_read, body_check_size
from .commands import command_handle
from .signing import activity_fresh, activity_verify


def _error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


@csrf_exempt
@require_POST
def teams_webhook(request: HttpRequest, connector_id: str) -> HttpResponse:
    """POST from Teams when someone @mentions the helpdesk: 200 with the
    answer (a message activity); 404 for an unknown connector, 413 for a body
    over 256 KiB, 401 for a bad or missing signature, an inactive connector
    or a stale or future timestamp, 400 for a body that is not a message
    activity. Only a 200 records anything (``commands.command_handle``)."""
    key = id_value(TeamsConnector, connector_id)
    connector = (
        TeamsConnector.objects.filter(pk=key).first() if key is not None else None
    )
    if connector is None:
        return _error("No such Teams connector.", 404)
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_BODY_BYTES:
        return _error("This message is too large.", 413)
    try:
        body = request.body
        body_check_size(body)
        activity_verify(
            connector=connector,
            body=body,
            authorization=request.headers.get("Authorization"),
        )
        data = activity_load(body)
        activity_fresh(data, timezone.now())
        activity = activity_read(data)
    except ApplicationError as error:
        return _error(error.message, error.status_code)
    return JsonResponse(command_handle(connector=connector, activity=activity))
