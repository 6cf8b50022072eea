"""Inbound email end to end: LMTP listener and a real Celery worker, against
the old way (an MTA pipe that starts Django and processes each message).

    .venv/bin/python bench/inbound.py                      # 2,000 over LMTP
    .venv/bin/python bench/inbound.py --messages 500 --pipe-messages 100

Builds a throwaway SQLite database under --work-dir (never the developer's;
``--database-url`` for PostgreSQL), with production settings, seeds
customers and open tickets, then:

1. **LMTP**: starts ``manage.py lmtp_server`` and one Celery worker (solo
   pool, one process) on Redis (a private database, default
   ``redis://127.0.0.1:6379/10``, emptied first), delivers ``--messages``
   messages of the mix over LMTP from ``--clients`` threads, and times from
   the first delivery until every message is processed (its InboundEmail is
   no longer pending). Prints messages a second end to end, and the CPU
   seconds a message costs the worker and the listener.
2. **New pipe**: ``--pipe-messages`` messages through ``manage.py
   ingest_email`` (store and queue only), same worker.
3. **Old pipe**: the same number the way the command worked before: a
   process per message that starts Django, stores and processes it in
   process (``inbound_receive``).

The mix (seeded, so every run sends the same mail): 45% replies by the
[#number] in the subject, 15% replies by In-Reply-To/References, 30% new
requests from known customers, 10% from new senders; half the bodies are
multipart/alternative with HTML, and 12% carry a file (20 to 120 KB).

Notification emails the worker queues go to the same Redis queue and are
sent by the same worker to a dummy backend (EMAIL_URL=dummymail://), so the
figures include the work a ticket or reply starts. Exits 0 whatever the
figures: this measures, it does not test.
"""

import argparse
import os
import random
import smtplib
import socket
import statistics
import subprocess
import sys
import threading
import time
from email.message import EmailMessage
from pathlib import Path

import web

BASE_DIR = Path(__file__).resolve().parent.parent
PYTHON = BASE_DIR / ".venv" / "bin" / "python"
DOMAIN = "helpdesk.example"
TICKS = os.sysconf("SC_CLK_TCK")


