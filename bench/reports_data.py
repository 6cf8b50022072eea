"""The data behind ``reports.py``: a help desk's three years in one load.

Departments, teams, agents, organizations, customers, categories, two SLA
policies (Berlin office hours with German holidays, and a 24/7 one for
outages), then ``count`` tickets whose every report column agrees with their
timeline. Bypasses the services on purpose, as ``helpdesk.demo.volume`` does:
this is load, written in large inserts, not behaviour under test.

One ticket's story, in order (all of it before ``now``):

- the requester opens it (``created`` event and their first message, one
  moment);
- an agent of the ticket's team answers after a priority-dependent delay in
  business minutes of the ticket's calendar (``reply`` event; the first one
  also moves it new -> open), then writes more replies hours apart;
- the agent solves it shortly after the last reply (open -> solved); ~5% are
  reopened by the requester within the auto-close window (solved -> open),
  answered once more and solved again;
- the nightly job closes what stayed solved ``TICKET_AUTO_CLOSE_DAYS`` (solved
  -> closed, the same day or up to a day later);
- the SLA outcome of each target is one ``sla_met`` event at the moment it
  was met, or one ``sla_breached`` event (and its ``SLANotice``) at the due
  time the sweep noticed it;
- ~20% of the solved tickets are rated by their requester (``satisfaction``
  event and ``SatisfactionRating``, one moment), ~85% Good, a third of them
  with a comment.

About 5% of the tickets are still unsolved (more among the recent ones):
new and unanswered, open, pending or on hold.
"""

import math
import random
import time
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

BATCH = 10_000
INSERT_BATCH = 2_000
YEARS = 3

DEPARTMENTS = {
    # department: (share of tickets, teams)
    "Support": (0.40, ["Tier 1", "Tier 2", "Escalations"]),
    "Technical": (0.20, ["Platform", "Integrations"]),
    "Billing": (0.15, ["Invoices", "Refunds"]),
    "Sales": (0.10, ["Pre-sales"]),
    "Accounts": (0.08, ["Onboarding"]),
    "Logistics": (0.07, ["Shipping"]),
}
CATEGORIES = {
    # category: department
    "Login problems": "Support",
    "Password reset": "Support",
    "How do I": "Support",
    "Bug report": "Support",
    "Feature request": "Support",
    "Data export": "Support",
    "Outage": "Technical",
    "API errors": "Technical",
    "Integrations": "Technical",
    "Performance": "Technical",
    "Invoice question": "Billing",
    "Refund": "Billing",
    "Payment failed": "Billing",
    "Pricing": "Sales",
    "Upgrade": "Sales",
    "New account": "Accounts",
    "Close account": "Accounts",
    "User management": "Accounts",
    "Shipping delay": "Logistics",
    "Returns": "Logistics",
}
OUTAGE_CATEGORY = "Outage"
AGENTS_PER_TEAM = 6
ORGANIZATIONS = 2_000
CUSTOMERS = 20_000
PRIORITIES = {"low": 20, "normal": 55, "high": 18, "urgent": 7}
CHANNELS = {"email": 45, "portal": 30, "chat": 12, "api": 8, "agent": 5}
# Business minutes to the first reply, median per priority (log-normal).
FIRST_REPLY_MEDIAN = {"urgent": 10, "high": 20, "normal": 60, "low": 120}
WEEKDAY_WEIGHT = (1.15, 1.10, 1.05, 1.00, 0.90, 0.40, 0.30)
COMMENTS = {
    "good": [
        "Quick and friendly, thank you!",
        "Solved on the first try.",
        "Great help, much appreciated.",
        "Clear explanation, works now.",
    ],
    "bad": [
        "Took far too long.",
        "I had to explain the problem three times.",
        "=SUM(A1:A9) still not fixed",
        "Nobody read my first message.",
    ],
}

