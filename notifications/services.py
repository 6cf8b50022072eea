"""Who gets which email when something happens to a ticket (the sending is
in ``notifications.sending``)."""

import re
import uuid
from dataclasses import dataclass
from datetime import timedelta
from email.utils import make_msgid

from django.conf import settings
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from helpdesk.commit_hooks import on_commit_robust
from helpdesk.db import atomic
from helpdesk.errors import ApplicationError, ConflictError
from helpdesk.metrics import email_finished
from tickets import permissions
from tickets.models import Message, SatisfactionRating, Ticket, TicketEvent
from tickets.satisfaction_tokens import survey_token_make
from tickets.services.satisfaction import satisfaction_for, satisfaction_open

from .models import (
    OPTIONAL_EVENTS,
    AutomationRule,
    EmailLog,
    EmailTemplate,
    Event,
    NotificationOptOut,
)
from .rendering import TemplateError, absolute, email_context, render_email
from .selectors import email_choices_for, rules_orphaned_by

REPLY_MARKER = "##- Please type your reply above this line -##"
Kind = TicketEvent.Kind
Recipient = AutomationRule.Recipient
# A satisfaction event's new value, and the automation event it is.
SATISFACTION_EVENTS = {
    SatisfactionRating.Rating.GOOD: Event.SATISFACTION_GOOD,
    SatisfactionRating.Rating.BAD: Event.SATISFACTION_BAD,
}
# A template that shows survey links ({{ survey.good }} and the like).
SURVEY_LINKS = re.compile(r"\{\{\s*survey\.")


# --- What happened -------------------------------------------------------------


@dataclass(frozen=True)
class TicketNotice:
    """A ticket event, as the notifications see it."""

    event: str
    ticket: Ticket
    message: Message | None
    actor: User | None


def notice_for(ticket_event: TicketEvent) -> TicketNotice | None:
    """Which mail-worthy event a ticket event is, if any. Internal notes and
    routine field changes send nothing."""
    ticket = ticket_event.ticket
    message = None
    if ticket_event.kind == Kind.CREATED:
        event = Event.TICKET_CREATED
        message = ticket.messages.order_by("created_at", "pk").first()
    elif ticket_event.kind == Kind.REPLY:
        message = (
            Message.objects.select_related("author")
            .filter(pk=ticket_event.new_value or 0, ticket=ticket, internal=False)
            .first()
        )
        if message is None:
            return None
        agent = permissions.can_work_ticket(message.author, ticket)
        event = Event.AGENT_REPLY if agent else Event.CUSTOMER_REPLY
    elif ticket_event.kind == Kind.SLA_WARNING:
        event = Event.SLA_WARNING
    elif ticket_event.kind == Kind.SLA_BREACHED:
        event = Event.SLA_BREACH
    elif ticket_event.kind == Kind.ASSIGNEE and ticket.assignee_id:
        event = Event.TICKET_ASSIGNED
    elif ticket_event.kind == Kind.MERGED_INTO and ticket.merged_into_id:
        event = Event.TICKET_MERGED
    elif (
        ticket_event.kind == Kind.STATUS
        and ticket_event.new_value == Ticket.Status.CLOSED
        and ticket.merged_into_id
    ):
        # Merging closes the ticket; its requester is told of the merge
        # (above), not that their request was closed.
        return None
    elif ticket_event.kind == Kind.SATISFACTION and ticket_event.new_value in (
        SATISFACTION_EVENTS
    ):
        event = SATISFACTION_EVENTS[ticket_event.new_value]
    elif ticket_event.kind == Kind.STATUS and ticket_event.new_value in (
        Ticket.Status.SOLVED,
        Ticket.Status.CLOSED,
    ):
        event = (
            Event.TICKET_SOLVED
            if ticket_event.new_value == Ticket.Status.SOLVED
            else Event.TICKET_CLOSED
        )
    else:
        return None
    return TicketNotice(
        event=event, ticket=ticket, message=message, actor=ticket_event.actor
    )


# --- The evaluator ----------------------------------------------------------------


def rule_matches(rule: AutomationRule, notice: TicketNotice) -> bool:
    """One rule against one event: every condition that is set must hold."""
    ticket = notice.ticket
    return (
        rule.active
        and rule.event == notice.event
        and (not rule.priority or rule.priority == ticket.priority)
        and (not rule.status or rule.status == ticket.status)
        and (rule.category_id is None or rule.category_id == ticket.category_id)
        and (rule.department_id is None or rule.department_id == ticket.department_id)
        and (
            rule.organization_id is None
            or rule.organization_id == ticket.organization_id
        )
    )


def rules_for(
    notice: TicketNotice, action: str = AutomationRule.Action.EMAIL
) -> list[AutomationRule]:
    """The active rules of ``action`` that this event fires, in order."""
    rules = AutomationRule.objects.filter(
        active=True, event=notice.event, action=action
    )
    return [rule for rule in rules if rule_matches(rule, notice)]


