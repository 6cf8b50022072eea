"""The reports against figures worked out by hand, on a small fixed data set
written through the real services at given moments.

The office (tickets.tests.office) is open Monday to Friday, 09:00-18:00,
Europe/Berlin (CET in November: UTC+1); Monday 30 November 2026 is a public
holiday. The standard policy promises, for normal priority, a first reply
within 60 business minutes, a next reply within 120 and a solution within
480. The report covers Monday 23 November to Sunday 6 December 2026, per ISO
week (W1 = 23-29 Nov, W2 = 30 Nov - 6 Dec), seen by an admin in Berlin.

T1 "Printer offline" (Ann, team Alpha): created Fri 27 Nov 17:00; first
   reply due Fri 18:00, breached (the sweep at 18:05 records it); Ann answers
   Tue 1 Dec 10:00 (after the weekend and the holiday) and solves it at
   11:00, within the solution target (due Tue 16:00: 60 on Friday + 420 on
   Tuesday). Rated Good with a comment on Tue 12:00.
T2 "VPN drops" (Bob, team Beta): created Fri 27 Nov 14:00; Bob answers
   14:30; the customer writes again at 17:00 (next reply due Tue 10:00: 60 on
   Friday + 60 on Tuesday); Bob answers Tue 09:30 and solves it at 09:45
   (solution due Tue 13:00: 240 on Friday + 240 on Tuesday); the customer
   reopens it Wed 2 Dec 10:00 (next reply due 12:00); Bob answers 10:30 and
   solves it again at 11:00 (the clock stood still while it was solved: due
   Wed 13:15). Rated Bad with a comment on Wed 12:00.
T3 "Invoice copy" (Ann, team Alpha): created Mon 23 Nov 10:00; Ann answers
   and solves it at 10:20. Rated Good, no comment, Mon 11:00.
T4 "Password reset" (nobody, no team): created Thu 3 Dec 17:00 and never
   answered: the sweep records the first reply breached Thu 18:05 (due
   18:00) and the solution breached Fri 4 Dec 18:05 (due Fri 16:00: 60 on
   Thursday + 420 on Friday).

The volume report (reports.selectors.volume) is checked here too.
"""

from datetime import date, time

import pytest

from accounts.tests.factories import UserFactory
from organizations.tests.factories import DepartmentFactory, TeamFactory
from reports.filters import ReportFilterForm
from reports.selectors import (
    people_report,
    satisfaction_report,
    service_level_report,
    speed_report,
    volume_report,
)
from tickets import services
from tickets.models import (
    BusinessCalendar,
    BusinessHoliday,
    BusinessHours,
    SLAPolicy,
    SLATarget,
    Ticket,
)
from tickets.services.satisfaction import satisfaction_rate
from tickets.services.sla_sweep import sla_sweep
from tickets.tests.office import berlin

pytestmark = pytest.mark.django_db

SOLVED = Ticket.Status.SOLVED


def fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


@pytest.fixture
def story(time_machine):
    """The data set of the module docstring; returns the admin who reads the
    reports and the report filters."""
    office = BusinessCalendar.objects.create(name="Office", timezone="Europe/Berlin")
    BusinessHours.objects.bulk_create(
        BusinessHours(calendar=office, weekday=day, start=time(9), end=time(18))
        for day in range(5)
    )
    BusinessHoliday.objects.create(
        calendar=office, date=date(2026, 11, 30), name="Public holiday"
    )
    policy = SLAPolicy.objects.create(
        name="Standard", calendar=office, is_default=True, warn_before_minutes=30
    )
    SLATarget.objects.create(
        policy=policy,
        priority="normal",
        first_response_minutes=60,
        next_response_minutes=120,
        resolution_minutes=480,
    )
    ann = UserFactory(agent=True, full_name="Ann Agent")
    bob = UserFactory(agent=True, full_name="Bob Agent")
    reader = UserFactory(admin=True, full_name="Zoe Admin", timezone="Europe/Berlin")
    support = DepartmentFactory(name="Support", agents=[ann, bob])
    alpha = TeamFactory(department=support, name="Alpha", members=[ann])
    beta = TeamFactory(department=support, name="Beta", members=[bob])
    carla = UserFactory(full_name="Carla Customer")

    def at(*moment):
        time_machine.move_to(berlin(*moment), tick=False)

    def create(subject, **fields):
        return services.ticket_create(
            requester=carla, subject=subject, body="Help", department=support, **fields
        )

    def reply(ticket, author):
        services.message_add(ticket=fresh(ticket), author=author, body="Reply")

    def solve(ticket, agent):
        services.ticket_change_status(ticket=fresh(ticket), actor=agent, status=SOLVED)

    def rate(ticket, rating, comment=""):
        satisfaction_rate(
            ticket=fresh(ticket), actor=carla, rating=rating, comment=comment
        )

    at(2026, 11, 23, 10, 0)
    t3 = create("Invoice copy", team=alpha, assignee=ann)
    at(2026, 11, 23, 10, 20)
    reply(t3, ann)
    solve(t3, ann)
    at(2026, 11, 23, 11, 0)
    rate(t3, "good")

    at(2026, 11, 27, 14, 0)
    t2 = create("VPN drops", team=beta, assignee=bob)
    at(2026, 11, 27, 14, 30)
    reply(t2, bob)
    at(2026, 11, 27, 17, 0)
    t1 = create("Printer offline", team=alpha, assignee=ann)
    reply(t2, carla)
    at(2026, 11, 27, 18, 5)
    sla_sweep()

    at(2026, 12, 1, 9, 30)
    reply(t2, bob)
    at(2026, 12, 1, 9, 45)
    solve(t2, bob)
    at(2026, 12, 1, 10, 0)
    reply(t1, ann)
    at(2026, 12, 1, 11, 0)
    solve(t1, ann)
    at(2026, 12, 1, 12, 0)
    rate(t1, "good", "Fixed quickly, thanks")
    at(2026, 12, 1, 18, 5)
    sla_sweep()

    at(2026, 12, 2, 10, 0)
    reply(t2, carla)  # reopens it
    at(2026, 12, 2, 10, 30)
    reply(t2, bob)
    at(2026, 12, 2, 11, 0)
    solve(t2, bob)
    at(2026, 12, 2, 12, 0)
    rate(t2, "bad", "Had to write again")

    at(2026, 12, 3, 17, 0)
    t4 = create("Password reset")
    at(2026, 12, 3, 18, 5)
    sla_sweep()
    at(2026, 12, 4, 18, 5)
    sla_sweep()

    at(2026, 12, 7, 9, 0)  # the Monday after: the range is over
    form = ReportFilterForm(
        {
            "preset": "custom",
            "start": "2026-11-23",
            "end": "2026-12-06",
            "interval": "week",
        },
        user=reader,
    )
    assert form.is_valid(), form.errors
    return {
        "reader": reader,
        "filters": form.filters(),
        "tickets": (t1, t2, t3, t4),
        "teams": (alpha, beta),
        "agents": (ann, bob),
    }


def test_the_stored_figures_of_each_ticket(story):
    t1, t2, t3, t4 = (fresh(ticket) for ticket in story["tickets"])
    # Fri 17:00 -> Tue 10:00: 60 business minutes on Friday, none on the
    # weekend or the holiday, 60 on Tuesday; 3 days 17 hours = 89 h = 5340 min.
    assert t1.first_reply_business_minutes == 120
    assert t1.first_reply_minutes == 5340
    # -> Tue 11:00: 60 + 120 business minutes; 90 h = 5400 min.
    assert t1.resolution_business_minutes == 180
    assert t1.resolution_minutes == 5400
    assert t2.first_reply_minutes == t2.first_reply_business_minutes == 30
    # Fri 14:00 -> Wed 11:00: 240 (Fri) + 0 (Mon) + 540 (Tue) + 120 (Wed) =
    # 900 business minutes; 4 days 21 hours = 117 h = 7020 min.
    assert t2.resolution_business_minutes == 900
    assert t2.resolution_minutes == 7020
    assert (t2.public_reply_count, t2.reopen_count) == (3, 1)
    assert t3.first_reply_minutes == t3.resolution_business_minutes == 20
    assert t4.first_reply_minutes is None
    assert t4.status == Ticket.Status.NEW


def test_speed(story):
    report = speed_report(story["reader"], story["filters"])

    # First replies in the range: T3 20, T2 30, T1 5340 calendar minutes.
    first = report.first_reply_calendar
    assert (first.count, first.median) == (3, 30)
    # rank (3 - 1) * 0.9 = 1.8: 30 + 0.8 * (5340 - 30) = 30 + 4248
    assert first.p90 == pytest.approx(4278)
    # Business: T3 20, T2 30, T1 120; 30 + 0.8 * (120 - 30) = 102.
    business = report.first_reply_business
    assert (business.count, business.median) == (3, 30)
    assert business.p90 == pytest.approx(102)
    # Solved in the range: T3 20, T1 5400, T2 7020 calendar minutes;
    # 5400 + 0.8 * (7020 - 5400) = 5400 + 1296.
    resolution = report.resolution_calendar
    assert (resolution.count, resolution.median) == (3, 5400)
    assert resolution.p90 == pytest.approx(6696)
    # Business: T3 20, T1 180, T2 900; 180 + 0.8 * (900 - 180) = 180 + 576.
    resolution = report.resolution_business
    assert (resolution.count, resolution.median) == (3, 180)
    assert resolution.p90 == pytest.approx(756)
    # One public reply: T1 and T3; T2 had three.
    assert (report.solved, report.one_touch) == (3, 2)
    assert report.one_touch_rate == pytest.approx(2 / 3)


