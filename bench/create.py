"""Opening tickets here and in django-helpdesk 2.6.1, side by side, in one run.

Both are served the same way (gunicorn, 2 sync workers, DEBUG off, SQLite in
WAL mode, 50,000 tickets) and driven by the same wrk load (-t2 -c8, 20 s) with
a form POST that carries a CSRF cookie and token. This product runs its
production settings with a real Celery worker behind it (Redis on a private
database number: cache, broker and results), so the mail, webhooks and Teams
work of a create happens where it does in production: after the answer, in
the worker, which shares the two cores. The runs are interleaved (ours
through the agent form, ours through the portal, the anchor's staff form,
again, ...) and each figure is the median of the rounds.

Every POST must answer 302 (the lua script counts any other status), and the
tickets counted in each database before and after a run must match wrk's
requests (plus the few still in flight when wrk stops): a fast create that
did nothing would show. From the project root, after the anchor's setup.sh
and seed.py (see ../shared/anchor-django-helpdesk/README.md)::

    .venv/bin/python bench/create.py            # build our database, then measure
    .venv/bin/python bench/create.py --reuse    # keep the database of a last run
"""

import argparse
import json
import re
import secrets
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import web

LUA = Path(__file__).with_name("create_post.lua")
REDIS_CLI = shutil.which("redis-cli") or "/usr/bin/redis-cli"
TMP = Path(tempfile.gettempdir())
CUSTOMER = "customer@acme.example"  # a demo customer (helpdesk/demo/content.py)
ROW = "{:<28} {:>8} {:>8} {:>8} {:>9} {:>10} {:>9} {:>8}"
HEADER = (
    "what",
    "req/s",
    "p50 ms",
    "p99 ms",
    "queries",
    "requests",
    "created",
    "not 302",
)

# Queries of one create through the test client, on the bench database and
# the production settings (the on-commit hooks run in the request, as served).
COUNT_QUERIES = """
import json
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

def count(cookie, url, data):
    client = Client(HTTP_HOST="127.0.0.1")
    name, value = cookie.split("=", 1)
    client.cookies[name] = value
    client.post(url, {**data, "subject": "Warm-up"})
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, data)
    assert response.status_code == 302, response.status_code
    return len(queries)

print(json.dumps({
    "agent": count(AGENT, "/agent/tickets/new/", AGENT_FORM),
    "portal": count(CUSTOMER, "/portal/tickets/new/", PORTAL_FORM),
}))
"""


@dataclass(frozen=True)
class Target:
    """One create to drive: where, with which cookie and body, and where its
    tickets are counted."""

    label: str
    url: str
    cookie: str
    body_file: Path
    database: Path
    table: str
    queries: int


@dataclass(frozen=True)
class Run:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    created: int
    not_302: int
    background_cpu: float
    worker_catch_up_s: float


def forms() -> tuple[dict[str, str], dict[str, str]]:
    """Our agent form (an existing customer, as the anchor's submitter is an
    address with no account to create) and our portal form."""
    agent = {
        "requester_email": CUSTOMER,
        "requester_name": "",
        "subject": "Printer on fire",
        "body": "Smoke is coming out of the printer on the second floor.",
        "priority": "normal",
    }
    portal = {"subject": agent["subject"], "body": agent["body"]}
    return agent, portal


def write_body(path: Path, data: dict[str, str], csrf: str) -> Path:
    path.write_text(urllib.parse.urlencode({"csrfmiddlewaretoken": csrf, **data}))
    return path


def ticket_count(database: Path, table: str) -> int:
    """Rows in the tickets table, read straight from the SQLite file (a
    read-only connection; WAL lets it read beside the writers)."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        return connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]  # noqa: S608


def queue_length(redis_url: str) -> int:
    """Tasks waiting in our broker (Redis list ``celery``)."""
    command = [REDIS_CLI, *redis_args(redis_url), "LLEN", "celery"]
    return int(subprocess.run(command, capture_output=True, text=True).stdout or 0)  # noqa: S603


def wait_settled(target: Target, redis_url: str, limit: float = 300) -> float:
    """Wait until the server answered all it had (the ticket count stands
    still) and our worker's queue is empty; return how long that took."""
    started = time.monotonic()
    last = -1
    while time.monotonic() - started < limit:
        now = ticket_count(target.database, target.table)
        if now == last and queue_length(redis_url) == 0:
            break
        last = now
        time.sleep(1)
    return time.monotonic() - started


def wrk_post(target: Target, seconds: int) -> str:
    command = [web.WRK, "-t2", "-c8", f"-d{seconds}s", "--timeout", "10s"]
    command += ["--latency", "-s", str(LUA), "-H", f"Cookie: {target.cookie}"]
    command.append(target.url)
    env = {"CREATE_BODY_FILE": str(target.body_file), "PATH": "/usr/bin:/bin"}
    return subprocess.run(  # noqa: S603
        command, capture_output=True, text=True, check=True, env=env
    ).stdout