ADMIN_EMAIL = "bench-admin@reports.example"
AGENT_EMAIL = "bench-agent@reports.example"
AGENT_DEPARTMENT = "Billing"


class FastCalendar:
    """Business time on precomputed open spans (epoch seconds), for a load
    that asks a few million times: ``between`` and ``add`` answer what
    ``tickets.business_time`` answers (``check`` proves it on a sample)."""

    def __init__(self, calendar, first: datetime, last: datetime) -> None:
        from tickets import business_time

        self.calendar = calendar
        self.starts, self.ends, self.before, self.until = [], [], [], []
        total = 0.0
        for start, end in business_time.open_spans(calendar, first, last):
            self.starts.append(start.timestamp())
            self.ends.append(end.timestamp())
            self.before.append(total)
            total += end.timestamp() - start.timestamp()
            self.until.append(total)

    def _position(self, moment: float) -> float:
        """Open seconds from the first span to ``moment``."""
        index = bisect_right(self.starts, moment) - 1
        if index < 0:
            return 0.0
        return self.before[index] + min(
            moment - self.starts[index], self.ends[index] - self.starts[index]
        )

    def between(self, start: float, end: float) -> float:
        """Business minutes in ``[start, end]``."""
        if end <= start:
            return 0.0
        return (self._position(end) - self._position(start)) / 60

    def add(self, start: float, minutes: float) -> float:
        """The earliest moment ``minutes`` of open time after ``start``."""
        target = self._position(start) + minutes * 60
        index = bisect_left(self.until, target)
        return self.starts[index] + (target - self.before[index])

    def check(self, rng: random.Random, first: float, last: float) -> None:
        """Compare with ``tickets.business_time`` on 500 random moments."""
        from tickets import business_time

        for _ in range(500):
            start = rng.uniform(first, last)
            end = start + rng.uniform(0, 20 * 86400)
            minutes = rng.uniform(1, 3000)
            as_time = datetime.fromtimestamp(start, UTC)
            expected = business_time.business_minutes_between(
                self.calendar, as_time, datetime.fromtimestamp(end, UTC)
            )
            expected_end = business_time.add_business_minutes(
                self.calendar, as_time, minutes
            ).timestamp()
            if (
                abs(self.between(start, end) - expected) > 1e-6
                or abs(self.add(start, minutes) - expected_end) > 1e-3
            ):
                raise RuntimeError(f"business time disagrees at {as_time}")


class RoundTheClock:
    """A 24/7 calendar: business time is real time."""

    def between(self, start: float, end: float) -> float:
        return max(0.0, end - start) / 60

    def add(self, start: float, minutes: float) -> float:
        return start + minutes * 60


