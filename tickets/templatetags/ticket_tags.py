"""Rendering helpers for ticket pages: badges, the timeline, the list rows.

Message bodies are not rendered here: pages show ``Message.html``, stored when
the message was written (``tickets.bodies``, ``helpdesk.rendering``).
"""

from dataclasses import dataclass
from datetime import datetime, tzinfo

from django import template
from django.utils import dateformat, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from tickets import business_time as bt
from tickets.models import UNSOLVED_STATUSES, Ticket, TicketEvent

from .satisfaction_tags import satisfaction_badge, satisfaction_below

register = template.Library()


@register.simple_tag
def status_badge(ticket: Ticket) -> SafeString:
    return format_html(
        '<span class="badge rounded-pill badge-status-{}">{}</span>',
        ticket.status,
        ticket.get_status_display(),
    )


@register.simple_tag
def priority_badge(ticket: Ticket) -> SafeString:
    return format_html(
        '<span class="badge badge-priority-{}">{}</span>',
        ticket.priority,
        ticket.get_priority_display(),
    )


STATUS_LABELS = dict(Ticket.Status.choices)
KIND = TicketEvent.Kind


# Kinds with a sentence of their own; the other kinds are field changes.
EVENT_SENTENCES = {
    KIND.CREATED: "opened the ticket",
    KIND.STATUS: "changed the status from {old} to {new}",
    KIND.REPLY: "replied",
    KIND.NOTE: "added an internal note",
    KIND.MERGED_INTO: "merged this ticket into {new}",
    KIND.MERGED_FROM: "merged {new} into this ticket",
    KIND.FOLLOW_UP: "opened follow-up {new}",
    KIND.SLA_POLICY: "applied the SLA policy {new}",
    KIND.SLA_MET: "met the {new} target",
    KIND.SLA_WARNING: "warned that the {new} target is due soon",
    KIND.SLA_BREACHED: "recorded that the {new} target was missed",
    KIND.SLA_ESCALATED: "escalated the ticket after an SLA breach ({new})",
    KIND.SLA_PAUSED: "paused the resolution clock (solved): {new}",
    KIND.SLA_RESUMED: "resumed the resolution clock (reopened): {new}",
    KIND.SATISFACTION: "rated the support {new}",
}

VIA_MERGED_SENTENCES = {
    KIND.REPLY: "replied via merged ticket {old}",
    KIND.NOTE: "added an internal note via merged ticket {old}",
    KIND.FOLLOW_UP: "opened follow-up {new} with a reply via merged ticket {old}",
}


@register.filter
def event_sentence(event: TicketEvent) -> str:
    """What happened, as a sentence without the actor."""
    old, new = event.old_value, event.new_value
    if event.kind == KIND.STATUS:
        old, new = STATUS_LABELS.get(old, old), STATUS_LABELS.get(new, new)
    if event.kind in VIA_MERGED_SENTENCES and old:
        # The reply was written to the merged ticket ``old`` and followed
        # its merge chain here (tickets.services.messages).
        return VIA_MERGED_SENTENCES[event.kind].format(old=old, new=new)
    if event.kind in EVENT_SENTENCES:
        return EVENT_SENTENCES[event.kind].format(old=old, new=new)
    field = event.get_kind_display().replace(" changed", "").lower()
    if not old:
        return f"set the {field} to {new}"
    if not new:
        return f"cleared the {field} (was {old})"
    return f"changed the {field} from {old} to {new}"


# --- SLA: business time and the wall clock, side by side -----------------
#
# A target is measured in business time (the SLA policy's calendar: its hours
# and holidays) but due at a wall-clock moment, which agents read in their own
# time zone (helpdesk.middleware.UserPreferencesMiddleware activates it).
# Showing only one of the two misleads: "4h" left can be 29 hours away.
#
# The unit rule: under an hour, whole business minutes; from an hour on, whole
# business hours. The figure is rounded to the minute and then down to its
# unit, so it never overstates the time left nor the lateness; the wall-clock
# time beside it is exact. No "business days": their length depends on the
# calendar (9 hours in an office, 24 on a 24/7 desk). Beyond BADGE_HORIZON (a
# week) of calendar time the walk stops and the figure reads "more than a
# week", which is true of business and of wall-clock time alike.