def bench_env(work_dir: Path, database_url: str, redis_url: str) -> dict[str, str]:
    """web.py's production settings, with mail going nowhere."""
    return {
        **web.bench_env(work_dir, redis_url=redis_url, database_url=database_url),
        "EMAIL_URL": "dummymail://",
        "PYTHONPATH": str(BASE_DIR),
    }


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a live process, in seconds (/proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def seed(customers: int, tickets: int) -> list[tuple[str, int, str]]:
    """Customers and open tickets to reply to: (email, number, subject)."""
    from accounts.services import customer_get_or_create
    from organizations.models import Department
    from tickets import services

    department, _ = Department.objects.get_or_create(
        name="Support", defaults={"inbound_email": f"support@{DOMAIN}"}
    )
    people = [
        customer_get_or_create(
            email=f"customer{n}@customer.example", full_name=f"Customer {n}"
        )[0]
        for n in range(customers)
    ]
    open_tickets = []
    for n in range(tickets):
        person = people[n % customers]
        ticket = services.ticket_create(
            requester=person,
            subject=f"Seeded problem {n}",
            body="Something is broken.",
            channel="email",
            department=department,
        )
        open_tickets.append((person.email, ticket.number, ticket.subject))
    return open_tickets


PARAGRAPH = (
    "Hello, the export still stops half way and the log says the connection "
    "was reset. We tried again this morning from two machines with the same "
    "result. Could you have a look? Thanks.\n"
)


def make_mix(count: int, tickets: list, rng: random.Random, tag: str) -> list[bytes]:
    """``count`` raw messages of the mix (see the module docstring)."""
    messages = []
    for n in range(count):
        draw = rng.random()
        message = EmailMessage()
        message["Message-ID"] = f"<{tag}-{n}-{rng.getrandbits(48):x}@mail.example>"
        message["To"] = f"support@{DOMAIN}"
        message["Date"] = "Mon, 30 Nov 2026 10:00:00 +0000"
        if draw < 0.60:
            email, number, subject = rng.choice(tickets)
            message["From"] = f"Customer <{email}>"
            if draw < 0.45:
                message["Subject"] = f"Re: [#{number}] {subject}"
            else:
                message["Subject"] = f"Re: {subject}"
                root = f"<ticket-{number}@{DOMAIN}>"
                message["In-Reply-To"] = root
                message["References"] = root
            text = (
                f"Reply {n}: it happened again.\n\n"
                "On Mon, Support wrote:\n" + "".join(f"> {PARAGRAPH}" for _ in range(6))
            )
        else:
            if draw < 0.90:
                email, _, _ = rng.choice(tickets)
            else:
                email = f"new-{tag}-{n}@newcomer.example"
            message["From"] = f"Someone <{email}>"
            message["Subject"] = f"New problem {tag} {n}"
            text = PARAGRAPH * rng.randint(1, 8)
        message.set_content(text)
        if rng.random() < 0.5:
            html = "".join(f"<p>{line}</p>" for line in text.splitlines())
            message.add_alternative(f"<html><body>{html}</body></html>", subtype="html")
        if rng.random() < 0.12:
            size = rng.randint(20_000, 120_000)
            message.add_attachment(
                rng.randbytes(size),
                maintype="application",
                subtype="pdf",
                filename=f"report-{n}.pdf",
            )
        messages.append(message.as_bytes())
    return messages


class Process:
    """A child process whose output goes to a log file."""

    def __init__(self, name: str, command: list[str], env: dict, log_dir: Path):
        self.log_path = log_dir / f"{name}.log"
        self.handle = self.log_path.open("wb")
        self.popen = subprocess.Popen(  # noqa: S603
            command, cwd=BASE_DIR, env=env, stdout=self.handle, stderr=subprocess.STDOUT
        )

    def wait_for(self, text: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.log_path.read_text(errors="replace"):
                return
            if self.popen.poll() is not None:
                break
            time.sleep(0.2)
        raise SystemExit(f"{self.log_path} never said {text!r}:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:]

    def cpu(self) -> float:
        return cpu_seconds(self.popen.pid)

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.popen.kill()
        self.handle.close()


def wait_processed(source: str, count: int, timeout: float) -> float:
    """Wait until ``count`` messages from ``source`` are no longer pending;
    returns the monotonic time it happened."""
    from integrations.models import InboundEmail

    pending = InboundEmail.Status.PENDING
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = InboundEmail.objects.filter(source=source).exclude(status=pending)
        if done.count() >= count:
            return time.monotonic()
        time.sleep(0.1)
    raise SystemExit(f"Only {done.count()} of {count} {source} messages processed")


def wait_drained(redis_url: str, timeout: float) -> float:
    """Wait until the worker has nothing queued or running (the notification
    emails a ticket or reply starts included); returns when it happened."""
    import redis

    client = redis.Redis.from_url(redis_url)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not client.llen("celery") and not client.hlen("unacked"):
            return time.monotonic()
        time.sleep(0.1)
    raise SystemExit("The worker's queue never drained")


def outcomes(source: str) -> dict[str, int]:
    from django.db.models import Count

    from integrations.models import InboundEmail

    rows = (
        InboundEmail.objects.filter(source=source)
        .values("status")
        .annotate(n=Count("pk"))
        .order_by("status")
    )
    return {row["status"]: row["n"] for row in rows}


def deliver_lmtp(port: int, messages: list[bytes], clients: int) -> list[float]:
    """Send over LMTP from ``clients`` threads, one connection each; returns
    each delivery's time in seconds."""
    times: list[float] = []
    lock = threading.Lock()
    errors: list[str] = []

    def client(share: list[bytes]) -> None:
        mine = []
        with smtplib.LMTP("127.0.0.1", port, timeout=120) as connection:
            for raw in share:
                started = time.perf_counter()
                refused = connection.sendmail(
                    "sender@mail.example", [f"support@{DOMAIN}"], raw
                )
                mine.append(time.perf_counter() - started)
                if refused:
                    errors.append(str(refused))
        with lock:
            times.extend(mine)

    threads = [
        threading.Thread(target=client, args=(messages[i::clients],))
        for i in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise SystemExit(f"{len(errors)} deliveries refused: {errors[:3]}")
    return times


# The command as it was before the listener: manage.py ran Django's system
# checks, then stored and processed the message in the MTA's process.
OLD_PIPE = (
    "import sys, django; django.setup()\n"
    "from django.core import checks; checks.run_checks()\n"
    "from integrations.models import InboundEmail\n"
    "from integrations.services import inbound_receive\n"
    "inbound = inbound_receive(raw=sys.stdin.buffer.read(), "
    "source=InboundEmail.Source.PIPE)\n"
    "print(inbound.status)\n"
)


def run_pipes(command: list[str], messages: list[bytes], env: dict, parallel: int):
    """Each message through its own process, ``parallel`` at a time; returns
    (wall seconds per message, CPU seconds of all the processes)."""
    before = os.times()
    times: list[float] = []
    lock = threading.Lock()

    def one(share: list[bytes]) -> None:
        for raw in share:
            started = time.perf_counter()
            done = subprocess.run(  # noqa: S603
                command, input=raw, cwd=BASE_DIR, env=env, capture_output=True
            )
            if done.returncode:
                raise SystemExit(done.stderr.decode()[-2000:])
            with lock:
                times.append(time.perf_counter() - started)

    threads = [
        threading.Thread(target=one, args=(messages[i::parallel],))
        for i in range(parallel)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    after = os.times()
    cpu = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    return times, cpu


def table_row(row: tuple) -> str:
    label, count, rate, worker_per, intake_per, median = row
    return (
        f"{label:<42} {count:>5} {rate:>7.1f} {worker_per:>17.4f} "
        f"{intake_per:>17.4f} {median * 1000:>11.1f} ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--pipe-messages", type=int, default=200)
    parser.add_argument("--pipe-parallel", type=int, default=2)
    parser.add_argument("--customers", type=int, default=150)
    parser.add_argument("--tickets", type=int, default=300)
    parser.add_argument(
        "--work-dir",
        type=Path,
        default=Path("/tmp/inbound/bench"),  # noqa: S108
    )
    parser.add_argument("--database-url", default="")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/10")
    args = parser.parse_args()

    work_dir = args.work_dir
    work_dir.mkdir(parents=True, exist_ok=True)
    database = work_dir / "bench.sqlite3"
    database_url = args.database_url or f"sqlite:///{database}"
    if not args.database_url:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
    subprocess.run(["rm", "-rf", str(work_dir / "private")], check=True)  # noqa: S603, S607
    env = bench_env(work_dir, database_url, args.redis_url)
    started = time.monotonic()
    web.manage(env, "migrate", "--noinput", "-v", "0")
    if args.database_url:
        web.manage(env, "flush", "--noinput")
    os.environ.update(env)
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    import redis
    from django.db import connection

    tickets = seed(args.customers, args.tickets)
    redis.Redis.from_url(args.redis_url).flushdb()  # the seeding's notifications
    print(
        f"Seeded {args.customers} customers and {args.tickets} tickets on "
        f"{connection.vendor} in {time.monotonic() - started:.0f} s"
    )
    rng = random.Random(18)  # noqa: S311 (the same mix every run)
    lmtp_mix = make_mix(args.messages, tickets, rng, "lmtp")
    new_pipe_mix = make_mix(args.pipe_messages, tickets, rng, "pipe")
    old_pipe_mix = make_mix(args.pipe_messages, tickets, rng, "old")
    sizes = [len(raw) for raw in lmtp_mix]
    print(
        f"Mix: {args.messages} messages, median {statistics.median(sizes):,.0f} "
        f"bytes, {sum(sizes) / 1e6:.1f} MB in all"
    )
    connection.close()

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    worker = Process(
        "worker",
        [
            str(PYTHON),
            "-m",
            "celery",
            "-A",
            "helpdesk",
            "worker",
            "--pool",
            "solo",
            "--concurrency",
            "1",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel",
            "WARNING",
        ],
        env,
        work_dir,
    )
    listener = Process(
        "lmtp",
        [str(PYTHON), "manage.py", "lmtp_server", "--port", str(port)],
        env,
        work_dir,
    )
    rows = []

    def measured(row: tuple) -> None:
        rows.append(row)
        print(f"  {table_row(row)}", flush=True)

    try:
        listener.wait_for("LMTP listening")
        time.sleep(3)  # the worker's start-up is not part of the figure
        worker_cpu, listener_cpu = worker.cpu(), listener.cpu()
        began = time.monotonic()
        times = deliver_lmtp(port, lmtp_mix, args.clients)
        delivered = time.monotonic()
        finished = wait_processed("lmtp", args.messages, timeout=3600)
        worker_at_processed = worker.cpu() - worker_cpu
        listener_used = listener.cpu() - listener_cpu
        drained = wait_drained(args.redis_url, timeout=3600)
        worker_used = worker.cpu() - worker_cpu
        elapsed = finished - began
        print(f"\nLMTP: {outcomes('lmtp')}", flush=True)
        print(
            f"  all processed after {elapsed:.1f} s (worker CPU "
            f"{worker_at_processed:.1f} s); the notifications they started were "
            f"sent {drained - finished:.1f} s later (worker CPU {worker_used:.1f} s "
            "in all)"
        )
        print(
            f"  delivered {args.messages} in {delivered - began:.1f} s "
            f"({args.messages / (delivered - began):.0f} msg/s accepted), "
            f"delivery median {statistics.median(times) * 1000:.1f} ms, "
            f"p99 {sorted(times)[int(len(times) * 0.99)] * 1000:.1f} ms"
        )
        per_message = worker_at_processed / args.messages
        print(
            f"  worker CPU per message: {per_message * 1000:.1f} ms processing, "
            f"{worker_used / args.messages * 1000:.1f} ms with the notifications: "
            f"a worker with a core to itself would process {1 / per_message:.0f} "
            f"msg/s ({args.messages / worker_used:.0f} msg/s with them)"
        )
        measured(
            (
                "LMTP listener + 1 worker",
                args.messages,
                args.messages / elapsed,
                worker_used / args.messages,
                listener_used / args.messages,
                statistics.median(times),
            )
        )

        if args.pipe_messages:
            worker_cpu = worker.cpu()
            command = [str(PYTHON), "manage.py", "ingest_email"]
            began = time.monotonic()
            times, pipe_cpu = run_pipes(command, new_pipe_mix, env, args.pipe_parallel)
            finished = wait_processed("pipe", args.pipe_messages, timeout=3600)
            wait_drained(args.redis_url, timeout=3600)
            worker_used = worker.cpu() - worker_cpu
            print(f"\nNew pipe: {outcomes('pipe')}")
            measured(
                (
                    "new pipe (store + queue) + 1 worker",
                    args.pipe_messages,
                    args.pipe_messages / (finished - began),
                    worker_used / args.pipe_messages,
                    pipe_cpu / args.pipe_messages,
                    statistics.median(times),
                )
            )
    finally:
        listener.stop()
        worker.stop()

    if args.pipe_messages:
        command = [str(PYTHON), "-c", OLD_PIPE]
        began = time.monotonic()
        before = outcomes("pipe")
        times, pipe_cpu = run_pipes(command, old_pipe_mix, env, args.pipe_parallel)
        elapsed = time.monotonic() - began
        after = outcomes("pipe")
        print(
            f"\nOld pipe: { {key: after[key] - before.get(key, 0) for key in after} }"
        )
        measured(
            (
                "old pipe (process in the MTA's process)",
                args.pipe_messages,
                args.pipe_messages / elapsed,
                0.0,
                pipe_cpu / args.pipe_messages,
                statistics.median(times),
            )
        )

    print(
        "\nmsg/s: from the first hand-over until every message is processed; "
        "worker CPU: until its queue is empty (notifications included); intake "
        "CPU: the listener, or the pipe processes."
    )
    print(
        f"\n{'path':<42} {'msgs':>5} {'msg/s':>7} {'worker CPU-s/msg':>17} "
        f"{'intake CPU-s/msg':>17} {'hand-over p50':>14}"
    )
    for row in rows:
        print(table_row(row))
    print(
        f"\nTarget: >= 100 msg/s per worker end to end (LMTP row). "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the end."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
