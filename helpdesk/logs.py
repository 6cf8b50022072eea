"""Request logs: one line per request, and a request id everywhere.

django-structlog's ``RequestMiddleware`` binds a request id (a new UUID, or
the ``X-Request-ID`` a trusted proxy sent, see ``REQUEST_ID_TRUST_HEADER``)
and the user id to the context of every log record the request causes,
Django's and Celery's included, and hands them to the tasks it queues (their
worker binds them again). The receivers below shape its closing record into
the one line an operator reads::

    request_finished method=GET path=/agent/ status=200 duration_ms=12.4
        user_id=42 request_id=3b1f...

and return the id in the response's ``X-Request-ID``. What Django logs on
its own for the same request is folded into that line: a refused request
(4xx) adds its reason (``reason=...``) instead of a second record with a
traceback; runserver's access line is dropped. A server error is one record
too: django-structlog's ``request_failed``, with the traceback.

Rendering is structlog's, chosen by ``LOG_FORMAT``: ``json`` (one JSON object
per line, production's default) or ``console`` (readable ``key=value``).
"""

from __future__ import annotations

import logging
import re
import time
import uuid

import structlog
from django.dispatch import receiver
from django_structlog import signals
from django_structlog.celery import signals as celery_signals

REFUSAL_LOGGERS = ("django.request", "django.security")
# What an upstream request id may look like: the usual generators (nginx's
# $request_id, UUIDs, AWS's "Root=1-..." trace ids) fit; anything else, a
# line break or a megabyte, is replaced by a fresh id.
REQUEST_ID = re.compile(r"^[A-Za-z0-9._:;=+/@-]{1,200}$")
REFUSAL_ATTRIBUTE = "_helpdesk_refusal"


def _escaped(text: str) -> str:
    """No newline or control character from a URL reaches the log."""
    return text.encode("unicode_escape").decode("ascii")


def structlog_processors() -> list:
    """Processors run on every record, structlog's and the standard
    library's alike, before it is rendered."""
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.stdlib.ExtraAdder(allow=()),
    ]


def configure_structlog() -> None:
    """structlog hands its records to the standard library's logging, so one
    ``LOGGING`` (handlers, levels, formatters) governs both."""
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *structlog_processors(),
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


LOG_FORMATS = ("json", "console")


def log_format(value: str) -> str:
    """``LOG_FORMAT`` checked: ``json`` or ``console``, else the setting is
    refused at start-up with a sentence saying so (ImproperlyConfigured)."""
    if value not in LOG_FORMATS:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(f"LOG_FORMAT is {value!r}: use json or console")
    return value


def formatter(kind: str) -> dict:
    """A ``LOGGING["formatters"]`` entry rendering ``json`` or ``console``."""
    if kind == "json":
        renderer = [
            structlog.processors.dict_tracebacks,
            structlog.processors.JSONRenderer(),
        ]
    elif kind == "console":
        renderer = [
            structlog.dev.ConsoleRenderer(
                colors=False, exception_formatter=structlog.dev.plain_traceback
            )
        ]
    else:
        raise ValueError(f"LOG_FORMAT is {kind!r}: use json or console")
    return {
        "()": structlog.stdlib.ProcessorFormatter,
        "processors": [
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            *renderer,
        ],
        "foreign_pre_chain": structlog_processors(),
    }


# --- The request line ---------------------------------------------------------


def _request_id(request) -> str:
    """The id bound by the middleware, unless it came from upstream in a
    shape a log line should not carry; then a fresh one, bound instead."""
    bound = structlog.contextvars.get_contextvars().get("request_id")
    if isinstance(bound, str) and REQUEST_ID.match(bound):
        return bound
    fresh = str(uuid.uuid4())
    structlog.contextvars.bind_contextvars(request_id=fresh)
    return fresh


@receiver(signals.bind_extra_request_metadata)
def _request_started(request, logger, log_kwargs, **kwargs) -> None:
    request.request_id = _request_id(request)
    request._helpdesk_started = time.perf_counter()


def _line(request, status: int, log_kwargs: dict) -> None:
    log_kwargs.pop("request", None)
    log_kwargs.pop("code", None)
    started = getattr(request, "_helpdesk_started", None)
    user = getattr(request, "user", None)
    log_kwargs.update(
        method=request.method,
        path=_escaped(request.get_full_path()),
        status=status,
        # An opaque string on every database (an ObjectId on MongoDB).
        user_id=str(user.pk) if user is not None and user.is_authenticated else None,
        request_id=getattr(request, "request_id", None),
    )
    if started is not None:
        log_kwargs["duration_ms"] = round((time.perf_counter() - started) * 1000, 1)
    reason = getattr(request, REFUSAL_ATTRIBUTE, None)
    if reason:
        log_kwargs["reason"] = reason


@receiver(signals.bind_extra_request_finished_metadata)
def _request_finished(request, logger, response, log_kwargs, **kwargs) -> None:
    if response.status_code >= 400 and not getattr(response, "_has_been_logged", False):
        # A 4xx or 5xx the view returned (not raised) would be logged by
        # Django after this line; this line says it, Django's flag says so.
        if not getattr(request, REFUSAL_ATTRIBUTE, None):
            setattr(request, REFUSAL_ATTRIBUTE, _escaped(response.reason_phrase))
        response._has_been_logged = True
    _line(request, response.status_code, log_kwargs)
    if getattr(request, "request_id", None):
        response["X-Request-ID"] = request.request_id


@receiver(signals.bind_extra_request_failed_metadata)
def _request_failed(request, logger, exception, log_kwargs, **kwargs) -> None:
    _line(request, 500, log_kwargs)


@receiver(signals.update_failure_response)
def _failure_response(request, response, logger, exception, **kwargs) -> None:
    if getattr(request, "request_id", None):
        response["X-Request-ID"] = request.request_id


@receiver(celery_signals.bind_extra_task_metadata)
def _task_started(task, logger, **kwargs) -> None:
    """Every record of a task names it (``task_succeeded`` does not)."""
    structlog.contextvars.bind_contextvars(task=task.name)


# --- Django's own records of the same request ------------------------------------


def _reason(record: logging.LogRecord, request) -> str:
    """``Forbidden (CSRF token missing.)``, ``The agent workspace is for
    agents.``: what Django said, without the path it repeats."""
    path = _escaped(getattr(request, "path", ""))
    reason = record.getMessage()
    if path and reason.endswith(f": {path}"):
        reason = reason[: -len(path) - 2]
    if record.exc_info and record.exc_info[1] is not None:
        detail = str(record.exc_info[1])
        if detail and detail not in reason:
            reason = f"{reason}: {detail}"
    return _escaped(reason)


class FoldIntoRequestLineFilter(logging.Filter):
    """Drop what ``django.request`` and ``django.security`` log about a
    response (any 4xx or 5xx): the request line says it. A 4xx's reason is
    kept on the request, for that line. A record about no particular
    response (``DisallowedHost`` before routing, a signal error) stays."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        request = getattr(record, "request", None)
        if (
            not isinstance(status, int)
            or status < 400
            or request is None
            or not record.name.startswith(REFUSAL_LOGGERS)
        ):
            return True
        if status < 500:
            try:
                setattr(request, REFUSAL_ATTRIBUTE, _reason(record, request))
            except AttributeError:  # not a request object we can mark
                return True
        return False


class SkipAccessLinesFilter(logging.Filter):
    """Drop runserver's access line: the request line replaces it. Its other
    records (a broken pipe, a malformed request) stay."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not isinstance(getattr(record, "status_code", None), int)
