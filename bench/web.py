"""Load-test the agent workspace against 50,000 tickets, the way production runs.

Builds a throwaway SQLite database (never the developer's ``db.sqlite3``),
serves it with gunicorn under the production settings, logs the demo agent in
by writing a session straight into the database, and drives each page with
wrk. Prints requests/s and latency percentiles against the targets and exits
0 whatever the verdicts: this measures, it does not test. From the project
root::

    .venv/bin/python bench/web.py            # build the database, then measure
    .venv/bin/python bench/web.py --reuse    # keep the database of a last run

Many agents at once, on another database, with each way of holding database
connections (``new``: one per request, ``persistent``: kept 600 s,
``pool``: psycopg's pool, PostgreSQL only)::

    .venv/bin/python bench/web.py --users 50 --connections new persistent pool \
        --database-url postgres://postgres@127.0.0.1:5432/bench_web

``--users N`` logs N agent sessions in and drives the agent's pages with N
connections, each request carrying the next session (``users.lua``).
"""

import argparse
import contextlib
import http.client
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PYTHON = BASE_DIR / ".venv" / "bin" / "python"
GUNICORN = BASE_DIR / ".venv" / "bin" / "gunicorn"
WRK = "/usr/bin/wrk"
COUNT_NON_2XX = Path(__file__).with_name("non2xx.lua")
MANY_USERS = Path(__file__).with_name("users.lua")
CONNECTIONS = {
    # how the server holds its database connections: the environment for it
    "new": {"DATABASE_CONN_MAX_AGE": "0", "DATABASE_POOL": ""},
    "persistent": {"DATABASE_CONN_MAX_AGE": "600", "DATABASE_POOL": ""},
    "pool": {"DATABASE_CONN_MAX_AGE": "0", "DATABASE_POOL": "psycopg"},
}
MAKE_SESSIONS = Path(__file__).with_name("make_sessions.py")
UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}
ROW = "{:<6} {:<12} {:<22} {:>7} {:>7} {:>7} {:>7} {:>8} {:>7}  {}"
HEADER = ("who", "page", "URL", "req/s", "p50 ms", "p99 ms", "non-2xx", "sock err")


@dataclass(frozen=True)
class Page:
    """A URL to measure, a string only the real page has, and its target."""

    label: str
    path: str
    marker: str
    min_rps: float
    max_p99_ms: float | None = None


@dataclass(frozen=True)
class Result:
    who: str
    page: Page
    rps: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int
    background_cpu: float

    def verdict(self) -> str:
        """Targets are the agent's; failed responses fail whatever the speed."""
        if self.who != "agent":
            return "(reference)"
        limit = self.page.max_p99_ms
        passed = (
            self.rps >= self.page.min_rps
            and (limit is None or self.p99_ms < limit)
            and self.non_2xx == self.socket_errors == 0
        )
        p99 = f", p99<{limit:g} ms" if limit else ""
        return f"{'PASS' if passed else 'FAIL'} (>={self.page.min_rps:g} req/s{p99})"

    def row(self) -> str:
        return ROW.format(
            *(self.who, self.page.label, self.page.path, f"{self.rps:.1f}"),
            *(f"{self.p50_ms:.1f}", f"{self.p99_ms:.1f}", self.non_2xx),
            *(self.socket_errors, f"{self.background_cpu:.0f}%", self.verdict()),
        )


def pages_for(ticket_number: int) -> list[Page]:
    ticket = f"/agent/tickets/{ticket_number}/"
    return [
        Page("ticket list", "/agent/tickets/", 'id="results"', 100, 150),
        Page("ticket page", ticket, f"#{ticket_number}", 100, 150),
        Page("dashboard", "/agent/", 'id="views-heading"', 50),
    ]


