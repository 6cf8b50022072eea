"""The data behind ``scale.py``: a help desk of ``count`` tickets, 3 messages each.

Reuses ``reports_data`` for the people (departments, teams, agents,
customers, SLA policies) and for the tickets with their timelines, SLA fields
and counters (``full=True`` writes each ticket's opening message). Then it
adds two messages per ticket, in time order inside the ticket's story:

- answered tickets: the assignee's first answer, at ``first_response_at``,
  then the requester's reply before the ticket's last change;
- unanswered ones: the requester writing twice more while waiting.

Each added message ends with a line of words drawn from a vocabulary with a
Zipf distribution (rank r drawn with weight 1/r), so a search for a word from
its head finds many tickets and one from its tail finds a few: ``word(rank)``
names them. Bodies are stored with every derived field (``body_html``,
``body_html_version``, ``search_text``) from ``tickets.bodies.body_rendered``.

The benchmark's agent (``reports_data.AGENT_EMAIL``) works in every
department and team and is assigned about a seventh of the tickets, so the
list it sees holds every ticket, as the issue's agent saw most of them.
"""

import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from itertools import accumulate

import reports_data

VOCABULARY = 5_000
WORDS_PER_MESSAGE = 3
LINES = 20_000  # distinct reference lines
_SYLLABLES = [
    f"{consonant}{vowel}"
    for consonant in "bdfgklmnprstvz"
    for vowel in ("a", "e", "i", "o", "u", "ar", "en", "ol")
]


def word(rank: int) -> str:
    """The vocabulary's word of ``rank`` (1 = the most frequent): three
    syllables and a rank-derived tail, so no word is a part of another."""
    rng = random.Random(rank)  # noqa: S311 - names, not secrets
    return "".join(rng.choice(_SYLLABLES) for _ in range(3)) + f"x{rank}q"


def expected_share(rank: int) -> float:
    """The share of tickets whose added messages contain ``word(rank)``."""
    harmonic = sum(1 / r for r in range(1, VOCABULARY + 1))
    per_draw = (1 / rank) / harmonic
    return 1 - (1 - per_draw) ** (2 * WORDS_PER_MESSAGE)


COMMON_RANK = 1
RARE_RANK = 3_000


def build(count: int, seed: int, progress: Callable[[str], object]) -> dict:
    """Load ``count`` tickets into the configured (migrated, empty) database;
    return row counts."""
    from accounts.models import User
    from organizations.models import Department, Team

    now = datetime.now(UTC)
    first = reports_data.years_before(now)
    rng = random.Random(seed)  # noqa: S311 - load data, not secrets
    people = reports_data.people_add(rng, first - timedelta(days=30))
    agent = User.objects.get(email=reports_data.AGENT_EMAIL)
    for department in Department.objects.all():
        department.agents.add(agent)
    for team in Team.objects.all():
        team.members.add(agent)
        people["members"][team.pk].append(agent)
    totals = reports_data.tickets_add(
        rng, people, count, first, now, progress, full=True
    )
    totals["messages"] += messages_add(rng, now, progress)
    return totals


def messages_add(
    rng: random.Random, now: datetime, progress: Callable[[str], object]
) -> int:
    """Two more messages for every ticket (see the module docstring)."""
    from django.db import connection

    from helpdesk.db import atomic
    from helpdesk.demo import content
    from tickets.bodies import body_rendered
    from tickets.models import Message, Ticket

    answer, reply, nudge, nudge_again = content.BULK_BODIES[1:5]
    words = [word(rank) for rank in range(1, VOCABULARY + 1)]
    weights = list(accumulate(1 / rank for rank in range(1, VOCABULARY + 1)))

    # Rendering 2 million bodies would take most of the load: draw the
    # reference lines from a pool, and render each (text, line) pair once.
    lines = [
        " ".join(rng.choices(words, cum_weights=weights, k=WORDS_PER_MESSAGE))
        for _ in range(LINES)
    ]
    rendered_bodies: dict[tuple[str, int], tuple[str, dict]] = {}

    def body(text: str) -> tuple[str, dict]:
        key = (text, rng.randrange(LINES))
        if key not in rendered_bodies:
            full = f"{text}\n\nReference: {lines[key[1]]}"
            rendered_bodies[key] = (full, body_rendered(full))
        return rendered_bodies[key]

    if connection.vendor == "sqlite":

        def at(moment: datetime) -> str:
            return str(moment.astimezone(UTC).replace(tzinfo=None))
    else:

        def at(moment: datetime) -> datetime:
            return moment

    writer = reports_data._Writer(Message, connection)
    written, last_pk, started = 0, 0, time.monotonic()
    columns = ("pk", "requester_id", "assignee_id", "created_at")
    columns += ("first_response_at", "updated_at")
    while True:
        batch = list(
            Ticket.objects.filter(pk__gt=last_pk)
            .order_by("pk")
            .values_list(*columns)[: reports_data.BATCH]
        )
        if not batch:
            break
        last_pk = batch[-1][0]
        for ticket_id, requester, assignee, created, answered, updated in batch:
            if answered is not None:
                later = answered + (updated - answered) * rng.uniform(0.2, 0.9)
                story = [(answered, assignee, answer), (later, requester, reply)]
            else:
                story = [
                    (created + (updated - created) / 3, requester, nudge),
                    (created + (updated - created) * 2 / 3, requester, nudge_again),
                ]
            for moment, author, text in story:
                full, rendered = body(text)
                writer.add(
                    ticket_id=ticket_id,
                    author_id=author,
                    body=full,
                    **rendered,
                    created_at=at(moment),
                )
        with atomic():
            written += writer.flush()
        progress(f"  {written:>9,} added messages, {time.monotonic() - started:.0f} s")
    return written
