"""The quick start's worker and beat, without Redis.

Starts the Procfile's ``worker`` and ``beat`` with honcho, as `make run` does,
on the embedded broker (a folder of files in a temporary folder) and a SQLite
file database of their own: beat's SLA sweep must write its notices, a task
sent with a countdown must run at its time and not before, and one SIGINT
(Ctrl-C) must stop every process.

Everything the child processes see comes from their environment; the test
reads their database through ``manage.py shell`` with the same environment.
SLA_SWEEP_SECONDS=1 makes beat sweep every second instead of every minute.
"""

import json
import os
import re
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
HONCHO = [sys.executable, "-m", "honcho"]

SETUP = """
from datetime import time, timedelta
from django.utils import timezone
from tickets.models import BusinessCalendar, BusinessHours, SLAPolicy, SLATarget
from tickets.services import sla
from tickets.tests.factories import TicketFactory

calendar = BusinessCalendar.objects.create(name="24/7", timezone="UTC")
BusinessHours.objects.bulk_create(
    BusinessHours(calendar=calendar, weekday=day, start=time(0), end=time(0))
    for day in range(7)
)
policy = SLAPolicy.objects.create(name="24/7", calendar=calendar, is_default=True)
SLATarget.objects.create(
    policy=policy, priority="normal", first_response_minutes=60,
    next_response_minutes=120, resolution_minutes=480,
)
ticket = TicketFactory(created_at=timezone.now() - timedelta(days=2))
ticket.save(update_fields=sla.sla_start(ticket=ticket))
print(ticket.pk)
"""

# What a delayed automation rule does: an email whose time is later, handed
# to the sender with that delay.
SEND_LATER = """
import uuid
from datetime import timedelta
from django.utils import timezone
from notifications.models import EmailLog
from notifications.tasks import send_email

not_before = timezone.now() + timedelta(seconds=4)
entry = EmailLog.objects.create(
    recipient="someone@example.com", template_key="test", subject="Later",
    body_text="Sent at its time.", message_id=f"<{uuid.uuid4()}@example.com>",
    scheduled_for=not_before,
)
send_email.apply_async(args=[entry.pk], countdown=4)
print(entry.pk)
"""

WATCH = """
import json, time
from notifications.models import EmailLog
from tickets.models import SLANotice

deadline = time.monotonic() + {deadline}
while True:
    notices = list(
        SLANotice.objects.filter(ticket_id={ticket}).values_list("stage", "target")
    )
    email = EmailLog.objects.get(pk={email})
    if (notices and email.status == "sent") or time.monotonic() > deadline:
        break
    time.sleep(0.2)
print(json.dumps({{
    "notices": notices,
    "status": email.status,
    "sent_at": email.sent_at.isoformat() if email.sent_at else None,
    "not_before": email.scheduled_for.isoformat(),
}}))
"""


@pytest.fixture
def child_env(tmp_path) -> dict[str, str]:
    """The environment `make run` gives its processes, pointed at throwaway
    files: no Redis (also in CI, where REDIS_URL is set), no developer .env."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {"REDIS_URL", "DATABASE_URL", "SITE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
        and not key.startswith(("CELERY_", "HELPDESK_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="helpdesk.settings.dev",
        DJANGO_ENV_FILE=os.devnull,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        HELPDESK_VAR_DIR=str(tmp_path / "var"),
        SLA_SWEEP_SECONDS="1",
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    return env


def manage(env: dict[str, str], *args: str, timeout: float = 120) -> str:
    done = subprocess.run(  # noqa: S603
        [sys.executable, str(BASE_DIR / "manage.py"), *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return done.stdout.strip().splitlines()[-1]


def process_group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_make_runs_worker_and_beat_sweep_and_send_later_without_redis(
    child_env, tmp_path
):
    procfile = (BASE_DIR / "Procfile").read_text()
    assert re.search(r"^worker: celery -A helpdesk worker", procfile, re.M)
    assert re.search(r"^beat: celery -A helpdesk beat", procfile, re.M)
    manage(child_env, "migrate", "--noinput")
    ticket = manage(child_env, "shell", "-c", SETUP)

    log_path = tmp_path / "honcho.log"
    with log_path.open("w") as log:
        honcho = subprocess.Popen(  # noqa: S603
            # The Procfile's own entries, started as `make run` starts them.
            [*HONCHO, "start", "-e", os.devnull, "-f", "Procfile", "worker", "beat"],
            cwd=BASE_DIR,
            env=child_env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        email = manage(child_env, "shell", "-c", SEND_LATER)
        seen = json.loads(
            manage(
                child_env,
                "shell",
                "-c",
                WATCH.format(deadline=90, ticket=ticket, email=email),
                timeout=150,
            )
        )
    finally:
        # One Ctrl-C: the terminal sends SIGINT to the foreground group.
        os.killpg(honcho.pid, signal.SIGINT)
        honcho.wait(timeout=60)
    output = log_path.read_text()
    print(output[-6000:])

    # Beat handed the sweep to the worker, which wrote the ticket's notices.
    assert "Sending due task sla-sweep (tickets.tasks.sla_sweep)" in output
    assert ["breach", "first_response"] in seen["notices"]
    # The delayed email went out at its time, not before.
    assert seen["status"] == "sent"
    sent_at = datetime.fromisoformat(seen["sent_at"])
    assert sent_at >= datetime.fromisoformat(seen["not_before"])
    # Nothing is left running: honcho started each process in a group of
    # its own, and every one of those groups is gone.
    started = [int(pid) for pid in re.findall(r"started \(pid=(\d+)\)", output)]
    assert len(started) == 2
    deadline = time.monotonic() + 30
    while any(map(process_group_alive, started)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in started if process_group_alive(pid)]
    assert "SIGKILL" not in output
