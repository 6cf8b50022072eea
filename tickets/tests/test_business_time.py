"""Business-time arithmetic: scenarios people will recognise, the daylight
saving edge cases, and properties that must hold for any calendar.

Pure functions only: no database, so no ``django_db`` marker.
"""

import bisect
import math
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tickets import business_time
from tickets.business_time import (
    MAX_CLOSED_DAYS,
    Calendar,
    Interval,
    add_business_minutes,
    add_business_minutes_indexed,
    business_minutes_between,
    business_minutes_between_indexed,
    is_open,
    load_public_holidays,
    next_open,
    open_spans,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")
ONE_MICROSECOND = timedelta(microseconds=1)


def at(zone: ZoneInfo, *parts: int, fold: int = 0) -> datetime:
    """The instant a local wall clock shows, as UTC.

    Expected values are compared in UTC because PEP 495 makes an ambiguous or
    imaginary local time unequal to every datetime in another zone, and adding
    a timedelta to a local datetime moves the wall clock, not real time.
    """
    return datetime(*parts, tzinfo=zone, fold=fold).astimezone(UTC)


def weekdays(*intervals: Interval, days: range = range(5)) -> dict:
    return dict.fromkeys(days, intervals)


def hours(start: str, end: str) -> Interval:
    return Interval(time.fromisoformat(start), time.fromisoformat(end))


OFFICE = Calendar("Europe/Berlin", weekdays(hours("09:00", "18:00")))


def minutes(calendar: Calendar, start: datetime, end: datetime) -> float:
    return business_minutes_between(calendar, start, end)


# --- Office hours -----------------------------------------------------------


def test_friday_evening_ticket_is_due_monday_morning():
    due = add_business_minutes(OFFICE, at(BERLIN, 2026, 3, 6, 17, 55), 60)
    assert due == at(BERLIN, 2026, 3, 9, 9, 55)
    assert due.tzinfo is UTC


def test_monday_holiday_pushes_the_deadline_to_tuesday():
    whit_monday = date(2026, 5, 25)
    calendar = Calendar("Europe/Berlin", OFFICE.hours, frozenset({whit_monday}))

    due = add_business_minutes(calendar, at(BERLIN, 2026, 5, 22, 17, 55), 60)

    assert due == at(BERLIN, 2026, 5, 26, 9, 55)
    assert not is_open(calendar, at(BERLIN, 2026, 5, 25, 12))
    assert minutes(calendar, at(BERLIN, 2026, 5, 22), at(BERLIN, 2026, 5, 27)) == (
        2 * 9 * 60
    )


def test_a_deadline_that_uses_up_the_day_lands_on_closing_time():
    due = add_business_minutes(OFFICE, at(BERLIN, 2026, 3, 10, 9), 9 * 60)
    assert due == at(BERLIN, 2026, 3, 10, 18)
    assert not is_open(OFFICE, due)


def test_split_shift_skips_lunch():
    calendar = Calendar(
        "Europe/Berlin", weekdays(hours("09:00", "12:00"), hours("13:00", "17:00"))
    )
    tuesday = (2026, 3, 10)

    assert add_business_minutes(calendar, at(BERLIN, *tuesday, 11, 30), 60) == at(
        BERLIN, *tuesday, 13, 30
    )
    assert minutes(calendar, at(BERLIN, *tuesday, 0), at(BERLIN, *tuesday, 23)) == 420
    assert not is_open(calendar, at(BERLIN, *tuesday, 12, 30))
    assert next_open(calendar, at(BERLIN, *tuesday, 12, 30)) == at(BERLIN, *tuesday, 13)
    assert list(
        open_spans(calendar, at(BERLIN, *tuesday, 10), at(BERLIN, *tuesday, 14))
    ) == [
        (at(BERLIN, *tuesday, 10), at(BERLIN, *tuesday, 12)),
        (at(BERLIN, *tuesday, 13), at(BERLIN, *tuesday, 14)),
    ]


def test_calendar_in_another_zone_than_the_input_counts_instants():
    start_in_tokyo = at(BERLIN, 2026, 3, 6, 17, 55).astimezone(ZoneInfo("Asia/Tokyo"))
    assert add_business_minutes(OFFICE, start_in_tokyo, 60) == at(
        BERLIN, 2026, 3, 9, 9, 55
    )


# --- Zero minutes and the edges of open time ---------------------------------


def test_zero_minutes_inside_open_time_is_the_start_itself():
    start = at(BERLIN, 2026, 3, 10, 11, 17, 3, 5)
    assert add_business_minutes(OFFICE, start, 0) == start
    assert next_open(OFFICE, start) == start


def test_zero_minutes_in_closed_time_is_the_next_opening():
    saturday = at(BERLIN, 2026, 3, 7, 12)
    assert add_business_minutes(OFFICE, saturday, 0) == at(BERLIN, 2026, 3, 9, 9)


def test_closing_moment_is_closed_and_opening_moment_is_open():
    assert is_open(OFFICE, at(BERLIN, 2026, 3, 10, 9))
    assert is_open(OFFICE, at(BERLIN, 2026, 3, 10, 17, 59, 59, 999999))
    assert not is_open(OFFICE, at(BERLIN, 2026, 3, 10, 18))
    assert add_business_minutes(OFFICE, at(BERLIN, 2026, 3, 10, 18), 0) == at(
        BERLIN, 2026, 3, 11, 9
    )


def test_fractional_minutes_are_real_seconds():
    due = add_business_minutes(OFFICE, at(BERLIN, 2026, 3, 10, 9), 1.5)
    assert due == at(BERLIN, 2026, 3, 10, 9, 1, 30)


def test_empty_range_has_no_business_time():
    start = at(BERLIN, 2026, 3, 10, 10)
    assert minutes(OFFICE, start, start) == 0
    assert minutes(OFFICE, start, start - timedelta(hours=1)) == 0
    assert list(open_spans(OFFICE, start, start - timedelta(hours=1))) == []


# --- Shifts past midnight -------------------------------------------------------


NIGHTS = Calendar("Europe/Berlin", weekdays(hours("22:00", "06:00"), days=range(7)))


def test_overnight_shift_runs_into_the_next_day():
    assert is_open(NIGHTS, at(BERLIN, 2026, 3, 11, 3))
    assert not is_open(NIGHTS, at(BERLIN, 2026, 3, 11, 6))
    due = add_business_minutes(NIGHTS, at(BERLIN, 2026, 3, 11, 5), 120)
    assert due == at(BERLIN, 2026, 3, 11, 23)


def test_shift_before_a_holiday_still_works_until_it_ends():
    """The holiday closes the shift that starts on it, not the one that began
    the evening before: Sunday's night shift still runs until Monday 06:00."""
    calendar = Calendar("Europe/Berlin", NIGHTS.hours, frozenset({date(2026, 5, 25)}))
    sunday_night = at(BERLIN, 2026, 5, 24, 23)

    assert is_open(calendar, at(BERLIN, 2026, 5, 25, 5, 59))
    assert add_business_minutes(calendar, sunday_night, 7 * 60) == at(
        BERLIN, 2026, 5, 25, 6
    )
    # Monday evening's shift never opens, not even after midnight.
    assert not is_open(calendar, at(BERLIN, 2026, 5, 25, 23))
    assert not is_open(calendar, at(BERLIN, 2026, 5, 26, 3))
    assert add_business_minutes(calendar, sunday_night, 7 * 60 + 1) == at(
        BERLIN, 2026, 5, 26, 22, 1
    )


def test_friday_night_shift_ends_saturday_morning_then_the_weekend_is_closed():
    calendar = Calendar("Europe/Berlin", weekdays(hours("22:00", "06:00")))

    assert is_open(calendar, at(BERLIN, 2026, 3, 7, 5, 59))
    assert not is_open(calendar, at(BERLIN, 2026, 3, 8, 23))
    due = add_business_minutes(calendar, at(BERLIN, 2026, 3, 7, 5), 120)
    assert due == at(BERLIN, 2026, 3, 9, 23)


def test_touching_and_overlapping_intervals_merge_into_one_span():
    calendar = Calendar(
        "UTC",
        {
            0: (hours("22:00", "06:00"), hours("20:00", "23:00")),
            1: (hours("06:00", "14:00"), hours("08:00", "09:00")),
        },
    )
    spans = list(
        open_spans(calendar, at(UTC, 2026, 3, 9, 21), at(UTC, 2026, 3, 10, 13))
    )
    assert spans == [(at(UTC, 2026, 3, 9, 21), at(UTC, 2026, 3, 10, 13))]
    assert minutes(calendar, at(UTC, 2026, 3, 9), at(UTC, 2026, 3, 11)) == 18 * 60


# --- 24/7 -----------------------------------------------------------------------


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin", "America/New_York"])
@pytest.mark.parametrize("added", [0, 1, 59.5, 24 * 60, 90 * 24 * 60 + 7])
def test_always_open_is_plain_timedelta(zone, added):
    calendar = Calendar.always_open(zone)
    start = at(BERLIN, 2026, 3, 28, 21, 13, 5)

    due = add_business_minutes(calendar, start, added)

    assert due == start + timedelta(minutes=added)
    assert minutes(calendar, start, due) == pytest.approx(added, abs=1e-9)


def test_always_open_is_one_span():
    calendar = Calendar.always_open("Europe/Berlin")
    start, end = at(UTC, 2026, 1, 1), at(UTC, 2027, 1, 1)
    assert list(open_spans(calendar, start, end)) == [(start, end)]


# --- Daylight saving time ---------------------------------------------------


SUNDAY_ALL_DAY = {6: (hours("00:00", "00:00"),)}


@pytest.mark.parametrize(
    ("zone", "sunday", "real_hours"),
    [
        (BERLIN, date(2026, 3, 29), 23),
        (BERLIN, date(2026, 10, 25), 25),
        (NEW_YORK, date(2026, 3, 8), 23),
        (NEW_YORK, date(2026, 11, 1), 25),
        (LORD_HOWE, date(2026, 10, 4), 23.5),
        (LORD_HOWE, date(2026, 4, 5), 24.5),
        (BERLIN, date(2026, 3, 22), 24),
    ],
)
def test_a_whole_local_day_lasts_as_long_as_the_clocks_say(zone, sunday, real_hours):
    calendar = Calendar(zone.key, SUNDAY_ALL_DAY)
    week_before = datetime.combine(sunday - timedelta(days=6), time(), zone)
    week_after = datetime.combine(sunday + timedelta(days=6), time(), zone)

    assert minutes(calendar, week_before, week_after) == real_hours * 60
    [(opens, closes)] = open_spans(calendar, week_before, week_after)
    assert opens == datetime.combine(sunday, time(), zone).astimezone(UTC)
    next_day = sunday + timedelta(days=1)
    assert closes == datetime.combine(next_day, time(), zone).astimezone(UTC)


def test_new_york_fall_back_shift_from_one_to_four_is_four_real_hours():
    calendar = Calendar("America/New_York", {6: (hours("01:00", "04:00"),)})
    fall_back = date(2026, 11, 1)

    spans = list(open_spans(calendar, at(UTC, 2026, 10, 31), at(UTC, 2026, 11, 2)))

    # 01:00 happens twice; the shift opens at the first one (EDT, UTC-4).
    assert spans == [(at(UTC, 2026, 11, 1, 5), at(UTC, 2026, 11, 1, 9))]
    assert minutes(calendar, at(UTC, 2026, 10, 31), at(UTC, 2026, 11, 2)) == 240
    assert is_open(calendar, at(NEW_YORK, 2026, 11, 1, 1, 30, fold=1))
    ordinary = datetime.combine(fall_back + timedelta(days=7), time(), NEW_YORK)
    assert minutes(calendar, ordinary, ordinary + timedelta(days=1)) == 180


@pytest.mark.parametrize(
    ("zone", "sunday"), [(BERLIN, date(2026, 3, 29)), (NEW_YORK, date(2026, 3, 8))]
)
def test_a_shift_containing_the_spring_gap_is_an_hour_shorter(zone, sunday):
    calendar = Calendar(zone.key, {6: (hours("01:00", "04:00"),)})
    day = datetime.combine(sunday, time(), zone)
    assert minutes(calendar, day, day + timedelta(days=1)) == 120
    week_later = day + timedelta(days=7)
    assert minutes(calendar, week_later, week_later + timedelta(days=1)) == 180


def test_an_opening_time_inside_the_spring_gap_opens_when_the_clocks_jump():
    calendar = Calendar("Europe/Berlin", {6: (hours("02:30", "05:00"),)})
    [(opens, closes)] = open_spans(calendar, at(UTC, 2026, 3, 28), at(UTC, 2026, 3, 30))
    assert opens == at(BERLIN, 2026, 3, 29, 3)
    assert closes == at(BERLIN, 2026, 3, 29, 5)


def test_a_shift_entirely_inside_the_spring_gap_does_not_happen():
    calendar = Calendar("Europe/Berlin", {6: (hours("02:00", "02:30"),)})
    gap_day = at(BERLIN, 2026, 3, 29)
    assert minutes(calendar, gap_day, gap_day + timedelta(days=1)) == 0
    assert next_open(calendar, gap_day) == at(BERLIN, 2026, 4, 5, 2)


def test_ambiguous_boundaries_open_first_and_close_last():
    """On the fall-back night an opening at 02:30 is the first 02:30 (CEST)
    and a closing at 02:30 the second (CET): the shift keeps the whole
    repeated hour."""
    opening = Calendar("Europe/Berlin", {6: (hours("02:30", "05:00"),)})
    closing = Calendar("Europe/Berlin", {6: (hours("00:00", "02:30"),)})
    window = (at(UTC, 2026, 10, 24), at(UTC, 2026, 10, 26))

    assert list(open_spans(opening, *window)) == [
        (at(BERLIN, 2026, 10, 25, 2, 30, fold=0), at(BERLIN, 2026, 10, 25, 5))
    ]
    assert list(open_spans(closing, *window)) == [
        (at(BERLIN, 2026, 10, 25), at(BERLIN, 2026, 10, 25, 2, 30, fold=1))
    ]
    assert minutes(opening, *window) == 210
    assert minutes(closing, *window) == 210


def test_an_overnight_shift_closing_in_the_repeated_hour_runs_to_the_second_one():
    calendar = Calendar("America/New_York", {5: (hours("01:00", "01:00"),)})
    [(opens, closes)] = open_spans(
        calendar, at(UTC, 2026, 10, 30), at(UTC, 2026, 11, 3)
    )
    assert opens == at(NEW_YORK, 2026, 10, 31, 1)
    assert closes == at(NEW_YORK, 2026, 11, 1, 1, fold=1)
    assert (closes - opens) == timedelta(hours=25)


def test_office_hours_across_the_dst_weekend_keep_their_wall_clock_times():
    spring = add_business_minutes(OFFICE, at(BERLIN, 2026, 3, 27, 17, 55), 60)
    autumn = add_business_minutes(OFFICE, at(BERLIN, 2026, 10, 23, 17, 55), 60)
    assert spring == at(BERLIN, 2026, 3, 30, 9, 55)
    assert autumn == at(BERLIN, 2026, 10, 26, 9, 55)


def test_a_day_of_minutes_on_a_24_7_calendar_is_24_real_hours_across_spring():
    calendar = Calendar.always_open("Europe/Berlin")
    due = add_business_minutes(calendar, at(BERLIN, 2026, 3, 28, 12), 24 * 60)
    assert due == at(BERLIN, 2026, 3, 29, 13)


# --- Holidays at scale and the search cap -----------------------------------


def test_years_of_holidays_are_skipped():
    three_years = (date(2029, 1, 1) - date(2026, 1, 1)).days
    closed = frozenset(date(2026, 1, 1) + timedelta(days=n) for n in range(three_years))
    calendar = Calendar("Europe/Berlin", OFFICE.hours, closed)
    due = add_business_minutes(calendar, at(BERLIN, 2026, 1, 1), 1)
    assert due == at(BERLIN, 2029, 1, 1, 9, 1)


def days_looked_at():
    """Count the local days the walk over open time looks at."""
    return mock.patch.object(
        business_time, "_day_spans", wraps=business_time._day_spans
    )


def test_a_calendar_closed_for_more_than_ten_years_gives_up_after_ten_years():
    closed = frozenset(
        date(2026, 1, 1) + timedelta(days=n) for n in range(MAX_CLOSED_DAYS + 10)
    )
    calendar = Calendar("Europe/Berlin", OFFICE.hours, closed)
    with days_looked_at() as days:
        with pytest.raises(ValueError, match="closed for more than"):
            add_business_minutes(calendar, at(BERLIN, 2026, 1, 1), 1)
        with pytest.raises(ValueError, match="closed for more than"):
            next_open(calendar, at(BERLIN, 2026, 1, 1))
    # Two walks, each from two days early to one day past the limit.
    assert days.call_count <= 2 * (MAX_CLOSED_DAYS + 3), days.call_count


def test_adding_thirty_business_days_walks_each_day_once_with_many_holidays():
    """30 business days of nine hours walk about 60 calendar days: each looked
    at once, a holiday by one lookup in a set (never a scan of the list of a
    few hundred holidays), an open day by converting its two wall-clock ends.
    """
    holidays = [date(2020, 1, 7) + timedelta(days=11 * n) for n in range(400)]
    calendar = Calendar("Europe/Berlin", OFFICE.hours, holidays)
    assert isinstance(calendar.holidays, frozenset)
    start = at(BERLIN, 2026, 3, 6, 17, 55)
    with (
        days_looked_at() as days,
        mock.patch.object(
            business_time, "_wall_to_utc", wraps=business_time._wall_to_utc
        ) as conversions,
    ):
        due = add_business_minutes(calendar, start, 30 * 9 * 60)
    # From two days before the start (a shift may have begun then) to the due
    # date, both included.
    days_walked = (due.date() - start.date()).days + 3

    assert minutes(calendar, start, due) == 30 * 9 * 60
    assert days.call_count <= days_walked, (days.call_count, days_walked)
    assert conversions.call_count <= 2 * days.call_count


# --- Validation -------------------------------------------------------------


NAIVE = datetime(2026, 3, 10, 10)
AWARE = at(BERLIN, 2026, 3, 10, 10)


@pytest.mark.parametrize(
    "call",
    [
        lambda: add_business_minutes(OFFICE, NAIVE, 5),
        lambda: business_minutes_between(OFFICE, NAIVE, AWARE),
        lambda: business_minutes_between(OFFICE, AWARE, NAIVE),
        lambda: open_spans(OFFICE, NAIVE, AWARE),
        lambda: open_spans(OFFICE, AWARE, NAIVE),
        lambda: is_open(OFFICE, NAIVE),
        lambda: next_open(OFFICE, NAIVE),
    ],
)
def test_naive_datetimes_are_refused(call):
    with pytest.raises(ValueError, match="timezone-aware"):
        call()


@pytest.mark.parametrize("bad", [-1, -0.001, math.nan, math.inf, 1e300])
def test_negative_or_unusable_minutes_are_refused(bad):
    with pytest.raises(ValueError, match="minutes"):
        add_business_minutes(OFFICE, AWARE, bad)


def test_minutes_beyond_the_last_representable_date_are_refused_at_once():
    with days_looked_at() as days, pytest.raises(ValueError, match="last date"):
        add_business_minutes(Calendar.always_open(), AWARE, 8000 * 366 * 24 * 60)
    assert not days.called, "refused before walking a single day"


@pytest.mark.parametrize("hours_by_day", [{}, {0: (), 3: ()}])
def test_a_calendar_that_is_never_open(hours_by_day):
    calendar = Calendar("UTC", hours_by_day)
    with pytest.raises(ValueError, match="the calendar is never open"):
        add_business_minutes(calendar, AWARE, 10)
    with pytest.raises(ValueError, match="the calendar is never open"):
        next_open(calendar, AWARE)
    assert not is_open(calendar, AWARE)
    assert minutes(calendar, AWARE, AWARE + timedelta(days=30)) == 0
    assert list(open_spans(calendar, AWARE, AWARE + timedelta(days=30))) == []


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "", "../etc/passwd", "utc"])
def test_unknown_timezone_is_refused(zone):
    with pytest.raises(ValueError, match="unknown timezone"):
        Calendar(zone, {})


