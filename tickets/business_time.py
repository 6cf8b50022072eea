"""Business-time arithmetic for service-level targets.

An SLA says "first response within 4 business hours", so the engine has to add
and measure *open* time, not calendar time. This module is that arithmetic and
nothing else: standard library only (``holidays`` is imported lazily by
``tickets.public_holidays``), no Django, no database, no settings, so it can be
tested exhaustively and reused by services, tasks and reports alike.

The rules, decided once here so every caller agrees:

- Opening hours are local wall-clock times in the calendar's IANA timezone. An
  ``Interval`` belongs to the weekday on which it *starts*; when ``end <=
  start`` it runs past midnight into the next day, so ``start == end`` is a full
  24-hour shift and ``time(0)``-``time(0)`` is a whole day (a 24/7 calendar is
  seven of those, see ``Calendar.always_open``).
- A holiday closes the intervals that *start* on that local date. A shift that
  began the evening before runs on until it ends (Sunday 22:00-06:00 still
  works until 06:00 on a Monday holiday), and a shift that would start on the
  holiday evening does not open at all, not even after midnight.
- Business time is real elapsed time inside open periods. Across daylight
  saving changes an interval is as long as the clocks make it: containing the
  spring-forward gap it is an hour shorter, containing the repeated fall-back
  hour an hour longer. A boundary wall time that does not exist (spring gap)
  maps forward to the moment the clocks jump, the first moment the clock shows
  that time or later. A boundary that happens twice (fall back) opens at its
  first occurrence (``fold=0``) and closes at its last (``fold=1``), so a shift
  never loses any of the repeated hour.
- Open periods are half-open ``[opening, closing)``: the closing moment itself
  is closed. Every input must be timezone-aware; every output is aware UTC.
- Minutes are rounded to whole microseconds, the resolution of ``datetime``.
"""

import math
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "MAX_CLOSED_DAYS",
    "Calendar",
    "Interval",
    "add_business_minutes",
    "add_business_minutes_indexed",
    "business_minutes_between",
    "business_minutes_between_indexed",
    "is_open",
    "load_public_holidays",
    "next_open",
    "open_spans",
]

MAX_CLOSED_DAYS = 3653
"""How many consecutive closed days (about ten years) a forward search walks
before it gives up, so a calendar whose holidays cover years cannot hang it."""

_ONE_DAY = timedelta(days=1)
_ONE_MINUTE = timedelta(minutes=1)
_ONE_MICROSECOND = timedelta(microseconds=1)
_EPOCH = datetime(1970, 1, 1)
_LAST_MOMENT = datetime.max.replace(tzinfo=UTC)
_EPOCH_UTC = _EPOCH.replace(tzinfo=UTC)

Span = tuple[datetime, datetime]


@dataclass(frozen=True)
class Interval:
    """Opening hours within one weekday, in local wall-clock time.

    ``end <= start`` means the shift runs past midnight into the next day
    (22:00-06:00); ``start == end`` is therefore 24 hours, and
    ``time(0)``-``time(0)`` is the whole day.
    """

    start: time
    end: time

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            value = getattr(self, name)
            if not isinstance(value, time):
                raise ValueError(f"Interval.{name} must be a datetime.time")
            if value.tzinfo is not None:
                raise ValueError(
                    f"Interval.{name} must be a wall-clock time without tzinfo: "
                    "the calendar's timezone applies"
                )

    @property
    def crosses_midnight(self) -> bool:
        return self.end <= self.start


