"""The JSON API, v1: one NinjaAPI, the ways in, and one shape for errors.

Every error answers ``{"detail": ..., "code": ..., "errors": {...}}``:
400 validation, 401 not authenticated, 403 scope or permission, 404 not
found (also what a caller may not see), 409 a refused state change, 413 too
large, 429 rate limited. Routers live in their apps (``<app>/api.py``, or a package) and
call the same services, selectors and permission functions as the portal.
"""

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import APIKeyHeader, HttpBearer, SessionAuth

from accounts.authentication import authenticate_api_key
from accounts.models import ApiKey, User
from accounts.security import client_ip
from accounts.services import session_owes_second_factor
from helpdesk.errors import ApplicationError
from helpdesk.ratelimit import count_hit, window_now

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class ApiError(Exception):
    """An error with a status, a code and a sentence, for the one shape."""

    def __init__(self, status: int, detail: str, code: str, errors=None):
        super().__init__(detail)
        self.status, self.detail, self.code = status, detail, code
        self.errors = errors or {}


# --- Ways in ----------------------------------------------------------------


def _revoking_itself(request: HttpRequest, key: ApiKey) -> bool:
    """A read-only sign-in token may still end itself (DELETE /auth/token):
    giving up access needs no write scope."""
    return (
        key.kind == ApiKey.Kind.TOKEN
        and request.method == "DELETE"
        and request.path.rstrip("/").endswith("/auth/token")
    )


def _admit(request: HttpRequest, user: User, key: ApiKey | None) -> User:
    """Common checks once a caller is known: scope, then the rate limit.
    The caller is on the request before either, so a refusal's log line names
    them too."""
    request.user = user
    request.api_key = key
    if key is not None and not _revoking_itself(request, key):
        scope = "read" if request.method in SAFE_METHODS else "write"
        if not key.has_scope(scope):
            raise ApiError(
                403,
                f"This API key lacks the {scope} scope needed for {request.method}.",
                "scope_missing",
            )
    _rate_limit(request, f"user:{user.pk}")
    return user


def _window() -> tuple[int, int]:
    """The current one-minute window and the seconds until the next one."""
    return window_now(60)


def _rate_limit(request: HttpRequest, who: str) -> None:
    """A fixed one-minute window per person: all their keys, tokens and their
    session share one allowance, so more keys buy no more requests."""
    limit = settings.API_RATE_LIMIT_PER_MINUTE
    window, retry_after = _window()
    if count_hit(f"api-rate:{who}:{window}", 60) > limit:
        raise ApiError(
            429,
            f"Rate limit of {limit} requests a minute reached; retry shortly.",
            "rate_limited",
            {"retry_after": retry_after},
        )


def _failures_key(request: HttpRequest) -> str:
    return f"api-auth-failures:{client_ip(request)}:{_window()[0]}"


def refuse_if_failing(request: HttpRequest) -> None:
    """429 for any credentials from a client address that has sent too many
    wrong ones this minute (keys, tokens, passwords), right ones included:
    otherwise a guesser could go on telling 401 from 200."""
    limit = settings.API_AUTH_FAILURES_PER_MINUTE
    if (cache.get(_failures_key(request)) or 0) >= limit:
        raise ApiError(
            429,
            "Too many failed sign-in attempts from this address; retry shortly.",
            "too_many_failures",
            {"retry_after": _window()[1]},
        )


def count_failure(request: HttpRequest) -> None:
    """One more wrong credential from this client address."""
    count_hit(_failures_key(request), 60)


def _by_key(request: HttpRequest, raw: str | None) -> User | None:
    """The caller of a key or token, counted against the address on failure.
    No credential sent is no failure: the next way in is tried."""
    if not raw:
        return None
    refuse_if_failing(request)
    found = authenticate_api_key(raw)
    if found is None:
        count_failure(request)
        return None
    return _admit(request, *found)


class BearerKey(HttpBearer):
    """Authorization: Bearer hdk_... (an API key or a sign-in token)"""

    def authenticate(self, request, token):
        return _by_key(request, token)


class HeaderKey(APIKeyHeader):
    """X-API-Key: hdk_..."""

    param_name = "X-API-Key"

    def authenticate(self, request, key):
        return _by_key(request, key)