@pytest.mark.parametrize("weekday", [7, -1, "0", 1.0, True])
def test_weekday_keys_must_be_zero_to_six(weekday):
    with pytest.raises(ValueError, match="weekday keys"):
        Calendar("UTC", {weekday: (hours("09:00", "17:00"),)})


def test_intervals_and_holidays_must_have_the_right_types():
    with pytest.raises(ValueError, match="Interval values"):
        Calendar("UTC", {0: ((time(9), time(17)),)})
    with pytest.raises(ValueError, match="wall-clock time"):
        Interval(time(9, tzinfo=UTC), time(17))
    with pytest.raises(ValueError, match=r"datetime\.time"):
        Interval("09:00", time(17))
    with pytest.raises(ValueError, match="holidays must be dates"):
        Calendar("UTC", {}, frozenset({datetime(2026, 1, 1)}))


def test_calendar_is_immutable_and_hashable():
    calendar = Calendar(
        "Europe/Berlin", {0: [hours("09:00", "17:00")]}, {date(2026, 1, 1)}
    )
    same = Calendar(
        "Europe/Berlin", {0: (hours("09:00", "17:00"),)}, frozenset({date(2026, 1, 1)})
    )
    assert calendar == same
    assert hash(calendar) == hash(same)
    assert calendar.hours[0] == (hours("09:00", "17:00"),)
    assert isinstance(calendar.holidays, frozenset)
    with pytest.raises(TypeError):
        calendar.hours[1] = ()
    assert Calendar.always_open().timezone == "UTC"


