"""Single-request times of the agent's pages at 10,000, 200,000 and 1,000,000 tickets.

    .venv/bin/python bench/scale.py                       # everything, both engines
    .venv/bin/python bench/scale.py --engines sqlite --sizes 10k 200k
    .venv/bin/python bench/scale.py --build-only          # only the datasets

Datasets (``scale_data.py``: N tickets, 3 messages each) are built once and
kept: SQLite files ``/tmp/scale/scale_<size>.sqlite3`` (written under another
name and renamed when complete) and PostgreSQL databases ``scale_<size>`` on
``--postgres`` (created with ``createdb``); a stamp file
``/tmp/scale/<engine>_<size>.json`` marks a complete load. Every run then
brings the dataset up to the code under test: ``migrate`` (a migration that
was an empty placeholder when the dataset was migrated and has operations now
is marked unapplied first, so it runs), then ``search_reindex`` and
``ticket_counts --rebuild`` where those commands exist, each timed, once per
version of the command's app migrations.

Measures in-process through Django's test client with the production settings
(DEBUG off, the production middleware, a private Redis for the cache), logged
in as an agent who sees every ticket: 2 warm-up requests then ``--runs``
timed ones per page, one at a time; prints the median (and the CPU time and
queries of a request) per engine and size, then the growth ratio of the
largest size over the smallest per page. The cold list clears the cache
before each request. Exits 0 whatever the figures: this measures.
"""

import argparse
import contextlib
import json
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path("/tmp/scale")  # noqa: S108 - kept between runs, by design
SIZES = {"10k": 10_000, "200k": 200_000, "1m": 1_000_000}
ENGINES = ("sqlite", "postgres")
SEED = 18
MIN_RUNS = 5
PLACEHOLDER_APPS = ("tickets",)
OPTIONAL_COMMANDS = {
    # command: (arguments, app whose migrations decide whether to run it again)
    "search_reindex": ((), "tickets"),
    "ticket_counts": (("--rebuild",), "tickets"),
}


def database_url(engine: str, size: str, postgres: str) -> str:
    if engine == "sqlite":
        return f"sqlite:///{DATA_DIR / f'scale_{size}.sqlite3'}"
    return f"{postgres.rstrip('/')}/scale_{size}"


def stamp_path(engine: str, size: str) -> Path:
    return DATA_DIR / f"{engine}_{size}.json"


