"""Time every report page, CSV export and report API call on 1,000,000 tickets.

    .venv/bin/python bench/reports.py                      # SQLite, cached file
    .venv/bin/python bench/reports.py --db /tmp/r.sqlite3  # another file
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_reports \\
        .venv/bin/python bench/reports.py                  # PostgreSQL
    .venv/bin/python bench/reports.py --tickets 20000 --rebuild   # a quick run

Builds the data once (``reports_data.py``: three years of a help desk) and
keeps it: a SQLite file is written under another name and renamed when
complete, a PostgreSQL database is marked complete by its ticket counter, so
a rerun skips the load. Then, for every report and every date range, it
requests the full page through Django's test client as an admin (who sees
every ticket) and as an agent who works in one department, one warm-up and
``--runs`` timed runs, and prints the median and the slowest run, the queries
each request made, and the database. Exits 1 when any median is over the
limit (1,000 ms), after printing everything.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIMIT_MS = 1000.0


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings.test")
    # The test client logs in without a second factor; the reports are what
    # is timed, not the two-factor middleware's redirect.
    os.environ["MFA_REQUIRED_ROLES"] = ""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# --- Building the data --------------------------------------------------------


def build(tickets: int, seed: int, full: bool) -> None:
    """Migrate the configured database and load it (in this process)."""
    import random

    import reports_data
    from django.core.management import call_command
    from django.db import connection

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    if connection.vendor == "sqlite":
        # For the load only: a file that is renamed into place when complete
        # and rebuilt from scratch otherwise does not need each commit synced
        # to disk. The measuring process opens it with the project's own
        # PRAGMAs (WAL, synchronous=NORMAL).
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.execute("PRAGMA cache_size=-262144")
    now = datetime.now(UTC)
    first = reports_data.years_before(now)
    rng = random.Random(seed)  # noqa: S311 - load data, not secrets
    people = reports_data.people_add(rng, first - timedelta(days=30))
    totals = reports_data.tickets_add(
        rng,
        people,
        tickets,
        first,
        now,
        lambda line: print(line, flush=True),
        full=full,
    )
    loaded = time.monotonic() - started
    with connection.cursor() as cursor:
        # Fresh statistics for the planner, as the nightly database_optimize
        # (SQLite) or autovacuum (PostgreSQL) would have by now.
        cursor.execute("ANALYZE")
        if connection.vendor == "sqlite":
            # Everything into the main file before it is renamed into place.
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    print(
        f"generated {totals['tickets']:,} tickets, {totals['events']:,} events, "
        f"{totals['messages']:,} messages, {totals['notices']:,} SLA notices, "
        f"{totals['ratings']:,} ratings on {connection.vendor} in {loaded:.0f} s "
        f"(+ ANALYZE {time.monotonic() - started - loaded:.0f} s)",
        flush=True,
    )


def complete(tickets: int) -> bool | None:
    """Whether the configured database holds a finished load of ``tickets``:
    True, False (empty), or None (something else: a partial or other load)."""
    from django.conf import settings
    from django.db import connection

    if "tickets_ticket" not in connection.introspection.table_names():
        return False
    from tickets.models import Ticket, TicketNumberCounter

    counter = TicketNumberCounter.objects.filter(name="ticket").first()
    expected = settings.TICKET_NUMBER_START + tickets - 1
    if counter is not None and counter.last_number == expected:
        return Ticket.objects.count() == tickets or None
    return False if not Ticket.objects.exists() else None


def prepare_sqlite(
    path: Path, tickets: int, rebuild: bool, seed: int, full: bool
) -> None:
    """Build the file in a child process unless a complete one is there."""
    if path.exists() and not rebuild:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    building = path.with_name(path.name + ".building")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{building}{suffix}").unlink(missing_ok=True)
    started = time.monotonic()
    subprocess.run(  # noqa: S603
        [sys.executable, __file__, "--build-only", "--tickets", str(tickets),
         "--seed", str(seed), "--db", str(building),
         *(["--full-timeline"] if full else [])],
        check=True,
    )  # fmt: skip
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    building.rename(path)
    print(f"SQLite file ready in {time.monotonic() - started:.0f} s: {path}")


# --- Measuring ----------------------------------------------------------------

PAGES = {
    # name: (path under /agent/reports/, extra query)
    "volume": ("", {}),
    "speed": ("speed/", {}),
    "service-levels": ("service-levels/", {}),
    "people": ("people/", {}),
    "satisfaction": ("satisfaction/", {}),
    "tickets": ("tickets/", {}),
    "tickets breached": ("tickets/", {"basis": "breached"}),
}


def ranges(today) -> dict[str, dict[str, str]]:
    """The presets, and a custom year drawn per week."""
    return {
        "last_7": {"preset": "last_7"},
        "last_30": {"preset": "last_30"},
        "this_month": {"preset": "this_month"},
        "last_month": {"preset": "last_month"},
        "365 d/week": {
            "preset": "custom",
            "start": (today - timedelta(days=364)).isoformat(),
            "end": today.isoformat(),
            "interval": "week",
        },
    }


def targets() -> list[tuple[str, str, dict[str, str]]]:
    """(name, path, extra query) of every page, CSV table and report API
    call; the full ticket-list CSV streams and is left out."""
    import helpdesk.api  # noqa: F401 - mounts the routers (reports.api imports it)
    from reports import api as reports_api
    from reports import views

    found = [
        (name, f"/agent/reports/{path}", extra) for name, (path, extra) in PAGES.items()
    ]
    found += [
        (f"csv {table}", f"/agent/reports/csv/{table}/", {})
        for table in getattr(views, "TABLES", {})
    ]
    for path, operations in reports_api.router.path_operations.items():
        if any("GET" in operation.methods for operation in operations.operations):
            found.append((f"api {path.strip('/')}", f"/api/v1{path}", {}))
    return found


def timed_get(client, url: str) -> tuple[float, float, int, list[dict]]:
    """One request read to its last byte: (ms, CPU ms of this process, status,
    its queries with the time of each)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        cpu_started = time.process_time()
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
        else:
            response.content  # noqa: B018 - rendered already; read for symmetry
        elapsed = (time.perf_counter() - started) * 1000
        cpu = (time.process_time() - cpu_started) * 1000
    return elapsed, cpu, response.status_code, queries.captured_queries