def people_add(rng: random.Random, epoch: datetime) -> dict:
    """Departments, teams, agents, the benchmark's admin and restricted agent,
    organizations with their customers, categories and SLA policies, all
    created before the first ticket."""
    from datetime import time as clock

    from django.contrib.auth.hashers import make_password

    from accounts.models import User
    from helpdesk.demo import content
    from helpdesk.demo.service_levels import _calendar, _policy
    from organizations.models import Department, Organization, Team
    from tickets.models import BusinessCalendar, Category, SLAPolicy
    from tickets.services.sla_policies import holidays_add, public_holidays_named

    password = make_password(None)
    departments = {
        name: Department.objects.create(name=name, slug=name.lower(), created_at=epoch)
        for name in DEPARTMENTS
    }
    teams, members = [], {}
    number = 0
    for department_name, (_, team_names) in DEPARTMENTS.items():
        department = departments[department_name]
        for team_name in team_names:
            team = Team.objects.create(
                department=department, name=team_name, created_at=epoch
            )
            agents = User.objects.bulk_create(
                User(
                    email=f"agent{number + offset}@reports.example",
                    full_name=f"Agent {number + offset:02d}",
                    role=User.Role.AGENT,
                    password=password,
                    created_at=epoch,
                )
                for offset in range(AGENTS_PER_TEAM)
            )
            number += AGENTS_PER_TEAM
            team.members.add(*agents)
            department.agents.add(*agents)
            teams.append(team)
            members[team.pk] = agents
    # A few agents also work in a second department.
    every_agent = [agent for agents in members.values() for agent in agents]
    for agent in rng.sample(every_agent, 6):
        rng.choice(list(departments.values())).agents.add(agent)
    User.objects.create(
        email=ADMIN_EMAIL,
        full_name="Bench Admin",
        role=User.Role.ADMIN,
        password=password,
        created_at=epoch,
    )
    agent = User.objects.create(
        email=AGENT_EMAIL,
        full_name="Bench Agent",
        role=User.Role.AGENT,
        password=password,
        created_at=epoch,
    )
    departments[AGENT_DEPARTMENT].agents.add(agent)
    organizations = Organization.objects.bulk_create(
        Organization(
            name=f"Customer {index:04d} Ltd",
            slug=f"customer-{index:04d}",
            share_tickets=index % 3 == 0,
            created_at=epoch,
        )
        for index in range(ORGANIZATIONS)
    )
    customers = User.objects.bulk_create(
        (
            User(
                email=f"customer{index}@reports.example",
                full_name=f"Customer {index}",
                role=User.Role.CUSTOMER,
                organization=rng.choice(organizations) if rng.random() < 0.9 else None,
                password=password,
                created_at=epoch,
            )
            for index in range(CUSTOMERS)
        ),
        batch_size=INSERT_BATCH,
    )
    categories = [
        Category.objects.create(
            name=name,
            slug=name.lower().replace(" ", "-"),
            default_department=departments[department_name],
            created_at=epoch,
        )
        for name, department_name in CATEGORIES.items()
    ]
    office, _ = _calendar(
        "Office hours (Berlin)",
        zone="Europe/Berlin",
        weekdays=range(5),
        start=clock(8),
        end=clock(18),
    )
    holidays_add(
        calendar=office,
        dates=public_holidays_named(
            country="DE", years=range(epoch.year - 1, datetime.now(UTC).year + 3)
        ),
    )
    standard = _policy(
        "Standard",
        targets=content.SLA_TARGETS,
        calendar=office,
        is_default=True,
        warn_before_minutes=30,
        escalate_priority=True,
    )
    round_the_clock, _ = _calendar(
        "Round the clock", zone="UTC", weekdays=range(7), start=clock(0), end=clock(0)
    )
    outage = _policy(
        "Outages (24/7)",
        targets=content.OUTAGE_SLA_TARGETS,
        calendar=round_the_clock,
        category=next(c for c in categories if c.name == OUTAGE_CATEGORY),
        order=10,
        warn_before_minutes=content.OUTAGE_WARN_BEFORE_MINUTES,
        escalate_priority=True,
    )
    BusinessCalendar.objects.update(created_at=epoch)
    SLAPolicy.objects.update(created_at=epoch)
    policies = {
        policy.pk: policy
        for policy in SLAPolicy.objects.select_related("calendar").prefetch_related(
            "targets", "calendar__hours", "calendar__holidays"
        )
    }
    return {
        "departments": departments,
        "teams": teams,
        "members": members,
        "customers": customers,
        "categories": categories,
        "standard": policies[standard.pk],
        "outage": policies[outage.pk],
    }


def _weighted(rng: random.Random, weights: dict) -> Callable[[], object]:
    names, cumulative = list(weights), []
    total = 0.0
    for weight in weights.values():
        total += weight
        cumulative.append(total)
    return lambda: names[bisect_right(cumulative, rng.random() * total)]