# --- Public holidays ----------------------------------------------------------


def test_public_holidays_of_a_country_and_a_state():
    germany = load_public_holidays("DE", [2026])
    bavaria = load_public_holidays("DE", range(2026, 2028), subdivision="BY")

    assert date(2026, 10, 3) in germany
    assert date(2026, 1, 6) not in germany
    assert {date(2026, 1, 6), date(2027, 1, 6)} <= bavaria
    assert all(day.year in (2026, 2027) for day in bavaria)

    calendar = Calendar("Europe/Berlin", OFFICE.hours, germany)
    due = add_business_minutes(calendar, at(BERLIN, 2026, 4, 2, 17, 55), 60)
    assert due == at(BERLIN, 2026, 4, 7, 9, 55)  # Good Friday, Easter Monday


@pytest.mark.parametrize(
    ("country", "subdivision"), [("XX", None), ("Narnia", None), ("DE", "ZZ")]
)
def test_unknown_holiday_country_or_subdivision_is_refused(country, subdivision):
    with pytest.raises(ValueError, match="unknown holiday country"):
        load_public_holidays(country, [2026], subdivision=subdivision)


# --- Properties ---------------------------------------------------------------

ZONES = (
    "Europe/Berlin",
    "America/New_York",
    "UTC",
    "Asia/Kolkata",
    "Australia/Lord_Howe",
)
DST_ZONES = ("Europe/Berlin", "America/New_York", "Australia/Lord_Howe")