def measure(target: Target, seconds: int, redis_url: str) -> Run:
    """A 3 s warm-up, a wait for everything to settle, then the counted run."""
    wait_settled(target, redis_url)
    background = web.background_cpu()
    wrk_post(target, 3)
    wait_settled(target, redis_url)
    before = ticket_count(target.database, target.table)
    output = wrk_post(target, seconds)
    answered = time.monotonic()
    previous = -1
    while True:  # the workers finish what wrk left in flight
        time.sleep(0.5)
        after = ticket_count(target.database, target.table)
        if after == previous:
            break
        previous = after
    catch_up = wait_settled(target, redis_url) + (time.monotonic() - answered)

    def latency(percent: int) -> float:
        value, unit = web._found(
            rf"^\s+{percent}%\s+([\d.]+)(us|ms|s)\s*$", output
        ).groups()
        return float(value) * web.UNITS_MS[unit]

    return Run(
        rps=float(web._found(r"^Requests/sec:\s+([\d.]+)", output)[1]),
        p50_ms=latency(50),
        p99_ms=latency(99),
        requests=int(web._found(r"(\d+) requests in", output)[1]),
        created=ticket_count(target.database, target.table) - before,
        not_302=int(web._found(r"^not302: (\d+)", output)[1]),
        background_cpu=background,
        worker_catch_up_s=catch_up,
    )


# --- This product ----------------------------------------------------------------


