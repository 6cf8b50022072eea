import json
import zoneinfo
from http import HTTPStatus

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import (
    Http404,
    HttpRequest,
    HttpResponseBadRequest,
    JsonResponse,
    QueryDict,
    UnreadablePostError,
)
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


NUL = "\x00"


class NulCharacterMiddleware:
    """A 400, before any view runs, for a request whose query string, form
    fields or (under /api/) JSON body carries a NUL character. PostgreSQL
    text cannot hold one: psycopg refuses it wherever it reaches a query or a
    save (the admin's changelist filters, the ticket list's organization
    filter, which looks the typed name up before any validator runs), a 500.
    Under /api/ the answer is the API's one JSON shape naming the field;
    elsewhere a short plain-text 400.

    A NUL in the address is left to the URL converters and id lookups, which
    answer 404 on every database (no row's id holds one), except under
    /admin/, where the admin unquotes primary keys from the address and
    looks them up itself: there this answers the site's 404 page, the answer
    a made-up id gets everywhere else.

    A cookie holding a NUL (Django decodes ``\\000`` in a quoted cookie
    value) is dropped, as if never sent: the session cookie is looked up in
    the database, and a refusal would lock the browser out until the cookie
    expired; without it the visitor simply gets a new session.

    Not looked at: uploaded files' contents and names (a file may hold NUL
    bytes; Django drops unprintable characters from names), other headers,
    and JSON bodies outside /api/ (the one view reading them, Teams' webhook,
    checks a signature over the raw bytes and strips control characters
    itself). Mail comes in over LMTP or IMAP, not through here.

    Side effect: a POSTed form is parsed here, before the CSRF check that
    would parse it next (see ``_form``). An error parsing it (too many
    fields, a broken multipart body) is raised from here, as it would have
    been there; an oversized body, refused before a byte is read, is left to
    the view, which meets the same refusal (the API's 413)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        for name in [n for n, v in request.COOKIES.items() if NUL in n + v]:
            del request.COOKIES[name]
        if NUL in request.path and request.path.startswith("/admin/"):
            raise Http404("No admin page has a NUL character in its address.")
        in_api = request.path.startswith("/api/")
        found = _nul_location(request, in_api=in_api)
        if found is None:
            return self.get_response(request)
        what, field = found
        detail = f"{what} contains a NUL character, which is not allowed."
        if not in_api:
            return HttpResponseBadRequest(
                f"Bad request: {detail}\n", content_type="text/plain; charset=utf-8"
            )
        return JsonResponse(
            {
                "detail": detail,
                "code": "invalid",
                "errors": {field: ["NUL characters are not allowed."]},
            },
            status=400,
        )


FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")
# Reading the body may meet these before any byte is read (an oversized body)
# or after the client went away: the request is then left to its view.
UNREAD = (RequestDataTooBig, UnreadablePostError)


def _nul_location(request: HttpRequest, *, in_api: bool) -> tuple[str, str] | None:
    """Where the request's data carries a NUL: a phrase for people and the
    field's name, or None when it carries none."""
    query = request.META.get("QUERY_STRING", "")
    if "%00" in query or NUL in query:
        field = _field_with_nul(request.GET)
        if field is not None:
            return f"The query parameter {field}", field
    form = _form(request, in_api=in_api)
    if form is not None:
        field = _field_with_nul(form)
        if field is not None:
            return f"The form field {field}", field
    if in_api and request.content_type != "multipart/form-data":
        # django-ninja reads any body but a multipart one as JSON, whatever
        # its declared type.
        try:
            body = request.body
        except UNREAD:
            return None
        path = _json_path_to_nul(body)
        if path is not None:
            field = ".".join(_printable(str(part)) for part in path) or "body"
            return f"The field {field}", field
    return None


def _form(request: HttpRequest, *, in_api: bool) -> QueryDict | None:
    """The POSTed form as Django decodes it, or None when there is none.
    A body within DATA_UPLOAD_MAX_MEMORY_SIZE is read whole first and kept,
    so the view may still read the raw bytes. A larger multipart body is
    parsed from the stream, as the CSRF check would parse it next, except
    under /api/ (exempt from that check): an endpoint reading JSON would
    find its raw bytes gone, so there the endpoint keeps it."""
    if request.method != "POST" or request.content_type not in FORM_TYPES:
        return None
    if request.content_type == "multipart/form-data" and not _fits_in_memory(request):
        return None if in_api else request.POST
    try:
        _ = request.body
    except UNREAD:
        return None
    return request.POST


def _fits_in_memory(request: HttpRequest) -> bool:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return limit is not None and 0 <= length <= limit


def _field_with_nul(data: QueryDict) -> str | None:
    """A key of ``data`` with a NUL in its name or one of its values."""
    for key, values in data.lists():
        if NUL in key or any(NUL in value for value in values):
            return _printable(key)
    return None


def _json_path_to_nul(body: bytes) -> tuple | None:
    """The path (keys and indexes) to a string in a JSON body that holds a
    NUL, () for the body itself; None when none does or the body is not JSON
    (the endpoint refuses that). Only a body holding the escape's bytes or a
    NUL byte (UTF-16 or UTF-32 JSON) is parsed; the parse tells ``"\\u0000"``,
    a backslash and the text u0000, from a NUL."""
    if b"\\u0000" not in body and b"\x00" not in body:
        return None
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return None
    pending = [((), data)]
    while pending:
        path, value = pending.pop()
        if isinstance(value, str) and NUL in value:
            return path
        if isinstance(value, dict):
            for key, item in value.items():
                if NUL in key:
                    return (*path, key)
                pending.append(((*path, key), item))
        elif isinstance(value, list):
            pending.extend(((*path, index), item) for index, item in enumerate(value))
    return None


def _printable(name: str) -> str:
    return name.replace(NUL, "\\x00")