@dataclass(frozen=True)
class Calendar:
    """Weekly opening hours in one timezone, minus whole-day holidays.

    ``hours`` maps weekday (0 = Monday .. 6 = Sunday) to its intervals; a
    missing or empty weekday is closed. ``holidays`` are local dates on which
    no interval starts. Both are normalised to immutable values so a calendar
    can be shared and used as a cache key.
    """

    timezone: str
    hours: Mapping[int, tuple[Interval, ...]]
    holidays: frozenset[date] = frozenset()
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)
    _weekly: tuple[tuple[Interval, ...], ...] = field(
        init=False, repr=False, compare=False
    )
    # The open time of a window of days, precomputed (see _OpenTimeTable):
    # one mutable slot in an otherwise immutable value, replaced whole.
    _table: list = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            zone = ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError, TypeError, OSError) as error:
            raise ValueError(
                f"unknown timezone {self.timezone!r}: use an IANA name such as "
                "'Europe/Berlin'"
            ) from error
        if not isinstance(self.hours, Mapping):
            raise ValueError("hours must map weekday numbers to intervals")
        hours: dict[int, tuple[Interval, ...]] = {}
        for weekday, intervals in self.hours.items():
            if type(weekday) is not int or not 0 <= weekday <= 6:
                raise ValueError(
                    f"weekday keys must be 0 (Monday) to 6 (Sunday), got {weekday!r}"
                )
            intervals = tuple(intervals)
            for interval in intervals:
                if not isinstance(interval, Interval):
                    raise ValueError(
                        f"weekday {weekday} must hold Interval values, got {interval!r}"
                    )
            hours[weekday] = intervals
        holidays = frozenset(self.holidays)
        for day in holidays:
            if not isinstance(day, date) or isinstance(day, datetime):
                raise ValueError(f"holidays must be dates, got {day!r}")
        object.__setattr__(self, "hours", MappingProxyType(hours))
        object.__setattr__(self, "holidays", holidays)
        object.__setattr__(self, "_zone", zone)
        object.__setattr__(self, "_table", [None])
        # Sorted by wall-clock start, so each day's spans come out in order.
        object.__setattr__(
            self,
            "_weekly",
            tuple(
                tuple(sorted(hours.get(weekday, ()), key=_interval_order))
                for weekday in range(7)
            ),
        )

    def __hash__(self) -> int:
        return hash((self.timezone, tuple(sorted(self.hours.items())), self.holidays))

    @classmethod
    def always_open(cls, timezone: str = "UTC") -> "Calendar":
        """A 24/7 calendar: seven whole-day intervals and no holidays."""
        whole_day = (Interval(time(0), time(0)),)
        return cls(timezone=timezone, hours=dict.fromkeys(range(7), whole_day))

    @property
    def is_ever_open(self) -> bool:
        """Whether any weekday has hours at all (holidays aside): without them
        a forward search could only ever give up."""
        return any(self._weekly)


def _interval_order(interval: Interval) -> tuple[time, time]:
    return (interval.start, interval.end)


def open_spans(calendar: Calendar, start: datetime, end: datetime) -> Iterator[Span]:
    """The open periods within ``[start, end]`` as aware UTC pairs, in order,
    clipped to the bounds and merged where they touch or overlap."""
    start_utc = _as_utc(start, "start")
    end_utc = _as_utc(end, "end")
    if end_utc <= start_utc:
        return iter(())
    return _merged(_pieces(calendar, start_utc, end_utc))


def add_business_minutes(
    calendar: Calendar, start: datetime, minutes: int | float
) -> datetime:
    """The moment ``minutes`` of open time have passed after ``start``.

    This is the earliest such moment, so a deadline that uses up an open period
    exactly lands on its closing time rather than on the next opening. With
    ``minutes == 0`` it is ``start`` when ``start`` is open, otherwise the next
    opening: a clock that has not started yet starts when the desk opens.

    Raises ValueError for negative or non-finite minutes, a calendar that is
    never open, or one that stays closed for ``MAX_CLOSED_DAYS`` in a row.
    """
    start_utc = _as_utc(start, "start")
    remaining = _minutes_as_timedelta(minutes)
    _require_ever_open(calendar)
    if remaining > _LAST_MOMENT - start_utc:
        # Business time never runs faster than real time: no need to walk there.
        raise _past_the_last_date(minutes, start)
    try:
        for piece_start, piece_end in _pieces(calendar, start_utc, None):
            length = piece_end - piece_start
            if remaining <= length:
                return piece_start + remaining
            remaining -= length
    except OverflowError as error:
        raise _past_the_last_date(minutes, start) from error
    raise AssertionError("an endless walk over open time ended")


