"""Ticket search at scale: the search page's time for words of different
frequency, on SQLite and PostgreSQL.

    .venv/bin/python bench/search.py --tickets 1000000            # SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/search_bench \\
        .venv/bin/python bench/search.py --tickets 1000000        # PostgreSQL
    .venv/bin/python bench/search.py --tickets 1000000 --reuse    # measure only

Builds (unless ``--reuse``) a database of ``--tickets`` tickets with 3
messages each (one in ten an internal note) under ``/tmp/search/`` (SQLite)
or in the database ``DATABASE_URL`` names (PostgreSQL, dropped and created
again): ``migrate``, ``init_demo_data`` for the departments and people, then
the tickets and messages in large raw inserts (the benchmark loads, it does
not test the services), then ``manage.py search_reindex``, timed, which is
what an operator runs after a bulk load.

The text is made up but shaped like a help desk's: a vocabulary of 30,000
made-up words drawn with Zipf's law (a few words in nearly every message, most
in a handful), 40,000 distinct bodies and 8,000 subjects drawn from it, and
half the messages quote a 7-digit invoice number (a rare word: one or two
tickets each).

Then, for each query, as an agent who sees two of the demo departments and
as a customer, it times ``search_everywhere`` plus the search page's render
through Django's test client (one request, the whole view): median and
95th percentile of ``--runs`` runs after one warm-up. The search page shows
the first 10 tickets and a count capped at ``tickets.search.COUNT_CAP``.
"""

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = Path("/tmp/search")  # noqa: S108 -- the bench data, never the repo
VOCABULARY = 30_000
BODIES = 40_000
SUBJECTS = 8_000
BATCH = 20_000
SEED = 18


def _word(rng: random.Random) -> str:
    syllables = ["ka", "lo", "mi", "ne", "ru", "ta", "shi", "po", "ve", "dor"]
    syllables += ["gan", "tel", "bri", "zu", "fen", "qua", "ser", "wil", "xo"]
    return "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))


def _vocabulary(rng: random.Random) -> list[str]:
    words: dict[str, None] = {}
    while len(words) < VOCABULARY:
        words[_word(rng)] = None
    return list(words)


def _texts(rng, vocabulary, count, low, high, cum_weights) -> list[str]:
    texts = []
    for _ in range(count):
        chosen = rng.choices(
            vocabulary, cum_weights=cum_weights, k=rng.randint(low, high)
        )
        chosen[0] = chosen[0].capitalize()
        texts.append(" ".join(chosen) + ".")
    return texts


