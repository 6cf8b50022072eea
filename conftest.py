import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from email import message_from_bytes, policy

import hypothesis
import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.tests.factories import TEST_PASSWORD, UserFactory
from organizations.tests.factories import DepartmentFactory

# No per-example time limit for property tests: speed is measured in bench/,
# and a busy CI machine made Hypothesis's default 200 ms deadline fail
# correct code.
hypothesis.settings.register_profile("helpdesk", deadline=None)
hypothesis.settings.load_profile("helpdesk")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """On MongoDB each test ends with a quick reset to the freshly migrated
    database instead of Django's flush (helpdesk/devtools/mongo_test_reset.py)."""
    if connection.vendor == "mongodb":
        from helpdesk.devtools import mongo_test_reset

        with django_db_blocker.unblock():
            mongo_test_reset.take_baseline(connection.alias)
        mongo_test_reset.install()


@pytest.fixture(autouse=True)
def _empty_cache():
    """No test sees what another left in the cache, including the SLA
    policies and calendars kept in this process, and the knowledge search
    indexes (a rolled-back database reaches the same index version again)."""
    from knowledge import search
    from tickets.services import sla_policies

    cache.clear()
    sla_policies._policies.clear()
    sla_policies._calendars.clear()
    search.index_cache_clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _steady_rate_limit_clock(monkeypatch):
    """Rate limits count in fixed windows (a minute, an hour); a test whose
    requests straddled a window's end would see its counts split in two and
    fail by the clock. Each test runs at one instant, mid-window."""
    from helpdesk import ratelimit

    monkeypatch.setattr(ratelimit, "_now", lambda: 1_800_000_030.0)


@pytest.fixture(autouse=True)
def _not_inside_a_task():
    """Celery marks "inside a task" in a process-wide flag that an eager task
    sets and restores; eager tasks overlapping in threads (the concurrency
    tests) can leave it set, and then any later ``result.get()`` in this
    process refuses to run. Each test starts outside any task."""
    from celery._state import _set_task_join_will_block

    _set_task_join_will_block(False)
    yield
    _set_task_join_will_block(False)


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Uploads of each test land in its own folder and vanish with it."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture(autouse=True)
def backup_dir(settings, tmp_path):
    """Backup archives of each test land in its own folder (returned). The
    setting is replaced whole, so Django's ``setting_changed`` handler drops
    the storages it had made and ``storages["backups"]`` is made anew."""
    folder = tmp_path / "backups"
    settings.STORAGES = {
        **settings.STORAGES,
        "backups": {
            "BACKEND": "helpdesk.storage.PrivateStorage",
            "OPTIONS": {"location": str(folder)},
        },
    }
    return folder


@pytest.fixture
def password():
    return TEST_PASSWORD


@pytest.fixture
def customer(db):
    return UserFactory()


@pytest.fixture
def department(db):
    return DepartmentFactory()


@pytest.fixture
def agent(db, department):
    """An agent who works in ``department``."""
    user = UserFactory(agent=True)
    department.agents.add(user)
    return user


@pytest.fixture
def admin_user(db):
    return UserFactory(admin=True)


def verify_session(client, user):
    """Mark the client's session as having passed two-factor checks, as a real
    agent's sign-in does (their roles must use an authenticator)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Test app", confirmed=True)
    if not user.mfa_enabled:
        user.mfa_enabled = True
        user.save(update_fields=["mfa_enabled"])
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


@pytest.fixture
def verify():
    """Mark a client's session as two-factor verified."""
    return verify_session


@pytest.fixture
def login(client):
    """Sign a user in on the test client and return the client. Agents and
    admins are signed in with a verified second factor, as in real life."""

    def _login(user):
        client.force_login(user)
        if user.is_agent:
            verify_session(client, user)
        return client

    return _login


# --- The JSON API ------------------------------------------------------------


class ApiClient:
    """A test client that calls /api/v1/ with one user's API key."""

    def __init__(self, user, scopes=("read", "write"), header="bearer"):
        from django.test import Client

        from accounts.services import api_key_create

        self.user = user
        self.key, self.raw = api_key_create(user=user, name="tests", scopes=scopes)
        if header == "bearer":
            headers = {"authorization": f"Bearer {self.raw}"}
        else:
            headers = {"x-api-key": self.raw}
        self.client = Client(headers=headers)

    def get(self, path, params=None):
        return self.client.get(f"/api/v1{path}", params or {})

    def post(self, path, payload=None, **kwargs):
        if "files" in kwargs or kwargs.pop("multipart", False):
            return self.client.post(f"/api/v1{path}", {**(payload or {}), **kwargs})
        return self.client.post(
            f"/api/v1{path}", payload or {}, content_type="application/json"
        )

    def patch(self, path, payload):
        return self.client.patch(
            f"/api/v1{path}", payload, content_type="application/json"
        )

    def put(self, path, payload):
        return self.client.put(
            f"/api/v1{path}", payload, content_type="application/json"
        )

    def delete(self, path):
        return self.client.delete(f"/api/v1{path}")


@pytest.fixture
def api_as(db, settings):
    """``api_as(user, scopes=...)``: an API client for that user. Customers may
    hold keys here, so one suite covers every role."""
    settings.API_KEYS_FOR_CUSTOMERS = True
    return ApiClient


# --- A real SMTP server -----------------------------------------------------