def business_minutes_between(
    calendar: Calendar, start: datetime, end: datetime
) -> float:
    """Real minutes of open time in ``[start, end]``; 0 when ``end <= start``."""
    start_utc = _as_utc(start, "start")
    end_utc = _as_utc(end, "end")
    if end_utc <= start_utc:
        return 0.0
    total = sum(
        (
            piece_end - piece_start
            for piece_start, piece_end in _pieces(calendar, start_utc, end_utc)
        ),
        timedelta(),
    )
    return total / _ONE_MINUTE


def add_business_minutes_indexed(
    calendar: Calendar, start: datetime, minutes: int | float
) -> datetime:
    """``add_business_minutes`` by a binary search over the calendar's open
    time, precomputed once for a window of days around the moments asked
    about, instead of a walk day by day: for sweeping many tickets.

    Same result to the microsecond, same errors. The window grows to cover
    new starts (up to ``TABLE_MAX_DAYS``, then moves); a deadline past its
    end is walked as before.
    """
    start_utc = _as_utc(start, "start")
    remaining = _minutes_as_timedelta(minutes)
    _require_ever_open(calendar)
    if remaining <= _LAST_MOMENT - start_utc:
        found = _table_for(calendar, start_utc).add(start_utc, remaining)
        if found is not None:
            return found
    return add_business_minutes(calendar, start, minutes)


def business_minutes_between_indexed(
    calendar: Calendar, start: datetime, end: datetime
) -> float:
    """``business_minutes_between`` by the calendar's precomputed open time
    (see ``add_business_minutes_indexed``); the same figure."""
    start_utc = _as_utc(start, "start")
    end_utc = _as_utc(end, "end")
    if end_utc <= start_utc:
        return 0.0
    found = _table_for(calendar, start_utc).between(start_utc, end_utc)
    if found is None:
        return business_minutes_between(calendar, start, end)
    return found


TABLE_DAYS_BEFORE = 21
"""How far before the first moment asked about a calendar's table begins."""
TABLE_MIN_DAYS = 120
"""How many days a table reaches past the latest moment asked about."""
TABLE_MAX_DAYS = 1100
"""The widest window a table grows to (about three years)."""

_table_lock = threading.Lock()