def business_amount(minutes: float) -> str:
    """ "45 business minutes", "4 business hours", "1 business hour"."""
    whole = round(abs(minutes))
    if whole < 1:
        return "less than 1 business minute"
    count, unit = (whole, "minute") if whole < 60 else (whole // 60, "hour")
    return f"{count} business {unit}{pluralize(count)}"


def pluralize(count: int) -> str:
    return "" if count == 1 else "s"


def wall_clock(moment: datetime, zone: tzinfo, now: datetime) -> str:
    """ "Mon 30 Nov 11:00 CET" in ``zone``; the year only when it is not the
    current one there ("Wed 5 Jan 2028 09:00 CET")."""
    local = moment.astimezone(zone)
    same_year = local.year == now.astimezone(zone).year
    text = dateformat.format(local, "D j M H:i" if same_year else "D j M Y H:i")
    abbreviation = local.tzname() or ""
    if abbreviation[:1] in "+-":  # zones without letters: "-03" reads "UTC-03"
        abbreviation = f"UTC{abbreviation}"
    return f"{text} {abbreviation}"


@dataclass(frozen=True)
class SlaTime:
    """One SLA moment as an agent should read it: business minutes left
    (negative when overdue) and the wall-clock time in the agent's zone."""

    minutes: float
    capped: bool
    when: str
    iso: str

    @property
    def overdue(self) -> bool:
        return self.minutes < 0

    @property
    def amount(self) -> str:
        return "more than a week" if self.capped else business_amount(self.minutes)


def sla_time(
    calendar: bt.Calendar,
    due: datetime,
    *,
    now: datetime,
    zone: tzinfo,
    since: datetime | None = None,
) -> SlaTime:
    """The business time from ``since`` (default ``now``; a paused clock
    passes when it paused) to ``due``, and ``due`` on the wall clock."""
    from tickets.services.sla import business_minutes_signed

    minutes, capped = business_minutes_signed(calendar, since or now, due)
    return SlaTime(
        minutes=minutes,
        capped=capped,
        when=wall_clock(due, zone, now),
        iso=due.isoformat(),
    )


def sla_phrase(time: SlaTime) -> SafeString:
    """ "in 4 business hours · due Mon 30 Nov 11:00 CET", or "overdue by 3
    business hours · was due …"."""
    if time.overdue:
        template = (
            'overdue by {} <span class="sla-due">· was due '
            '<time datetime="{}">{}</time></span>'
        )
    else:
        template = (
            'in {} <span class="sla-due">· due <time datetime="{}">{}</time></span>'
        )
    return format_html(template, time.amount, time.iso, time.when)


def _calendar_note(policy, zone: tzinfo) -> str:
    return (
        f"Business time on the {policy.calendar.name} calendar "
        f"({policy.calendar.timezone}); times in your time zone ({zone})."
    )


@register.simple_tag
def sla_badge(ticket: Ticket) -> SafeString:
    """The nearest running SLA deadline in words as well as a colour: "First
    reply in 4 business hours · due Mon 30 Nov 11:00 CET", "Resolve overdue
    by 45 business minutes · was due …", "SLA paused · 3 business hours left".

    The policy and its calendar come from the process cache (policy_cached),
    so a list of badges costs no query per row."""
    from tickets.services.sla import nearest_deadline
    from tickets.services.sla_policies import calendar_for, policy_cached

    if ticket.sla_policy_id is None or ticket.status not in UNSOLVED_STATUSES:
        return ""
    policy = policy_cached(ticket.sla_policy_id)
    if policy is None:
        return ""
    calendar = calendar_for(policy.calendar)
    now, zone = timezone.now(), timezone.get_current_timezone()
    nearest = nearest_deadline(ticket)
    if nearest is None:
        if ticket.sla_paused_since is None:
            return ""
        return _paused_badge(ticket, calendar, now, zone, policy)
    target, due = nearest
    time = sla_time(calendar, due, now=now, zone=zone)
    risk = ""  # the words that say what the warning colour says
    if time.overdue:
        css = "text-bg-danger"
    elif time.minutes <= policy.warn_before_minutes:
        css, risk = "text-bg-warning", "At risk: "
    else:
        css = "text-bg-light border"
    return format_html(
        '<span class="badge {} sla-badge" title="{}">{}{} {}</span>',
        css,
        _calendar_note(policy, zone),
        risk,
        SLA_LABELS[target],
        sla_phrase(time),
    )


def _paused_badge(ticket, calendar, now, zone, policy) -> SafeString:
    since = wall_clock(ticket.sla_paused_since, zone, now)
    title = f"The resolution clock stands still while waiting, since {since}. "
    if ticket.resolution_due_at is None:
        return format_html(
            '<span class="badge text-bg-light border sla-badge" title="{}">'
            "SLA paused</span>",
            title + _calendar_note(policy, zone),
        )
    time = sla_time(
        calendar,
        ticket.resolution_due_at,
        now=now,
        zone=zone,
        since=ticket.sla_paused_since,
    )
    left = f"overdue by {time.amount}" if time.overdue else f"{time.amount} left"
    return format_html(
        '<span class="badge text-bg-light border sla-badge" title="{}">'
        "SLA paused · {}</span>",
        title + _calendar_note(policy, zone),
        left,
    )


SLA_LABELS = {
    "first_response": "First reply",
    "next_response": "Next reply",
    "resolution": "Resolve",
}


@register.simple_tag
def sla_target(ticket: Ticket, target: str) -> SafeString:
    """One row of the sidebar's service level card: when a target was met,
    is due or was due, in business time and on the agent's wall clock."""
    from tickets.services.sla_policies import calendar_for, policy_cached

    policy = policy_cached(ticket.sla_policy_id) if ticket.sla_policy_id else None
    if policy is None:
        return SafeString("—")
    now, zone = timezone.now(), timezone.get_current_timezone()
    if target == "first_response" and ticket.first_response_at:
        return _sent(ticket.first_response_at, now, zone)
    due = getattr(ticket, f"{target}_due_at")
    if due is None:
        return SafeString("—")
    calendar = calendar_for(policy.calendar)
    if target == "resolution" and ticket.sla_paused_since is not None:
        time = sla_time(
            calendar, due, now=now, zone=zone, since=ticket.sla_paused_since
        )
        left = f"overdue by {time.amount}" if time.overdue else f"{time.amount} left"
        return format_html(
            'Paused since <time datetime="{}">{}</time> · {}',
            ticket.sla_paused_since.isoformat(),
            wall_clock(ticket.sla_paused_since, zone, now),
            left,
        )
    if ticket.status not in UNSOLVED_STATUSES:
        return format_html(
            'Due <time datetime="{}">{}</time>',
            due.isoformat(),
            wall_clock(due, zone, now),
        )
    time = sla_time(calendar, due, now=now, zone=zone)
    if time.overdue:
        return format_html(
            '<span class="text-danger fw-semibold">Overdue by {}</span> · was due '
            '<time datetime="{}">{}</time>',
            time.amount,
            time.iso,
            time.when,
        )
    return format_html(
        '{} left · due <time datetime="{}">{}</time>', time.amount, time.iso, time.when
    )


@register.simple_tag
def viewer_time_zone() -> str:
    """The zone this page's times are in: the agent's own, or the site's."""
    return str(timezone.get_current_timezone())


def _sent(at: datetime, now: datetime, zone: tzinfo) -> SafeString:
    return format_html(
        'Sent <time datetime="{}">{}</time>', at.isoformat(), wall_clock(at, zone, now)
    )


def _optional(template: str, value: object) -> SafeString:
    return format_html(template, value) if value else SafeString("")


@register.simple_tag
def agent_ticket_rows(tickets) -> SafeString:
    """The workspace list's rows, built in Python: the busiest page of the
    workspace, where 25 to 100 rows through the template engine cost more than
    the queries."""
    from django.utils.timesince import timesince

    rows = []
    for ticket in tickets:
        rating = getattr(ticket, "satisfaction_rating", None)
        category = _optional(
            ' <span class="text-body-secondary ticket-category">· {}</span>',
            ticket.category.name if ticket.category_id else "",
        )
        organization = _optional(
            '<div class="small text-body-secondary">{}</div>',
            ticket.organization.name if ticket.organization_id else "",
        )
        team = _optional(
            '<div class="text-body-secondary">{}</div>',
            ticket.team.name if ticket.team_id else "",
        )
        rows.append(
            format_html(
                "<tr>"
                '<td class="ps-3"><input class="form-check-input" type="checkbox" '
                'name="tickets" value="{number}" id="select-{number}" '
                'aria-label="Select {reference}"></td>'
                '<td class="ticket-number text-nowrap">{reference}</td>'
                '<td><a class="fw-medium" href="{url}">{subject}</a>'
                '<div class="small">{priority} {sla}{category}</div></td>'
                "<td>{status}{satisfaction_below}</td>"
                '<td class="d-none d-md-table-cell">{requester}{organization}</td>'
                '<td class="d-none d-xl-table-cell small">{department}{team}</td>'
                '<td class="d-none d-lg-table-cell">{assignee}</td>'
                '<td class="d-none d-xxl-table-cell">{satisfaction}</td>'
                '<td class="d-none d-sm-table-cell small text-body-secondary text-end '
                'text-nowrap pe-3"><time datetime="{iso}">{ago} ago</time></td>'
                "</tr>",
                number=ticket.number,
                reference=ticket.reference,
                url=ticket.get_agent_url(),
                subject=ticket.subject,
                priority=priority_badge(ticket),
                sla=sla_badge(ticket),
                category=category,
                status=status_badge(ticket),
                requester=ticket.requester.display_name,
                organization=organization,
                department=ticket.department.name if ticket.department_id else "—",
                team=team,
                assignee=ticket.assignee.display_name if ticket.assignee_id else "—",
                satisfaction=satisfaction_badge(rating),
                satisfaction_below=satisfaction_below(rating),
                iso=ticket.updated_at.isoformat(),
                ago=timesince(ticket.updated_at, depth=1),
            )
        )
    return SafeString("".join(rows))
