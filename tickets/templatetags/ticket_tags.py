"""Rendering helpers for ticket pages: badges, the timeline, the list rows.

Message bodies are not rendered here: pages show ``Message.html``, stored when
the message was written (``tickets.bodies``, ``helpdesk.rendering``).
"""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from tickets.models import UNSOLVED_STATUSES, Ticket, TicketEvent

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


def business_duration(minutes: float) -> str:
    """3d 2h, 4h 20m, 45m: the two largest units of business time."""
    minutes = round(abs(minutes))
    days, rest = divmod(minutes, 60 * 24)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {mins}m" if mins else f"{hours}h"
    return f"{mins}m"


@register.simple_tag
def sla_badge(ticket: Ticket) -> SafeString:
    """The nearest running SLA deadline, as words as well as a colour:
    "First reply in 2h 10m", "Resolve overdue 45m", "SLA paused"."""
    from tickets.services.sla import nearest_deadline, sla_minutes_left
    from tickets.services.sla_policies import policy_cached

    if ticket.sla_policy_id is None or ticket.status not in UNSOLVED_STATUSES:
        return ""
    nearest = nearest_deadline(ticket)
    if nearest is None:
        if ticket.sla_paused_since is not None:
            return format_html(
                '<span class="badge text-bg-light border sla-badge" title="{}">'
                "SLA paused</span>",
                "The resolution clock stands still while waiting.",
            )
        return ""
    target, due = nearest
    policy = policy_cached(ticket.sla_policy_id)
    label = SLA_LABELS[target]
    left, capped = sla_minutes_left(ticket, due)
    amount = "over a week" if capped else business_duration(left)
    if left < 0:
        css, text = "text-bg-danger", f"{label} overdue {amount}"
    elif left <= policy.warn_before_minutes:
        css, text = "text-bg-warning", f"{label} in {amount}"
    else:
        css, text = "text-bg-light border", f"{label} in {amount}"
    return format_html(
        '<span class="badge {} sla-badge" title="Business time, {}">{}</span>',
        css,
        policy.calendar.name,
        text,
    )


SLA_LABELS = {
    "first_response": "First reply",
    "next_response": "Next reply",
    "resolution": "Resolve",
}


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
        category = _optional(
            ' <span class="text-body-secondary">· {}</span>',
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
                "<td>{status}</td>"
                '<td class="d-none d-md-table-cell">{requester}{organization}</td>'
                '<td class="d-none d-xl-table-cell small">{department}{team}</td>'
                '<td class="d-none d-lg-table-cell">{assignee}</td>'
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
                iso=ticket.updated_at.isoformat(),
                ago=timesince(ticket.updated_at, depth=1),
            )
        )
    return SafeString("".join(rows))