def show_slowest(queries: list[dict], count: int) -> None:
    for query in sorted(queries, key=lambda q: -float(q["time"]))[:count]:
        sql = " ".join(query["sql"].split())
        print(f"      {float(query['time']) * 1000:>7.0f} ms  {sql[:400]}")


def database_label() -> str:
    from django.db import connection

    from tickets.models import Ticket

    connection.ensure_connection()
    version = (
        connection.Database.sqlite_version
        if connection.vendor == "sqlite"
        else connection.pg_version
    )
    return f"{connection.vendor} {version}, {Ticket.objects.count():,} tickets"


def measure_all(
    *,
    runs: int,
    only: str,
    group: str,
    ranges_wanted: str,
    limit_ms: float,
    slowest: int,
) -> int:
    """Time everything, print the table, and answer 1 when a median is over
    ``limit_ms`` or a request failed. Under a slow row, the ``slowest``
    queries of its last run, to say where the time went."""
    from urllib.parse import urlencode

    from django.test import Client
    from django.utils import timezone
    from reports_data import ADMIN_EMAIL, AGENT_EMAIL

    from accounts.models import User

    label = database_label()
    print(f"database: {label}; {runs} runs after 1 warm-up; limit {limit_ms:.0f} ms")
    clients = {}
    for name, email in (("admin", ADMIN_EMAIL), ("agent", AGENT_EMAIL)):
        client = Client()
        client.force_login(User.objects.get(email=email))
        clients[name] = client
    header = (
        f"{'report':<28}{'range':<12}{'user':<7}{'median':>8}{'max':>8}"
        f"{'cpu':>7}{'queries':>9}{'status':>8}  verdict"
    )
    print(header)
    print("-" * len(header))
    failures = []
    today = timezone.localdate()
    for name, path, extra in targets():
        if only and only not in name:
            continue
        kind = name.split()[0] if name.startswith(("csv ", "api ")) else "pages"
        if group not in ("all", kind):
            continue
        for range_name, query in ranges(today).items():
            if ranges_wanted and range_name not in ranges_wanted.split(","):
                continue
            url = f"{path}?{urlencode({**query, **extra})}"
            for user, client in clients.items():
                timed_get(client, url)  # warm-up
                times, cpu_times = [], []
                for _ in range(runs):
                    elapsed, cpu, status, queries = timed_get(client, url)
                    times.append(elapsed)
                    cpu_times.append(cpu)
                median = statistics.median(times)
                cpu = statistics.median(cpu_times)
                verdict = "ok"
                if status != 200:
                    verdict = "FAILED (status)"
                elif median > limit_ms:
                    verdict = "SLOW"
                if verdict != "ok":
                    failures.append((name, range_name, user, median, status))
                print(
                    f"{name:<28}{range_name:<12}{user:<7}{median:>8.0f}"
                    f"{max(times):>8.0f}{cpu:>7.0f}{len(queries):>9}{status:>8}"
                    f"  {verdict}",
                    flush=True,
                )
                if verdict == "SLOW" or slowest < 0:
                    show_slowest(queries, abs(slowest) or 3)
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(
        f"database: {label}; load average at the end {load} on {os.cpu_count()} cores"
    )
    if failures:
        print(f"{len(failures)} over {limit_ms:.0f} ms or failed:")
        for name, range_name, user, median, status in failures:
            print(f"  {name} {range_name} {user}: {median:.0f} ms, status {status}")
        return 1
    print(f"every median under {limit_ms:.0f} ms")
    return 0


