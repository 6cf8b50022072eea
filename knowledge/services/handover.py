"""Handing a chat over to a person.

A signed-in customer's chat becomes a ticket (channel ``chat``) at once, its
first message the whole transcript. An anonymous visitor gives an email
address first; nothing is opened in that address's name until its owner
follows a signed, expiring link mailed to it (``chat_handover_confirm``).
The link carries a random one-use key (``ChatConversation.handover_key``),
never the chat's token; its page shows the chat as it was when the link was
mailed, and only those lines are sent (later ones stay with the bot). One
chat goes to one address: while a link is out, a link for another address
is refused, and a chat passed to a person is never passed again.
Following the link proves the address: an account made for it that nobody
can sign in to yet (no password) is marked confirmed; an account that signed
itself up with a password is left to its own confirmation link, so whoever
chose that password gains nothing from the chat.
"""

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from accounts.models import User, normalize_email_address
from accounts.services.users import customer_get_or_create, user_confirm_email
from helpdesk.db import atomic
from helpdesk.ratelimit import rate_limit_hit
from tickets.models import Ticket
from tickets.services.tickets import ticket_create

from ..models import ChatConversation, ChatMessage
from .chat import ChatError, Role, markdown_escape

HANDOVER_SALT = "knowledge.chat.handover"
HANDOVER_LINK_MAX_AGE = timedelta(days=3)
SUBJECT_MAX_CHARS = 120


class HandoverLinkInvalid(ChatError):
    code = "handover_link_invalid"


class HandoverRefused(ChatError):
    """An anonymous chat that cannot go to this address: it went to a
    person already, or its link is out to another address (409)."""

    status_code = 409


# --- Handing over -------------------------------------------------------------

_RELATIVE_LINK = re.compile(r"\]\((/[^)\s]*)\)")


def _absolute_links(markdown: str) -> str:
    base = settings.SITE_URL.rstrip("/")
    return _RELATIVE_LINK.sub(lambda found: f"]({base}{found[1]})", markdown)


def handover_lines(conversation: ChatConversation) -> list[ChatMessage]:
    """The lines a handover sends, in order: for an anonymous chat whose
    link was mailed, those up to the moment it was mailed (the visitor may
    chat on; the address's owner sends what they were shown); else all."""
    lines = conversation.messages.order_by("created_at", "id")
    if conversation.user_id is None and conversation.handover_requested_at:
        lines = lines.filter(created_at__lte=conversation.handover_requested_at)
    return list(lines)


def chat_transcript_markdown(conversation: ChatConversation) -> str:
    """The conversation as readable Markdown (a ticket's first message): the
    ``handover_lines``, one paragraph each, who said it and when (UTC), the
    visitor's words escaped so they show as typed, the bot's links absolute."""
    lines = handover_lines(conversation)
    if conversation.user is not None:
        visitor = conversation.user.display_name
    else:
        visitor = conversation.visitor_email or "Visitor"
    started = conversation.created_at.astimezone(UTC)
    parts = [
        f"**Chat with the help bot** ({conversation.get_channel_display()}, "
        f"started {started:%Y-%m-%d %H:%M} UTC)"
    ]
    for line in lines:
        at = line.created_at.astimezone(UTC)
        if line.role == Role.VISITOR:
            who, text = markdown_escape(visitor), markdown_escape(line.text)
        elif line.role == Role.BOT:
            who, text = "Bot", _absolute_links(line.text)
        else:
            who, text = "Note", markdown_escape(line.text)
        parts.append(f"**{who}** · {at:%H:%M}\n{text}")
    return "\n\n---\n\n".join(parts)


def _subject(conversation: ChatConversation) -> str:
    questions = conversation.questions.order_by("created_at")
    if conversation.user_id is None and conversation.handover_requested_at:
        questions = questions.filter(created_at__lte=conversation.handover_requested_at)
    first = questions.first()
    if first is None:
        return "Chat with the help bot"
    text = " ".join(first.text.split())
    if len(text) > SUBJECT_MAX_CHARS:
        text = text[: SUBJECT_MAX_CHARS - 1].rsplit(" ", 1)[0] + "…"
    return text