def _agents(queryset) -> list[User]:
    return list(
        queryset.filter(is_active=True, role__in=[User.Role.AGENT, User.Role.ADMIN])
    )


def recipients_for(
    rule: AutomationRule, notice: TicketNotice
) -> list[tuple[str, User | None]]:
    """(address, user) pairs. The person who acted never gets mail about their
    own action, except a requester's acknowledgement of their own ticket."""
    ticket = notice.ticket
    people: list[User] = []
    if rule.recipient == Recipient.FIXED:
        return [(rule.fixed_address, None)] if rule.fixed_address else []
    if rule.recipient == Recipient.REQUESTER:
        people = [ticket.requester]
    elif rule.recipient == Recipient.ASSIGNEE:
        people = [ticket.assignee] if ticket.assignee else []
    elif rule.recipient == Recipient.TEAM:
        people = _agents(ticket.team.members.all()) if ticket.team else []
    elif rule.recipient == Recipient.DEPARTMENT:
        people = _agents(ticket.department.agents.all()) if ticket.department else []
    elif rule.recipient == Recipient.OWNERS:
        if ticket.assignee:
            people = [ticket.assignee]
        elif ticket.team:
            people = _agents(ticket.team.members.all())
        elif ticket.department:
            people = _agents(ticket.department.agents.all())
    acknowledgement = (
        rule.recipient == Recipient.REQUESTER and notice.event == Event.TICKET_CREATED
    )
    if acknowledgement and sender_refused(notice.message):
        return []
    return [
        (person.email, person)
        for person in people
        if person.is_active
        and (acknowledgement or notice.actor is None or person.pk != notice.actor.pk)
        and may_mail_about(person, ticket)
    ]


def sender_refused(message: Message | None) -> bool:
    """The request came by email and the receiving mail server said its From
    address was forged (``Message.SenderVerification.FAILED``, from a trusted
    Authentication-Results header, RFC 8601). Its acknowledgement would carry
    the sender's subject and text from our servers to an address that never
    wrote (backscatter), so none is sent; agents' later replies still are,
    since a person wrote and read them."""
    return (
        message is not None
        and message.sender_verification == Message.SenderVerification.FAILED
    )


def may_mail_about(person: User, ticket: Ticket) -> bool:
    """Whether mail about this ticket may go to this person.

    An account that signed itself up and has not confirmed its address
    (``awaiting_confirmation``) proves nothing about who reads the address:
    mail about tickets it opened itself would let anyone send text of their
    choosing to any address from our servers. It gets mail only about
    tickets opened for the address by someone else: by an email from that
    address (whoever reads the address keeps getting the replies), or by an
    agent, in the workspace or the API, on its behalf. Its confirmation
    email is not a ticket notification and is always sent.
    """
    if not person.awaiting_confirmation or ticket.channel == Ticket.Channel.EMAIL:
        return True
    opener = (
        TicketEvent.objects.filter(ticket=ticket, kind=Kind.CREATED)
        .values_list("actor_id", flat=True)
        .first()
    )
    return opener is not None and opener != person.pk


def opted_out(user: User | None, event: str) -> bool:
    if user is None or event not in OPTIONAL_EVENTS:
        return False
    return NotificationOptOut.objects.filter(user=user, event=event).exists()


# --- Queueing ---------------------------------------------------------------------


def email_domain() -> str:
    return settings.HELPDESK_EMAIL_DOMAIN


def thread_root_id(ticket: Ticket) -> str:
    """A Message-ID every email about the ticket refers to, so mail programs
    thread them and a reply can be matched to the ticket."""
    return f"<ticket-{ticket.number}@{email_domain()}>"


def template_for(key: str, language: str) -> EmailTemplate | None:
    """The template of ``key`` in ``language``, else in the site's language,
    else in any language it has (the first by language code): a rule is
    accepted, and a template deleted, as long as any language of its key
    remains (``validate_template_key``, ``rules_orphaned_by``), so the email
    goes out in a language there is rather than failing. None when the key
    has no template at all."""
    templates = {
        template.language: template
        for template in EmailTemplate.objects.filter(key=key).order_by("language")
    }
    return (
        templates.get(language)
        or templates.get(settings.LANGUAGE_CODE)
        or next(iter(templates.values()), None)
    )


def _reply_to(ticket: Ticket | None) -> str:
    if ticket is not None and ticket.department and ticket.department.inbound_email:
        return ticket.department.inbound_email
    return settings.HELPDESK_REPLY_TO


def email_queue(
    *,
    template_key: str,
    recipient: str,
    user: User | None = None,
    ticket: Ticket | None = None,
    message: Message | None = None,
    event: TicketEvent | None = None,
    rule: AutomationRule | None = None,
    delay: timedelta = timedelta(0),
    extra_context: dict | None = None,
) -> EmailLog | None:
    """Render one email and log it as queued; return None when the same event
    already queued it for this rule and address (ConflictError when a
    concurrent run queues it at the same moment). A template that fails to
    render is logged as failed with the error: nothing disappears silently."""
    language = user.language if user else settings.LANGUAGE_CODE
    template = template_for(template_key, language)
    log_entry = EmailLog(
        recipient=recipient,
        recipient_user=user,
        template_key=template_key,
        rule=rule,
        ticket=ticket,
        event=event,
        reply_to=_reply_to(ticket),
        message_id=make_msgid(idstring=uuid.uuid4().hex[:12], domain=email_domain()),
        references=thread_root_id(ticket) if ticket else "",
        scheduled_for=timezone.now() + delay,
    )
    try:
        if template is None:
            raise TemplateError(f"There is no email template {template_key!r}.")
        rendered = render_email(
            subject=template.subject,
            body_text=template.body_text,
            body_html=template.body_html,
            context=email_context(
                ticket=ticket,
                message=message,
                recipient_name=user.get_short_name() if user else "",
                recipient_email=recipient,
                recipient_is_agent=bool(user and user.is_agent),
                extra=extra_context,
            ),
        )
    except TemplateError as error:
        log_entry.subject = template_key
        log_entry.body_text = ""
        log_entry.status = EmailLog.Status.FAILED
        log_entry.error = str(error)
    else:
        subject = rendered.subject
        if ticket is not None and f"[{ticket.reference}]" not in subject:
            subject = f"[{ticket.reference}] {subject}"
        log_entry.subject = subject
        log_entry.body_text = f"{REPLY_MARKER}\n\n{rendered.body_text}"
        log_entry.body_html = (
            f'<p style="color:#9aa0a6;font-size:12px">{REPLY_MARKER}</p>'
            f"{rendered.body_html}"
            if rendered.body_html
            else ""
        )
    queued = EmailLog.objects.filter(event=event, rule=rule, recipient=recipient)
    if event is not None and rule is not None and queued.exists():
        return None
    try:
        with atomic():
            log_entry.save()
            if log_entry.status == EmailLog.Status.FAILED:
                # Counted once the failed row is kept, not when a rolled-back
                # or repeated run renders it again.
                on_commit_robust("email_failed_count", lambda: email_finished("failed"))
    except IntegrityError as error:
        # Another run of the same dispatch queued it a moment ago. Nothing may
        # be written after a refused write (on MongoDB it aborted the whole
        # transaction), so this run fails whole; the other one queued it all.
        raise ConflictError(
            "This email was queued by another run a moment ago.",
            code="email_queued_twice",
        ) from error
    return log_entry


def event_notice_load(event_id: str) -> tuple[TicketEvent, TicketNotice] | None:
    """The ticket event (with the ticket's people and groups joined) and the
    notice it is, or None when the event is gone or sends nothing. Shared by
    every action the rules take (emails here, Teams cards in integrations)."""
    ticket_event = (
        TicketEvent.objects.select_related(
            "actor",
            "ticket__requester",
            "ticket__assignee",
            "ticket__team",
            "ticket__department",
            "ticket__organization",
        )
        .filter(pk=event_id)
        .first()
    )
    if ticket_event is None:
        return None
    notice = notice_for(ticket_event)
    return None if notice is None else (ticket_event, notice)


def notifications_dispatch(*, event_id: str) -> list[EmailLog]:
    """Turn one ticket event into queued emails, once however often it runs.

    An event that sends nothing (most do: a new ticket's SLA policy, field
    changes, notes) opens no transaction: on SQLite each one waits its turn
    at the single writer, beside the requests opening tickets."""
    loaded = event_notice_load(event_id)
    if loaded is None:
        return []
    return _dispatch(*loaded)


@atomic
def _dispatch(ticket_event: TicketEvent, notice: TicketNotice) -> list[EmailLog]:
    queued = []
    for rule in rules_for(notice):
        if not EmailTemplate.objects.filter(key=rule.template_key).exists():
            rule_disable_for_missing_template(rule=rule)
        survey_email = template_shows_survey(rule.template_key)
        for address, user in recipients_for(rule, notice):
            if opted_out(user, notice.event):
                continue
            survey = survey_context(notice, user)
            if survey_email and not survey:
                # Surveys are off, or this person is not the one to rate it:
                # an email of links that cannot be there is not sent at all.
                continue
            entry = email_queue(
                template_key=rule.template_key,
                recipient=address,
                user=user,
                ticket=notice.ticket,
                message=notice.message,
                event=ticket_event,
                rule=rule,
                delay=timedelta(minutes=rule.delay_minutes),
                extra_context={
                    "sla": {
                        "target": ticket_event.new_value,
                        "due_at": ticket_event.old_value,
                    },
                    **merge_context(notice, user),
                    **survey,
                    **satisfaction_context(notice),
                },
            )
            if entry is not None:
                queued.append(entry)
    return queued


