"""/metrics for Prometheus: off by default, only to internal addresses, and
counting what an operator watches (requests by view, queries, the queue,
task outcomes, emails, SLA breaches)."""

import re
import time
import uuid
from datetime import time as clock
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from prometheus_client import REGISTRY

from conftest import django_process
from helpdesk.celery import app as celery_app
from notifications.models import EmailLog
from notifications.sending import email_give_up
from tickets.models import BusinessCalendar, BusinessHours, SLAPolicy, SLATarget
from tickets.services import sla
from tickets.services.sla_sweep import sla_sweep
from tickets.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db


SCRAPE = "print(Client().get('/metrics', REMOTE_ADDR='127.0.0.1').content.decode())"


def sample(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture
def metrics_on(settings):
    settings.METRICS_ENABLED = True
    return settings


def test_off_by_default(client):
    assert client.get("/metrics").status_code == 404


def test_served_to_an_internal_address(client, metrics_on):
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    assert "# TYPE helpdesk_emails_total counter" in response.content.decode()


@pytest.mark.parametrize("address", ["203.0.113.9", "10.0.0.5", "not-an-address"])
def test_refused_to_an_address_outside_the_allowed_networks(
    client, metrics_on, address
):
    response = client.get("/metrics", REMOTE_ADDR=address)

    assert response.status_code == 403
    assert "METRICS_ALLOWED_NETWORKS" in response.content.decode()
    assert "helpdesk_" not in response.content.decode()


def test_the_allowed_networks_are_a_setting(client, metrics_on):
    metrics_on.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8"]

    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403


def test_behind_a_proxy_the_client_it_saw_is_checked(client, metrics_on):
    """The proxy itself is on 127.0.0.1; the client it forwards is not."""
    metrics_on.PROXY_COUNT = 1

    outside = client.get(
        "/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7"
    )
    inside = client.get(
        "/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="127.0.0.1"
    )

    assert outside.status_code == 403
    assert inside.status_code == 200


def test_emails_sent_and_failed_are_counted(mailoutbox):
    from notifications.sending import email_send

    sent_before = sample("helpdesk_emails_total", outcome="sent")
    failed_before = sample("helpdesk_emails_total", outcome="failed")
    ok, given_up = (
        EmailLog.objects.create(
            recipient=recipient,
            template_key="agent_reply",
            subject="Hi",
            body_text="Hello",
            message_id=f"<{recipient}>",
        )
        for recipient in ("a@example.com", "b@example.com")
    )

    email_send(log_id=ok.pk)
    email_send(log_id=ok.pk)  # already sent: not sent, nor counted, again
    email_give_up(log_id=given_up.pk, error=TimeoutError("no answer"))
    email_give_up(log_id=given_up.pk, error=TimeoutError("no answer"))

    assert len(mailoutbox) == 1
    assert sample("helpdesk_emails_total", outcome="sent") == sent_before + 1
    assert sample("helpdesk_emails_total", outcome="failed") == failed_before + 1


def test_task_outcomes_are_counted():
    from tickets.tasks import close_solved_tickets

    name = "tickets.tasks.close_solved_tickets"
    before = sample("helpdesk_celery_tasks_total", task=name, outcome="success")

    close_solved_tickets.delay()

    after = sample("helpdesk_celery_tasks_total", task=name, outcome="success")
    assert after == before + 1


def test_sla_breaches_are_counted_by_target(django_capture_on_commit_callbacks):
    calendar = BusinessCalendar.objects.create(name="24/7", timezone="UTC")
    BusinessHours.objects.bulk_create(
        BusinessHours(calendar=calendar, weekday=day, start=clock(0), end=clock(0))
        for day in range(7)
    )
    policy = SLAPolicy.objects.create(name="Std", calendar=calendar, is_default=True)
    SLATarget.objects.create(
        policy=policy,
        priority="normal",
        first_response_minutes=60,
        next_response_minutes=120,
        resolution_minutes=480,
    )
    ticket = TicketFactory(created_at=timezone.now() - timedelta(hours=10))
    ticket.save(update_fields=sla.sla_start(ticket=ticket))
    first = sample("helpdesk_sla_breaches_total", target="first_response")
    resolution = sample("helpdesk_sla_breaches_total", target="resolution")

    with django_capture_on_commit_callbacks(execute=True):
        result = sla_sweep()

    assert result.breaches == 2
    assert sample("helpdesk_sla_breaches_total", target="first_response") == first + 1
    assert sample("helpdesk_sla_breaches_total", target="resolution") == resolution + 1


def test_the_queue_length_is_asked_of_the_broker(client, metrics_on, monkeypatch):
    from tickets.tasks import close_solved_tickets

    queue = f"metrics-{uuid.uuid4().hex[:10]}"
    monkeypatch.setattr(celery_app.conf, "task_always_eager", False)
    monkeypatch.setattr(celery_app.conf, "task_default_queue", queue)
    try:
        for _ in range(3):
            close_solved_tickets.apply_async(queue=queue)

        text = client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()

        assert f'helpdesk_celery_queue_length{{queue="{queue}"}} 3.0' in text
    finally:
        with celery_app.connection_for_write() as conn:
            conn.default_channel.queue_purge(queue)


def _closed_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unreachable_broker_gives_no_queue_sample_not_a_zero(
    client, metrics_on, monkeypatch
):
    monkeypatch.setattr(celery_app.conf, "task_always_eager", False)
    monkeypatch.setattr(
        celery_app.conf, "broker_url", f"redis://127.0.0.1:{_closed_port()}/0"
    )

    text = client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()

    assert "# TYPE helpdesk_celery_queue_length gauge" in text
    assert not re.search(r"^helpdesk_celery_queue_length\{", text, re.M)


@pytest.mark.usefixtures("transactional_db")
def test_an_enabled_deployment_counts_requests_by_view_and_queries(tmp_path):
    """A process started with METRICS_ENABLED, as a deployment is: the
    middleware and the database wrappers are on, and every process sharing
    PROMETHEUS_MULTIPROC_DIR adds to the same figures."""
    if connection.vendor not in ("sqlite", "postgresql"):
        pytest.skip(f"django-prometheus has no query metrics for {connection.vendor}")
    shared = {"METRICS_ENABLED": "true", "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    visit = (
        "c = Client(); [c.get('/accounts/login/') for _ in range(3)];"
        # A failed sign-in looks the account up: queries.
        "c.post('/accounts/login/', {'username': 'no@example.com', 'password': 'x'})"
    )
    django_process(visit, **shared)
    django_process(visit, **shared)
    text = django_process(SCRAPE, **shared)

    # Two processes, three visits each, summed.
    assert re.search(
        r"^django_http_requests_total_by_view_transport_method_total\{[^}]*"
        r'view="accounts:login"[^}]*\} 6\.0$',
        text,
        re.M,
    ), text[:3000]
    assert re.search(
        r"^django_http_requests_latency_seconds_by_view_method_count\{[^}]*"
        r'view="accounts:login"[^}]*\} 6\.0$',
        text,
        re.M,
    )
    executed = re.search(r"^django_db_execute_total\{[^}]*\} (\d+)\.0$", text, re.M)
    assert executed and int(executed.group(1)) > 0


def test_a_real_worker_reports_its_task_outcomes_to_the_shared_folder(
    start_worker, tmp_path
):
    """The worker counts in its own process; a web process sharing
    PROMETHEUS_MULTIPROC_DIR shows the count."""
    from tickets.tasks import close_solved_tickets

    folder = tmp_path / "metrics"
    folder.mkdir()
    start_worker(PROMETHEUS_MULTIPROC_DIR=str(folder))

    assert close_solved_tickets.apply_async(queue=start_worker.queue).get(60) == 0

    deadline = time.monotonic() + 30
    pattern = re.compile(
        r'^helpdesk_celery_tasks_total\{outcome="success",'
        r'task="tickets.tasks.close_solved_tickets"\} 1\.0$',
        re.M,
    )
    while True:
        text = django_process(
            SCRAPE, METRICS_ENABLED="true", PROMETHEUS_MULTIPROC_DIR=str(folder)
        )
        if pattern.search(text):
            break
        assert time.monotonic() < deadline, text[-3000:]
        time.sleep(0.5)


def test_an_email_that_cannot_render_counts_once_and_only_when_kept(
    django_capture_on_commit_callbacks,
):
    from helpdesk.db import atomic
    from notifications.services import email_queue

    before = sample("helpdesk_emails_total", outcome="failed")

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        atomic(),
    ):
        email_queue(template_key="no_such_template", recipient="x@example.com")
        raise RuntimeError("the caller fails; nothing is kept")
    assert sample("helpdesk_emails_total", outcome="failed") == before
    assert not EmailLog.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        entry = email_queue(template_key="no_such_template", recipient="x@example.com")

    assert entry.status == EmailLog.Status.FAILED
    assert sample("helpdesk_emails_total", outcome="failed") == before + 1