def _open_ticket(conversation: ChatConversation, requester: User) -> Ticket:
    """Claim the conversation, then open its ticket, in the caller's
    transaction. The claim is a conditional update: of two handovers at
    once, the second finds it claimed (on PostgreSQL it waits for the first
    to commit) and returns the first one's ticket."""
    now = timezone.now()
    claimed = ChatConversation.objects.filter(
        pk=conversation.pk, handed_over_at__isnull=True
    ).update(handed_over_at=now, updated_at=now)
    if not claimed:
        conversation.refresh_from_db()
        if conversation.ticket is None:
            raise ChatError(
                "This chat is being passed to a person already.", code="handover_busy"
            )
        return conversation.ticket
    ChatMessage.objects.create(
        conversation=conversation,
        role=Role.SYSTEM,
        text="Passed to a person.",
        created_at=now,
    )
    ticket = ticket_create(
        requester=requester,
        subject=_subject(conversation),
        body=chat_transcript_markdown(conversation),
        channel=Ticket.Channel.CHAT,
    )
    conversation.ticket = ticket
    conversation.handed_over_at = now
    conversation.save(update_fields=["ticket", "handed_over_at", "updated_at"])
    return ticket


@dataclass(frozen=True)
class Handover:
    """The outcome of "Talk to a person": a ticket opened (or the one opened
    before), or a confirmation link mailed to ``email``."""

    ticket: Ticket | None
    email: str = ""

    @property
    def mailed(self) -> bool:
        return self.ticket is None


@atomic
def chat_handover(*, conversation: ChatConversation, email: str = "") -> Handover:
    """ "Talk to a person".

    A signed-in customer's conversation: opens a ticket (channel ``chat``,
    requester the customer, subject the first question, first message the
    transcript) and links it; a conversation handed over already returns its
    ticket, so a second handover opens nothing. An anonymous conversation:
    needs ``email`` (ChatError otherwise), stores it and a note in the
    transcript, and after commit mails a signed link to it that expires in
    ``HANDOVER_LINK_MAX_AGE``; no ticket yet. Raises ChatError for agents
    (they answer tickets, they do not open chats as customers) and for an
    address that is not one; HandoverRefused (409) for an anonymous chat
    handed over already, or with a link out to another address (the same
    address again gets a new link; the old one stops working).
    """
    user = conversation.user
    if user is not None:
        if conversation.ticket_id is not None:
            return Handover(ticket=conversation.ticket)
        if user.is_agent:
            raise ChatError(
                "Agents can try the bot, but only customers hand a chat over.",
                code="agents_do_not_hand_over",
            )
        return Handover(ticket=_open_ticket(conversation, user))
    if conversation.handed_over:
        # Its ticket is the address owner's business, not this visitor's.
        raise HandoverRefused(
            "This chat was passed to a person already. Start a new chat to "
            "ask something else.",
            code="handed_over",
        )
    address = _valid_address(email)
    now = timezone.now()
    if (
        handover_link_pending(conversation, now=now)
        and conversation.visitor_email != address
    ):
        raise HandoverRefused(
            f"A link for this chat went to {conversation.visitor_email} already. "
            "Open it, or start over to use another address.",
            code="handover_pending",
        )
    key = secrets.token_urlsafe(24)
    conversation.visitor_email = address
    conversation.handover_key = key
    conversation.handover_requested_at = now
    conversation.updated_at = now
    conversation.save(
        update_fields=[
            "visitor_email",
            "handover_key",
            "handover_requested_at",
            "updated_at",
        ]
    )
    ChatMessage.objects.create(
        conversation=conversation,
        role=Role.SYSTEM,
        text=f"A link to pass this chat to a person was sent to {address}.",
        created_at=now,
    )
    conversation_id = str(conversation.pk)
    transaction.on_commit(
        lambda: _queue_link(conversation_id, handover_link_sign(key)),
        robust=True,
    )
    return Handover(ticket=None, email=address)


