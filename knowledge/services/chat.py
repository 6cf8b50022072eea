"""The chatbot: answering from the articles the asker may read, and handing a
conversation over to a person.

The bot only answers through ``knowledge.search.article_search`` with the
conversation's own user (None: public articles only), so an article an asker
may not read never reaches them in an answer, a suggestion or a link.

Each bot line is stored as Markdown the bot wrote itself (titles and excerpts
escaped, links site-relative); a visitor's line is stored as typed and escaped
whenever it is put into Markdown (``markdown_escape``), so their text is only
ever shown as text.

Handover: a signed-in customer's chat becomes a ticket (channel ``chat``)
at once, its first message the whole transcript. An anonymous visitor gives
an email address first; nothing is opened in that address's name until its
owner follows a signed, expiring link mailed to it (``chat_handover_confirm``).
Following the link proves the address: an account made for it that nobody can
sign in to yet (no password) is marked confirmed; an account that signed
itself up with a password is left to its own confirmation link, so whoever
chose that password gains nothing from the chat.
"""

import re
from dataclasses import dataclass
from datetime import UTC, timedelta
from html import unescape

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.html import strip_tags

from accounts.models import User, normalize_email_address
from accounts.services.users import customer_get_or_create, user_confirm_email
from helpdesk.db import atomic
from helpdesk.errors import ApplicationError
from helpdesk.ratelimit import rate_limit_hit
from tickets.models import Ticket
from tickets.services.tickets import ticket_create

from ..models import Article, ChatConversation, ChatMessage, ChatQuestion
from ..search import ArticleHit, article_search, is_confident

QUESTION_MAX_CHARS = 1000
# The chat offers the best article and this many others.
CHAT_SUGGESTIONS = 2
# The API's ``ask`` lists at most this many articles.
ASK_ARTICLES_MAX = 5
EXCERPT_MAX_CHARS = 320
EXCERPT_SENTENCES = 3
SUBJECT_MAX_CHARS = 120
HANDOVER_SALT = "knowledge.chat.handover"
HANDOVER_LINK_MAX_AGE = timedelta(days=3)

Role = ChatMessage.Role
Feedback = ChatQuestion.Feedback

NOT_SURE = "I'm not sure I have the answer to that."
ASK_FEEDBACK = "Did that answer your question?"


class ChatError(ApplicationError):
    code = "invalid_chat"


class HandoverLinkInvalid(ChatError):
    code = "handover_link_invalid"


# --- Answers ------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """What the bot found for a question: ``hits`` best first;
    ``excerpt`` is the best article's opening (plain text) when ``confident``,
    else None."""

    hits: list[ArticleHit]
    confident: bool
    excerpt: str | None


_MARKDOWN_INLINE = re.compile(r"([\\`*_\[\]~|&])")
_MARKDOWN_LINE_START = re.compile(r"^(\s*)(?:([#>+=-])|(\d+)([.)]))", re.MULTILINE)


def markdown_escape(text: str) -> str:
    """``text`` as Markdown that shows exactly ``text``: the marks that open
    emphasis, code, links, tables or entities are backslash-escaped
    everywhere, the ones that open headings, quotes and lists at the start
    of a line, and ``<`` is an entity (so no raw HTML or autolink). Commas,
    quotes and full stops mid-line stay as they are, so the Markdown still
    reads as text in a plain-text email."""
    escaped = _MARKDOWN_INLINE.sub(r"\\\1", text).replace("<", "&lt;")
    return _MARKDOWN_LINE_START.sub(
        lambda found: (
            found[1] + (f"\\{found[2]}" if found[2] else f"{found[3]}\\{found[4]}")
        ),
        escaped,
    )


def article_excerpt(article: Article, *, max_chars: int = EXCERPT_MAX_CHARS) -> str:
    """The first two or three sentences of ``article`` as plain text, at most
    about ``max_chars`` characters (a longer first sentence is cut with an
    ellipsis)."""
    text = " ".join(unescape(strip_tags(str(article.html))).split())
    sentences = re.split(r"(?<=[.!?])\s+", text)
    kept: list[str] = []
    for sentence in sentences[:EXCERPT_SENTENCES]:
        if kept and len(" ".join([*kept, sentence])) > max_chars:
            break
        kept.append(sentence)
    excerpt = " ".join(kept)
    if len(excerpt) > max_chars:
        excerpt = excerpt[: max_chars - 1].rsplit(" ", 1)[0] + "…"
    return excerpt


def chat_answer(*, user: User | None, question: str, limit: int) -> Answer:
    """Search the articles ``user`` may read (None: public ones) for
    ``question``; no writes. Raises ChatError for an empty question or one
    over ``QUESTION_MAX_CHARS``."""
    question = _clean_question(question)
    hits = article_search(user=user, query=question, limit=limit)
    confident = is_confident(hits)
    excerpt = article_excerpt(hits[0].article) if confident else None
    return Answer(hits=hits, confident=confident, excerpt=excerpt)


def _clean_question(question: str) -> str:
    question = (question or "").strip()
    if not question:
        raise ChatError("Type a question first.", code="question_required")
    if len(question) > QUESTION_MAX_CHARS:
        raise ChatError(
            f"Questions are limited to {QUESTION_MAX_CHARS:,} characters.",
            code="question_too_long",
        )
    return question


def _link(article: Article) -> str:
    return f"[{markdown_escape(article.title)}]({article.get_absolute_url()})"


def _reply_markdown(answer: Answer, offered: list[ArticleHit]) -> str:
    """The bot's line for an answer, as Markdown."""
    if not offered:
        return (
            "Sorry, I couldn't find anything about that in our help center. "
            "Try asking in other words, or talk to a person."
        )
    if answer.confident:
        best, others = offered[0], offered[1:]
        parts = [
            f"This article should answer it: **{_link(best.article)}**",
            "> " + markdown_escape(answer.excerpt or ""),
        ]
        if others:
            parts.append(
                "Related articles:\n"
                + "\n".join(f"- {_link(hit.article)}" for hit in others)
            )
        parts.append(ASK_FEEDBACK)
        return "\n\n".join(parts)
    return "\n\n".join(
        [
            f"{NOT_SURE} These articles might help:",
            "\n".join(f"- {_link(hit.article)}" for hit in offered),
            "Did any of them answer your question? If not, you can talk to a person.",
        ]
    )


