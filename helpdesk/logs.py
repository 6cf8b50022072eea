"""Console logging: one line for each refused request.

Django logs every 4xx response on ``django.request`` (and CSRF and other
refusals on ``django.security.*``); a PermissionDenied comes with its whole
traceback, which says nothing a developer needs: the request was refused on
purpose. Runserver's access log repeats the same request. These filters keep
one line, with who asked; server errors (5xx) keep their traceback.
"""

import logging

REFUSAL_LOGGERS = ("django.request", "django.security")


def _escaped(text: str) -> str:
    """No newline or control character from a URL reaches the log."""
    return text.encode("unicode_escape").decode("ascii")


def _who(request) -> str:
    try:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return _escaped(user.get_username())
    except Exception:  # a log line must never fail the request
        return "?"
    return "anonymous"


class RefusedRequestFilter(logging.Filter):
    """Rewrite a refused request's record as ``403 GET /path user=... [why]``,
    without the traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if (
            not isinstance(status, int)
            or not 400 <= status < 500
            or not record.name.startswith(REFUSAL_LOGGERS)
        ):
            return True
        request = getattr(record, "request", None)
        path = _escaped(getattr(request, "path", ""))
        reason = record.getMessage()
        if path and reason.endswith(f": {path}"):
            reason = reason[: -len(path) - 2]
        if record.exc_info and record.exc_info[1] is not None:
            detail = str(record.exc_info[1])
            if detail and detail not in reason:
                reason = f"{reason}: {_escaped(detail)}"
        method = getattr(request, "method", "") or "-"
        record.msg = "%s %s %s user=%s [%s]"
        record.args = (status, method, path, _who(request), reason)
        record.exc_info = None
        record.exc_text = None
        return True


class SkipLoggedErrorsFilter(logging.Filter):
    """Drop runserver's access-log line for a 4xx or 5xx response:
    ``django.request`` has logged that request already, with more to say."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        return not (isinstance(status, int) and status >= 400)