def bench_env(
    work_dir: Path, redis_url: str = "", database_url: str = ""
) -> dict[str, str]:
    """Production settings on the bench database (``database_url``, by
    default the SQLite file in ``work_dir``). A developer's .env or Redis
    must not change what is measured, so runs on different machines compare;
    ``redis_url`` names a private Redis database when one is wanted (cache,
    broker and result backend, as in production)."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "helpdesk.settings.production",
        "DJANGO_ENV_FILE": os.devnull,
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": database_url or f"sqlite:///{work_dir / 'bench.sqlite3'}",
        "PRIVATE_MEDIA_ROOT": str(work_dir / "private"),
        "REDIS_URL": redis_url,
        "LOG_LEVEL": "WARNING",
    }


def manage(env: dict[str, str], *args: str) -> str:
    """Run a management command; show its output only when it fails."""
    command = [str(PYTHON), "manage.py", *args]
    done = subprocess.run(command, cwd=BASE_DIR, env=env, capture_output=True)  # noqa: S603
    if done.returncode:
        sys.stdout.write(done.stdout.decode() + done.stderr.decode())
        raise SystemExit(f"manage.py {' '.join(args)} failed")
    return done.stdout.decode()


# The planner's statistics, as autovacuum would have them in production (this
# machine's PostgreSQL runs with autovacuum off: a fresh load was never
# analyzed, and its plans guessed one row per condition).
ANALYZE = "from django.db import connection\nconnection.cursor().execute('ANALYZE')"


def analyze(env: dict[str, str]) -> None:
    manage(env, "shell", "--no-imports", "-c", ANALYZE)


def prepare_database(
    env: dict[str, str], database: Path, *, reuse: bool, tickets: int
) -> None:
    """A fresh database unless told to reuse one; migrate either way, since
    the code under test may have gained migrations since the last run."""
    if reuse and database.exists():
        print(f"Reusing {database}")
        manage(env, "migrate", "--noinput", "-v", "0")
        return
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    started = time.monotonic()
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "init_demo_data", "--tickets", str(tickets))
    print(f"Built {database} in {time.monotonic() - started:.0f} s")


def prepare_url_database(env: dict[str, str], *, reuse: bool, tickets: int) -> None:
    """The same for a database named by --database-url (created beforehand,
    e.g. with createdb): emptied and loaded again unless told to reuse it."""
    manage(env, "migrate", "--noinput", "-v", "0")
    if reuse:
        print(f"Reusing {env['DATABASE_URL']}")
        return
    started = time.monotonic()
    manage(env, "flush", "--noinput")
    manage(env, "init_demo_data", "--tickets", str(tickets))
    print(f"Built {env['DATABASE_URL']} in {time.monotonic() - started:.0f} s")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url: str, cookie: str = "") -> tuple[int, str]:
    """One GET that never follows a redirect: a redirect to the login page
    must show up as one (with where it leads), not as the login page's 200."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.netloc, timeout=30)
    try:
        connection.request("GET", parts.path, headers={"Cookie": cookie})
        response = connection.getresponse()
        body = response.read().decode()
        return response.status, response.getheader("Location") or body
    finally:
        connection.close()


@contextlib.contextmanager
def gunicorn(
    env: dict[str, str],
    log_path: Path,
    *,
    gunicorn_path: Path = GUNICORN,
    app: str = "helpdesk.wsgi:application",
    cwd: Path = BASE_DIR,
    probe: str = "/accounts/login/",
) -> Iterator[str]:
    """Serve the project (or, given another gunicorn, app and folder, another
    Django site such as bench/create.py's anchor) with 2 sync workers, and
    stop it on the way out, also on Ctrl-C. Yields the base URL once
    ``probe`` answers.

    Its own session keeps a terminal Ctrl-C from killing the workers before
    the master can shut them down in order.
    """
    address = f"127.0.0.1:{free_port()}"
    command = [str(gunicorn_path), app, "--bind", address]
    command += ["--workers", "2", "--worker-class", "sync", "--no-control-socket"]
    with log_path.open("wb") as log:
        server = subprocess.Popen(  # noqa: S603
            command,
            cwd=cwd,
            env=env,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"gunicorn did not start; see {log_path}")
            with contextlib.suppress(OSError):
                fetch(f"http://{address}{probe}")
                break
            time.sleep(0.2)
        yield f"http://{address}"
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def check_page(url: str, cookie: str, marker: str) -> None:
    """Refuse to time a login redirect or an error page by mistake."""
    status, body = fetch(url, cookie)
    if status != 200 or marker not in body:
        raise SystemExit(f"{url} answered {status} without {marker!r}: {body[:200]}")


def background_cpu() -> float:
    """How busy the machine is while our server idles. Two cores are shared
    by gunicorn and wrk, so a neighbour's test run halves the figures. The
    first second lets the workers finish what the last wrk run left queued."""

    def busy_and_total() -> tuple[int, int]:
        ticks = [int(n) for n in Path("/proc/stat").read_text().split()[1:9]]
        return sum(ticks) - ticks[3] - ticks[4], sum(ticks)

    time.sleep(1)
    busy, total = busy_and_total()
    time.sleep(1)
    busy_after, total_after = busy_and_total()
    return 100 * (busy_after - busy) / max(total_after - total, 1)


def wrk(url: str, cookie: str, seconds: int, sessions: Path | None = None) -> str:
    """8 connections on 2 threads; a 10 s timeout so slow pages count as slow
    instead of vanishing into wrk's socket errors. With ``sessions`` (a file
    of Cookie headers, one a line): as many connections as sessions, each
    request carrying the next one."""
    connections = len(sessions.read_text().split()) if sessions else 8
    command = [WRK, "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s"]
    command += ["--latency"]
    if sessions:
        command += ["-s", str(MANY_USERS), url, "--", str(sessions)]
    else:
        command += ["-s", str(COUNT_NON_2XX), "-H", f"Cookie: {cookie}", url]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603