def handover_link_pending(conversation: ChatConversation, *, now=None) -> bool:
    """Whether a handover link for ``conversation`` is out and not expired
    (nor used: a chat handed over has none pending)."""
    if conversation.handed_over or not conversation.handover_key:
        return False
    if conversation.handover_requested_at is None:
        return False
    now = now or timezone.now()
    return conversation.handover_requested_at + HANDOVER_LINK_MAX_AGE > now


def _queue_link(conversation_id: str, signed: str) -> None:
    from ..tasks import send_chat_handover_link

    send_chat_handover_link.delay(conversation_id, signed)


def handover_address(email: str) -> str:
    """``email`` normalised, as a handover's address; raises ChatError
    (``email_required``, ``invalid_email``) when there is none or it is not
    an address."""
    return _valid_address(email)


def _valid_address(email: str) -> str:
    if "\x00" in (email or ""):
        raise ChatError("That is not an email address.", code="invalid_email")
    address = normalize_email_address((email or "").strip())
    if not address:
        raise ChatError(
            "Give your email address so that a person can answer you.",
            code="email_required",
        )
    try:
        validate_email(address)
    except DjangoValidationError as error:
        raise ChatError(
            "That is not an email address.", code="invalid_email"
        ) from error
    return address


def handover_link_sign(key: str) -> str:
    """The signed value in a handover link: the conversation's random
    ``handover_key`` (not its token, not the address), signed with the time
    so that it expires."""
    return signing.dumps({"k": key}, salt=HANDOVER_SALT)


def handover_link_read(signed: str) -> tuple[ChatConversation, str]:
    """The conversation a handover link names and the address it was mailed
    to. Raises HandoverLinkInvalid for a forged, altered or expired link,
    one replaced by a newer link, or one whose conversation is gone."""
    try:
        data = signing.loads(
            signed,
            salt=HANDOVER_SALT,
            max_age=HANDOVER_LINK_MAX_AGE.total_seconds(),
        )
        key = str(data["k"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as error:
        raise HandoverLinkInvalid(
            "This link is not valid or has expired. Start the chat again and "
            "ask for a new one."
        ) from error
    conversation = (
        ChatConversation.objects.filter(handover_key=key, user__isnull=True)
        .exclude(handover_key="")
        .select_related("ticket")
        .first()
        if key and "\x00" not in key
        else None
    )
    if conversation is None:
        raise HandoverLinkInvalid(
            "This link no longer works: the chat is gone, or a newer link was "
            "sent for it. Start a new chat, or open a request."
        )
    return conversation, conversation.visitor_email


@atomic
def chat_handover_confirm(*, signed: str) -> Ticket:
    """The owner of the address followed the handover link: open the ticket
    in that address's name (an account is made for a new address) with the
    lines up to the moment the link was mailed, and return it. The key is
    used once: a second post of the same link returns the same ticket (a
    double click), and nothing else.
    An unconfirmed account without a password is marked confirmed (the link
    proved the address); one with a password is left to its own link.
    Raises HandoverLinkInvalid, or ChatError for a deactivated account."""
    conversation, email = handover_link_read(signed)
    if conversation.ticket is not None:
        return conversation.ticket
    if conversation.handed_over:
        raise ChatError(
            "This chat is being passed to a person already.", code="handover_busy"
        )
    requester, _ = customer_get_or_create(email=email)
    if not requester.is_active:
        raise ChatError(
            "This address's account is closed; contact us another way.",
            code="account_inactive",
        )
    if not requester.email_verified and not requester.has_usable_password():
        requester = user_confirm_email(user=requester)
    return _open_ticket(conversation, requester)


def chat_handover_rate_limit(ip: str, email: str) -> None:
    """Count one handover email against the address and the client IP, with
    the limits of sign-ups (RATE_LIMIT_REGISTRATIONS_PER_ADDRESS and _PER_IP
    an hour) but its own counters; raises RateLimited (429)."""
    rate_limit_hit(
        scope="chat-handover",
        subjects={
            "address": (
                normalize_email_address(email or ""),
                settings.RATE_LIMIT_REGISTRATIONS_PER_ADDRESS,
            ),
            "ip": (ip, settings.RATE_LIMIT_REGISTRATIONS_PER_IP),
        },
        message="Too many requests for this address or from your network. "
        "Please wait an hour and try again.",
    )