def child_env(url: str, redis_url: str) -> dict[str, str]:
    """Production settings on the dataset; nothing from a developer's .env."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "helpdesk.settings.production",
        "DJANGO_ENV_FILE": os.devnull,
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "testserver",
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": url,
        "REDIS_URL": redis_url,
        "MFA_REQUIRED_ROLES": "",
        "PRIVATE_MEDIA_ROOT": str(DATA_DIR / "private"),
        "LOG_LEVEL": "WARNING",
    }


# --- One dataset, in a child process -----------------------------------------


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(Path(__file__).parent))
    import django

    django.setup()


def build(engine: str, size: str) -> None:
    """Load the dataset into the (empty) configured database."""
    import scale_data
    from django.core.management import call_command
    from django.db import connection

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    migrated = migration_state()
    if connection.vendor == "sqlite":
        # For the load only: the file is renamed into place when complete.
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.execute("PRAGMA cache_size=-262144")
    totals = scale_data.build(
        SIZES[size], SEED, lambda line: print(f"[{engine} {size}]{line}", flush=True)
    )
    loaded = time.monotonic() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    stamp = {
        "totals": totals,
        "load_s": round(loaded),
        "analyze_s": round(time.monotonic() - started - loaded),
        "migrations": migrated,
        "commands": {},
    }
    stamp_path(engine, size).write_text(json.dumps(stamp, indent=1))
    print(f"[{engine} {size}] loaded {totals} in {loaded:.0f} s", flush=True)


def migration_state() -> dict[str, bool]:
    """Each applied migration of the placeholder apps: whether it is empty."""
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(connection)
    return {
        f"{app}.{name}": not migration.operations
        for (app, name), migration in loader.disk_migrations.items()
        if app in PLACEHOLDER_APPS and (app, name) in loader.applied_migrations
    }


def migrations_version(loader) -> str:
    """A digest of the placeholder apps' migration files: a command runs
    again when one of them changes (a placeholder filled in, say)."""
    import hashlib
    import inspect

    digest = hashlib.sha256()
    for (app, name), migration in sorted(loader.disk_migrations.items()):
        if app in PLACEHOLDER_APPS:
            module = sys.modules[type(migration).__module__]
            digest.update(name.encode() + Path(inspect.getfile(module)).read_bytes())
    return digest.hexdigest()


def bring_up_to_date(engine: str, size: str) -> dict[str, float]:
    """Migrate, and rebuild what the optional commands maintain; return the
    seconds each step took."""
    from django.core.management import call_command, get_commands
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.recorder import MigrationRecorder

    path = stamp_path(engine, size)
    stamp = json.loads(path.read_text())
    loader = MigrationLoader(connection)
    recorder = MigrationRecorder(connection)
    # A placeholder filled in since is run for real, and with it every later
    # migration of its app (placeholders too, recorded after it).
    first_filled: dict[str, str] = {}
    for key, was_empty in sorted(stamp["migrations"].items()):
        app, name = key.split(".", 1)
        migration = loader.disk_migrations.get((app, name))
        if was_empty and migration is not None and migration.operations:
            first_filled.setdefault(app, name)
    for key, was_empty in sorted(stamp["migrations"].items()):
        app, name = key.split(".", 1)
        if app not in first_filled or name < first_filled[app]:
            continue
        if not was_empty:
            raise SystemExit(f"{key} ran after a placeholder: load the data again")
        print(f"[{engine} {size}] {key} was a placeholder: applying it now")
        recorder.record_unapplied(app, name)
    timings = {}
    started = time.monotonic()
    call_command("migrate", verbosity=0)
    timings["migrate"] = time.monotonic() - started
    stamp["migrations"] = migration_state()
    version = migrations_version(loader)
    available = get_commands()
    for command, (arguments, _) in OPTIONAL_COMMANDS.items():
        if command not in available:
            timings[command] = None
            continue
        if stamp["commands"].get(command, {}).get("version") == version:
            timings[command] = stamp["commands"][command]["seconds"]
            continue
        started = time.monotonic()
        call_command(command, *arguments)
        seconds = time.monotonic() - started
        stamp["commands"][command] = {"version": version, "seconds": seconds}
        timings[command] = seconds
    path.write_text(json.dumps(stamp, indent=1))
    return timings


def timed_get(client, url: str, marker: str) -> tuple[float, float, int, str]:
    """One request read to its last byte: (ms, CPU ms, queries, the total the
    pagination states, or "")."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        cpu_started = time.process_time()
        response = client.get(url)
        content = response.content
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
    if response.status_code != 200 or marker.encode() not in content:
        raise SystemExit(
            f"{url} answered {response.status_code} without {marker!r}: "
            f"{content[:300]!r}"
        )
    found = re.search(rb"\d+\s*of ([\d,]+)</span>", content)
    return elapsed * 1000, cpu * 1000, len(queries), found[1].decode() if found else ""


def last_page(client, url: str) -> int:
    """The highest page number the list's pagination links to."""
    html = client.get(url).content.decode()
    return max((int(n) for n in re.findall(r"[?&;]page=(\d+)", html)), default=1)


def linked(client, url: str, number: int) -> str:
    """The link to page ``number`` on page ``url``: the Next or page-number
    link a user follows, which carries the edge of ``url``'s page (a cursor)."""
    import html
    import urllib.parse

    page = client.get(url).content.decode()
    for href in re.findall(r'href="([^"]+)"', page):
        href = html.unescape(href)
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(href).query)
        if query.get("page") == [str(number)] and "after" in query:
            return href
    raise SystemExit(f"no link to page {number} with a cursor on {url}")