@contextmanager
def celery_worker(env: dict[str, str], log_path: Path, nice: int = 0):
    """The worker as the Procfile starts it (threads, concurrency 2), at the
    given ``nice`` (0: the web's priority); stopped by its own process id on
    the way out."""
    command = ["/usr/bin/nice", "-n", str(nice)] if nice else []
    command += [str(web.BASE_DIR / ".venv" / "bin" / "celery"), "-A", "helpdesk"]
    command += ["worker", "--loglevel=WARNING", "--pool=threads", "--concurrency=2"]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    with log_path.open("wb") as log:
        worker = subprocess.Popen(  # noqa: S603
            command,
            cwd=web.BASE_DIR,
            env=env,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
    try:
        time.sleep(3)
        if worker.poll() is not None:
            raise SystemExit(f"the Celery worker did not start; see {log_path}")
        yield
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def ours(args, stack: ExitStack) -> list[Target]:
    work_dir = args.work_dir
    env = {
        **web.bench_env(work_dir, redis_url=args.redis),
        "EMAIL_URL": "dummymail://",
        # One customer opens every portal ticket of the run: lift the limits
        # meant for floods, or the run would measure 429s.
        "RATE_LIMIT_TICKETS_PER_ADDRESS": "1000000000",
        "RATE_LIMIT_TICKETS_PER_IP": "1000000000",
    }
    database = work_dir / "bench.sqlite3"
    web.prepare_database(env, database, reuse=args.reuse, tickets=args.tickets)
    subprocess.run(  # noqa: S603
        [REDIS_CLI, *redis_args(args.redis), "FLUSHDB"],
        check=True,
        capture_output=True,
    )
    web.manage(env, "collectstatic", "--noinput", "-v", "0")
    sessions = web.MAKE_SESSIONS.read_text()
    sessions += f"\nprint(json.dumps({{'customer': cookie_for({CUSTOMER!r})}}))\n"
    lines = web.manage(env, "shell", "--no-imports", "-c", sessions).splitlines()
    login = {**json.loads(lines[-2]), **json.loads(lines[-1])}
    csrf = secrets.token_hex(16)  # 32 characters, CSRF_SECRET_LENGTH
    agent_form, portal_form = forms()
    agent_cookie = f"{login['agent']}; csrftoken={csrf}"
    customer_cookie = f"{login['customer']}; csrftoken={csrf}"
    counted = json.loads(
        web.manage(
            env,
            "shell",
            "--no-imports",
            "-c",
            f"AGENT = {login['agent']!r}\nCUSTOMER = {login['customer']!r}\n"
            f"AGENT_FORM = {agent_form!r}\nPORTAL_FORM = {portal_form!r}\n"
            + COUNT_QUERIES,
        ).splitlines()[-1]
    )
    print(f"ours: {login['tickets']} tickets, queries per create {counted}")
    stack.enter_context(
        celery_worker(env, work_dir / "celery.log", nice=args.worker_nice)
    )
    base = stack.enter_context(web.gunicorn(env, work_dir / "gunicorn.log"))
    return [
        Target(
            "ours: agent form",
            f"{base}/agent/tickets/new/",
            agent_cookie,
            write_body(work_dir / "agent_body.txt", agent_form, csrf),
            database,
            "tickets_ticket",
            counted["agent"],
        ),
        Target(
            "ours: portal",
            f"{base}/portal/tickets/new/",
            customer_cookie,
            write_body(work_dir / "portal_body.txt", portal_form, csrf),
            database,
            "tickets_ticket",
            counted["portal"],
        ),
    ]


def redis_args(url: str) -> list[str]:
    parts = urllib.parse.urlsplit(url)
    return [
        *("-h", parts.hostname, "-p", str(parts.port or 6379)),
        *("-n", parts.path.strip("/") or "0"),
    ]


# --- The anchor ------------------------------------------------------------------


def anchor(args, stack: ExitStack) -> Target:
    """django-helpdesk 2.6.1 with its harness's own scripts: the database
    restored from its seed snapshot, its query count, its login and form."""
    data = args.anchor_data
    python = args.anchor_venv / "bin" / "python"
    env = {
        "ANCHOR_DATA_DIR": str(data),
        "DJANGO_SETTINGS_MODULE": "anchor_site.settings",
        "PATH": "/usr/bin:/bin",
    }
    database = data / "db.sqlite3"

    def restore() -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(data / "seed-snapshot.sqlite3", database)

    def run(*script: str) -> str:
        return subprocess.run(  # noqa: S603
            [str(python), *script],
            cwd=args.anchor_dir,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    restore()
    queries = int(
        web._found(r"^create_ticket_post\s+302\s+(\d+)", run("count_queries.py"))[1]
    )
    restore()
    run("prepare.py")
    settings = dict(
        re.findall(r"^(\w+)=(.*)$", (data / "bench.env").read_text(), re.MULTILINE)
    )
    cookie, url = (settings[key].strip("'") for key in ("COOKIE", "CREATE_URL"))
    base = stack.enter_context(
        web.gunicorn(
            env,
            data / "gunicorn.log",
            gunicorn_path=args.anchor_venv / "bin" / "gunicorn",
            app="anchor_site.wsgi:application",
            cwd=args.anchor_dir,
            probe="/helpdesk/login/",
        )
    )
    print(f"anchor: queries per create {queries}")
    return Target(
        "anchor: staff form",
        base + url,
        cookie,
        data / "create_body.txt",
        database,
        "helpdesk_ticket",
        queries,
    )


# --- The run ---------------------------------------------------------------------


def median_row(target: Target, runs: list[Run]) -> str:
    def median(name: str) -> float:
        return statistics.median(getattr(run, name) for run in runs)

    return ROW.format(
        target.label,
        f"{median('rps'):.1f}",
        f"{median('p50_ms'):.1f}",
        f"{median('p99_ms'):.1f}",
        target.queries,
        "/".join(str(run.requests) for run in runs),
        "/".join(str(run.created) for run in runs),
        sum(run.not_302 for run in runs),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reuse", action="store_true", help="keep our bench DB")
    parser.add_argument("--tickets", type=int, default=50_000)
    parser.add_argument("--duration", type=int, default=20, help="seconds per run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--work-dir", type=Path, default=TMP / "create" / "bench")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/9")
    parser.add_argument(
        "--worker-nice",
        type=int,
        default=0,
        help="run our Celery worker at this nice level (default 0, as the web)",
    )
    parser.add_argument("--anchor-dir", type=Path, default=TMP / "create" / "anchor")
    parser.add_argument(
        "--anchor-data", type=Path, default=TMP / "create" / "anchor-data"
    )
    parser.add_argument(
        "--anchor-venv", type=Path, default=TMP / "anchor-helpdesk-venv"
    )
    args = parser.parse_args()
    args.work_dir = args.work_dir.resolve()
    args.work_dir.mkdir(parents=True, exist_ok=True)
    results: dict[str, list[Run]] = {}
    with ExitStack() as stack:
        targets = [*ours(args, stack), anchor(args, stack)]
        for round_number in range(1, args.rounds + 1):
            for target in targets:
                run = measure(target, args.duration, args.redis)
                results.setdefault(target.label, []).append(run)
                print(
                    f"  round {round_number} {target.label:<20} {run.rps:7.1f} req/s"
                    f"  p50 {run.p50_ms:6.1f}  p99 {run.p99_ms:6.1f} ms"
                    f"  requests {run.requests}  created {run.created}"
                    f"  not 302 {run.not_302}  bg CPU {run.background_cpu:.0f}%"
                    f"  settled {run.worker_catch_up_s:.0f} s",
                    flush=True,
                )
    print()
    print(
        f"Median of {args.rounds} interleaved rounds, wrk -t2 -c8 -d{args.duration}s,"
        " gunicorn 2 sync workers, SQLite WAL; our worker at nice"
        f" {args.worker_nice}"
    )
    print(ROW.format(*HEADER))
    for target in targets:
        print(median_row(target, results[target.label]))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