def _creation_moments(
    rng: random.Random, count: int, first: datetime, now: datetime
) -> list[float]:
    """``count`` moments from ``first`` to ``now``, oldest first: a weekly
    rhythm, slow growth over the years, and office hours busier than nights."""
    days = (now - first).days + 1
    weights = []
    for day in range(days):
        moment = first + timedelta(days=day)
        growth = 0.7 + 0.6 * day / days
        weights.append(WEEKDAY_WEIGHT[moment.weekday()] * growth)
    scale = count / sum(weights)
    counts = [int(weight * scale) for weight in weights]
    for day in rng.sample(range(days), count - sum(counts)):
        counts[day] += 1
    moments = []
    first_stamp, last_stamp = first.timestamp(), now.timestamp() - 600
    for day, day_count in enumerate(counts):
        start = first_stamp + day * 86400
        day_moments = []
        for _ in range(day_count):
            if rng.random() < 0.8:
                moment = start + rng.uniform(6 * 3600, 17 * 3600)  # 07-18 Berlin
            else:
                moment = start + rng.uniform(0, 86400)
            if moment > last_stamp:
                moment = rng.uniform(start, last_stamp)
            day_moments.append(moment)
        day_moments.sort()
        moments += day_moments
    return moments


def tickets_add(
    rng: random.Random,
    people: dict,
    count: int,
    first: datetime,
    now: datetime,
    progress: Callable[[str], object],
    *,
    full: bool = False,
) -> dict:
    """Insert ``count`` tickets created from ``first`` to ``now`` with their
    events, SLA notices and ratings; return row counts.

    Lean (the default) writes the events the reports read: creation, replies,
    reopenings, SLA outcomes, ratings (and the move to pending or on hold, so
    a status always has its event). ``full`` adds every other status move
    (new -> open, open -> solved, solved -> closed) and each ticket's opening
    message: 50% more rows, for a timeline a ticket page could show."""
    from django.conf import settings

    from helpdesk.db import atomic
    from helpdesk.demo import content
    from tickets.bodies import body_rendered
    from tickets.models import (
        Message,
        SatisfactionRating,
        SLANotice,
        Ticket,
        TicketEvent,
        TicketNumberCounter,
    )
    from tickets.search import ticket_search_text
    from tickets.services.sla import TARGET_LABELS
    from tickets.services.sla_policies import calendar_for

    Kind, Status, Target = TicketEvent.Kind, Ticket.Status, SLANotice.Target
    first_label = TARGET_LABELS[Target.FIRST_RESPONSE]
    next_label = TARGET_LABELS[Target.NEXT_RESPONSE]
    resolution_label = TARGET_LABELS[Target.RESOLUTION]
    now_stamp = now.timestamp()
    close_after = settings.TICKET_AUTO_CLOSE_DAYS * 86400
    calendars = {}
    for policy in (people["standard"], people["outage"]):
        model = policy.calendar
        if model.name == "Round the clock":
            calendars[policy.pk] = RoundTheClock()
        else:
            fast = FastCalendar(
                calendar_for(model), first - timedelta(days=30), now + timedelta(400)
            )
            fast.check(rng, first.timestamp(), now_stamp)
            calendars[policy.pk] = fast
    targets = {
        policy.pk: {
            target.priority: (
                target.first_response_minutes,
                target.next_response_minutes,
                target.resolution_minutes,
            )
            for target in policy.targets.all()
        }
        for policy in (people["standard"], people["outage"])
    }
    department_share = {
        name: share / sum(c == name for c in CATEGORIES.values())
        for name, (share, _) in DEPARTMENTS.items()
    }
    categories = people["categories"]
    category_weights = {
        index: department_share[CATEGORIES[category.name]]
        for index, category in enumerate(categories)
    }
    pick_category = _weighted(rng, category_weights)
    pick_priority = _weighted(rng, PRIORITIES)
    pick_channel = _weighted(rng, CHANNELS)
    teams_of = {}
    for team in people["teams"]:
        teams_of.setdefault(team.department_id, []).append(team)
    members = people["members"]
    customers = people["customers"]
    outage_id = next(c.pk for c in categories if c.name == OUTAGE_CATEGORY)
    subjects = [
        (subject, ticket_search_text(subject)) for subject in content.BULK_SUBJECTS
    ]
    bodies = [(body, body_rendered(body)) for body in content.BULK_BODIES]

    from django.core.management.color import no_style
    from django.db import connection

    if connection.vendor == "sqlite":
        # What Django's SQLite backend stores: naive UTC text.
        def at(stamp: float):
            return str(datetime.fromtimestamp(stamp, UTC).replace(tzinfo=None))
    else:

        def at(stamp: float):
            return datetime.fromtimestamp(stamp, UTC)

    ticket_rows = _Writer(Ticket, connection, with_pk=True)
    message_rows = _Writer(Message, connection)
    event_rows = _Writer(TicketEvent, connection)
    notice_rows = _Writer(SLANotice, connection)
    rating_rows = _Writer(SatisfactionRating, connection)
    next_id = (
        Ticket.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    ) + 1
    moments = _creation_moments(rng, count, first, now)
    number = settings.TICKET_NUMBER_START
    totals = dict.fromkeys(("tickets", "events", "messages", "notices", "ratings"), 0)
    started = time.monotonic()
    for offset in range(0, count, BATCH):
        rows = []  # (ticket, events, message, notices, rating)
        for created in moments[offset : offset + BATCH]:
            category = categories[pick_category()]
            team = rng.choice(teams_of[category.default_department_id])
            agent = rng.choice(members[team.pk])
            customer = rng.choice(customers)
            priority = pick_priority()
            policy = (
                people["outage"] if category.pk == outage_id else people["standard"]
            )
            calendar = calendars[policy.pk]
            first_target, next_target, resolution_target = targets[policy.pk][priority]
            age_days = (now_stamp - created) / 86400
            unsolved = rng.random() < 0.04 + 0.5 * math.exp(-age_days / 4)
            # (moment, actor, kind, old, new); the creation first.
            events = [(created, customer.pk, Kind.CREATED, "", Status.NEW)]
            notices = []
            replies = []
            solves = []
            reopened = None
            closed = None
            status = Status.NEW
            first_business = rng.lognormvariate(
                math.log(FIRST_REPLY_MEDIAN[priority]), 0.8
            )
            first_reply = calendar.add(created, first_business)
            if unsolved and rng.random() < 0.2:
                first_reply = now_stamp + 1  # still waiting for an answer
            if first_reply < now_stamp:
                replies.append(first_reply)
                status = Status.OPEN
                if full:
                    events.append(
                        (
                            first_reply,
                            agent.pk,
                            Kind.STATUS,
                            Status.NEW,
                            Status.OPEN,
                        )
                    )
                more = 0 if rng.random() < 0.4 else 1 + int(rng.expovariate(0.9))
                moment = first_reply
                for _ in range(min(more, 7)):
                    moment += rng.lognormvariate(math.log(2 * 3600), 1.0)
                    if moment >= now_stamp:
                        break
                    replies.append(moment)
                solve = replies[-1] + rng.uniform(60, 7200)
                if not unsolved and solve < now_stamp:
                    solves.append(solve)
                    status = Status.SOLVED
                    if rng.random() < 0.05:
                        reopen = solve + rng.uniform(3600, close_after - 3600)
                        again = reopen + rng.lognormvariate(math.log(4 * 3600), 0.8)
                        solve_again = again + rng.uniform(60, 3600)
                        if solve_again < now_stamp:
                            reopened = reopen
                            replies.append(again)
                            solves.append(solve_again)
                    close = solves[-1] + close_after + rng.uniform(0, 86400)
                    if close < now_stamp:
                        closed = close
                        status = Status.CLOSED
                elif unsolved and rng.random() < 0.5:
                    status = Status.PENDING if rng.random() < 0.6 else Status.ON_HOLD
                    events.append(  # kept when lean: statuses stay consistent
                        (
                            replies[-1] + 30,
                            agent.pk,
                            Kind.STATUS,
                            Status.OPEN,
                            status,
                        )
                    )
            for reply in replies:
                events.append((reply, agent.pk, Kind.REPLY, "", ""))
            if reopened is not None:
                events.append(
                    (reopened, customer.pk, Kind.STATUS, Status.SOLVED, Status.OPEN)
                )
            if full and solves:
                events += [
                    (solve, agent.pk, Kind.STATUS, Status.OPEN, Status.SOLVED)
                    for solve in solves
                ]
            if full and closed is not None:
                events.append((closed, None, Kind.STATUS, Status.SOLVED, Status.CLOSED))
            # Service levels: each target settled once, met or breached.
            first_due = calendar.add(created, first_target)
            resolution_due = calendar.add(created, resolution_target)
            settled = [
                (Target.FIRST_RESPONSE, first_label, first_due,
                 replies[0] if replies else None),
                (Target.RESOLUTION, resolution_label, resolution_due,
                 solves[0] if solves else None),
            ]  # fmt: skip
            if len(replies) > 1:
                # The customer wrote between the first two answers.
                asked = replies[0] + 0.3 * (replies[1] - replies[0])
                settled.append(
                    (Target.NEXT_RESPONSE, next_label,
                     calendar.add(asked, next_target), replies[1])
                )  # fmt: skip
            for target, label, due, done in settled:
                if done is not None and done <= due:
                    events.append((done, agent.pk, Kind.SLA_MET, "", label))
                elif due < now_stamp:
                    events.append((due, None, Kind.SLA_BREACHED, _iso(due), label))
                    notices.append((target, at(due)))
            rating = None
            if solves and rng.random() < 0.2:
                rated = solves[-1] + rng.lognormvariate(math.log(3 * 3600), 1.0)
                if rated < now_stamp:
                    good = rng.random() < 0.85
                    value = "good" if good else "bad"
                    comment = rng.choice(COMMENTS[value]) if rng.random() < 0.33 else ""
                    rating = (rated, value, comment)
                    events.append((rated, customer.pk, Kind.SATISFACTION, "", value))
            solved_at = solves[-1] if solves else None
            subject, search_text = subjects[number % len(subjects)]
            ticket_id = next_id
            next_id += 1
            ticket_rows.add(
                id=ticket_id,
                number=number,
                subject=subject,
                search_text=search_text,
                requester_id=customer.pk,
                organization_id=customer.organization_id,
                department_id=category.default_department_id,
                team_id=team.pk,
                assignee_id=agent.pk,
                category_id=category.pk,
                priority=priority,
                status=status,
                channel=pick_channel(),
                created_at=at(created),
                updated_at=at(max(event[0] for event in events)),
                first_response_at=at(replies[0]) if replies else None,
                solved_at=at(solved_at) if solved_at else None,
                closed_at=at(closed) if closed else None,
                sla_policy_id=policy.pk,
                first_response_due_at=at(first_due),
                resolution_due_at=at(resolution_due),
                sla_next_due_at=(
                    None if solves else at(first_due if not replies else resolution_due)
                ),
                sla_paused_since=(
                    at(solves[0]) if solves and solves[0] <= resolution_due else None
                ),
                first_reply_minutes=((replies[0] - created) / 60 if replies else None),
                first_reply_business_minutes=(
                    calendar.between(created, replies[0]) if replies else None
                ),
                resolution_minutes=((solved_at - created) / 60 if solved_at else None),
                resolution_business_minutes=(
                    calendar.between(created, solved_at) if solved_at else None
                ),
                public_reply_count=len(replies),
                reopen_count=1 if reopened is not None else 0,
            )
            rows.append(
                (ticket_id, number, customer.pk, created, events, notices, rating)
            )
            number += 1
        for (
            ticket_id,
            ticket_number,
            requester_id,
            created,
            story,
            ticket_notices,
            rating,
        ) in rows:
            if full:
                body, rendered = bodies[ticket_number % len(bodies)]
                message_rows.add(
                    ticket_id=ticket_id,
                    author_id=requester_id,
                    body=body,
                    **rendered,
                    created_at=at(created),
                )
            for moment, actor, kind, old, new in story:
                event_rows.add(
                    ticket_id=ticket_id,
                    actor_id=actor,
                    kind=kind,
                    old_value=old,
                    new_value=new,
                    created_at=at(moment),
                )
            for target, due_at in ticket_notices:
                notice_rows.add(
                    ticket_id=ticket_id,
                    target=target,
                    stage=SLANotice.Stage.BREACH,
                    due_at=due_at,
                    created_at=due_at,
                )
            if rating is not None:
                rated, value, comment = rating
                rating_rows.add(
                    ticket_id=ticket_id,
                    rated_by_id=requester_id,
                    rating=value,
                    comment=comment,
                    created_at=at(rated),
                    rated_at=at(rated),
                )
        with atomic():
            ticket_rows.flush()
            written = {
                "messages": message_rows.flush(),
                "events": event_rows.flush(),
                "notices": notice_rows.flush(),
                "ratings": rating_rows.flush(),
            }
        for name, total in written.items():
            totals[name] += total
        totals["tickets"] += len(rows)
        elapsed = time.monotonic() - started
        progress(
            f"  {totals['tickets']:>9,}/{count:,} tickets, "
            f"{totals['events']:,} events, {elapsed:.0f} s"
        )
    with connection.cursor() as cursor:
        # Tickets were written with their ids: move PostgreSQL's sequence on.
        for statement in connection.ops.sequence_reset_sql(no_style(), [Ticket]):
            cursor.execute(statement)
    TicketNumberCounter.objects.update_or_create(
        name="ticket", defaults={"last_number": number - 1}
    )
    return totals