def clock_change_days(key: str) -> tuple[date, ...]:
    """Local dates in 2024-2029 on which the zone changes its clocks."""
    zone = ZoneInfo(key)
    days = []
    day = date(2024, 1, 1)
    while day < date(2030, 1, 1):
        noon = datetime.combine(day, time(12), zone)
        if noon.utcoffset() != (noon - timedelta(days=1)).utcoffset():
            days.append(day)
        day += timedelta(days=1)
    return tuple(days)


CLOCK_CHANGES = {key: clock_change_days(key) for key in DST_ZONES}
TRICKY_TIMES = tuple(
    time.fromisoformat(text)
    for text in ("00:00", "01:00", "01:30", "02:00", "02:30", "03:00", "06:00", "22:00")
)

wall_times = st.one_of(
    st.sampled_from(TRICKY_TIMES),
    st.builds(time, st.integers(0, 23), st.integers(0, 59)),
)
intervals = st.one_of(
    st.just(Interval(time(0), time(0))), st.builds(Interval, wall_times, wall_times)
)
day_hours = st.lists(intervals, min_size=1, max_size=3).map(tuple)
weekly_hours = st.dictionaries(st.integers(0, 6), day_hours, min_size=1, max_size=7)
zones = st.sampled_from([ZoneInfo(key) for key in ZONES])
anywhere = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2029, 12, 31), timezones=zones
)
minute_counts = st.one_of(
    st.integers(0, 5000),
    st.floats(min_value=0, max_value=5000, allow_nan=False, allow_infinity=False),
)
positive_minute_counts = st.one_of(
    st.integers(1, 5000), st.floats(min_value=0.001, max_value=5000)
)
short_gaps = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=10))