class SMTPRecorder:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()
        self.rcpt_delay = 0.0
        self.rcpt_started = threading.Event()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        import asyncio

        self.rcpt_started.set()
        if self.rcpt_delay:
            await asyncio.sleep(self.rcpt_delay)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append(
                {
                    "rcpt": list(envelope.rcpt_tos),
                    "raw": envelope.content,
                    "message": parsed,
                }
            )
        return "250 OK"

    def wait_for(self, count: int, timeout: float = 30.0) -> list:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.05)
        with self.lock:
            return list(self.messages)


def wait_until(check, timeout: float = 60.0, step: float = 0.1):
    """Call ``check`` until it returns something truthy (returned), or the
    timeout in seconds passes (then its last answer is returned)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(step)
    return check()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_smtp_server(port: int) -> SMTPRecorder:
    """Start an SMTP server on 127.0.0.1:port; stop it with .controller.stop()."""
    from aiosmtpd.controller import Controller

    recorder = SMTPRecorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    recorder.port = port
    recorder.controller = controller
    return recorder


@pytest.fixture
def smtp_server(settings):
    """An SMTP server on 127.0.0.1 that Django's mail now goes to."""
    recorder = start_smtp_server(free_port())
    port = recorder.port
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 10
    yield recorder
    recorder.controller.stop()


# --- Real Celery workers ----------------------------------------------------


def redis_problem() -> str | None:
    """Why the real-worker tests cannot run here, or None when they can."""
    import redis

    url = settings.REDIS_URL
    if not url:
        return "REDIS_URL is not set; CI sets it to run real Celery workers"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        return f"Redis at {url} is unreachable ({error})"
    return None


class Worker:
    """A Celery worker process started by a test."""

    def __init__(self, process: subprocess.Popen, log_path):
        self.process = process
        self.log_path = log_path

    def children(self) -> list[int]:
        path = f"/proc/{self.process.pid}/task/{self.process.pid}/children"
        try:
            with open(path) as handle:
                return [int(pid) for pid in handle.read().split()]
        except OSError:
            return []

    def log(self) -> str:
        return self.log_path.read_text()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def start_worker(transactional_db, monkeypatch, tmp_path):
    """Start real worker processes on a queue of this test's own.

    Workers open the database this test run created (its name travels in
    HELPDESK_TEST_DB_NAME) and listen on a fresh queue, which is also where
    this process sends tasks now, so no other worker on the machine takes
    them. Skipped, with the reason, without Redis; failed instead when
    HELPDESK_REQUIRE_SERVICES is set (CI).
    """
    problem = redis_problem()
    if problem and os.environ.get("HELPDESK_REQUIRE_SERVICES"):
        pytest.fail(f"{problem}, but HELPDESK_REQUIRE_SERVICES is set")
    if problem:
        pytest.skip(problem)
    from helpdesk.celery import app as celery_app

    queue = f"test-{uuid.uuid4().hex[:12]}"
    monkeypatch.setattr(celery_app.conf, "task_always_eager", False)
    monkeypatch.setattr(celery_app.conf, "task_default_queue", queue)
    workers: list[Worker] = []

    def _start(pool: str = "solo", **extra_env: str) -> Worker:
        log_path = tmp_path / f"worker-{len(workers)}.log"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "helpdesk.settings.test",
            "HELPDESK_TEST_DB_NAME": str(connection.settings_dict["NAME"]),
            "REDIS_URL": settings.REDIS_URL,
            "CELERY_TASK_DEFAULT_QUEUE": queue,
            # Inside the worker, tasks sent by tasks go to the broker too.
            "CELERY_TASK_ALWAYS_EAGER": "false",
            # Its log (printed when the test ends) shows each task it ran.
            "LOG_LEVEL": "INFO",
            **extra_env,
        }
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "helpdesk",
            "worker",
            "--queues",
            queue,
            "--pool",
            pool,
            "--concurrency",
            "1",
            "--hostname",
            f"{queue}-{len(workers)}@%h",
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "INFO",
        ]
        with log_path.open("w") as log:
            process = subprocess.Popen(  # noqa: S603
                command,
                cwd=settings.BASE_DIR,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        worker = Worker(process, log_path)
        workers.append(worker)
        return worker

    _start.queue = queue
    yield _start
    for worker in workers:
        worker.stop()
        print(f"--- {worker.log_path.name} ---\n{worker.log()[-4000:]}")


# --- A server that never answers ---------------------------------------------


@pytest.fixture
def silent_port():
    """A port on 127.0.0.1 that accepts connections and then says nothing:
    a stalled Redis or broker, unlike a closed port, which fails at once."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join(timeout=5)
    for conn in held:
        conn.close()
    server.close()


# --- A request in a process of its own ----------------------------------------


def django_process(code: str, timeout: float = 120, **env: str) -> str:
    """Run ``code`` in a fresh Python process under the test settings (or
    the ``DJANGO_SETTINGS_MODULE`` given), opening this run's test database,
    with ``env`` on top of this process's environment; its standard output.

    For what a process decides at start-up (middleware, database engine,
    broker and cache URLs): the settings of a real deployment, not a patched
    object. ``code`` runs after ``django.setup()`` with ``Client`` imported.
    Fails the test, with the process's error output, when it fails.
    """
    script = f"import django; django.setup()\nfrom django.test import Client\n{code}"
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script],
        cwd=settings.BASE_DIR,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "helpdesk.settings.test",
            "HELPDESK_TEST_DB_NAME": str(connection.settings_dict["NAME"]),
            **env,
        },
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout
