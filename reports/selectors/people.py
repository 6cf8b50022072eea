"""People: per agent and per team."""

from collections import Counter, defaultdict

from django.db.models import Count

from accounts.models import User
from organizations.models import Team
from reports.filters import ReportFilters, report_tickets
from tickets.models import SatisfactionRating, TicketEvent

from .common import related_ticket_condition
from .results import PeopleReport, PersonRow
from .speed import percentile

AGENT_ROLES = [User.Role.AGENT, User.Role.ADMIN]
GOOD, BAD = SatisfactionRating.Rating.GOOD, SatisfactionRating.Rating.BAD


class _Figures:
    """What one row adds up while the queries' results are read."""

    def __init__(self) -> None:
        self.solved = Counter()
        self.replies = Counter()
        self.good = Counter()
        self.bad = Counter()
        self.first_replies = defaultdict(list)

    def with_figures(self) -> set[str]:
        return {
            *self.solved,
            *self.replies,
            *self.good,
            *self.bad,
            *self.first_replies,
        }

    def row(self, key: str, name: str) -> PersonRow:
        return PersonRow(
            key=key,
            name=name,
            solved=self.solved[key],
            replies=self.replies[key],
            median_first_reply_minutes=percentile(self.first_replies.get(key, []), 0.5),
            good=self.good[key],
            bad=self.bad[key],
        )


def _key(pk: object) -> str:
    return "" if pk is None else str(pk)


def people_report(user: User, filters: ReportFilters) -> PeopleReport:
    """Per agent (by the ticket's assignee) and per team (by the ticket's
    team): tickets solved in the range, public replies written in it (by the
    agent; for a team, by any agent on its tickets), the median first reply
    time of tickets first answered in it, and the Good / Bad ratings given in
    it. Every active agent and every team has a row, zeros included, sorted by
    name; tickets with no assignee or team are a last row with key "".

    The median is in calendar minutes (``first_reply_minutes``). An inactive
    agent gets a row only when they have figures in the range; the last row
    only when it has any. Six queries, whatever the number of people (a
    seventh names assignees who are no longer agents)."""
    tickets = report_tickets(user, filters)
    scope = related_ticket_condition(user, filters)
    agents, teams = _Figures(), _Figures()
    # Everyone who is or was an agent: their replies are the ones counted.
    staff = {
        str(pk): (full_name or email, is_active)
        for pk, full_name, email, is_active in User.objects.filter(
            role__in=AGENT_ROLES
        ).values_list("pk", "full_name", "email", "is_active")
    }

    solved = (
        tickets.filter(solved_at__gte=filters.start, solved_at__lt=filters.end)
        .values("assignee_id", "team_id")
        .annotate(total=Count("pk"))
    )
    for row in solved:
        agents.solved[_key(row["assignee_id"])] += row["total"]
        teams.solved[_key(row["team_id"])] += row["total"]

    answered = tickets.filter(
        first_response_at__gte=filters.start,
        first_response_at__lt=filters.end,
        first_reply_minutes__isnull=False,
    ).values_list("assignee_id", "team_id", "first_reply_minutes")
    for assignee_id, team_id, minutes in answered:
        agents.first_replies[_key(assignee_id)].append(minutes)
        teams.first_replies[_key(team_id)].append(minutes)

    replies = (
        TicketEvent.objects.filter(
            scope,
            kind=TicketEvent.Kind.REPLY,
            created_at__gte=filters.start,
            created_at__lt=filters.end,
        )
        .order_by()
        .values("actor_id", "ticket__team_id")
        .annotate(total=Count("pk"))
    )
    # Customers' replies are dropped here, not in the query: a condition on
    # the author makes SQLite walk the agents' replies of all time by the
    # actor index instead of the range's by the date one.
    for row in replies:
        if _key(row["actor_id"]) not in staff:
            continue
        agents.replies[_key(row["actor_id"])] += row["total"]
        teams.replies[_key(row["ticket__team_id"])] += row["total"]

    ratings = (
        SatisfactionRating.objects.filter(
            scope, rated_at__gte=filters.start, rated_at__lt=filters.end
        )
        .order_by()
        .values("ticket__assignee_id", "ticket__team_id", "rating")
        .annotate(total=Count("pk"))
    )
    for row in ratings:
        counter = {GOOD: "good", BAD: "bad"}.get(row["rating"])
        if counter is None:
            continue
        getattr(agents, counter)[_key(row["ticket__assignee_id"])] += row["total"]
        getattr(teams, counter)[_key(row["ticket__team_id"])] += row["total"]

    with_figures = agents.with_figures() - {""}
    names = {key: name for key, (name, active) in staff.items() if active}
    names.update((key, staff[key][0]) for key in with_figures if key in staff)
    if unknown := with_figures - set(staff):
        names.update(
            (str(pk), full_name or email)
            for pk, full_name, email in User.objects.filter(
                pk__in=list(unknown)
            ).values_list("pk", "full_name", "email")
        )
    agent_rows = sorted(
        (agents.row(key, name) for key, name in names.items()), key=_by_name
    )
    if "" in agents.with_figures():
        agent_rows.append(agents.row("", "Unassigned"))

    team_rows = sorted(
        (
            teams.row(str(pk), f"{department} / {name}")
            for pk, name, department in Team.objects.values_list(
                "pk", "name", "department__name"
            )
        ),
        key=_by_name,
    )
    if "" in teams.with_figures():
        team_rows.append(teams.row("", "No team"))
    return PeopleReport(agents=agent_rows, teams=team_rows)


def _by_name(row: PersonRow) -> tuple[str, str]:
    return (row.name.casefold(), row.key)