class _OpenTimeTable:
    """The open pieces of ``[first, last]`` as microseconds since the epoch,
    with the running total of open time at the end of each piece.

    Built by the same walk (``_pieces``) from ``first``: the pieces a walk
    from any later start meets are these, clipped at that start (the walk
    only ever trims a span to where open time was already counted), so
    adding and measuring by binary search give the walk's result exactly, in
    whole microseconds. Immutable once built; a wider one replaces it.
    """

    __slots__ = ("ends", "first", "last", "starts", "totals")

    def __init__(self, calendar: Calendar, first: datetime, last: datetime) -> None:
        self.first = first
        self.last = last
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.totals: list[int] = []
        total = 0
        # Walked two days further than trusted: the end of a walk to a bound
        # is never in doubt then, whatever order the last day's spans take.
        for piece_start, piece_end in _pieces(calendar, first, last + 2 * _ONE_DAY):
            start, end = _micros(piece_start), _micros(piece_end)
            total += end - start
            self.starts.append(start)
            self.ends.append(end)
            self.totals.append(total)

    def covers(self, moment: datetime) -> bool:
        return self.first <= moment <= self.last

    def _open_before(self, moment: int) -> tuple[int, int]:
        """(index of the first piece ending after ``moment``, open
        microseconds from ``first`` to ``moment``)."""
        index = bisect_right(self.ends, moment)
        before = self.totals[index - 1] if index else 0
        if index < len(self.starts) and self.starts[index] < moment:
            before += moment - self.starts[index]
        return index, before

    def add(self, start: datetime, remaining: timedelta) -> datetime | None:
        """The deadline, or None when it lies past this table."""
        if not self.covers(start):
            return None
        index, before = self._open_before(_micros(start))
        target = before + remaining // _ONE_MICROSECOND
        found = bisect_left(self.totals, target, index)
        if found == len(self.totals):
            return None
        deadline = _from_micros(self.ends[found] - (self.totals[found] - target))
        return deadline if deadline <= self.last else None

    def between(self, start: datetime, end: datetime) -> float | None:
        if not (self.covers(start) and self.covers(end)):
            return None
        open_time = self._open_before(_micros(end))[1]
        open_time -= self._open_before(_micros(start))[1]
        return open_time / (_ONE_MINUTE // _ONE_MICROSECOND)


class _Uncovered(_OpenTimeTable):
    """Stands in where no table may be built: every question is walked."""

    def __init__(self) -> None:
        self.first = _LAST_MOMENT
        self.last = datetime.min.replace(tzinfo=UTC)


def _table_for(calendar: Calendar, moment: datetime) -> _OpenTimeTable:
    """The calendar's table, grown to cover ``moment`` and ``TABLE_MIN_DAYS``
    after it, or built afresh around it when growing would make it wider than
    ``TABLE_MAX_DAYS``; an ``_Uncovered`` one at the ends of the calendar."""
    table = calendar._table[0]
    if table is not None and table.first <= moment <= table.last - _MIN_AHEAD:
        return table
    with _table_lock:
        table = calendar._table[0]
        if table is not None and table.first <= moment <= table.last - _MIN_AHEAD:
            return table
        try:
            first = moment - TABLE_DAYS_BEFORE * _ONE_DAY
            last = moment + TABLE_MIN_DAYS * _ONE_DAY
        except OverflowError:
            return _Uncovered()
        if table is not None:
            wider = (min(first, table.first), max(last, table.last))
            if wider[1] - wider[0] <= TABLE_MAX_DAYS * _ONE_DAY:
                first, last = wider
        try:
            table = _OpenTimeTable(calendar, first, last)
        except OverflowError:
            return _Uncovered()
        calendar._table[0] = table
        return table


_MIN_AHEAD = TABLE_MIN_DAYS // 2 * _ONE_DAY


def _micros(moment: datetime) -> int:
    return (moment - _EPOCH_UTC) // _ONE_MICROSECOND


def _from_micros(micros: int) -> datetime:
    return _EPOCH_UTC + timedelta(microseconds=micros)


def is_open(calendar: Calendar, moment: datetime) -> bool:
    """Whether ``moment`` falls in open time (a closing moment does not)."""
    moment_utc = _as_utc(moment, "moment")
    pieces = _pieces(calendar, moment_utc, moment_utc + _ONE_MICROSECOND)
    return next(pieces, None) is not None


def next_open(calendar: Calendar, moment: datetime) -> datetime:
    """``moment`` itself when open, otherwise the next opening, in UTC.

    Raises ValueError for a calendar that is never open or that stays closed
    for ``MAX_CLOSED_DAYS`` in a row.
    """
    return add_business_minutes(calendar, moment, 0)


def load_public_holidays(
    country: str, years: Iterable[int], subdivision: str | None = None
) -> frozenset[date]:
    """The dates of a country's public holidays, ready for
    ``Calendar.holidays``; see ``tickets.public_holidays`` for their names.
    Raises ValueError for an unknown country or subdivision."""
    from .public_holidays import public_holidays

    return frozenset(public_holidays(country, years, subdivision))


def _as_utc(value: datetime, name: str) -> datetime:
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value!r}")
    return value.astimezone(UTC)


def _minutes_as_timedelta(minutes: int | float) -> timedelta:
    if not isinstance(minutes, int | float):
        raise TypeError(f"minutes must be a number, got {type(minutes).__name__}")
    if not math.isfinite(minutes):
        raise ValueError(f"minutes must be finite, got {minutes!r}")
    if minutes < 0:
        raise ValueError(f"minutes must not be negative, got {minutes!r}")
    try:
        return timedelta(minutes=minutes)
    except OverflowError as error:
        raise ValueError(f"{minutes} minutes is too long to add") from error


def _past_the_last_date(minutes: int | float, start: datetime) -> ValueError:
    return ValueError(
        f"{minutes} business minutes after {start.isoformat()} is past the last "
        "date Python can represent"
    )


def _require_ever_open(calendar: Calendar) -> None:
    if not calendar.is_ever_open:
        raise ValueError("the calendar is never open")