@st.composite
def cases(draw, zone_keys=ZONES, spread=timedelta(days=3)):
    """A random calendar and a start in any zone.

    Half the time the start lies within ``spread`` of one of the calendar's own
    clock changes, with that weekday open, so DST days are really exercised;
    holidays cluster where the start will walk so they actually get in the way.
    """
    key = draw(st.sampled_from(zone_keys))
    weekly = draw(weekly_hours)
    changes = CLOCK_CHANGES.get(key)
    if changes and draw(st.booleans()):
        change = draw(st.sampled_from(changes))
        weekly.setdefault(change.weekday(), draw(day_hours))
        midnight = datetime.combine(change, time(), ZoneInfo(key)).astimezone(UTC)
        offset = draw(st.timedeltas(min_value=-spread, max_value=spread))
        start = (midnight + offset).astimezone(draw(zones))
    else:
        start = draw(anywhere)
    nearby = draw(st.lists(st.integers(-3, 30), max_size=12))
    elsewhere = draw(
        st.lists(st.dates(date(2024, 1, 1), date(2030, 1, 1)), max_size=20)
    )
    holidays = {start.date() + timedelta(days=n) for n in nearby} | set(elsewhere)
    return Calendar(key, weekly, frozenset(holidays)), start


PROPERTY = settings(max_examples=120)


