"""Volume: tickets created, solved and reopened, and the unsolved backlog."""

from accounts.models import User
from reports.filters import ReportFilters

from .results import VolumeReport


def volume_report(user: User, filters: ReportFilters) -> VolumeReport:
    """Per bucket of ``filters.buckets()``:

    - created: tickets whose ``created_at`` falls in the bucket;
    - solved: tickets whose ``solved_at`` (their latest solve) falls in it; a
      ticket reopened and not solved again is not counted;
    - reopened: status events from solved back to an unsolved status in it
      (a ticket reopened twice counts twice);
    - backlog: tickets unsolved at the bucket's end: created before it and
      neither solved nor closed (``solved_at`` / ``closed_at``) before it.
    """
    raise NotImplementedError
