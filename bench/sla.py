"""Time the SLA sweep over 100,000 open tickets.

    .venv/bin/python bench/sla.py                 # build the data, then sweep
    .venv/bin/python bench/sla.py --reuse         # reuse the last database
    .venv/bin/python bench/sla.py --tickets 20000
    .venv/bin/python bench/sla.py --reuse --runs 3  # three rounds, medians

Builds a throwaway SQLite database (never the developer's), loads the demo
organizations, people and the default SLA policy (office hours in Berlin,
German holidays), then bulk-loads open tickets created over the last two
weeks with their SLA clocks set as if opened then. The sweep runs in this
process with Celery pointed at an in-memory broker, so announcing an event
costs what queueing its notification task costs, not sending the mail.

Each round starts from a copy of the freshly loaded database, in a fresh
process with DEBUG off, and prints wall-clock and CPU seconds (the CPU time of
this process: less disturbed by other work on a shared machine) and the
queries counted by a connection wrapper (not the debug cursor, which would
add a quoting query per statement on SQLite).

The first sweep meets the whole backlog (tickets up to two weeks old, most
of them past their deadlines, so nearly every one gets a breach and an
escalation): the worst case. The later ones show the steady state, where a
sweep reads only the tickets whose next warning or breach has come.
"""

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BATCH = 5000


def prepare(database: Path, tickets: int) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "DJANGO_SETTINGS_MODULE": "helpdesk.settings.dev",
        "MFA_REQUIRED_ROLES": "",
    }
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
    from django.db import connections

    connections.close_all()  # the last connection out folds the WAL back in


def copy_database(source: Path, target: Path) -> None:
    """Copy a SQLite database with its write-ahead log, if it has one."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
        if Path(f"{source}{suffix}").exists():
            shutil.copyfile(f"{source}{suffix}", f"{target}{suffix}")


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


def sweep_once(label: str, minutes_later: int = 0) -> dict:
    from django.db import connection
    from django.utils import timezone

    from tickets.services.sla_sweep import sla_sweep

    queries = 0

    def count(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        started, cpu_started = time.perf_counter(), time.process_time()
        result = sla_sweep(now=timezone.now() + timedelta(minutes=minutes_later))
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
    per_batch = queries / max(1, result.batches)
    print(
        f"{label}: {seconds:.2f} s ({cpu:.2f} s CPU), examined {result.examined}, "
        f"warnings {result.warnings}, breaches {result.breaches}, "
        f"escalations {result.escalations}, {result.batches} batches, "
        f"{queries} queries ({per_batch:.1f} per batch)",
        flush=True,
    )
    return {"seconds": seconds, "cpu": cpu, "queries": queries}


SWEEPS = [
    ("first sweep (the whole backlog) ", 0),
    ("a minute later                 ", 1),
    ("an hour later                  ", 60),
]


def sweep_round(database: Path) -> list[dict]:
    """Three sweeps in this process, against ``database`` as it is."""
    os.environ.update(
        {
            "DATABASE_URL": f"sqlite:///{database}",
            "DJANGO_SETTINGS_MODULE": "helpdesk.settings.dev",
            "DJANGO_DEBUG": "0",
            "MFA_REQUIRED_ROLES": "",
        }
    )
    setup_django()
    from helpdesk.celery import app as celery_app
    from tickets.models import Ticket

    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = "memory://"
    open_count = Ticket.objects.filter(status__in=["new", "open", "pending"]).count()
    print(f"{open_count} open tickets in {database}")
    return [sweep_once(label, minutes) for label, minutes in SWEEPS]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--runs", type=int, default=1, help="Rounds of sweeps.")
    parser.add_argument(
        "--load-only", action="store_true", help="Build the data, do not sweep."
    )
    parser.add_argument("--round", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--work-dir", type=Path, default=Path(tempfile.gettempdir()) / "helpdesk-sla"
    )
    args = parser.parse_args()
    database = args.work_dir / "sla.sqlite3"
    pristine = args.work_dir / "sla.loaded.sqlite3"
    if args.round:
        print(json.dumps(sweep_round(database)))
        return
    if not (args.reuse and pristine.exists()):
        shutil.rmtree(args.work_dir, ignore_errors=True)
        prepare(database, args.tickets)
        copy_database(database, pristine)
    if args.load_only:
        return
    rounds = []
    for number in range(args.runs):
        copy_database(pristine, database)
        print(f"round {number + 1}:", flush=True)
        done = subprocess.run(  # noqa: S603
            [sys.executable, __file__, "--round", "--work-dir", str(args.work_dir)],
            check=True,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        *lines, figures = done.stdout.strip().splitlines()
        print("\n".join(lines), flush=True)
        rounds.append(json.loads(figures))
    if args.runs > 1:
        print(f"medians of {args.runs} rounds:")
        for index, (label, _) in enumerate(SWEEPS):
            runs = [figures[index] for figures in rounds]
            print(
                f"{label}: {statistics.median(r['seconds'] for r in runs):.2f} s "
                f"({statistics.median(r['cpu'] for r in runs):.2f} s CPU), "
                f"{statistics.median(r['queries'] for r in runs):.0f} queries"
            )


if __name__ == "__main__":
    main()