@PROPERTY
@given(cases(), minute_counts)
def test_adding_then_measuring_gives_the_minutes_back(case, added):
    calendar, start = case
    due = add_business_minutes(calendar, start, added)
    assert due >= start
    assert due.tzinfo is UTC
    assert math.isclose(minutes(calendar, start, due), added, abs_tol=1e-6)


@PROPERTY
@given(cases(), positive_minute_counts)
def test_a_deadline_is_never_in_closed_time(case, added):
    calendar, start = case
    due = add_business_minutes(calendar, start, added)
    assert is_open(calendar, due - ONE_MICROSECOND)
    assert any(
        opens < due <= closes
        for opens, closes in open_spans(calendar, due - timedelta(days=2), due)
    )


@PROPERTY
@given(cases(), short_gaps, minute_counts)
def test_a_later_start_never_gives_an_earlier_deadline(case, later_by, added):
    calendar, start = case
    later = start.astimezone(UTC) + later_by
    assert add_business_minutes(calendar, start, added) <= add_business_minutes(
        calendar, later, added
    )


@PROPERTY
@given(cases(), minute_counts, minute_counts)
def test_more_minutes_never_give_an_earlier_deadline(case, first, second):
    calendar, start = case
    fewer, more = sorted((first, second))
    assert add_business_minutes(calendar, start, fewer) <= add_business_minutes(
        calendar, start, more
    )


