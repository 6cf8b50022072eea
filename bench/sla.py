"""Time the SLA sweep over 100,000 open tickets.

    .venv/bin/python bench/sla.py                 # build the data, then sweep
    .venv/bin/python bench/sla.py --reuse         # reuse the last database
    .venv/bin/python bench/sla.py --tickets 20000

Builds a throwaway SQLite database (never the developer's), loads the demo
organizations, people and the default SLA policy (office hours in Berlin,
German holidays), then bulk-loads open tickets created over the last two
weeks with their SLA clocks set as if opened then. The sweep runs in this
process with Celery pointed at an in-memory broker, so announcing an event
costs what queueing its notification task costs, not sending the mail.

The first sweep meets the whole backlog (tickets up to two weeks old, most
of them past their deadlines, so nearly every one gets a breach and an
escalation): the worst case. The later ones show the steady state, where a
sweep reads only the tickets whose next warning or breach has come.
"""

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BATCH = 5000


def prepare(database: Path, tickets: int, reuse: bool) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "DJANGO_SETTINGS_MODULE": "helpdesk.settings.dev",
        "MFA_REQUIRED_ROLES": "",
    }
    if reuse and database.exists():
        return
    database.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=ROOT)  # noqa: S603
    subprocess.run(  # noqa: S603
        [*manage, "init_demo_data"],
        env=env,
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    os.environ.update(env)
    setup_django()
    load_open_tickets(tickets)


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def load_open_tickets(count: int) -> None:
    """Bulk-insert open tickets with their SLA clocks, as an import would."""
    from django.db.models import Max
    from django.utils import timezone

    from accounts.models import User
    from helpdesk.db import atomic
    from helpdesk.maintenance import database_optimize
    from tickets.models import SLAPolicy, Ticket
    from tickets.services.sla import sla_fields_for_import

    rng = random.Random(7)  # noqa: S311 - load data, not secrets
    policy = (
        SLAPolicy.objects.select_related("calendar")
        .prefetch_related("targets", "calendar__hours", "calendar__holidays")
        .get(is_default=True)
    )
    customers = list(User.objects.filter(role="customer"))
    now = timezone.now()
    start = (Ticket.objects.aggregate(top=Max("number"))["top"] or 1000) + 1
    started = time.monotonic()
    for offset in range(0, count, BATCH):
        batch = []
        for index in range(offset, min(count, offset + BATCH)):
            requester = rng.choice(customers)
            ticket = Ticket(
                number=start + index,
                subject="Load test ticket",
                requester=requester,
                organization=requester.organization,
                priority=rng.choice(["low", "normal", "normal", "high", "urgent"]),
                status=rng.choice(["new", "open", "open", "pending"]),
                channel="email",
                created_at=now - timedelta(minutes=rng.uniform(0, 14 * 24 * 60)),
            )
            sla_fields_for_import(ticket=ticket, policy=policy)
            batch.append(ticket)
        with atomic():
            Ticket.objects.bulk_create(batch)
    print(f"loaded {count} open tickets in {time.monotonic() - started:.1f} s")
    print(database_optimize())


def sweep_once(label: str, minutes_later: int = 0) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from tickets.services.sla_sweep import sla_sweep

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = sla_sweep(now=timezone.now() + timedelta(minutes=minutes_later))
        seconds = time.perf_counter() - started
    per_batch = len(queries) / max(1, result.batches)
    print(
        f"{label}: {seconds:.2f} s, examined {result.examined}, "
        f"warnings {result.warnings}, breaches {result.breaches}, "
        f"escalations {result.escalations}, {result.batches} batches, "
        f"{len(queries)} queries ({per_batch:.1f} per batch)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument(
        "--load-only", action="store_true", help="Build the data, do not sweep."
    )
    parser.add_argument(
        "--work-dir", type=Path, default=Path(tempfile.gettempdir()) / "helpdesk-sla"
    )
    args = parser.parse_args()
    database = args.work_dir / "sla.sqlite3"
    if not args.reuse:
        shutil.rmtree(args.work_dir, ignore_errors=True)
    prepare(database, args.tickets, args.reuse)
    if args.load_only:
        return
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{database}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings.dev")
    if "django" not in sys.modules or not _ready():
        setup_django()
    from helpdesk.celery import app as celery_app
    from tickets.models import Ticket

    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = "memory://"
    open_count = Ticket.objects.filter(status__in=["new", "open", "pending"]).count()
    print(f"{open_count} open tickets in {database}")
    sweep_once("first sweep (the whole backlog) ")
    sweep_once("a minute later                 ", minutes_later=1)
    sweep_once("an hour later                  ", minutes_later=60)


def _ready() -> bool:
    from django.apps import apps

    return apps.ready


if __name__ == "__main__":
    main()
