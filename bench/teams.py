"""Time Teams commands (the 5-second answer limit) and webhook delivery.

    .venv/bin/python bench/teams.py                  # build the data, then measure
    .venv/bin/python bench/teams.py --reuse          # reuse the last database
    .venv/bin/python bench/teams.py --tickets 5000 --runs 20

Builds a throwaway SQLite database (never the developer's) with the demo data
and ``--tickets`` bulk tickets, links the demo agent and the demo customer to
Teams users, then, in this process:

1. posts signed activities to ``/integrations/teams/<connector>/`` through
   Django's test client, ``--runs`` times per command, and prints the median
   and the slowest answer in milliseconds (Teams gives up after 5,000 ms);
2. dispatches ``--events`` ticket events to one webhook endpoint and delivers
   each to a receiver on 127.0.0.1 (signature, HTTP, attempt log), and prints
   deliveries per second and the median delivery time.

Celery is pointed at an in-memory broker, so a command costs what queueing its
side effects costs, not sending them.
"""

import argparse
import base64
import hashlib
import hmac
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECRET = base64.b64encode(b"bench-teams-outgoing-webhook-token").decode()
TENANT = "bench-tenant"


def prepare(database: Path, tickets: int, reuse: bool) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "DJANGO_SETTINGS_MODULE": "helpdesk.settings.dev",
        "DJANGO_DEBUG": "false",
        "MFA_REQUIRED_ROLES": "",
        "INTEGRATIONS_ALLOWED_NETWORKS": "127.0.0.0/8",
        "CELERY_BROKER_URL": "memory://",
    }
    os.environ.update(env)
    if reuse and database.exists():
        return
    database.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=ROOT)  # noqa: S603
    subprocess.run(  # noqa: S603
        [*manage, "init_demo_data", "--tickets", str(tickets)],
        env=env,
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["*"]
    settings.CELERY_BROKER_URL = "memory://"
    from helpdesk.celery import app

    app.conf.broker_url = "memory://"


def signed(body: bytes) -> str:
    digest = hmac.new(base64.b64decode(SECRET), body, hashlib.sha256).digest()
    return "HMAC " + base64.b64encode(digest).decode()


def activity(text: str, aad: str) -> bytes:
    from django.utils import timezone

    return json.dumps(
        {
            "type": "message",
            "id": uuid.uuid4().hex,
            "timestamp": timezone.now().isoformat(),
            "text": f"<at>Helpdesk</at>&nbsp;{text}",
            "from": {"id": f"29:{aad}", "name": aad, "aadObjectId": aad},
            "channelData": {"tenant": {"id": TENANT}},
        }
    ).encode()


def setup_teams():
    from accounts.models import User
    from integrations.models import TeamsConnector, TeamsLink
    from tickets.models import Ticket

    connector = TeamsConnector.objects.filter(name="Bench").first()
    if connector is None:
        connector = TeamsConnector(name="Bench")
        connector.outgoing_secret = SECRET
        connector.save()
    agent = User.objects.get(email="agent@helpdesk.example")
    customer = User.objects.get(email="customer@acme.example")
    for aad, user in (("aad-agent", agent), ("aad-customer", customer)):
        TeamsLink.objects.get_or_create(
            tenant_id=TENANT, aad_object_id=aad, defaults={"user": user}
        )
    seen = (
        Ticket.objects.filter(department__in=agent.departments.all())
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    own = (
        Ticket.objects.filter(requester=customer)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    return connector, seen, own


def time_commands(runs: int) -> list[tuple[str, float, float]]:
    from django.test import Client

    connector, seen, own = setup_teams()
    client = Client()
    url = f"/integrations/teams/{connector.pk}/"
    commands = [
        ("help (unlinked)", "help", "aad-nobody"),
        ("new (customer)", "new Bench printer\nIt jams on page 2.", "aad-customer"),
        (f"#{own} (customer)", f"#{own}", "aad-customer"),
        ("mine (customer)", "mine", "aad-customer"),
        (f"#{seen} (agent)", f"#{seen}", "aad-agent"),
        ("mine (agent)", "mine", "aad-agent"),
        ("note (agent)", f"note #{seen} Checked the logs.", "aad-agent"),
        ("take (agent)", f"take #{seen}", "aad-agent"),
    ]
    results = []
    for label, text, aad in commands:
        times = []
        for run in range(runs + 1):
            body = activity(text, aad)
            started = time.perf_counter()
            response = client.post(
                url,
                body,
                content_type="application/json",
                HTTP_AUTHORIZATION=signed(body),
            )
            if run:  # the first is a warm-up (imports, caches)
                times.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{label}: HTTP {response.status_code}")
        results.append((label, statistics.median(times), max(times)))
    return results


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args) -> None:
        pass


def time_webhooks(events: int) -> tuple[float, float, int, int, int]:
    from integrations.models import WebhookDelivery, WebhookEndpoint
    from integrations.webhooks.services import webhook_deliver, webhooks_dispatch
    from tickets.models import TicketEvent

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        WebhookEndpoint.objects.all().delete()
        WebhookEndpoint.objects.create(
            url=f"http://127.0.0.1:{server.server_address[1]}/hook",
            description="Bench receiver",
        )
        event_ids = list(
            TicketEvent.objects.order_by("-created_at").values_list("pk", flat=True)[
                :events
            ]
        )
        started = time.perf_counter()
        per_delivery = []
        for event_id in event_ids:
            for delivery in webhooks_dispatch(event_id=str(event_id)):
                one = time.perf_counter()
                webhook_deliver(delivery_id=str(delivery.pk))
                per_delivery.append((time.perf_counter() - one) * 1000)
        elapsed = time.perf_counter() - started
        delivered = WebhookDelivery.objects.filter(
            status=WebhookDelivery.Status.DELIVERED
        ).count()
    finally:
        server.shutdown()
    rate = len(per_delivery) / elapsed if elapsed else 0.0
    median = statistics.median(per_delivery or [0.0])
    return rate, median, len(per_delivery), delivered, len(event_ids)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tickets", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument(
        "--work-dir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "helpdesk-bench-teams",
    )
    args = parser.parse_args()
    database = args.work_dir / "teams.sqlite3"
    prepare(database, args.tickets, args.reuse)
    setup_django()
    from tickets.models import Ticket

    print(f"{Ticket.objects.count():,} tickets in {database}")
    print(f"\nTeams commands, {args.runs} signed requests each (ms):")
    print(f"{'command':<24} {'median':>8} {'slowest':>8}")
    for label, median, slowest in time_commands(args.runs):
        print(f"{label:<24} {median:>8.1f} {slowest:>8.1f}")
    rate, median, made, delivered, events = time_webhooks(args.events)
    print(
        f"\nWebhooks: {events} ticket events (the newest); {made} deliveries "
        f"made (SLA policy and met events have no webhook type), {delivered} "
        f"delivered; {rate:.0f} deliveries/s (dispatch + sign + POST + log, "
        f"one process), median {median:.1f} ms per delivery"
    )


if __name__ == "__main__":
    main()