@PROPERTY
@given(cases(), short_gaps, short_gaps)
def test_business_minutes_add_up_over_adjacent_ranges(case, first, second):
    calendar, start = case
    middle = start.astimezone(UTC) + first
    end = middle + second
    assert math.isclose(
        minutes(calendar, start, middle) + minutes(calendar, middle, end),
        minutes(calendar, start, end),
        abs_tol=1e-6,
    )


@PROPERTY
@given(cases(), short_gaps)
def test_business_minutes_never_exceed_real_minutes(case, length):
    calendar, start = case
    real = length / timedelta(minutes=1)
    end = start.astimezone(UTC) + length
    assert 0 <= minutes(calendar, start, end) <= real
    always_open = Calendar.always_open(calendar.timezone)
    assert minutes(always_open, start, end) == real


@PROPERTY
@given(cases(), short_gaps)
def test_open_spans_are_ordered_separate_and_really_open(case, length):
    calendar, start = case
    end = start.astimezone(UTC) + length
    spans = list(open_spans(calendar, start, end))

    assert all(start <= opens < closes <= end for opens, closes in spans)
    assert all(earlier[1] < later[0] for earlier, later in pairwise(spans))
    assert all(opens.tzinfo is UTC and closes.tzinfo is UTC for opens, closes in spans)
    total = sum((closes - opens for opens, closes in spans), timedelta())
    assert total / timedelta(minutes=1) == minutes(calendar, start, end)
    for opens, closes in spans:
        assert is_open(calendar, opens)
        assert is_open(calendar, closes - ONE_MICROSECOND)
        assert closes == end or not is_open(calendar, closes)


@PROPERTY
@given(cases())
def test_next_open_is_the_first_open_moment(case):
    calendar, start = case
    opening = next_open(calendar, start)
    assert opening >= start
    assert is_open(calendar, opening)
    assert minutes(calendar, start, opening) == 0
    assert is_open(calendar, start) == (opening == start.astimezone(UTC))


def wall_clock_is_open(calendar: Calendar, moment: datetime) -> bool:
    """An independent reading of the rules: open when the local clock shows a
    time inside an interval that started today or yesterday on a working day.
    It agrees with the module whenever no boundary falls in a repeated hour."""
    zone = ZoneInfo(calendar.timezone)
    wall = moment.astimezone(zone).replace(tzinfo=None, fold=0)
    for day in (wall.date() - timedelta(days=1), wall.date()):
        if day in calendar.holidays:
            continue
        for interval in calendar.hours.get(day.weekday(), ()):
            end_day = day + timedelta(days=interval.end <= interval.start)
            opens = datetime.combine(day, interval.start)
            if opens <= wall < datetime.combine(end_day, interval.end):
                return True
    return False


def has_repeated_boundary(calendar: Calendar, first: date, last: date) -> bool:
    """Whether an interval starting between ``first`` and ``last`` opens or
    closes at a wall time that happens twice (where the wall-clock reading
    and the module's first-opening, last-closing rule part ways)."""
    zone = ZoneInfo(calendar.timezone)
    day = first
    while day <= last:
        for interval in calendar.hours.get(day.weekday(), ()):
            end_day = day + timedelta(days=interval.end <= interval.start)
            for wall in (
                datetime.combine(day, interval.start),
                datetime.combine(end_day, interval.end),
            ):
                earlier = wall.replace(tzinfo=zone, fold=0).utcoffset()
                if earlier > wall.replace(tzinfo=zone, fold=1).utcoffset():
                    return True
        day += timedelta(days=1)
    return False


def assert_every_minute_agrees_with_the_wall_clock(
    calendar: Calendar, start: datetime, length: int
) -> None:
    """Compare open_spans and business_minutes_between with the wall-clock
    reading minute by minute (boundaries are whole minutes, so the minute
    count must match exactly)."""
    start = start.astimezone(UTC).replace(second=0, microsecond=0)
    end = start + timedelta(minutes=length)
    zone = ZoneInfo(calendar.timezone)
    first = start.astimezone(zone).date() - timedelta(days=2)
    last = end.astimezone(zone).date() + timedelta(days=1)
    assume(not has_repeated_boundary(calendar, first, last))

    spans = list(open_spans(calendar, start, end))
    openings = [opens for opens, _ in spans]
    expected = []
    actual = []
    for n in range(length):
        moment = start + timedelta(minutes=n)
        expected.append(wall_clock_is_open(calendar, moment))
        index = bisect.bisect_right(openings, moment) - 1
        actual.append(index >= 0 and moment < spans[index][1])

    assert actual == expected
    assert minutes(calendar, start, end) == sum(expected)