def test_a_stalled_broker_does_not_hold_the_scrape(
    client, metrics_on, monkeypatch, silent_port
):
    monkeypatch.setattr(celery_app.conf, "task_always_eager", False)
    monkeypatch.setattr(
        celery_app.conf, "broker_url", f"redis://127.0.0.1:{silent_port}/0"
    )

    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1")

    assert response.status_code == 200
    text = response.content.decode()
    assert not re.search(r"^helpdesk_celery_queue_length\{", text, re.M)


@pytest.mark.parametrize(
    ("address", "allowed"),
    [("::ffff:127.0.0.1", True), ("::1", True), ("::ffff:10.1.2.3", False)],
)
def test_ipv6_and_ipv4_written_as_ipv6(client, metrics_on, address, allowed):
    response = client.get("/metrics", REMOTE_ADDR=address)

    assert response.status_code == (200 if allowed else 403)


def test_a_scraper_inside_needs_no_known_host_nor_https(client, metrics_on):
    """Prometheus scrapes web:8000 over plain HTTP from inside."""
    metrics_on.ALLOWED_HOSTS = ["help.example.com"]
    metrics_on.SECURE_SSL_REDIRECT = True

    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_HOST="web:8000")

    assert response.status_code == 200


def test_a_mistyped_allowed_network_stops_the_start():
    from django.core.exceptions import ImproperlyConfigured

    from helpdesk.networks import networks_checked

    with pytest.raises(ImproperlyConfigured, match=r"'10\.0\.0/8' is not a network"):
        networks_checked(["127.0.0.0/8", "10.0.0/8"])
