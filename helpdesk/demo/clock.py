"""A clock for writing the demo's history through the real services.

The demo plays each ticket's story with the same services people use
(opening, replying, assigning, solving), so the SLA verdicts, paused time,
first-response and solved times are the ones those services compute. They
would all read the wall clock and happen within a millisecond; inside
``history_clock`` they read this clock instead, which the story moves forward
step by step, so every row is written at the moment it happened.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.db.models.signals import pre_save
from django.utils import timezone


class HistoryClock:
    """The moment the story has reached; never later than ``latest``."""

    def __init__(self, start: datetime, latest: datetime) -> None:
        self.moment = start
        self.latest = latest

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, minutes: float) -> datetime:
        moment = self.moment + timedelta(minutes=minutes)
        if minutes < 0:
            raise ValueError("A story's time only runs forward.")
        if moment > self.latest:
            raise ValueError(f"The story would run past {self.latest}.")
        self.moment = moment
        return moment


@contextmanager
def history_clock(start: datetime, latest: datetime) -> Iterator[HistoryClock]:
    """Within the block, ``timezone.now()`` (the services, ``auto_now``,
    ``auto_now_add``) and every new row's ``default=timezone.now`` field read
    the returned clock. For a management command's own process only: the
    clock is global while the block runs."""
    clock = HistoryClock(start, latest)
    wall_clock = timezone.now

    def stamp_new_row(sender, instance, raw=False, **kwargs) -> None:
        # Model defaults hold the real function, read when the row was built.
        if raw or not instance._state.adding:
            return
        for field in instance._meta.concrete_fields:
            if field.default is wall_clock:
                setattr(instance, field.attname, clock.moment)

    timezone.now = clock
    pre_save.connect(stamp_new_row, weak=False, dispatch_uid="demo-history-clock")
    try:
        yield clock
    finally:
        pre_save.disconnect(dispatch_uid="demo-history-clock")
        timezone.now = wall_clock
