"""A meeting invite (text/calendar, RFC 5545) told in a few lines of text.

Read with the ``icalendar`` library (RFC 5545 parser, maintained by the
collective/icalendar project) rather than by hand: folded lines, TZID
parameters and escaped text are its business. Bounded: invites over
``MAX_INVITE_BYTES`` are not read, and only the first event is told.
Never raises: an invite that cannot be read gives ``None``.
"""

import logging
from datetime import date, datetime

from icalendar import Calendar

from .charsets import decode_text

log = logging.getLogger(__name__)

MAX_INVITE_BYTES = 256 * 1024  # real invites are a few KB
CALENDAR_TYPES = frozenset({"text/calendar", "application/ics"})


def _when(start, end) -> str:
    """``2026-12-03 14:00–15:00 (Europe/Berlin)``, or dates for all-day events."""

    def text(value) -> str:
        if isinstance(value, datetime):
            return value.strftime("%Y-%m-%d %H:%M")
        if isinstance(value, date):
            return value.isoformat()
        return str(value)

    shown = text(start)
    if end is not None:
        end_text = text(end)
        same_day = isinstance(start, datetime) and isinstance(end, datetime)
        if same_day and start.date() == end.date():
            end_text = end.strftime("%H:%M")
        shown += f"\u2013{end_text}"
    zone = getattr(start, "tzinfo", None)
    if zone is not None:
        name = getattr(zone, "key", None) or start.tzname()
        if name:
            shown += f" ({name})"
    return shown


def _organizer(value) -> str:
    address = str(value)
    if address.lower().startswith("mailto:"):
        address = address[7:]
    name = value.params.get("CN", "") if hasattr(value, "params") else ""
    return f"{name} <{address}>" if name else address


def invite_text(data: bytes, *, charset: str | None = None) -> str | None:
    """What the invite asks, as lines for a message body: the summary, when
    (with its time zone), where, who organizes; a cancellation says so
    (METHOD:CANCEL). ``charset``: the part's label, lying or missing as
    any. ``None`` when it is too large, malformed, or holds no event."""
    if len(data) > MAX_INVITE_BYTES:
        return None
    try:
        # RFC 5545 says UTF-8; Outlook writes the sender's code page and
        # labels it (or not): read like any text part (integrations.charsets).
        calendar = Calendar.from_ical(decode_text(data, label=charset))
        event = next(iter(calendar.walk("VEVENT")), None)
        if event is None:
            return None
        method = str(calendar.get("METHOD", "")).upper()
        summary = str(event.get("SUMMARY", "")).strip() or "(no title)"
        heading = {
            "CANCEL": "Meeting cancelled",
            "REPLY": "Reply to a meeting invitation",
        }.get(method, "Meeting invitation")
        lines = [f"{heading}: {summary}"]
        start = event.get("DTSTART")
        if start is not None:
            end = event.get("DTEND")
            lines.append(f"When: {_when(start.dt, end.dt if end else None)}")
        if event.get("LOCATION"):
            lines.append(f"Where: {str(event['LOCATION']).strip()}")
        if event.get("ORGANIZER"):
            lines.append(f"Organizer: {_organizer(event['ORGANIZER'])}")
        return "\n".join(lines)
    except Exception:  # a malformed invite is kept as a file, never fatal
        log.info("Unreadable calendar invite", exc_info=True)
        return None
