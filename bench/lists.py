"""Single-request times of the agent list at every depth, the portal list
and the dashboard, as the number of tickets grows (issue 18).

For each size, builds a throwaway database with ``init_demo_data --tickets N``
under /tmp (SQLite by default; ``--database-url`` for PostgreSQL, whose
database is emptied first), then times each page in one process with Django's
test client under the test settings (DEBUG off; production ones need Redis):
a warm-up, then the median of ``--runs`` requests. From the project root::

    .venv/bin/python bench/lists.py --tickets 10000,200000
    .venv/bin/python bench/lists.py --tickets 200000 --reuse   # keep the data

The pages, for the demo agent (one department) and the demo admin (sees all):

- first page:       /agent/tickets/
- middle (link):    the Next link of the middle page, as a person paging
                    through would follow it (carries a cursor)
- middle (bookmark) ?page=M with no cursor: read by offset from the nearer
                    end, so it grows with the depth (the cost of a bare link)
- last page:        ?page=L (read backwards from the end)
- dashboard:        /agent/
- portal list:      a customer's request list, last page
"""

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR / "bench"))

from web import bench_env, manage  # noqa: E402

WORK = Path("/tmp/lists")  # noqa: S108 (throwaway bench data, per the bench rules)


def build(env: dict, tickets: int, *, reuse: bool, marker: Path) -> None:
    if reuse and marker.exists():
        manage(env, "migrate", "--noinput", "-v", "0")
        return
    database = env["DATABASE_URL"]
    if database.startswith("sqlite"):
        path = Path(database.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        manage(env, "flush", "--noinput")
    started = time.monotonic()
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "init_demo_data", "--tickets", str(tickets))
    marker.write_text(str(tickets))
    print(f"  built {tickets:,} tickets in {time.monotonic() - started:.0f} s")


MEASURE = r"""
import html, json, re, statistics, sys, time
import django
django.setup()
from django.test import Client
from django.db import connection
from accounts.models import User
from tickets.models import Ticket

runs = int(sys.argv[1])
results = {}

def login(client, user):
    # Signed in, and verified with an authenticator where MFA is on (as
    # bench/make_sessions.py does for web.py).
    client.force_login(user)
    from django.apps import apps
    if apps.is_installed("django_otp.plugins.otp_totp"):
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice
        device, _ = TOTPDevice.objects.get_or_create(
            user=user, name="Benchmark", defaults={"confirmed": True}
        )
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()

class SqlClock:
    # Wall time spent inside the database calls, and how many there were.

    def __init__(self):
        self.seconds, self.calls = 0.0, 0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.calls += 1


def timed(client, url):
    # Median wall and CPU milliseconds of the runs, their median SQL time,
    # and the queries of one.
    client.get(url)  # warm
    wall, cpu, sql = [], [], []
    for _ in range(runs):
        clock = SqlClock()
        with connection.execute_wrapper(clock):
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            cpu.append((time.process_time() - started_cpu) * 1000)
            wall.append((time.perf_counter() - started) * 1000)
        sql.append(clock.seconds * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return (
        statistics.median(wall),
        statistics.median(cpu),
        statistics.median(sql),
        clock.calls,
    )


for who in ("agent", "admin"):
    client = Client(HTTP_HOST="127.0.0.1")
    login(client, User.objects.get(email=f"{who}@helpdesk.example"))
    first = client.get("/agent/tickets/?view=all")
    assert first.status_code == 200, first
    pages = [int(n) for n in re.findall(r'aria-label="Page (\d+)"', first.text)]
    middle, last = max(1, max(pages, default=1) // 2), max(pages, default=1)
    bookmark = f"/agent/tickets/?view=all&page={middle}"
    link = html.unescape(
        re.search(r'href="([^"]+)" rel="next"', client.get(bookmark).text).group(1)
    )
    rows = {
        "first page": "/agent/tickets/?view=all",
        f"middle via link (p{middle + 1})": link,
        f"middle bookmark (p{middle})": bookmark,
        f"last page (p{last})": f"/agent/tickets/?view=all&page={last}",
        "solved, last page": "/agent/tickets/?view=solved&page=999999",
        "dashboard": "/agent/",
    }
    for label, url in rows.items():
        results[f"{who}: {label}"] = timed(client, url)

busiest = (
    Ticket.objects.values("requester").order_by().annotate(n=__import__(
        "django.db.models", fromlist=["Count"]).Count("pk")).order_by("-n").first()
)
customer = User.objects.get(pk=busiest["requester"])
client = Client(HTTP_HOST="127.0.0.1")
login(client, customer)
results[f"customer ({busiest['n']} requests): portal last page"] = timed(
    client, "/portal/tickets/?page=999999"
)
print(json.dumps(results))
"""


def measure(env: dict, runs: int) -> dict:
    done = subprocess.run(  # noqa: S603
        [str(BASE_DIR / ".venv/bin/python"), "-c", MEASURE, str(runs)],
        cwd=BASE_DIR,
        env={**env, "DEBUG": "false"},
        capture_output=True,
        text=True,
    )
    if done.returncode:
        sys.stdout.write(done.stdout + done.stderr)
        raise SystemExit("measuring failed")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", default="10000,200000")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    sizes = [int(size) for size in args.tickets.split(",")]
    table: dict[str, dict[int, list]] = {}
    for size in sizes:
        work = WORK / f"lists-{size}"
        work.mkdir(exist_ok=True)
        env = bench_env(work)
        # The production settings demand Redis for their rate limits; these
        # pages need neither, so the test settings (DEBUG off, one process).
        env["DJANGO_SETTINGS_MODULE"] = "helpdesk.settings.test"
        if args.database_url:
            env["DATABASE_URL"] = args.database_url
        engine = env["DATABASE_URL"].split(":", 1)[0]
        print(f"{size:,} tickets on {engine}")
        build(env, size, reuse=args.reuse, marker=work / f"built-{engine}")
        for label, figures in measure(env, args.runs).items():
            table.setdefault(label, {})[size] = figures
    print(
        f"\nmedian of {args.runs} requests after a warm-up: wall ms / CPU ms of "
        "the process / SQL ms, [queries]"
    )
    print(f"{'page':<48}" + "".join(f"{size:>28,}" for size in sizes))
    for label, by_size in table.items():
        cells = "".join(
            "{:>10.1f} /{:>6.1f} /{:>6.1f} [{:>2}]".format(*by_size[s])
            if s in by_size
            else " " * 28
            for s in sizes
        )
        print(f"{label:<48}{cells}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
