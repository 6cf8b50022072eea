"""The shapes the report selectors return (plain data: the pages, the CSV
writer and the API schemas read the same fields). Durations are minutes as
floats; rates are fractions from 0 to 1, or None when nothing was counted."""

from dataclasses import dataclass
from datetime import datetime

from reports.filters import Bucket


@dataclass(frozen=True)
class VolumePoint:
    bucket: Bucket
    created: int
    solved: int
    reopened: int
    backlog: int  # tickets unsolved at the bucket's end


@dataclass(frozen=True)
class VolumeReport:
    points: list[VolumePoint]
    created: int
    solved: int
    reopened: int
    backlog_start: int  # unsolved when the range began
    backlog_end: int  # unsolved when it ended (or now, for a range ending today)


@dataclass(frozen=True)
class Distribution:
    count: int
    median: float | None
    p90: float | None


@dataclass(frozen=True)
class SpeedReport:
    first_reply_calendar: Distribution
    first_reply_business: Distribution
    resolution_calendar: Distribution
    resolution_business: Distribution
    solved: int
    one_touch: int
    one_touch_rate: float | None


@dataclass(frozen=True)
class TargetOutcome:
    target: str  # an SLANotice.Target value: first_response, next_response, resolution
    label: str
    achieved: int
    breached: int

    @property
    def total(self) -> int:
        return self.achieved + self.breached

    @property
    def achieved_rate(self) -> float | None:
        return self.achieved / self.total if self.total else None

    @property
    def breached_rate(self) -> float | None:
        return self.breached / self.total if self.total else None


@dataclass(frozen=True)
class ServiceLevelReport:
    targets: list[TargetOutcome]


@dataclass(frozen=True)
class PersonRow:
    key: str  # the agent's or team's primary key as text; "" for none
    name: str
    solved: int
    replies: int
    median_first_reply_minutes: float | None
    good: int
    bad: int

    @property
    def csat(self) -> float | None:
        rated = self.good + self.bad
        return self.good / rated if rated else None


@dataclass(frozen=True)
class PeopleReport:
    agents: list[PersonRow]
    teams: list[PersonRow]


@dataclass(frozen=True)
class SatisfactionPoint:
    bucket: Bucket
    good: int
    bad: int

    @property
    def score(self) -> float | None:
        rated = self.good + self.bad
        return self.good / rated if rated else None


@dataclass(frozen=True)
class SatisfactionComment:
    ticket_number: int
    subject: str
    rating: str
    comment: str
    rated_at: datetime
    requester_name: str


@dataclass(frozen=True)
class SatisfactionReport:
    points: list[SatisfactionPoint]
    good: int
    bad: int
    comments: list[SatisfactionComment]  # newest first

    @property
    def score(self) -> float | None:
        rated = self.good + self.bad
        return self.good / rated if rated else None