class VerifiedSession(SessionAuth):
    """The browser session, with CSRF for writes; a session that still owes
    its second factor does not count."""

    def _get_key(self, request):
        # No session, no CSRF question: a call with a wrong key or none at all
        # is a 401, not a 403 about a CSRF token it never meant to send.
        if not request.user.is_authenticated:
            return None
        return super()._get_key(request)

    def authenticate(self, request, key):
        user = request.user
        if not user.is_authenticated or session_owes_second_factor(user):
            return None
        return _admit(request, user, None)


api = NinjaAPI(
    title="Helpdesk API",
    version="1",
    description="Tickets, messages, people, reports, and (for admins) email "
    "templates, automation rules, the outbound and inbound email logs, and "
    "backups (list, make one, download). "
    "Authenticate with an API "
    "key (`Authorization: Bearer <key>` or `X-API-Key: <key>`), a sign-in token "
    "from `POST /auth/token` (as a bearer token), or the browser session. Read "
    "scope allows GET, write scope everything else. Admin operations and "
    "creating keys need a proven second factor.",
    auth=[BearerKey(), HeaderKey(), VerifiedSession()],
    urls_namespace="api-v1",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


# --- One shape for errors ---------------------------------------------------


def error_response(
    request, status: int, detail: str, code: str, errors=None
) -> HttpResponse:
    response = api.create_response(
        request,
        {"detail": detail, "code": code, "errors": errors or {}},
        status=status,
    )
    if status == 429 and errors and "retry_after" in errors:
        response["Retry-After"] = str(errors["retry_after"])
    return response


@api.exception_handler(ApiError)
def on_api_error(request, error: ApiError):
    return error_response(request, error.status, error.detail, error.code, error.errors)


@api.exception_handler(ApplicationError)
def on_application_error(request, error: ApplicationError):
    return error_response(
        request, error.status_code, error.message, error.code, error.extra
    )


PARAMETER_SOURCES = {"body", "query", "path", "form", "file", "header", "cookie"}


def _field_of(location) -> str:
    """``("body", "payload", "subject")`` -> ``subject``: where the caller put
    it and the handler's parameter name are noise to them."""
    parts = [str(part) for part in location]
    if parts and parts[0] in PARAMETER_SOURCES:
        parts = parts[1:]
    if len(parts) > 1:
        parts = parts[1:]
    return ".".join(parts) or "body"


@api.exception_handler(ValidationError)
def on_validation_error(request, error: ValidationError):
    errors: dict[str, list[str]] = {}
    for item in error.errors:
        errors.setdefault(_field_of(item.get("loc", ())), []).append(
            item.get("msg", "Invalid value.")
        )
    return error_response(request, 400, "The request is not valid.", "invalid", errors)


@api.exception_handler(AuthenticationError)
def on_authentication_error(request, error):
    return error_response(
        request,
        401,
        "Authenticate with an API key (Authorization: Bearer <key> or X-API-Key) "
        "or a signed-in, verified session.",
        "not_authenticated",
    )


@api.exception_handler(HttpError)
def on_http_error(request, error: HttpError):
    codes = {
        400: "invalid",
        403: "forbidden",
        404: "not_found",
        405: "method_not_allowed",
        413: "too_large",
        429: "rate_limited",
    }
    return error_response(
        request, error.status_code, str(error), codes.get(error.status_code, "error")
    )


@api.exception_handler(Http404)
def on_not_found(request, error):
    return error_response(request, 404, "Not found.", "not_found")


@api.exception_handler(RequestDataTooBig)
def on_too_big(request, error):
    return error_response(request, 413, "The request is too large.", "too_large")


@csrf_exempt  # it changes nothing; a refused CSRF check would answer HTML
def api_not_found(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    """Any address under /api/ that is no endpoint: a 404 in the one shape."""
    return JsonResponse(
        {
            "detail": "There is no API endpoint at this address.",
            "code": "not_found",
            "errors": {},
        },
        status=404,
    )


def register_routers() -> None:
    from accounts.api import router as accounts_router
    from helpdesk.backup.api import router as backups_router
    from integrations.api import router as integrations_router
    from integrations.webhooks.api import router as webhooks_router
    from knowledge.api import router as knowledge_router
    from notifications.api import router as notifications_router
    from organizations.api import router as organizations_router
    from reports.api import router as reports_router
    from tickets.api import router as tickets_router

    api.add_router("", accounts_router)
    api.add_router("", organizations_router)
    api.add_router("", tickets_router)
    api.add_router("", reports_router)
    api.add_router("", notifications_router)
    api.add_router("", integrations_router)
    api.add_router("", webhooks_router)
    api.add_router("", knowledge_router)
    api.add_router("", backups_router)


register_routers()
