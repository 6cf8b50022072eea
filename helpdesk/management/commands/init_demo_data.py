import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.utils import timezone

from accounts.models import User
from helpdesk.db import atomic
from helpdesk.demo import content
from helpdesk.demo.articles import demo_articles_add
from helpdesk.demo.clock import HistoryClock, history_clock
from helpdesk.demo.service_levels import outage_level_add, standard_level_add
from helpdesk.demo.volume import HISTORY_DAYS, bulk_tickets_add
from helpdesk.maintenance import database_optimize
from organizations.models import Department, Organization, OrganizationDomain, Team
from tickets import services
from tickets.models import (
    CannedResponse,
    Category,
    Ticket,
)
from tickets.services.sla_sweep import sla_sweep
from tickets.signals import events_unannounced

Status = Ticket.Status
Priority = Ticket.Priority

# Every status and priority appears; the cycle of six statuses against five
# priorities gives all thirty combinations in the sixty tickets.
BASE_TICKETS = 60
STATUS_CYCLE = [
    Status.NEW,
    Status.OPEN,
    Status.PENDING,
    Status.ON_HOLD,
    Status.SOLVED,
    Status.CLOSED,
]
PRIORITY_CYCLE = [
    Priority.LOW,
    Priority.NORMAL,
    Priority.HIGH,
    Priority.URGENT,
    Priority.NORMAL,
]
# The two new, high-priority tickets are outage reports opened minutes ago,
# inside their SLA warning window (content.LIVE_OUTAGES).
LIVE_OUTAGES = dict(zip((12, 42), content.LIVE_OUTAGES, strict=True))
# A ticket's story ends before now, with this much room to spare at least;
# the SLA sweep's announcements are written up to then too, so the first live
# sweep announces the last hour's (the fresh outage reports' warnings).
STORY_SPARE = timedelta(hours=1)
ONE_MINUTE = timedelta(minutes=1)


@dataclass(frozen=True)
class Step:
    """Something someone did to a ticket, ``minutes`` after the step before.
    Waits are shortened to fit a young ticket's age; fixed gaps are not."""

    minutes: float
    act: Callable[[Ticket], object]
    fixed: bool = False


def _wait(rng: random.Random) -> float:
    """Minutes until someone comes back to the ticket."""
    return rng.uniform(15, 240)


def _fitted(steps: list[Step], room: timedelta) -> Iterator[tuple[float, Callable]]:
    """The steps with their waits shortened, if need be, to end within room."""
    fixed = sum(step.minutes for step in steps if step.fixed)
    waits = sum(step.minutes for step in steps if not step.fixed)
    spare = room.total_seconds() / 60 - fixed
    scale = min(1.0, spare / waits) if waits else 1.0
    for step in steps:
        yield (step.minutes if step.fixed else step.minutes * scale), step.act


def _sweep_until(
    clock: HistoryClock, ticket: Ticket, until: datetime, *, inclusive: bool = False
) -> None:
    """Announce what the SLA sweep, which runs every minute, would have
    announced before ``until`` (or at it, ``inclusive``): each warning and
    breach of ``ticket`` at the moment it came due, and the escalation, by the
    sweep itself at that moment on the history clock. Without it the breaches
    of tickets left overdue waited for the first live sweep, and reports saw
    none in the past."""
    while (check := ticket.sla_next_check_at) is not None and (
        check < until or (inclusive and check == until)
    ):
        clock.advance(max(0.0, (check - clock.moment) / ONE_MINUTE))
        sla_sweep(now=clock.moment)
        ticket.refresh_from_db()
        if ticket.sla_next_check_at == check:
            return  # another sweep holds the lock: the live one will see it


