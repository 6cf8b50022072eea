"""Request logs: one line per request, with its id, in the web and the worker.

A refused request used to print its whole traceback twice; runserver then
printed an access line for it. Now each request is one line (method, path,
status, duration, user id, request id, and a refusal's reason), a server
error keeps its traceback once, and the request id returned in X-Request-ID
is on every record the request causes, in the tasks it queues too.
"""

import io
import json
import logging
import re
import time

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import path

from helpdesk import logs as helpdesk_logs

pytestmark = pytest.mark.django_db


def boom(request):
    logging.getLogger("helpdesk.tests").warning("about to fail")
    raise RuntimeError("the disk is on fire")


def fine(request):
    return HttpResponse("fine")


def queue_a_task(request):
    from tickets.tasks import close_solved_tickets

    close_solved_tickets.delay()
    return HttpResponse("queued")


urlpatterns = [
    path("boom/", boom),
    path("fine/", fine),
    path("queue/", queue_a_task),
]


def _console_handlers() -> list[logging.StreamHandler]:
    """The root logger's console handlers (pytest's capturing ones left out)."""
    return [h for h in logging.getLogger().handlers if type(h) is logging.StreamHandler]


@pytest.fixture
def console():
    """Everything the console prints at INFO, as one string."""
    stream = io.StringIO()
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.INFO)
    previous = {handler: handler.setStream(stream) for handler in _console_handlers()}
    yield stream
    for handler, old in previous.items():
        handler.setStream(old)
    root.setLevel(level)


@pytest.fixture
def json_console(console):
    """The same console, rendering JSON lines as production does."""
    handlers = _console_handlers()
    previous = {handler: handler.formatter for handler in handlers}
    config = helpdesk_logs.formatter("json")
    factory = config.pop("()")
    for handler in handlers:
        handler.setFormatter(factory(**config))
    yield console
    for handler, old in previous.items():
        handler.setFormatter(old)


def _signed_in(client, user, console) -> None:
    """Sign in, then forget what signing in logged (django-axes' lines)."""
    client.force_login(user)
    console.seek(0)
    console.truncate()


def test_a_forbidden_page_is_one_line_with_who_asked_and_why(client, customer, console):
    _signed_in(client, customer, console)

    response = client.get("/agent/")

    assert response.status_code == 403
    (line,) = console.getvalue().splitlines()
    assert "request_finished" in line
    assert "method=GET path=/agent/" in line
    assert "status=403" in line
    assert f"user_id={customer.pk}" in line
    assert "The agent workspace is for agents." in line
    assert re.search(r"duration_ms=\d+(\.\d)?", line)
    assert f"request_id={response['X-Request-ID']}" in line
    assert "Traceback" not in console.getvalue()


def test_a_missing_page_is_one_line(client, console):
    response = client.get("/no/such/page/")

    assert response.status_code == 404
    (line,) = console.getvalue().splitlines()
    assert "status=404" in line
    assert "reason='Not Found'" in line
    assert "user_id=None" in line


def test_a_forged_post_is_one_line(console):
    response = Client(enforce_csrf_checks=True).post("/accounts/login/", {})

    assert response.status_code == 403
    (line,) = console.getvalue().splitlines()
    assert "method=POST path=/accounts/login/" in line
    assert "reason='Forbidden (CSRF" in line


def test_an_ordinary_page_is_one_line_and_every_response_has_its_id(client, console):
    first = client.get("/accounts/login/")
    second = client.get("/accounts/login/")

    assert first.status_code == second.status_code == 200
    lines = console.getvalue().splitlines()
    assert len(lines) == 2
    ids = [first["X-Request-ID"], second["X-Request-ID"]]
    assert ids[0] != ids[1]
    for line, request_id in zip(lines, ids, strict=True):
        assert f"request_id={request_id}" in line
        assert "status=200" in line


def test_a_header_cannot_forge_a_second_line_or_colour_the_console(console):
    """Django's reason for refusing a host repeats the Host header; the line
    shows its newline and escape character escaped, on one line."""
    response = Client().get("/", HTTP_HOST="evil\n\x1b[31m.example")

    assert response.status_code == 400
    (line,) = console.getvalue().splitlines()
    assert "status=400" in line
    assert "\x1b" not in line
    assert "DisallowedHost" in line or "Invalid HTTP_HOST" in line


@pytest.mark.urls(__name__)
def test_a_server_error_keeps_its_traceback_once_with_the_request_id(console):
    response = Client(raise_request_exception=False).get("/boom/")

    assert response.status_code == 500
    output = console.getvalue()
    assert output.count("Traceback (most recent call last)") == 1
    assert "RuntimeError: the disk is on fire" in output
    request_id = response["X-Request-ID"]
    (warning,) = [line for line in output.splitlines() if "about to fail" in line]
    assert f"request_id={request_id}" in warning
    (failed,) = [line for line in output.splitlines() if "request_failed" in line]
    assert f"request_id={request_id}" in failed
    assert "status=500" in failed