def build(tickets: int) -> dict:
    """Load the data; return the figures of the load."""
    from django.core.management import call_command
    from django.db import connection

    sys.path.insert(0, str(ROOT / "bench"))
    from reports_data import _Writer

    from accounts.models import User
    from helpdesk.db import atomic
    from helpdesk.search_text import search_fold
    from organizations.models import Department
    from tickets.models import Category, Message, Ticket

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("init_demo_data", verbosity=0)
    rng = random.Random(SEED)  # noqa: S311 -- made-up text, not secrets
    vocabulary = _vocabulary(rng)
    cum, total = [], 0.0
    for rank in range(1, VOCABULARY + 1):
        total += 1 / rank
        cum.append(total)
    bodies = _texts(rng, vocabulary, BODIES, 15, 60, cum)
    bodies = [(body, search_fold(body)) for body in bodies]
    subjects = _texts(rng, vocabulary, SUBJECTS, 3, 8, cum)
    subjects = [(subject[:255], search_fold(subject[:255])) for subject in subjects]
    User.objects.bulk_create(
        [
            User(
                email=f"customer{index}@bench.example",
                full_name=f"Bench Customer {index}",
                role=User.Role.CUSTOMER,
                password="!",  # noqa: S106 -- unusable
            )
            for index in range(max(1, tickets // 50))
        ],
        batch_size=2_000,
    )
    customers = list(
        User.objects.filter(role=User.Role.CUSTOMER).values_list(
            "pk", "organization_id"
        )
    )
    agents = list(
        User.objects.filter(role=User.Role.AGENT).values_list("pk", flat=True)
    )
    categories = list(Category.objects.values_list("pk", "default_department_id"))
    departments = list(Department.objects.values_list("pk", flat=True))
    first_number = (
        Ticket.objects.order_by("-number").values_list("number", flat=True).first()
        or 1000
    ) + 1
    next_ticket = (
        Ticket.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    ) + 1
    now = datetime.now(UTC)
    start = now - timedelta(days=3 * 365)
    span = (now - start).total_seconds()
    ticket_rows = _Writer(Ticket, connection, with_pk=True)
    message_rows = _Writer(Message, connection)
    loaded = 0
    vendor = connection.vendor
    stamp = (
        (lambda moment: moment)
        if vendor == "postgresql"
        else (lambda moment: moment.isoformat(" "))
    )
    while loaded < tickets:
        size = min(BATCH, tickets - loaded)
        for offset in range(size):
            index = loaded + offset
            created = start + timedelta(seconds=span * index / tickets)
            updated = min(created + timedelta(hours=rng.uniform(0, 96)), now)
            customer, organization = rng.choice(customers)
            category, department = rng.choice(categories)
            subject, subject_text = rng.choice(subjects)
            ticket_id = next_ticket + index
            status = rng.choice(
                ["new", "open", "pending", "solved", "closed", "closed"]
            )
            ticket_rows.add(
                id=ticket_id,
                number=first_number + index,
                subject=subject,
                search_text=subject_text,
                requester_id=customer,
                organization_id=organization,
                department_id=department or rng.choice(departments),
                assignee_id=rng.choice(agents),
                category_id=category,
                priority=rng.choice(["low", "normal", "normal", "high", "urgent"]),
                status=status,
                channel="email",
                created_at=stamp(created),
                updated_at=stamp(updated),
            )
            for position in range(3):
                body, body_text = rng.choice(bodies)
                if rng.random() < 0.5:
                    reference = rng.randrange(1_000_000, 9_999_999)
                    body += f"\n\nInvoice {reference}"
                    body_text += f"\n\ninvoice {reference}"
                internal = position == 2 and rng.random() < 0.3
                message_rows.add(
                    ticket_id=ticket_id,
                    author_id=customer if position != 1 else rng.choice(agents),
                    body=body,
                    search_text=body_text,
                    internal=internal,
                    created_at=stamp(created + (updated - created) * position / 2),
                )
        with atomic():
            ticket_rows.flush()
            message_rows.flush()
        loaded += size
        print(f"  loaded {loaded:,} tickets", flush=True, file=sys.stderr)
    with connection.cursor() as cursor:
        from django.core.management.color import no_style

        for statement in connection.ops.sequence_reset_sql(
            no_style(), [Ticket, Message]
        ):
            cursor.execute(statement)
    from tickets.models import TicketNumberCounter

    TicketNumberCounter.objects.update_or_create(
        name="ticket", defaults={"last_number": first_number + tickets - 1}
    )
    loaded_at = time.perf_counter()
    call_command("search_reindex", index_only=True, stdout=sys.stderr)
    indexed_at = time.perf_counter()
    if vendor == "sqlite":
        call_command("optimize_db", stdout=sys.stderr)  # planner statistics
    return {
        "load_s": loaded_at - started,
        "reindex_s": indexed_at - loaded_at,
        "tickets": tickets,
        "messages": 3 * tickets,
    }


def queries() -> dict[str, str]:
    """Queries of different frequency, picked from the loaded data."""
    from tickets.models import Message

    rng = random.Random(SEED)  # noqa: S311 -- made-up text, not secrets
    vocabulary = _vocabulary(rng)
    reference = (
        Message.objects.filter(body__contains="Invoice ", internal=False)
        .order_by("-pk")
        .values_list("body", flat=True)[:1]
        .get()
        .rsplit(" ", 1)[1]
    )
    return {
        "rare (invoice no.)": reference,
        "rank 5000 word": vocabulary[4999],
        "rank 300 word": vocabulary[299],
        "rank 20 word": vocabulary[19],
        "rank 1 word": vocabulary[0],
        "two words (AND)": f"{vocabulary[19]} {vocabulary[299]}",
        "prefix (type-ahead)": vocabulary[299][:-1],
        "no match": "zzzqqqxxx",
    }


def measure(runs: int) -> None:
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from accounts.models import User
    from tickets import selectors

    agent = User.objects.get(email="agent@helpdesk.example")
    customer = (
        User.objects.filter(email__endswith="@bench.example", requested__isnull=False)
        .order_by("pk")
        .first()
    )
    visible = {
        "agent": selectors.ticket_list_visible_to(agent).count(),
        "customer": selectors.ticket_list_visible_to(customer).count(),
    }
    print(f"engine {connection.vendor}; visible tickets: {visible}")
    print(f"median and p95 of {runs} runs, ms (the machine is shared and noisy)")
    print(
        "cpu: this process's CPU time for selector and page together (on SQLite"
        " it includes the database's work; on PostgreSQL the server's is not in it)"
    )
    print(f"load average at start: {os.getloadavg()[0]:.1f}")
    header = f"{'query':<22}{'user':<10}{'shown':>7}{'count':>8}"
    print(header + f"{'selector':>10}{'p95':>8}{'page':>9}{'p95':>8}{'cpu':>8}")
    for label, text in queries().items():
        for who, user in (("agent", agent), ("customer", customer)):
            client = Client()
            client.force_login(user)
            selector_times, page_times, cpu_times = [], [], []
            for run in range(runs + 1):
                started, cpu = time.perf_counter(), time.process_time()
                results = selectors.search_everywhere(user, text)
                rows = list(results.tickets[:10])
                count = results.ticket_count()
                middle = time.perf_counter()
                response = client.get(reverse("tickets:search"), {"q": text})
                ended = time.perf_counter()
                if response.status_code != 200:
                    raise SystemExit(f"the search page answered {response.status_code}")
                if run:
                    selector_times.append((middle - started) * 1000)
                    page_times.append((ended - middle) * 1000)
                    cpu_times.append((time.process_time() - cpu) * 1000)
            print(
                f"{label:<22}{who:<10}{len(rows):>7}{count:>8}"
                f"{statistics.median(selector_times):>10.1f}"
                f"{_p95(selector_times):>8.1f}"
                f"{statistics.median(page_times):>9.1f}{_p95(page_times):>8.1f}"
                f"{statistics.median(cpu_times):>8.1f}",
                flush=True,
            )


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--build-only", action="store_true")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        WORK.mkdir(parents=True, exist_ok=True)
        path = WORK / f"search-{args.tickets}.sqlite3"
        if not args.reuse:
            for stale in WORK.glob(f"{path.name}*"):
                stale.unlink()
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    elif not args.reuse:
        name = url.rsplit("/", 1)[1]
        server = url.rsplit("/", 1)[0] + "/postgres"
        for statement in (f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}"):
            subprocess.run(["psql", server, "-qc", statement], check=True)  # noqa: S603, S607
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings.test")
    os.environ["MFA_REQUIRED_ROLES"] = ""  # the page itself, not the sign-in steps
    import django

    django.setup()
    if not args.reuse:
        figures = build(args.tickets)
        print(
            f"built {figures['tickets']:,} tickets, {figures['messages']:,} messages:"
            f" load {figures['load_s']:.0f} s,"
            f" search_reindex {figures['reindex_s']:.0f} s"
            f" ({figures['messages'] / figures['reindex_s']:,.0f} messages/s)",
            flush=True,
        )
    if not args.build_only:
        measure(args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