@settings(max_examples=75)
@given(
    cases(zone_keys=(*DST_ZONES, "Asia/Kolkata"), spread=timedelta(days=1)),
    st.integers(0, 2 * 24 * 60),
)
def test_every_minute_agrees_with_a_wall_clock_reading(case, length):
    calendar, start = case
    assert_every_minute_agrees_with_the_wall_clock(calendar, start, length)


# Boundaries in the small hours, where the clocks change.
night_times = st.builds(time, st.integers(0, 3), st.sampled_from((0, 15, 30, 45)))
night_intervals = st.one_of(
    st.builds(Interval, night_times, wall_times),
    st.builds(Interval, wall_times, night_times),
)


@st.composite
def clock_change_weekends(draw):
    """A calendar open only around one of its zone's clock changes (the day
    itself, and maybe the evening before), and a start 12 hours before it."""
    key = draw(st.sampled_from(DST_ZONES))
    change = draw(st.sampled_from(CLOCK_CHANGES[key]))
    weekly = {change.weekday(): draw(st.lists(night_intervals, min_size=1, max_size=3))}
    if draw(st.booleans()):
        weekly[(change.weekday() - 1) % 7] = draw(day_hours)
    midnight = datetime.combine(change, time(), ZoneInfo(key)).astimezone(UTC)
    return Calendar(key, weekly), midnight - timedelta(hours=12)


@settings(max_examples=60)
@given(clock_change_weekends())
def test_clock_change_days_agree_with_a_wall_clock_reading(case):
    calendar, start = case
    assert_every_minute_agrees_with_the_wall_clock(calendar, start, 2 * 24 * 60)


# --- The precomputed table (the SLA sweep's arithmetic) ------------------------


@PROPERTY
@given(
    cases(),
    st.lists(
        st.tuples(
            st.timedeltas(min_value=timedelta(days=-60), max_value=timedelta(days=60)),
            minute_counts,
        ),
        min_size=1,
        max_size=8,
    ),
)
def test_the_indexed_arithmetic_gives_the_walks_results_exactly(case, asked):
    """Many starts against one calendar, so its table is built, grown and
    moved: every deadline and every measure equals the walk's, to the
    microsecond, including closing moments and daylight saving days."""
    calendar, start = case
    for shift, added in asked:
        moment = start + shift
        due = add_business_minutes(calendar, moment, added)
        assert add_business_minutes_indexed(calendar, moment, added) == due
        for end in (due, moment + abs(shift), due + timedelta(hours=7)):
            assert business_minutes_between_indexed(
                calendar, moment, end
            ) == business_minutes_between(calendar, moment, end)


def test_the_indexed_arithmetic_walks_outside_its_window():
    """Starts years apart move the table; a deadline beyond it (a calendar
    closed for years) is walked; errors are the walk's."""
    three_years = (date(2029, 1, 1) - date(2026, 1, 1)).days
    closed = frozenset(date(2026, 1, 1) + timedelta(days=n) for n in range(three_years))
    calendar = Calendar("Europe/Berlin", OFFICE.hours, closed)
    for start in (at(BERLIN, 2026, 1, 1), at(BERLIN, 2020, 3, 6, 17), AWARE):
        for added in (0, 1, 540, 10_000):
            assert add_business_minutes_indexed(
                calendar, start, added
            ) == add_business_minutes(calendar, start, added)
    assert add_business_minutes_indexed(OFFICE, at(BERLIN, 2026, 3, 13, 18), 0) == (
        at(BERLIN, 2026, 3, 16, 9)
    )
    with pytest.raises(ValueError, match="minutes"):
        add_business_minutes_indexed(OFFICE, AWARE, -1)
    with pytest.raises(ValueError, match="never open"):
        add_business_minutes_indexed(Calendar("UTC", {}), AWARE, 1)
    with pytest.raises(ValueError, match="last date"):
        add_business_minutes_indexed(
            Calendar.always_open(), AWARE, 8000 * 366 * 24 * 60
        )
    with pytest.raises(ValueError, match="timezone-aware"):
        business_minutes_between_indexed(OFFICE, NAIVE, AWARE)
    far = datetime(9999, 12, 30, tzinfo=UTC)
    assert add_business_minutes_indexed(Calendar.always_open(), far, 5) == far + (
        timedelta(minutes=5)
    )