@pytest.mark.urls(__name__)
def test_production_lines_are_json_with_the_named_fields(
    client, customer, json_console
):
    _signed_in(client, customer, json_console)

    response = client.get("/fine/")

    (line,) = json_console.getvalue().splitlines()
    record = json.loads(line)
    assert record["event"] == "request_finished"
    assert record["method"] == "GET"
    assert record["path"] == "/fine/"
    assert record["status"] == 200
    assert record["user_id"] == str(customer.pk)
    assert record["request_id"] == response["X-Request-ID"]
    assert isinstance(record["duration_ms"], float)
    assert record["level"] == "info"


@pytest.mark.urls(__name__)
def test_an_upstream_request_id_is_taken_only_when_trusted(settings, console):
    settings.DJANGO_STRUCTLOG_TRUST_UPSTREAM_REQUEST_ID = False
    untrusted = Client().get("/fine/", HTTP_X_REQUEST_ID="from-the-client")
    assert untrusted["X-Request-ID"] != "from-the-client"

    settings.DJANGO_STRUCTLOG_TRUST_UPSTREAM_REQUEST_ID = True
    trusted = Client().get("/fine/", HTTP_X_REQUEST_ID="lb-7f3a9c")
    assert trusted["X-Request-ID"] == "lb-7f3a9c"
    assert "request_id=lb-7f3a9c" in console.getvalue().splitlines()[-1]


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("sent", ["two\x0blines", "x" * 201, "a b", ""])
def test_a_malformed_upstream_request_id_is_replaced(settings, console, sent):
    settings.DJANGO_STRUCTLOG_TRUST_UPSTREAM_REQUEST_ID = True

    response = Client().get("/fine/", HTTP_X_REQUEST_ID=sent)

    assert re.fullmatch(r"[0-9a-f-]{36}", response["X-Request-ID"])
    assert f"request_id={response['X-Request-ID']}" in console.getvalue()


def test_runserver_access_lines_are_left_out(console):
    """Runserver logs every response; the request line has said it."""
    server = logging.getLogger("django.server")
    for status in (200, 403, 500):
        server.info(
            '"%s" %s %s',
            "GET /x/ HTTP/1.1",
            str(status),
            "12",
            extra={"status_code": status, "server_time": "now", "request": None},
        )
    server.warning("Broken pipe from ('127.0.0.1', 5000)")

    (line,) = console.getvalue().splitlines()
    assert "Broken pipe" in line


def test_health_probes_write_no_line(client, console):
    assert client.get("/healthz").status_code == 200

    assert console.getvalue() == ""


def test_a_task_logs_no_broker_warning(caplog):
    """kombu warned "No hostname was supplied" for every task sent to a broker
    URL without a host (memory://, filesystem://)."""
    from tickets.tasks import close_solved_tickets

    caplog.set_level(logging.WARNING)
    close_solved_tickets.delay()
    close_solved_tickets.delay()

    assert [r.getMessage() for r in caplog.records if r.name.startswith("kombu")] == []


@pytest.mark.urls(__name__)
def test_the_request_id_reaches_the_task_the_request_queued(start_worker):
    worker = start_worker(LOG_LEVEL="INFO", LOG_FORMAT="json")

    response = Client().get("/queue/")

    request_id = response["X-Request-ID"]
    deadline = time.monotonic() + 60
    while True:
        records = [
            json.loads(line)
            for line in worker.log().splitlines()
            if line.startswith("{") and request_id in line
        ]
        if any(r["event"] == "task_succeeded" for r in records):
            break
        assert time.monotonic() < deadline, worker.log()[-3000:]
        time.sleep(0.2)
    (done,) = [r for r in records if r["event"] == "task_succeeded"]
    assert done["request_id"] == request_id
    assert done["task"] == "tickets.tasks.close_solved_tickets"
    assert done["logger"] == "django_structlog.celery.receivers"


def test_redirects_to_https_and_cors_preflights_are_lines_too(settings, console):
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example.com"]
    preflight = Client().options(
        "/api/v1/tickets",
        HTTP_ORIGIN="https://app.example.com",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
    )
    settings.SECURE_SSL_REDIRECT = True
    redirected = Client().get("/accounts/login/")

    assert preflight.status_code == 200
    assert redirected.status_code == 301
    first, second = console.getvalue().splitlines()
    assert "method=OPTIONS path=/api/v1/tickets" in first
    assert "status=200" in first
    assert "status=301" in second
    assert f"request_id={redirected['X-Request-ID']}" in second


def test_a_refused_api_key_request_names_its_user(console, agent):
    """A read-only key writing is refused (403); the line still says whose
    key it was, as operators need for refusals most of all."""
    from accounts.services import api_key_create

    _, raw = api_key_create(user=agent, name="read only", scopes=("read",))

    response = Client().post(
        "/api/v1/tickets",
        {},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )

    assert response.status_code == 403
    (line,) = [ln for ln in console.getvalue().splitlines() if "request_" in ln]
    assert "status=403" in line
    assert f"user_id={agent.pk}" in line
