"""The filesystem broker used without Redis (helpdesk/broker.py)."""

import socket
import time

import pytest
from celery.signals import celeryd_init
from django.conf import settings
from kombu import Connection

from helpdesk.broker import DRAIN_SECONDS, Transport
from helpdesk.settings.base import filesystem_broker


def test_a_worker_without_redis_uses_the_capped_filesystem_transport(monkeypatch):
    if settings.REDIS_URL:
        pytest.skip("REDIS_URL is set: Redis is the broker in this pass")
    from helpdesk.celery import app

    assert app.conf.broker_url.startswith("filesystem:")
    # Outside a worker (web, beat, `celery inspect`) kombu's own transport
    # waits as long as asked.
    with app.connection_for_write() as connection:
        assert not isinstance(connection.transport, Transport)
    monkeypatch.setattr(app.conf, "broker_transport", app.conf.broker_transport)
    celeryd_init.send(sender="test-worker", instance=None, conf=app.conf, options={})
    with app.connection_for_write() as connection:
        assert isinstance(connection.transport, Transport)


def test_a_worker_on_redis_keeps_the_redis_transport(monkeypatch):
    from helpdesk.celery import app

    monkeypatch.setattr(app.conf, "broker_url", "redis://127.0.0.1:6379/0")
    monkeypatch.setattr(app.conf, "broker_transport", app.conf.broker_transport)
    celeryd_init.send(sender="test-worker", instance=None, conf=app.conf, options={})
    with Connection(app.conf.broker_url, transport=app.conf.broker_transport) as c:
        assert not isinstance(c.transport, Transport)
        assert c.transport.driver_type == "redis"


def test_a_wait_for_messages_ends_within_the_cap(tmp_path):
    """Celery's blocking loop waits 2 s a time and once more after a stop;
    capped, a worker told to stop does so within about a second, not after
    honcho's 5 s kill (``make run``)."""
    options = filesystem_broker(tmp_path)
    for folder in (options["data_folder_in"], options["control_folder"]):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
    with Connection(
        "filesystem://localhost/",
        transport="helpdesk.broker:Transport",
        transport_options=options,
    ) as connection:
        queue = connection.SimpleQueue("capped")
        started = time.monotonic()
        with pytest.raises(socket.timeout):
            connection.drain_events(timeout=60)
        waited = time.monotonic() - started
        queue.put({"ticket": 1})
        assert queue.get(timeout=5).payload == {"ticket": 1}
        queue.close()
    # Asked for 60 s, it came back after the cap (a loose bound: a busy
    # machine may add a second or two, never the 60 asked for).
    assert DRAIN_SECONDS <= waited < 10