def pages(client) -> list[tuple[str, str, str, bool]]:
    """(label, URL, a string only the real page has, clear the cache first).

    The default view holds the unsolved tickets (a few percent); the solved
    view holds nearly all of them, so its last page is the deepest."""
    import scale_data

    from tickets.models import Ticket

    last = last_page(client, "/agent/tickets/")
    solved = "/agent/tickets/?view=solved"
    solved_last = last_page(client, solved)
    middle = Ticket.objects.order_by("number").values_list("number", flat=True)
    ticket = middle[Ticket.objects.count() // 2]
    rare, common = scale_data.word(scale_data.RARE_RANK), scale_data.word(1)
    middle_page = max(last // 2, 1)
    solved_middle = max(solved_last // 2, 1)
    results, views = 'id="results"', 'id="views-heading"'
    return [
        ("list, first page (cold)", "/agent/tickets/", results, True),
        ("list, first page", "/agent/tickets/", results, False),
        (f"list, middle page ({middle_page})",
         f"/agent/tickets/?page={middle_page}", results, False),
        (f"list, middle page by its link ({middle_page + 1})",
         linked(client, f"/agent/tickets/?page={middle_page}", middle_page + 1),
         results, False),
        (f"list, last page ({last})", f"/agent/tickets/?page={last}", results, False),
        ("solved list, first page", solved, results, False),
        (f"solved list, middle page ({solved_middle})",
         f"{solved}&page={solved_middle}", results, False),
        (f"solved list, middle page by its link ({solved_middle + 1})",
         linked(client, f"{solved}&page={solved_middle}", solved_middle + 1),
         results, False),
        (f"solved list, last page ({solved_last})",
         f"{solved}&page={solved_last}", results, False),
        (f"search, rare word ({rare})", f"/agent/tickets/?q={rare}", results, False),
        (f"search, common word ({common})", f"/agent/tickets/?q={common}", results,
         False),
        ("search, subject word (invoice)", "/agent/tickets/?q=invoice", results,
         False),
        (f"search solved, rare word ({rare})", f"{solved}&q={rare}", results, False),
        (f"search solved, common word ({common})", f"{solved}&q={common}", results,
         False),
        ("dashboard (cold)", "/agent/", views, True),
        ("dashboard", "/agent/", views, False),
        ("ticket page", f"/agent/tickets/{ticket}/", f"#{ticket}", False),
    ]  # fmt: skip


def measure(engine: str, size: str, runs: int, budget: float) -> dict:
    import reports_data
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from accounts.models import User
    from tickets.models import Ticket

    load_before = os.getloadavg()[0]
    timings = bring_up_to_date(engine, size)
    # The production pages name their CSS and JS through the static manifest.
    call_command("collectstatic", interactive=False, verbosity=0)
    client = Client()
    client.force_login(User.objects.get(email=reports_data.AGENT_EMAIL))
    rows = []
    skip = os.environ.get("SCALE_SKIP", "")
    for label, url, marker, cold in pages(client):
        if skip and skip in label:
            continue
        samples = []
        started = time.monotonic()
        for run in range(runs + 2):
            if cold:
                cache.clear()
            sample = timed_get(client, url, marker)
            if run >= 2:
                samples.append(sample)
            # A page of seconds gets fewer runs (at least MIN_RUNS).
            if len(samples) >= MIN_RUNS and time.monotonic() - started > budget:
                break
        rows.append(
            {
                "page": re.sub(r" \(\d+\)$", "", label),
                "label": label,
                "ms": statistics.median(s[0] for s in samples),
                "cpu_ms": statistics.median(s[1] for s in samples),
                "max_ms": max(s[0] for s in samples),
                "runs": len(samples),
                "queries": samples[-1][2],
                "found": samples[-1][3],
            }
        )
        print(f"[{engine} {size}] {label}: {rows[-1]['ms']:.1f} ms", flush=True)
    return {
        "engine": engine,
        "vendor": connection.vendor,
        "size": size,
        "tickets": Ticket.objects.count(),
        "steps": timings,
        "load": (load_before, os.getloadavg()[0]),
        "rows": rows,
    }


def child(args: argparse.Namespace) -> int:
    setup_django()
    engine, size = args.one
    if not stamp_path(engine, size).exists():
        build(engine, size)
    if args.build_only:
        bring_up_to_date(engine, size)
        return 0
    result = measure(engine, size, args.runs, args.page_seconds)
    print("RESULT " + json.dumps(result), flush=True)
    return 0


# --- The parent: datasets, Redis, the table ----------------------------------


def prepare_database(engine: str, size: str, postgres: str, rebuild: bool) -> str:
    """The dataset's URL; an incomplete one is removed so the child builds it."""
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    stamp = stamp_path(engine, size)
    if rebuild:
        stamp.unlink(missing_ok=True)
    url = database_url(engine, size, postgres)
    if engine == "sqlite":
        path = DATA_DIR / f"scale_{size}.sqlite3"
        if stamp.exists() and path.exists():
            return url
        stamp.unlink(missing_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return url
    if stamp.exists():
        return url
    server = postgres.split("://", 1)[1]
    user, host = server.split("@", 1)
    host, port = [*host.split(":"), "5432"][:2]
    common = ["-h", host, "-p", port, "-U", user]
    subprocess.run(["dropdb", "--if-exists", *common, f"scale_{size}"], check=True)  # noqa: S603, S607
    subprocess.run(["createdb", *common, f"scale_{size}"], check=True)  # noqa: S603, S607
    return url


def run_child(engine: str, size: str, url: str, redis_url: str, args) -> dict | None:
    """Build or measure one dataset in its own process (settings are per
    process); returns its result."""
    command = [sys.executable, __file__, "--one", engine, size]
    command += ["--runs", str(args.runs), "--page-seconds", str(args.page_seconds)]
    if args.build_only:
        command.append("--build-only")
    if engine == "sqlite" and not stamp_path(engine, size).exists():
        # Built under another name and renamed into place when complete.
        final = DATA_DIR / f"scale_{size}.sqlite3"
        building = final.with_name(final.name + ".building")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{building}{suffix}").unlink(missing_ok=True)
        stamp = stamp_path(engine, size)
        env = child_env(f"sqlite:///{building}", redis_url)
        subprocess.run(  # noqa: S603
            [sys.executable, __file__, "--one", engine, size, "--build-only"],
            env=env, cwd=ROOT, check=True,
        )  # fmt: skip
        text = stamp.read_text()
        building.rename(final)
        stamp.write_text(text)
    done = subprocess.run(  # noqa: S603
        command, env=child_env(url, redis_url), cwd=ROOT, check=True,
        stdout=None if args.build_only else subprocess.PIPE, text=True,
    )  # fmt: skip
    if args.build_only:
        return None
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])
        print(line, flush=True)
    raise SystemExit(f"no result from {engine} {size}")


@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    """A private Redis, so clearing the cache touches no one else's."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(  # noqa: S603
        [shutil.which("redis-server") or "redis-server", "--port", str(port),
         "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", port), timeout=1),
            ):
                break
            time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait()


def cell(row: dict) -> str:
    found = f"; {row['found']} found" if row.get("found") else ""
    runs = row.get("runs", 20)
    fewer = f"; {runs} runs" if runs < 20 else ""
    return f"{row['ms']:.1f} ({row['cpu_ms']:.0f}; {row['queries']}{found}{fewer})"


def table(results: list[dict]) -> None:
    """The figures per engine and size, then the growth of the largest size
    over the smallest, per page."""
    for engine in ENGINES:
        mine = [result for result in results if result["engine"] == engine]
        if not mine:
            continue
        print(f"\n### {engine} ({mine[0]['vendor']}), median ms of a request "
              "(cpu ms of the Django process; queries; what the list says it "
              "holds)\n")  # fmt: skip
        sizes = [result["size"] for result in mine]
        print("| page | " + " | ".join(sizes) + " | growth "
              f"{sizes[-1]}/{sizes[0]} |")  # fmt: skip
        print("|---|" + "---|" * (len(sizes) + 1))
        for row in mine[0]["rows"]:
            found = [
                next((r for r in result["rows"] if r["page"] == row["page"]), None)
                for result in mine
            ]
            cells = [cell(r) if r else "not measured" for r in found]
            growth = cpu_growth = float("nan")
            if found[-1] and found[0]:
                growth = found[-1]["ms"] / found[0]["ms"]
                cpu_growth = found[-1]["cpu_ms"] / max(found[0]["cpu_ms"], 0.1)
            print(
                f"| {row['page']} | " + " | ".join(cells)
                + f" | {growth:.2f}x (cpu {cpu_growth:.2f}x) |"
            )  # fmt: skip
        for result in mine:
            steps = ", ".join(
                f"{name} {'absent' if seconds is None else f'{seconds:.1f} s'}"
                for name, seconds in result["steps"].items()
            )
            load = ", ".join(f"{value:.1f}" for value in result["load"])
            print(f"\n{result['size']} ({result['tickets']:,} tickets): {steps}; "
                  f"load average before/after {load}")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", nargs="+", choices=ENGINES, default=ENGINES)
    parser.add_argument("--sizes", nargs="+", choices=SIZES, default=list(SIZES))
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument(
        "--page-seconds",
        type=float,
        default=60,
        help=f"stop timing a page after this long (at least {MIN_RUNS} runs)",
    )
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument("--rebuild", action="store_true", help="load again")
    parser.add_argument(
        "--postgres", default="postgres://postgres@127.0.0.1:5432",
        help="server for the PostgreSQL datasets (user@host:port)",
    )  # fmt: skip
    parser.add_argument(
        "--table-only",
        action="store_true",
        help="print the table of the results kept from earlier runs",
    )
    parser.add_argument("--one", nargs=2, metavar=("ENGINE", "SIZE"),
                        help=argparse.SUPPRESS)  # fmt: skip
    args = parser.parse_args()
    if args.one:
        return child(args)
    if args.table_only:
        kept = [
            DATA_DIR / f"result_{engine}_{size}.json"
            for engine in args.engines
            for size in args.sizes
        ]
        table([json.loads(path.read_text()) for path in kept if path.exists()])
        return 0
    results = []
    with redis_server() as redis_url:
        for engine in args.engines:
            for size in args.sizes:
                url = prepare_database(engine, size, args.postgres, args.rebuild)
                result = run_child(engine, size, url, redis_url, args)
                if result is not None:
                    results.append(result)
                    json_path = DATA_DIR / f"result_{engine}_{size}.json"
                    json_path.write_text(json.dumps(result, indent=1))
    if results:
        print(f"\n{args.runs} timed requests per page after 2 warm-ups, one at a "
              "time, Django test client, production settings")  # fmt: skip
        table(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