def test_service_levels(story):
    report = service_level_report(story["reader"], story["filters"])

    assert [(row.target, row.achieved, row.breached) for row in report.targets] == [
        # met: T3 Mon 10:20 (due 11:00), T2 Fri 14:30 (due 15:00);
        # breached: T1 (swept Fri 18:05), T4 (swept Thu 18:05).
        ("first_response", 2, 2),
        # met: T2 Tue 09:30 (due Tue 10:00), T2 Wed 10:30 (due 12:00).
        ("next_response", 2, 0),
        # met: T3 Mon 10:20, T2 Tue 09:45, T1 Tue 11:00, T2 again Wed 11:00;
        # breached: T4 (swept Fri 4 Dec 18:05).
        ("resolution", 4, 1),
    ]
    assert report.targets[2].achieved_rate == pytest.approx(4 / 5)


def test_people(story):
    ann, bob = story["agents"]
    alpha, beta = story["teams"]
    report = people_report(story["reader"], story["filters"])

    def rows(table):
        return [
            (
                row.key,
                row.name,
                row.solved,
                row.replies,
                row.median_first_reply_minutes,
                row.good,
                row.bad,
            )
            for row in table
        ]

    reader = story["reader"]
    # Ann: solved T1 and T3, answered each once; first replies 20 and 5340
    # calendar minutes, median (20 + 5340) / 2 = 2680; both rated Good.
    # Bob: solved T2, answered it three times, first reply 30; rated Bad.
    # T4 (nobody's, no team) has no figures: no last row.
    assert rows(report.agents) == [
        (str(ann.pk), "Ann Agent", 2, 2, 2680, 2, 0),
        (str(bob.pk), "Bob Agent", 1, 3, 30, 0, 1),
        (str(reader.pk), "Zoe Admin", 0, 0, None, 0, 0),
    ]
    assert rows(report.teams) == [
        (str(alpha.pk), "Support / Alpha", 2, 2, 2680, 2, 0),
        (str(beta.pk), "Support / Beta", 1, 3, 30, 0, 1),
    ]


def test_satisfaction(story):
    t1, t2, _, _ = story["tickets"]
    report = satisfaction_report(story["reader"], story["filters"])

    # W1: T3 Good (Mon 23 Nov); W2: T1 Good (Tue 1 Dec), T2 Bad (Wed 2 Dec).
    assert [(point.bucket.label, point.good, point.bad) for point in report.points] == [
        ("23–29 Nov", 1, 0),
        ("30 Nov – 6 Dec", 1, 1),
    ]
    assert report.points[1].score == pytest.approx(1 / 2)
    assert (report.good, report.bad) == (2, 1)
    assert report.score == pytest.approx(2 / 3)  # 2 / (2 + 1)
    assert [
        (c.ticket_number, c.rating, c.comment, c.rated_at, c.requester_name)
        for c in report.comments
    ] == [
        (
            t2.number,
            "bad",
            "Had to write again",
            berlin(2026, 12, 2, 12),
            "Carla Customer",
        ),
        (
            t1.number,
            "good",
            "Fixed quickly, thanks",
            berlin(2026, 12, 1, 12),
            "Carla Customer",
        ),
    ]


def test_volume(story):
    report = volume_report(story["reader"], story["filters"])

    assert [
        (point.bucket.label, point.created, point.solved, point.reopened, point.backlog)
        for point in report.points
    ] == [
        # created T3, T2, T1; solved T3; unsolved at Mon 30 Nov 00:00: T1, T2.
        ("23–29 Nov", 3, 1, 0, 2),
        # created T4; solved T1 and T2 (its latest solve, Wed); T2 reopened
        # once; unsolved at Mon 7 Dec 00:00: T4.
        ("30 Nov – 6 Dec", 1, 2, 1, 1),
    ]
    assert (report.created, report.solved, report.reopened) == (4, 3, 1)
    assert (report.backlog_start, report.backlog_end) == (0, 1)