def _found(pattern: str, output: str) -> re.Match[str]:
    match = re.search(pattern, output, re.MULTILINE)
    if match is None:
        raise SystemExit(f"Unexpected wrk output, no {pattern!r}:\n{output}")
    return match


def measure(
    who: str,
    page: Page,
    url: str,
    cookie: str,
    seconds: int,
    sessions: Path | None = None,
) -> Result:
    """A 3 s warm-up fills the workers' caches; only the run after it counts."""
    background = background_cpu()
    wrk(url, cookie, 3, sessions)
    output = wrk(url, cookie, seconds, sessions)

    def latency(percent: int) -> float:
        value, unit = _found(
            rf"^\s+{percent}%\s+([\d.]+)(us|ms|s)\s*$", output
        ).groups()
        return float(value) * UNITS_MS[unit]

    errors = re.search(r"Socket errors: (.*)", output)
    return Result(
        who=who,
        page=page,
        rps=float(_found(r"^Requests/sec:\s+([\d.]+)", output)[1]),
        p50_ms=latency(50),
        p99_ms=latency(99),
        non_2xx=int(_found(r"^non2xx: (\d+)", output)[1]),
        socket_errors=sum(map(int, re.findall(r"\d+", errors[1]))) if errors else 0,
        background_cpu=background,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reuse", action="store_true", help="keep the bench DB")
    parser.add_argument("--tickets", type=int, default=50_000)
    parser.add_argument("--duration", type=int, default=20, help="seconds per URL")
    parser.add_argument(
        "--work-dir", type=Path, default=Path(tempfile.gettempdir()) / "helpdesk-bench"
    )
    parser.add_argument(
        "--database-url",
        help="measure this (existing) database instead of a SQLite file",
    )
    parser.add_argument(
        "--users", type=int, default=0, help="N agents at once (N connections)"
    )
    parser.add_argument(
        "--connections",
        nargs="+",
        choices=CONNECTIONS,
        default=["persistent"],
        help="how the server holds database connections; one round each",
    )
    args = parser.parse_args()
    # A plain kill unwinds like Ctrl-C, so gunicorn is stopped either way.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    work_dir = args.work_dir.resolve()
    work_dir.mkdir(parents=True, exist_ok=True)
    env = bench_env(work_dir)
    # Production refuses a per-process cache: a private Redis unless one is set.
    redis = contextlib.ExitStack()
    if not env["REDIS_URL"]:
        from scale import redis_server

        env["REDIS_URL"] = redis.enter_context(redis_server())
    with redis:
        return run(args, env, work_dir)


def run(args: argparse.Namespace, env: dict[str, str], work_dir: Path) -> int:
    """Build or reuse the database, then measure every round."""
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
        prepare_url_database(env, reuse=args.reuse, tickets=args.tickets)
    else:
        database = work_dir / "bench.sqlite3"
        prepare_database(env, database, reuse=args.reuse, tickets=args.tickets)
    analyze(env)  # built or reused, as autovacuum would have it
    manage(env, "collectstatic", "--noinput", "-v", "0")
    login = json.loads(
        manage(
            {**env, "BENCH_AGENT_SESSIONS": str(args.users)},
            *("shell", "--no-imports", "-c", MAKE_SESSIONS.read_text()),
        )
    )
    sessions = None
    if args.users:
        sessions = work_dir / "sessions.txt"
        sessions.write_text("\n".join(login["agents"]) + "\n")
    engine = env["DATABASE_URL"].split(":", 1)[0]
    clients = f"{args.users} agents" if args.users else "wrk -t2 -c8"
    print(
        f"{login['tickets']} tickets on {engine}; {clients}, {args.duration} s per URL"
    )
    results = []
    for connections in args.connections:
        if connections == "pool" and engine == "sqlite":
            print("pool: PostgreSQL only, skipped on SQLite")
            continue
        print(f"connections: {connections}")
        served = {**env, **CONNECTIONS[connections]}
        with gunicorn(served, work_dir / "gunicorn.log") as base_url:
            for who in ("agent",) if args.users else ("agent", "admin"):
                for page in pages_for(login["ticket"]):
                    url = base_url + page.path
                    check_page(url, login[who], page.marker)
                    result = measure(
                        who, page, url, login[who], args.duration, sessions
                    )
                    results.append((connections, result))
                    print(f"  {result.row()}", flush=True)
    print()
    print(f"{engine}, {clients}")
    print("connections  " + ROW.format(*HEADER, "bg CPU", "verdict"))
    for connections, result in results:
        print(f"{connections:<12} " + result.row())
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
