"""What the console shows for a refused request: one line, no traceback.

A 403 used to print its whole traceback twice (Django's own console handler
and the root logger's); a server error still shows its traceback, once.
"""

import io
import logging

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import path

pytestmark = pytest.mark.django_db


def boom(request):
    raise RuntimeError("the disk is on fire")


def fine(request):
    return HttpResponse("fine")


urlpatterns = [path("boom/", boom), path("fine/", fine)]


def _console_handlers(name: str) -> list[logging.StreamHandler]:
    """The console handlers a record logged on ``name`` reaches, in order
    (pytest's own capturing handlers left out)."""
    handlers, logger = [], logging.getLogger(name)
    while logger:
        handlers += [h for h in logger.handlers if type(h) is logging.StreamHandler]
        logger = logger.parent if logger.propagate else None
    return handlers


@pytest.fixture
def console(settings):
    """Everything the Django and runserver loggers print, as one string."""
    # Django's own console handler only prints with DEBUG on, as in `make run`.
    settings.DEBUG = True
    stream = io.StringIO()
    handlers = {
        *_console_handlers("django.request"),
        *_console_handlers("django.server"),
    }
    previous = {handler: handler.setStream(stream) for handler in handlers}
    yield stream
    for handler, old in previous.items():
        handler.setStream(old)


def test_a_forbidden_page_is_one_line_with_who_asked(client, customer, console, caplog):
    client.force_login(customer)

    response = client.get("/agent/")

    assert response.status_code == 403
    lines = console.getvalue().splitlines()
    assert lines == [lines[0]]
    assert "403 GET /agent/ user=" + customer.email in lines[0]
    assert "The agent workspace is for agents." in lines[0]
    assert "Traceback" not in console.getvalue()
    (record,) = [r for r in caplog.records if r.name == "django.request"]
    assert record.levelno == logging.WARNING
    assert record.exc_info is None


def test_a_missing_page_is_one_line(client, console):
    response = client.get("/no/such/page/")

    assert response.status_code == 404
    lines = console.getvalue().splitlines()
    assert len(lines) == 1
    assert "404 GET /no/such/page/ user=anonymous [Not Found]" in lines[0]


def test_a_forged_post_is_one_line(console):
    response = Client(enforce_csrf_checks=True).post("/accounts/login/", {})

    assert response.status_code == 403
    lines = console.getvalue().splitlines()
    assert len(lines) == 1
    assert "403 POST /accounts/login/ user=anonymous [Forbidden (CSRF" in lines[0]


def test_a_path_cannot_forge_a_second_line(client, console):
    client.get("/no/such/page/\nINFO forged/")

    assert len(console.getvalue().splitlines()) == 1


@pytest.mark.urls(__name__)
def test_a_server_error_keeps_its_traceback_once(console, caplog):
    response = Client(raise_request_exception=False).get("/boom/")

    assert response.status_code == 500
    output = console.getvalue()
    assert output.count("Traceback (most recent call last)") == 1
    assert "RuntimeError: the disk is on fire" in output
    (record,) = [r for r in caplog.records if r.name == "django.request"]
    assert record.levelno == logging.ERROR
    assert record.exc_info is not None


def test_runserver_leaves_out_the_lines_django_request_wrote(console):
    """Runserver logs every response; for a 4xx or 5xx django.request has
    written the line already, so only the others stay."""
    server = logging.getLogger("django.server")
    for status in (200, 403, 500):
        server.info(
            '"%s" %s %s',
            "GET /x/ HTTP/1.1",
            str(status),
            "12",
            extra={"status_code": status, "server_time": "now", "request": None},
        )

    lines = console.getvalue().splitlines()
    assert lines == ['[now] "GET /x/ HTTP/1.1" 200 12']


def test_a_task_logs_no_broker_warning(caplog):
    """kombu warned "No hostname was supplied" for every task sent to a broker
    URL without a host (memory://, filesystem://)."""
    from tickets.tasks import close_solved_tickets

    caplog.set_level(logging.WARNING)
    close_solved_tickets.delay()
    close_solved_tickets.delay()

    assert [r.getMessage() for r in caplog.records if r.name.startswith("kombu")] == []