def _pieces(
    calendar: Calendar, start: datetime, end: datetime | None
) -> Iterator[Span]:
    """Open time from ``start`` (to ``end``, or on and on when None) as disjoint
    UTC pieces in order; pieces may touch, callers that care merge them.

    Walks day by day through the local dates on which intervals start,
    beginning two days early so shifts that started before ``start`` (up to a
    DST-lengthened day) are seen. An endless walk raises ValueError after
    ``MAX_CLOSED_DAYS`` without open time.
    """
    zone = calendar._zone
    day = start.astimezone(zone).date() - 2 * _ONE_DAY
    last_day = None if end is None else end.astimezone(zone).date() + _ONE_DAY
    covered_until = start
    closed_days = 0
    while last_day is None or day <= last_day:
        spans = _day_spans(calendar, day)
        if spans:
            closed_days = 0
        else:
            closed_days += 1
            if last_day is None and closed_days > MAX_CLOSED_DAYS:
                raise ValueError(
                    f"the calendar is closed for more than {MAX_CLOSED_DAYS} days "
                    f"in a row from {day - MAX_CLOSED_DAYS * _ONE_DAY}"
                )
        for span_start, span_end in spans:
            if end is not None:
                if span_start >= end:
                    return
                span_end = min(span_end, end)
            span_start = max(span_start, covered_until)
            if span_end > span_start:
                yield span_start, span_end
                covered_until = span_end
        day += _ONE_DAY


def _day_spans(calendar: Calendar, day: date) -> list[Span]:
    """The UTC spans of the intervals that start on local date ``day``."""
    if day in calendar.holidays:
        return []
    intervals = calendar._weekly[day.weekday()]
    if not intervals:
        return []
    zone = calendar._zone
    spans = []
    for interval in intervals:
        end_day = day + _ONE_DAY if interval.crosses_midnight else day
        span_start = _wall_to_utc(datetime.combine(day, interval.start), zone, False)
        span_end = _wall_to_utc(datetime.combine(end_day, interval.end), zone, True)
        if span_end > span_start:
            spans.append((span_start, span_end))
    return spans


def _wall_to_utc(wall: datetime, zone: ZoneInfo, closing: bool) -> datetime:
    """The UTC instant of a local wall-clock boundary.

    A wall time in the spring-forward gap becomes the moment the clocks jump;
    one in the repeated fall-back hour is its first occurrence for an opening
    and its last for a closing.
    """
    before = wall.replace(tzinfo=zone, fold=0).utcoffset()
    after = wall.replace(tzinfo=zone, fold=1).utcoffset()
    naive = wall.replace(fold=0)
    if before == after:
        return (naive - before).replace(tzinfo=UTC)
    if before > after:
        return (naive - (after if closing else before)).replace(tzinfo=UTC)
    return _transition(zone, naive - after, naive - before, before)


def _transition(
    zone: ZoneInfo, low: datetime, high: datetime, offset_before: timedelta
) -> datetime:
    """The UTC moment in ``(low, high]`` (naive UTC) at which ``zone`` leaves
    ``offset_before``. Transitions fall on whole seconds, so a binary search over
    seconds finds it; it runs only for boundaries inside a spring-forward gap."""
    low_second = math.floor((low - _EPOCH).total_seconds())
    high_second = math.ceil((high - _EPOCH).total_seconds())
    while high_second - low_second > 1:
        middle = (low_second + high_second) // 2
        moment = (_EPOCH + timedelta(seconds=middle)).replace(tzinfo=UTC)
        if moment.astimezone(zone).utcoffset() == offset_before:
            low_second = middle
        else:
            high_second = middle
    return (_EPOCH + timedelta(seconds=high_second)).replace(tzinfo=UTC)


def _merged(pieces: Iterable[Span]) -> Iterator[Span]:
    """Join ordered, disjoint pieces that touch into one span."""
    current: Span | None = None
    for piece in pieces:
        if current is not None and piece[0] <= current[1]:
            current = (current[0], max(current[1], piece[1]))
            continue
        if current is not None:
            yield current
        current = piece
    if current is not None:
        yield current