def _iso(stamp: float) -> str:
    return datetime.fromtimestamp(stamp, UTC).isoformat()


class _Writer:
    """Rows of one model, collected as tuples in its column order and written
    in one go: ``executemany`` on SQLite, ``COPY`` on PostgreSQL.

    Not ``bulk_create``: profiled on 20,000 tickets, Django spent three
    quarters of the load compiling each value into its INSERT statements
    (``SQLInsertCompiler.prepare_value``), which made a million tickets a
    half-hour load on a busy 2-core machine. The table, the columns and each
    default come from the model's ``_meta``; values are given as the
    database stores them."""

    def __init__(self, model, connection, *, with_pk: bool = False) -> None:
        fields = [
            field
            for field in model._meta.concrete_fields
            if with_pk or not field.primary_key
        ]
        self.connection = connection
        self.index = {field.attname: position for position, field in enumerate(fields)}
        self.template = [
            None
            if field.primary_key
            else field.get_db_prep_save(field.get_default(), connection)
            for field in fields
        ]
        quote = connection.ops.quote_name
        self.table = quote(model._meta.db_table)
        self.columns = ", ".join(quote(field.column) for field in fields)
        self.rows: list[list] = []

    def add(self, **values) -> None:
        row = self.template.copy()
        for name, value in values.items():
            row[self.index[name]] = value
        self.rows.append(row)

    def flush(self) -> int:
        """Write the rows collected so far; return how many."""
        rows, self.rows = self.rows, []
        if not rows:
            return 0
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                statement = f"COPY {self.table} ({self.columns}) FROM STDIN"
                with cursor.cursor.copy(statement) as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(self.template))
                cursor.executemany(
                    f"INSERT INTO {self.table} ({self.columns}) VALUES ({marks})",  # noqa: S608
                    rows,
                )
        return len(rows)


def years_before(now: datetime, years: int = YEARS) -> datetime:
    """Midnight UTC ``years`` years (of 365 days) before ``now``."""
    day = (now - timedelta(days=365 * years)).date()
    return datetime.combine(day, datetime.min.time(), UTC)
