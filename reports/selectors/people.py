"""People: per agent and per team."""

from accounts.models import User
from reports.filters import ReportFilters

from .results import PeopleReport


def people_report(user: User, filters: ReportFilters) -> PeopleReport:
    """Per agent (by the ticket's assignee) and per team (by the ticket's
    team): tickets solved in the range, public replies written in it (by the
    agent; for a team, by any agent on its tickets), the median first reply
    time of tickets first answered in it, and the Good / Bad ratings given in
    it. Every active agent and every team has a row, zeros included, sorted by
    name; tickets with no assignee or team are a last row with key ""."""
    raise NotImplementedError