# --- Conversations ----------------------------------------------------------


@atomic
def chat_start(
    *, user: User | None, channel: str, language: str = "en"
) -> ChatConversation:
    """A new conversation for ``user`` (None: an anonymous visitor, who then
    holds its ``token``). Raises ChatError for an unknown channel."""
    if channel not in ChatConversation.Channel.values:
        raise ChatError(f"Unknown channel {channel!r}.", code="bad_channel")
    if user is not None and not user.is_authenticated:
        user = None
    return ChatConversation.objects.create(
        user=user,
        channel=channel,
        language=(language or "en").strip().lower()[:16] or "en",
    )


@dataclass(frozen=True)
class BotReply:
    """The stored question, the bot's stored line, and what it found."""

    question: ChatQuestion
    message: ChatMessage
    answer: Answer
    offered: list[ArticleHit]


def _touch(conversation: ChatConversation) -> None:
    conversation.updated_at = timezone.now()
    conversation.save(update_fields=["updated_at"])


@atomic
def chat_ask(
    *, conversation: ChatConversation, question: str, limit: int = 1 + CHAT_SUGGESTIONS
) -> BotReply:
    """Put ``question`` to the bot in ``conversation``: stores the visitor's
    line, a ChatQuestion (best article, score, confidence, the others
    offered) and the bot's reply (the best article's excerpt and link and up
    to ``limit - 1`` others, or "not sure" and what might help, or nothing).
    Answers only from articles the conversation's user may read. Raises
    ChatError for an empty or over-long question."""
    text = _clean_question(question)
    answer = chat_answer(user=conversation.user, question=text, limit=limit)
    offered = answer.hits[:limit]
    best = offered[0] if offered else None
    asked = ChatQuestion.objects.create(
        conversation=conversation,
        text=text,
        article=best.article if best else None,
        score=best.score if best else 0.0,
        confident=answer.confident,
        suggested_ids=" ".join(str(hit.article.pk) for hit in offered[1:]),
    )
    ChatMessage.objects.create(
        conversation=conversation, role=Role.VISITOR, text=text, question=asked
    )
    line = ChatMessage.objects.create(
        conversation=conversation,
        role=Role.BOT,
        text=_reply_markdown(answer, offered),
        question=asked,
    )
    _touch(conversation)
    return BotReply(question=asked, message=line, answer=answer, offered=offered)


@atomic
def chat_feedback(*, question: ChatQuestion, helpful: bool) -> ChatQuestion:
    """Record whether the bot's answer to ``question`` helped, with the
    visitor's "Yes" or "No" and the bot's response in the transcript. A
    second answer replaces the first."""
    question.feedback = Feedback.HELPFUL if helpful else Feedback.NOT_HELPFUL
    question.save(update_fields=["feedback"])
    conversation = question.conversation
    if helpful:
        said, reply = "Yes, thanks", "Glad that helped! Anything else?"
    else:
        said = "No, that didn't help"
        reply = (
            "Sorry about that. Try asking in other words, or talk to a person: "
            "they will see this conversation."
        )
    ChatMessage.objects.create(
        conversation=conversation, role=Role.VISITOR, text=said, question=question
    )
    ChatMessage.objects.create(
        conversation=conversation, role=Role.BOT, text=reply, question=question
    )
    _touch(conversation)
    return question


# --- Handing over -------------------------------------------------------------

_RELATIVE_LINK = re.compile(r"\]\((/[^)\s]*)\)")