# --- Main ---------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument(
        "--db",
        type=Path,
        default=Path(tempfile.gettempdir()) / "helpdesk-reports" / "reports.sqlite3",
        help="The SQLite file (ignored when DATABASE_URL names PostgreSQL).",
    )
    parser.add_argument("--rebuild", action="store_true", help="Load the data again.")
    parser.add_argument(
        "--full-timeline",
        action="store_true",
        help="Also load every status move and each ticket's first message.",
    )
    parser.add_argument("--build-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--only", default="", help="Time only reports whose name contains this."
    )
    parser.add_argument(
        "--group", choices=["all", "pages", "csv", "api"], default="all"
    )
    parser.add_argument(
        "--ranges",
        default="",
        help="Comma-separated ranges to time (last_7,last_30,this_month,"
        "last_month,365 d/week); all when empty.",
    )
    parser.add_argument(
        "--slowest",
        type=int,
        default=3,
        help="Queries to show under a slow row; negative: under every row.",
    )
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    on_postgres = url.startswith(("postgres://", "postgresql://"))
    if args.build_only:
        setup_django(url if on_postgres else f"sqlite:///{args.db}")
        build(args.tickets, args.seed, args.full_timeline)
        return 0
    if on_postgres:
        setup_django(url)
        state = complete(args.tickets)
        if state is None or (state and args.rebuild):
            print(
                "The PostgreSQL database holds another or a partial load: drop "
                "and create it again (dropdb/createdb), then rerun.",
                file=sys.stderr,
            )
            return 2
        if not state:
            build(args.tickets, args.seed, args.full_timeline)
    else:
        prepare_sqlite(
            args.db, args.tickets, args.rebuild, args.seed, args.full_timeline
        )
        setup_django(f"sqlite:///{args.db}")
        if not complete(args.tickets):
            print(f"{args.db} is not a complete load; use --rebuild.", file=sys.stderr)
            return 2
    return measure_all(
        runs=args.runs,
        only=args.only,
        group=args.group,
        ranges_wanted=args.ranges,
        limit_ms=LIMIT_MS,
        slowest=args.slowest,
    )


if __name__ == "__main__":
    sys.exit(main())
