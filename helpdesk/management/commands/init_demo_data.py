import random
import time
from datetime import time as clock_time
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from helpdesk.demo import content
from helpdesk.demo.volume import bulk_tickets_add
from helpdesk.maintenance import database_optimize
from organizations.models import Department, Organization, OrganizationDomain, Team
from tickets import services
from tickets.models import (
    BusinessCalendar,
    BusinessHours,
    CannedResponse,
    Category,
    Message,
    SLAPolicy,
    SLATarget,
    Ticket,
    TicketEvent,
)
from tickets.services.sla import refresh as sla_refresh
from tickets.services.sla import sla_pause_if_solved_in_time, sla_recompute
from tickets.services.sla_policies import holidays_add, public_holidays_named
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

    def handle(self, *args, tickets=0, seed=1042, **options):
        rng = random.Random(seed)
        with transaction.atomic():
            people = self._people()
        if not Ticket.objects.exists():
            with events_unannounced():  # history: nobody is emailed about it
                self._base_tickets(rng, people)
            self.stdout.write(f"Loaded {BASE_TICKETS} demo tickets.")
        else:
            self.stdout.write("Tickets already exist; demo tickets left as they are.")
        if tickets > 0:
            started = time.monotonic()
            bulk_tickets_add(rng, people, tickets, self.stdout.write)
            self.stdout.write(
                f"Added {tickets} tickets with {tickets * 3} messages in "
                f"{time.monotonic() - started:.1f} s."
            )
            self.stdout.write(database_optimize())
        self._print_logins()

    # --- People and places ---------------------------------------------------

    def _people(self) -> dict:
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
        policy = self._service_levels()
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
        return {
            "policy": policy,
            "admin": admin,
            "agents": agents,
            "customers": customers,
            "categories": categories,
            "departments": departments,
        }

    def _service_levels(self) -> SLAPolicy:
        """Office hours in Berlin with German public holidays, and a default
        policy with targets for every priority."""
        calendar, created = BusinessCalendar.objects.get_or_create(
            name="Office hours (Berlin)", defaults={"timezone": "Europe/Berlin"}
        )
        if created:
            BusinessHours.objects.bulk_create(
                BusinessHours(
                    calendar=calendar,
                    weekday=day,
                    start=clock_time(8),
                    end=clock_time(18),
                )
                for day in range(5)
            )
            year = timezone.now().year
            holidays_add(
                calendar=calendar,
                dates=public_holidays_named(
                    country="DE", years=[year - 1, year, year + 1]
                ),
            )
        policy, created = SLAPolicy.objects.get_or_create(
            name="Standard",
            defaults={
                "calendar": calendar,
                "is_default": True,
                "warn_before_minutes": 30,
                "escalate_priority": True,
            },
        )
        if created:
            SLATarget.objects.bulk_create(
                SLATarget(
                    policy=policy,
                    priority=priority,
                    first_response_minutes=first,
                    next_response_minutes=following,
                    resolution_minutes=resolution,
                )
                for priority, (
                    first,
                    following,
                    resolution,
                ) in content.SLA_TARGETS.items()
            )
        return (
            SLAPolicy.objects.select_related("calendar")
            .prefetch_related("targets", "calendar__hours", "calendar__holidays")
            .get(pk=policy.pk)
        )

    # --- Sixty tickets with real conversations -------------------------------

    def _base_tickets(self, rng: random.Random, people: dict) -> None:
        categories = {category.slug: category for category in people["categories"]}
        now = timezone.now()
        for index in range(BASE_TICKETS):
            subject, category_slug, opening, reply, follow_up = content.SCENARIOS[
                index % len(content.SCENARIOS)
            ]
            category = categories[category_slug]
            status = STATUS_CYCLE[index % len(STATUS_CYCLE)]
            customer = people["customers"][index % len(people["customers"])]
            agents = [
                agent
                for agent in people["agents"]
                if agent.demo_department.pk == category.default_department_id
            ]
            # Each agent gets tickets in every status.
            agent = agents[(index // len(STATUS_CYCLE)) % len(agents)]
            with transaction.atomic():
                ticket = services.ticket_create(
                    requester=customer,
                    subject=subject,
                    body=opening,
                    category=category,
                    priority=PRIORITY_CYCLE[index % len(PRIORITY_CYCLE)],
                    channel=rng.choice([Ticket.Channel.PORTAL, Ticket.Channel.EMAIL]),
                )
                self._play(ticket, status, customer, agent, reply, follow_up, rng)
                # Closed tickets are old, solved ones recent enough not to be
                # closed by the next auto-close run.
                age = timedelta(
                    days=rng.uniform(10, 40)
                    if status == Status.CLOSED
                    else rng.uniform(0.2, 5)
                )
                self._backdate(ticket, now - age, rng)
                self._restart_sla(ticket)

    def _play(self, ticket, status, customer, agent, reply, follow_up, rng):
        """Walk the ticket to its status the way people would have."""
        if status == Status.NEW:
            return
        if status == Status.OPEN and rng.random() < 0.4:
            # Open but nobody has taken it yet: a colleague left a note.
            services.message_add(
                ticket=ticket,
                author=agent,
                body=rng.choice(content.INTERNAL_NOTES),
                internal=True,
            )
            services.message_add(ticket=ticket, author=customer, body=follow_up)
            return
        services.ticket_update(
            ticket=ticket, actor=agent, assignee=agent, team=agent.demo_team
        )
        if status == Status.ON_HOLD or rng.random() < 0.3:
            services.message_add(
                ticket=ticket,
                author=agent,
                body=rng.choice(content.INTERNAL_NOTES),
                internal=True,
            )
        services.message_add(ticket=ticket, author=agent, body=reply)
        if status == Status.OPEN:
            services.message_add(ticket=ticket, author=customer, body=follow_up)
            return
        if status in (Status.PENDING, Status.ON_HOLD):
            services.ticket_change_status(ticket=ticket, actor=agent, status=status)
            return
        services.message_add(ticket=ticket, author=customer, body=follow_up)
        services.ticket_change_status(ticket=ticket, actor=agent, status=Status.SOLVED)
        if status == Status.CLOSED:
            services.ticket_change_status(ticket=ticket, actor=None, status=status)

    def _backdate(self, ticket: Ticket, start, rng: random.Random) -> None:
        """Spread the ticket's history out from ``start`` in the right order,
        ending before now."""
        rows = [
            *[(m.created_at, 0, m) for m in ticket.messages.all()],
            *[(e.created_at, 1, e) for e in ticket.events.all()],
        ]
        rows.sort(key=lambda row: (row[0], row[1], row[2].pk))
        steps = [rng.uniform(3, 240) for _ in rows]
        room = (timezone.now() - start).total_seconds() / 60 * 0.9
        scale = min(1.0, room / sum(steps)) if steps else 1.0
        moment = start
        stamps = []
        for step, (_, _, row) in zip(steps, rows, strict=True):
            moment += timedelta(minutes=step * scale)
            row.created_at = moment
            stamps.append(row)
        Message.objects.bulk_update(
            [row for row in stamps if isinstance(row, Message)], ["created_at"]
        )
        TicketEvent.objects.bulk_update(
            [row for row in stamps if isinstance(row, TicketEvent)], ["created_at"]
        )
        events = {
            event.kind + event.new_value: event.created_at
            for event in stamps
            if isinstance(event, TicketEvent)
        }
        first_reply = next(
            (
                row.created_at
                for row in stamps
                if isinstance(row, Message)
                and not row.internal
                and row.author_id != ticket.requester_id
            ),
            None,
        )
        Ticket.objects.filter(pk=ticket.pk).update(
            created_at=start,
            updated_at=moment,
            first_response_at=first_reply if ticket.first_response_at else None,
            solved_at=events.get(TicketEvent.Kind.STATUS + Status.SOLVED)
            if ticket.solved_at
            else None,
            closed_at=events.get(TicketEvent.Kind.STATUS + Status.CLOSED)
            if ticket.closed_at
            else None,
        )

    def _restart_sla(self, ticket: Ticket) -> None:
        """The clocks as if the ticket had lived its backdated history."""
        ticket.refresh_from_db()
        if ticket.sla_policy_id is None:
            return
        fields = sla_recompute(ticket=ticket, actor=None)
        if ticket.status in settings.SLA_PAUSE_STATUSES:
            ticket.sla_paused_since = ticket.updated_at
            fields += ["sla_paused_since", *sla_refresh(ticket)]
        else:
            ticket.sla_paused_since = None
            fields += [
                "sla_paused_since",
                *sla_pause_if_solved_in_time(ticket=ticket),
            ]
        Ticket.objects.filter(pk=ticket.pk).update(
            **{field: getattr(ticket, field) for field in dict.fromkeys(fields)}
        )

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