def merge_context(notice: TicketNotice, user: User | None) -> dict:
    """``merged``, for the email about a merged ticket: the reference of the
    ticket it went into, and that ticket's subject and link only when the
    recipient may open it; someone else's ticket shows nothing of itself."""
    if notice.event != Event.TICKET_MERGED:
        return {}
    target = notice.ticket.merged_into
    visible = user is not None and permissions.can_view_ticket(user, target)
    if not visible:
        link = ""
    elif user.is_agent:
        link = absolute(target.get_agent_url())
    else:
        link = absolute(target.get_absolute_url())
    return {
        "merged": {
            "reference": target.reference,
            "visible": visible,
            "subject": target.subject if visible else "",
            "link": link,
        }
    }


def template_shows_survey(template_key: str) -> bool:
    """Whether any language of the template shows survey links."""
    return any(
        SURVEY_LINKS.search(f"{text}\n{html}")
        for text, html in EmailTemplate.objects.filter(key=template_key).values_list(
            "body_text", "body_html"
        )
    )


def survey_context(notice: TicketNotice, user: User | None) -> dict:
    """``survey``: the Good and Bad links of the satisfaction survey, for the
    ticket's requester only (a customer, while the ticket may be rated and
    surveys are on). Each carries a signed token that rates this ticket for
    this requester, and opens the survey page with the choice preselected;
    nobody else is ever given one, so the dict is empty for them."""
    ticket = notice.ticket
    if (
        user is None
        or user.is_agent
        or user.pk != ticket.requester_id
        or not satisfaction_open(ticket)
    ):
        return {}
    link = absolute(
        reverse("tickets:survey", kwargs={"token": survey_token_make(ticket)})
    )
    return {
        "survey": {
            "link": link,
            "good": f"{link}?rating=good",
            "bad": f"{link}?rating=bad",
            "days": settings.CSAT_TOKEN_MAX_AGE_DAYS,
        }
    }


def satisfaction_context(notice: TicketNotice) -> dict:
    """``satisfaction``, for the emails about a rating: what was given."""
    if notice.event not in SATISFACTION_EVENTS.values():
        return {}
    rating = satisfaction_for(notice.ticket)
    if rating is None:
        return {}
    return {
        "satisfaction": {
            "rating": rating.get_rating_display(),
            "comment": rating.comment,
        }
    }


def rule_disable_for_missing_template(*, rule: AutomationRule) -> None:
    """Turn off a rule whose template is gone (deleted outside the admin,
    which refuses it), with the reason shown in the rule list. The email
    this firing would have sent is still logged as failed, with the same
    reason, by ``email_queue``."""
    rule.active = False
    rule.disabled_reason = (
        f"Turned off on {timezone.now():%Y-%m-%d %H:%M} UTC: there is no email "
        f"template {rule.template_key!r} any more. Pick another and turn it on."
    )
    rule.save(update_fields=["active", "disabled_reason", "updated_at"])


def email_template_delete(*, template: EmailTemplate) -> None:
    """Delete a template, unless a rule would be left naming a key that no
    template has (ConflictError naming the rules): the rule must be changed
    or deleted first. Deleting one language of a key that others still have
    is always allowed."""
    with atomic():
        orphaned = rules_orphaned_by([template])
        if orphaned:
            names = ", ".join(repr(rule.name) for rule in orphaned)
            raise ConflictError(
                f"The email template {template.key!r} is used by the automation "
                f"rule(s) {names}; change them first.",
                code="template_in_use",
            )
        template.delete()


# --- Preferences ------------------------------------------------------------------


class NotAnEmailChoice(ApplicationError):
    code = "not_an_email_choice"


@atomic
def opt_outs_set(*, user: User, events: set[str]) -> None:
    """Turn off exactly ``events`` among the optional emails of the user's role
    (``selectors.email_choices_for``) and turn the rest of them on.

    An event outside the role's choices raises NotAnEmailChoice and changes
    nothing: an agent cannot opt out of customer mail, nor a customer out of
    agent mail, and essential mail (an agent's answer) is no choice at all.
    Opt-outs of events outside the choices, kept from an earlier role, stay.
    """
    choices = email_choices_for(user)
    refused = set(events) - set(choices)
    if refused:
        raise NotAnEmailChoice(
            "Not an email you can turn off: " + ", ".join(sorted(refused)) + "."
        )
    NotificationOptOut.objects.filter(user=user, event__in=choices).exclude(
        event__in=events
    ).delete()
    for event in events:
        NotificationOptOut.objects.get_or_create(user=user, event=event)