def _absolute_links(markdown: str) -> str:
    base = settings.SITE_URL.rstrip("/")
    return _RELATIVE_LINK.sub(lambda found: f"]({base}{found[1]})", markdown)


def chat_transcript_markdown(conversation: ChatConversation) -> str:
    """The whole conversation as readable Markdown (a ticket's first
    message): one paragraph per line, who said it and when (UTC), the
    visitor's words escaped so they show as typed, the bot's links absolute."""
    lines = list(conversation.messages.order_by("created_at", "id"))
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
    first = conversation.questions.order_by("created_at").first()
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
    address that is not one.
    """
    if conversation.ticket_id is not None:
        return Handover(ticket=conversation.ticket)
    user = conversation.user
    if user is not None:
        if user.is_agent:
            raise ChatError(
                "Agents can try the bot, but only customers hand a chat over.",
                code="agents_do_not_hand_over",
            )
        return Handover(ticket=_open_ticket(conversation, user))
    address = _valid_address(email)
    conversation.visitor_email = address
    conversation.save(update_fields=["visitor_email", "updated_at"])
    ChatMessage.objects.create(
        conversation=conversation,
        role=Role.SYSTEM,
        text=f"A link to pass this chat to a person was sent to {address}.",
    )
    token, conversation_id = conversation.token, str(conversation.pk)
    transaction.on_commit(
        lambda: _queue_link(conversation_id, handover_link_sign(token, address)),
        robust=True,
    )
    return Handover(ticket=None, email=address)


def _queue_link(conversation_id: str, signed: str) -> None:
    from ..tasks import send_chat_handover_link

    send_chat_handover_link.delay(conversation_id, signed)


def _valid_address(email: str) -> str:
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


def handover_link_sign(token: str, email: str) -> str:
    """The signed value in a handover link: the chat's token and the address."""
    return signing.dumps({"t": token, "e": email}, salt=HANDOVER_SALT)


def handover_link_read(signed: str) -> tuple[ChatConversation, str]:
    """The conversation and address a handover link names. Raises
    HandoverLinkInvalid for a forged, altered or expired link, or one whose
    conversation is gone."""
    try:
        data = signing.loads(
            signed,
            salt=HANDOVER_SALT,
            max_age=HANDOVER_LINK_MAX_AGE.total_seconds(),
        )
        token, email = str(data["t"]), str(data["e"])
    except (signing.BadSignature, KeyError, TypeError) as error:
        raise HandoverLinkInvalid(
            "This link is not valid or has expired. Start the chat again and "
            "ask for a new one."
        ) from error
    conversation = (
        ChatConversation.objects.filter(token=token, user__isnull=True)
        .select_related("ticket")
        .first()
    )
    if conversation is None:
        raise HandoverLinkInvalid(
            "This chat is no longer stored. Start a new one, or open a request."
        )
    return conversation, email


@atomic
def chat_handover_confirm(*, signed: str) -> Ticket:
    """The owner of the address followed the handover link: open the ticket
    in that address's name (an account is made for a new address) with the
    transcript, and return it; a link followed again returns the same ticket.
    An unconfirmed account without a password is marked confirmed (the link
    proved the address); one with a password is left to its own link.
    Raises HandoverLinkInvalid, or ChatError for a deactivated account."""
    conversation, email = handover_link_read(signed)
    if conversation.ticket is not None:
        return conversation.ticket
    requester, _ = customer_get_or_create(email=email)
    if not requester.is_active:
        raise ChatError(
            "This address's account is closed; contact us another way.",
            code="account_inactive",
        )
    if not requester.email_verified and not requester.has_usable_password():
        requester = user_confirm_email(user=requester)
    conversation.visitor_email = email
    conversation.save(update_fields=["visitor_email", "updated_at"])
    return _open_ticket(conversation, requester)


# --- Reads and limits ---------------------------------------------------------


def chat_get_for(user: User | None, token: str) -> ChatConversation | None:
    """The conversation ``token`` names if it is ``user``'s (an anonymous
    caller: only anonymous ones), else None: someone else's chat is as
    unknown as a made-up token."""
    if not token or len(token) > 64:
        return None
    owner = user if user is not None and user.is_authenticated else None
    found = ChatConversation.objects.filter(token=token).select_related("ticket")
    found = found.filter(user=owner) if owner else found.filter(user__isnull=True)
    return found.first()


def chat_ask_rate_limit(ip: str) -> None:
    """Count one anonymous question (or new chat) from ``ip``; raises
    RateLimited (429) past ``KNOWLEDGE_ASK_PER_MINUTE`` a minute."""
    rate_limit_hit(
        scope="chat-ask",
        subjects={"ip": (ip, settings.KNOWLEDGE_ASK_PER_MINUTE)},
        window_seconds=60,
        message="You are asking faster than the bot can answer; wait a minute.",
    )


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