class Command(BaseCommand):
    help = (
        "Load demo organizations, departments, people and tickets, then print "
        "the demo logins. Safe to run again. --tickets N adds N more tickets "
        "(3 messages each) in bulk for volume work."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--tickets",
            type=int,
            default=0,
            help="Add this many extra tickets with three messages each.",
        )
        parser.add_argument("--seed", type=int, default=1042)
        parser.add_argument(
            "--now",
            type=datetime.fromisoformat,
            default=None,
            help="Write the history as if it were this moment (ISO 8601 with "
            "an offset, e.g. 2026-11-29T23:30+01:00) instead of the clock's.",
        )

    def handle(self, *args, tickets=0, seed=1042, now=None, **options):
        rng = random.Random(seed)
        now = now or timezone.now()
        # The demo helpdesk went live before its oldest ticket (bulk included).
        live_since = timedelta(days=HISTORY_DAYS + settings.TICKET_AUTO_CLOSE_DAYS + 40)
        with atomic(), history_clock(now - live_since, now):
            people = self._people(year=now.year)
        if not Ticket.objects.exists():
            with events_unannounced():  # history: nobody is emailed about it
                self._base_tickets(rng, people, now)
            self.stdout.write(f"Loaded {BASE_TICKETS} demo tickets.")
        else:
            self.stdout.write("Tickets already exist; demo tickets left as they are.")
        with atomic():
            added = demo_articles_add(author=people["admin"])
        self.stdout.write(f"Added {added} help-center articles.")
        if tickets > 0:
            started = time.monotonic()
            bulk_tickets_add(rng, people, tickets, self.stdout.write)
            self.stdout.write(
                f"Added {tickets} tickets with {tickets * 3} messages in "
                f"{time.monotonic() - started:.1f} s."
            )
            self.stdout.write(database_optimize())
        services.ticket_counts_rebuild()  # demo history is written past the services
        self._print_logins()

    # --- People and places ---------------------------------------------------

    def _people(self, *, year: int) -> dict:
        password = make_password(content.DEMO_PASSWORD)
        organizations = {}
        for name, slug, domain, shares in content.ORGANIZATIONS:
            organization, _ = Organization.objects.get_or_create(
                slug=slug, defaults={"name": name, "share_tickets": shares}
            )
            OrganizationDomain.objects.get_or_create(
                domain=domain, defaults={"organization": organization}
            )
            organizations[domain] = organization

        departments, teams = {}, {}
        for name, slug, address, team_names in content.DEPARTMENTS:
            department, _ = Department.objects.get_or_create(
                slug=slug, defaults={"name": name, "inbound_email": address}
            )
            departments[slug] = department
            for team_name in team_names:
                teams[(slug, team_name)], _ = Team.objects.get_or_create(
                    department=department, name=team_name
                )

        def user(email, name, role, organization=None):
            account, _ = User.objects.get_or_create(
                email=email,
                defaults={
                    "full_name": name,
                    "role": role,
                    "password": password,
                    "organization": organization,
                    "email_verified": True,
                },
            )
            if not account.email_verified:  # made before demo users were
                User.objects.filter(pk=account.pk).update(email_verified=True)
            return account

        admin = user(*content.ADMIN, User.Role.ADMIN)
        agents = []
        for email, name, department_slug, team_name in content.AGENTS:
            agent = user(email, name, User.Role.AGENT)
            agent.departments.add(departments[department_slug])
            teams[(department_slug, team_name)].members.add(agent)
            agent.demo_department = departments[department_slug]
            agent.demo_team = teams[(department_slug, team_name)]
            agents.append(agent)
        for department in departments.values():
            department.agents.add(admin)
        customers = [
            user(
                email, name, User.Role.CUSTOMER, organizations.get(email.split("@")[1])
            )
            for email, name in content.CUSTOMERS
        ]
        policy = standard_level_add(year=year)
        for title, body in content.CANNED_RESPONSES:
            CannedResponse.objects.get_or_create(
                title=title, shared=True, defaults={"owner": admin, "body": body}
            )
        categories = []
        for name, slug, department_slug in content.CATEGORIES:
            category, _ = Category.objects.get_or_create(
                slug=slug,
                defaults={
                    "name": name,
                    "default_department": departments[department_slug],
                },
            )
            categories.append(category)
        outage_level_add(category=next(c for c in categories if c.slug == "outage"))
        return {
            "policy": policy,
            "admin": admin,
            "agents": agents,
            "customers": customers,
            "categories": categories,
            "departments": departments,
        }

    # --- Sixty tickets with real conversations -------------------------------

    def _base_tickets(self, rng: random.Random, people: dict, now: datetime) -> None:
        """Play each ticket's story through the services on a history clock,
        so every message, event and stamp is written when it happened, with
        the SLA sweep's announcements between the steps."""
        categories = {category.slug: category for category in people["categories"]}
        for index in range(BASE_TICKETS):
            subject, category_slug, opening, reply, follow_up = content.SCENARIOS[
                index % len(content.SCENARIOS)
            ]
            category = categories[category_slug]
            status = STATUS_CYCLE[index % len(STATUS_CYCLE)]
            priority = PRIORITY_CYCLE[index % len(PRIORITY_CYCLE)]
            customer = people["customers"][index % len(people["customers"])]
            agents = [
                agent
                for agent in people["agents"]
                if agent.demo_department.pk == category.default_department_id
            ]
            # Each agent gets tickets in every status.
            agent = agents[(index // len(STATUS_CYCLE)) % len(agents)]
            steps = self._story(status, customer, agent, reply, follow_up, rng)
            # Closed tickets are old, solved ones recent enough not to be
            # closed by the next auto-close run.
            age = timedelta(
                days=settings.TICKET_AUTO_CLOSE_DAYS + 1 + rng.uniform(3, 33)
                if status == Status.CLOSED
                else rng.uniform(0.2, 5)
            )
            if index in LIVE_OUTAGES:
                # Nobody has answered yet; the SLA sweep, not this load,
                # warns that the first response is almost due.
                minutes_ago, subject, opening = LIVE_OUTAGES[index]
                category = categories["outage"]
                age = timedelta(minutes=minutes_ago)
            with atomic(), history_clock(now - age, now) as clock:
                ticket = services.ticket_create(
                    requester=customer,
                    subject=subject,
                    body=opening,
                    category=category,
                    priority=priority,
                    channel=rng.choice([Ticket.Channel.PORTAL, Ticket.Channel.EMAIL]),
                )
                for minutes, act in _fitted(steps, room=age - STORY_SPARE):
                    at = clock.moment + timedelta(minutes=minutes)
                    _sweep_until(clock, ticket, at)
                    clock.advance((at - clock.moment) / ONE_MINUTE)
                    act(ticket)
                # What came due in the last hour is left to the first sweep.
                _sweep_until(clock, ticket, now - STORY_SPARE, inclusive=True)

    def _story(self, status, customer, agent, reply, follow_up, rng) -> list[Step]:
        """What people did to bring the ticket to ``status``, in order, each
        after the minutes they took."""
        if status == Status.NEW:
            return []

        def note(ticket):
            services.message_add(
                ticket=ticket,
                author=agent,
                body=rng.choice(content.INTERNAL_NOTES),
                internal=True,
            )

        def customer_writes(ticket, body=follow_up):
            services.message_add(ticket=ticket, author=customer, body=body)

        def customer_asks_again(ticket):
            customer_writes(ticket, rng.choice(content.NUDGES))

        def assign(ticket):
            services.ticket_update(
                ticket=ticket, actor=agent, assignee=agent, team=agent.demo_team
            )

        def answer(ticket):
            # Waiting statuses are set with the answer, as in the reply box.
            waiting = status in (Status.PENDING, Status.ON_HOLD)
            services.message_add(
                ticket=ticket,
                author=agent,
                body=reply,
                status=status if waiting else None,
            )

        def solve(ticket):
            services.ticket_change_status(
                ticket=ticket, actor=agent, status=Status.SOLVED
            )

        def auto_close(ticket):
            services.ticket_change_status(ticket=ticket, actor=None, status=status)

        if status == Status.OPEN and rng.random() < 0.4:
            # Open but nobody has taken it yet: a colleague left a note.
            return [Step(_wait(rng), note), Step(_wait(rng), customer_asks_again)]
        steps = [Step(_wait(rng), assign)]
        if status == Status.ON_HOLD or rng.random() < 0.3:
            steps.append(Step(rng.uniform(2, 10), note, fixed=True))
        steps.append(Step(_wait(rng), answer))
        if status in (Status.PENDING, Status.ON_HOLD):
            return steps
        steps.append(Step(_wait(rng), customer_writes))
        if status == Status.OPEN:
            return steps
        steps.append(Step(_wait(rng), solve))
        if status == Status.CLOSED:
            # The nightly job closes what stayed solved long enough.
            days = settings.TICKET_AUTO_CLOSE_DAYS + rng.uniform(0, 1)
            steps.append(Step(days * 24 * 60, auto_close, fixed=True))
        return steps

    def _print_logins(self) -> None:
        self.stdout.write(
            self.style.SUCCESS(
                f"\nDemo logins (password for all: {content.DEMO_PASSWORD})"
            )
        )
        self.stdout.write(f"  admin     {content.ADMIN[0]}")
        self.stdout.write(f"  agent     {content.AGENTS[0][0]}  (Support, Tier 1)")
        self.stdout.write(f"  agent     {content.AGENTS[4][0]}  (Billing)")
        self.stdout.write(f"  customer  {content.CUSTOMERS[0][0]}  (Acme Corporation)")
        self.stdout.write(f"  customer  {content.CUSTOMERS[16][0]}  (no organization)")
        if settings.MFA_REQUIRED_ROLES:
            self.stdout.write(
                "Agents and admins add an authenticator app at their first sign-in "
                f"(MFA_REQUIRED_ROLES={','.join(settings.MFA_REQUIRED_ROLES)}); "
                "set MFA_REQUIRED_ROLES= (empty) in .env to try the demo without one."
            )
