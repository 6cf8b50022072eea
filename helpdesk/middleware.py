import zoneinfo
from http import HTTPStatus

from django.http import JsonResponse
from django.utils import timezone, translation


class UserPreferencesMiddleware:
    """Render dates in the user's time zone and pages in the user's language."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        try:
            timezone.activate(zoneinfo.ZoneInfo(user.timezone))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.deactivate()
        if user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = translation.get_language()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class ApiErrorShapeMiddleware:
    """Under /api/, an error that never reached the API's own handlers (a
    method no endpoint takes, Django refusing an oversized form, a server
    error) still answers in the API's one JSON shape, not an HTML page."""

    CODES = {
        400: "invalid",
        403: "forbidden",
        404: "not_found",
        405: "method_not_allowed",
        413: "too_large",
        500: "server_error",
    }
    KEPT_HEADERS = ("Allow", "Retry-After")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            not request.path.startswith("/api/")
            or response.status_code < 400
            or response.get("Content-Type", "").startswith("application/json")
        ):
            return response
        status = response.status_code
        shaped = JsonResponse(
            {
                "detail": f"{HTTPStatus(status).phrase}.",
                "code": self.CODES.get(status, "error"),
                "errors": {},
            },
            status=status,
        )
        for header in self.KEPT_HEADERS:
            if header in response:
                shaped[header] = response[header]
        return shaped
