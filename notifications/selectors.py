"""Reads for admins: the template keys rules may name, the email log, and
previews of templates (rendered, never sent); and for everyone, the optional
emails they may choose."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from tickets.bodies import body_rendered
from tickets.models import Message, Ticket

from .models import (
    AutomationRule,
    EmailLog,
    EmailTemplate,
    Event,
    NotificationOptOut,
)
from .rendering import Rendered, absolute, email_context, render_email

# Days outside these bounds would overflow the time-zone arithmetic: such a
# bound is ignored (as in the ticket list's date filters).
EARLIEST_DAY, LATEST_DAY = date(1900, 1, 1), date(9000, 1, 1)
SAMPLE_BODY = (
    "Hello,\n\nI cannot sign in since this morning: the page says my password "
    "is wrong, but I have not changed it.\n\nThanks,\nSam"
)


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@dataclass(frozen=True)
class EmailLogFilters:
    status: str | None = None
    recipient: str = ""
    ticket_number: int | None = None
    created_from: date | None = None
    created_to: date | None = None


def email_log_list(*, filters: EmailLogFilters) -> QuerySet[EmailLog]:
    """Logged emails, newest first, narrowed by ``filters``: ``recipient`` is a
    case-insensitive part of the address, the days are whole days in the
    site's time zone, both ends included. One query per page (the ticket is
    joined for its number)."""
    queryset = EmailLog.objects.select_related("ticket").order_by("-created_at", "-pk")
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.recipient.strip():
        queryset = queryset.filter(recipient__icontains=filters.recipient.strip())
    if filters.ticket_number is not None:
        queryset = queryset.filter(ticket__number=filters.ticket_number)
    if filters.created_from and filters.created_from > EARLIEST_DAY:
        queryset = queryset.filter(created_at__gte=_day_start(filters.created_from))
    if filters.created_to and filters.created_to < LATEST_DAY:
        end = _day_start(filters.created_to + timedelta(days=1))
        queryset = queryset.filter(created_at__lt=end)
    return queryset


def sample_ticket() -> tuple[Ticket, Message]:
    """A made-up ticket and first message, never saved, for previewing a
    template before any real ticket exists (or without showing one)."""
    requester = User(full_name="Sam Sample", email="sam@example.com")
    ticket = Ticket(
        number=1042,
        subject="I cannot sign in",
        status=Ticket.Status.OPEN,
        priority=Ticket.Priority.NORMAL,
        channel=Ticket.Channel.EMAIL,
        requester=requester,
        assignee=User(full_name="Alex Agent", email="alex@example.com"),
    )
    message = Message(
        ticket=ticket, author=requester, body=SAMPLE_BODY, **body_rendered(SAMPLE_BODY)
    )
    return ticket, message


def template_preview(
    *, template: EmailTemplate, ticket: Ticket | None, recipient_is_agent: bool
) -> Rendered:
    """The template rendered as the email would be: with ``ticket`` and its
    newest public message, or the made-up sample when ``ticket`` is None.
    Nothing is queued or sent. Raises ``rendering.TemplateError`` when the
    template does not render."""
    if ticket is None:
        ticket, message = sample_ticket()
    else:
        message = (
            ticket.messages.select_related("author")
            .filter(internal=False)
            .order_by("-created_at", "-pk")
            .first()
        )
    return render_email(
        subject=template.subject,
        body_text=template.body_text,
        body_html=template.body_html,
        context=email_context(
            ticket=ticket,
            message=message,
            recipient_name="Sam Sample",
            recipient_email="sam@example.com",
            recipient_is_agent=recipient_is_agent,
            extra={"merged": sample_merged_into(recipient_is_agent)},
        ),
    )


def sample_merged_into(recipient_is_agent: bool) -> dict:
    """A made-up ticket the previewed one was merged into (the
    ``ticket_merged`` email's ``merged``), shown as to a recipient who may
    open it, so the preview has its subject and link."""
    target = Ticket(number=1043, subject="Password reset email does not arrive")
    path = target.get_agent_url() if recipient_is_agent else target.get_absolute_url()
    return {
        "reference": target.reference,
        "visible": True,
        "subject": target.subject,
        "link": absolute(path),
    }


# The optional emails each role receives (notifications.defaults.RULES), in
# the words of the person receiving them. The same event means different
# mail to each: a requester's acknowledgement, or news of a queue.
CUSTOMER_EMAIL_CHOICES = {
    Event.TICKET_CREATED: "A confirmation when I open a request",
    Event.TICKET_SOLVED: "When my request is marked solved",
    Event.TICKET_CLOSED: "When my request is closed",
}
AGENT_EMAIL_CHOICES = {
    Event.TICKET_CREATED: "New tickets in my queues",
    Event.CUSTOMER_REPLY: "Customer replies on tickets I own",
    Event.TICKET_ASSIGNED: "Tickets assigned to me",
    Event.SLA_WARNING: "Tickets I own that are about to miss an SLA target",
    Event.SLA_BREACH: "Tickets I own that missed an SLA target",
}


def email_choices_for(user: User) -> dict[str, str]:
    """The optional emails that concern ``user``'s role, event to label:
    agents (and admins) choose agent mail, customers customer mail."""
    return dict(AGENT_EMAIL_CHOICES if user.is_agent else CUSTOMER_EMAIL_CHOICES)


def opt_outs_of(user: User) -> set[str]:
    """The events ``user`` turned off."""
    return set(
        NotificationOptOut.objects.filter(user=user).values_list("event", flat=True)
    )


def template_key_choices() -> list[tuple[str, str]]:
    """Every template key there is, once, as ``(key, "key: description")``
    pairs sorted by key: what a rule may send. A key with templates in
    several languages is one choice; the recipient's language picks among
    them when the rule fires."""
    choices: dict[str, str] = {}
    for key, description in EmailTemplate.objects.order_by(
        "key", "language"
    ).values_list("key", "description"):
        if key not in choices:
            choices[key] = f"{key}: {description}" if description else key
    return list(choices.items())


def rules_orphaned_by(templates: Iterable[EmailTemplate]) -> list[AutomationRule]:
    """The rules that would name a key no template has any more, were these
    templates deleted: a rule keeps working while any language of its key
    remains. Empty when the deletion is harmless."""
    templates = list(templates)
    keys = {template.key for template in templates}
    remaining = set(
        EmailTemplate.objects.filter(key__in=keys)
        .exclude(pk__in=[template.pk for template in templates])
        .values_list("key", flat=True)
    )
    return list(
        AutomationRule.objects.filter(template_key__in=keys - remaining).order_by(
            "order", "pk"
        )
    )
