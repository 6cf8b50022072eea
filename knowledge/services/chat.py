"""The chatbot: answering from the articles the asker may read
(handing a conversation over to a person is ``knowledge.services.handover``).

The bot only answers through ``knowledge.search.article_search`` with the
conversation's own user (None: public articles only), so an article an asker
may not read never reaches them in an answer, a suggestion or a link.

Each bot line is stored as Markdown the bot wrote itself (titles and excerpts
escaped, links site-relative); a visitor's line is stored as typed and escaped
whenever it is put into Markdown (``markdown_escape``), so their text is only
ever shown as text.
"""

import re
from dataclasses import dataclass
from html import unescape

from django.conf import settings
from django.utils import timezone
from django.utils.html import strip_tags

from accounts.models import User
from helpdesk.db import atomic
from helpdesk.errors import ApplicationError
from helpdesk.ratelimit import rate_limit_hit
from helpdesk.rendering import render_markdown

from ..models import Article, ChatConversation, ChatMessage, ChatQuestion
from ..search import ArticleHit, article_search, is_confident

QUESTION_MAX_CHARS = 1000
# The chat offers the best article and this many others.
CHAT_SUGGESTIONS = 2
# The API's ``ask`` lists at most this many articles.
ASK_ARTICLES_MAX = 5
EXCERPT_MAX_CHARS = 320
EXCERPT_SENTENCES = 3

Role = ChatMessage.Role
Feedback = ChatQuestion.Feedback

NOT_SURE = "I'm not sure I have the answer to that."
ASK_FEEDBACK = "Did that answer your question?"


class ChatError(ApplicationError):
    code = "invalid_chat"


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
    question = question_clean(question)
    hits = article_search(user=user, query=question, limit=limit)
    confident = is_confident(hits)
    excerpt = article_excerpt(hits[0].article) if confident else None
    return Answer(hits=hits, confident=confident, excerpt=excerpt)


def question_clean(question: str) -> str:
    """``question`` stripped; raises ChatError when it is empty
    (``question_required``), too long (``question_too_long``) or holds a NUL
    character (``question_invalid``)."""
    question = (question or "").strip()
    if not question:
        raise ChatError("Type a question first.", code="question_required")
    if "\x00" in question:
        raise ChatError(
            "Your question has a character we cannot store (NUL); "
            "type it again without it.",
            code="question_invalid",
        )
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
        language=(language or "en").replace("\x00", "").strip().lower()[:16] or "en",
    )


@dataclass(frozen=True)
class BotReply:
    """The stored question, the bot's stored line, and what it found."""

    question: ChatQuestion
    message: ChatMessage
    answer: Answer
    offered: list[ArticleHit]


def bot_line_add(
    *, conversation: ChatConversation, text: str, question: ChatQuestion | None
) -> ChatMessage:
    """Store a bot line: its Markdown, and its HTML rendered once, here, by
    the one safe renderer (pages show the stored HTML, never render again)."""
    return ChatMessage.objects.create(
        conversation=conversation,
        role=Role.BOT,
        text=text,
        html=render_markdown(text),
        question=question,
    )


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
    text = question_clean(question)
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
    line = bot_line_add(
        conversation=conversation, text=_reply_markdown(answer, offered), question=asked
    )
    _touch(conversation)
    return BotReply(question=asked, message=line, answer=answer, offered=offered)


FEEDBACK_LINES = {
    True: ("Yes, thanks", "Glad that helped! Anything else?"),
    False: (
        "No, that didn't help",
        "Sorry about that. Try asking in other words, or talk to a person: "
        "they will see this conversation.",
    ),
}


@atomic
def chat_feedback(*, question: ChatQuestion, helpful: bool) -> ChatQuestion:
    """Record whether the bot's answer to ``question`` helped, with the
    visitor's "Yes" or "No" and the bot's response in the transcript. The
    same answer again changes nothing; a changed answer replaces the first
    and rewrites its two lines in place (the transcript never grows by
    clicking)."""
    wanted = Feedback.HELPFUL if helpful else Feedback.NOT_HELPFUL
    if question.feedback == wanted:
        return question
    said, reply = FEEDBACK_LINES[helpful]
    conversation = question.conversation
    if question.feedback != Feedback.NONE:
        old_said, old_reply = FEEDBACK_LINES[question.feedback == Feedback.HELPFUL]
        # The latest such lines: a question typed as "Yes, thanks" stays.
        lines = ChatMessage.objects.filter(question=question).order_by(
            "-created_at", "-id"
        )
        said_line = lines.filter(role=Role.VISITOR, text=old_said).first()
        reply_line = lines.filter(role=Role.BOT, text=old_reply).first()
        if said_line is not None:
            said_line.text = said
            said_line.save(update_fields=["text"])
        if reply_line is not None:
            reply_line.text, reply_line.html = reply, render_markdown(reply)
            reply_line.save(update_fields=["text", "html"])
    else:
        ChatMessage.objects.create(
            conversation=conversation, role=Role.VISITOR, text=said, question=question
        )
        bot_line_add(conversation=conversation, text=reply, question=question)
    question.feedback = wanted
    question.save(update_fields=["feedback"])
    _touch(conversation)
    return question


# --- Reads and limits ---------------------------------------------------------


def chat_get_for(user: User | None, token: str) -> ChatConversation | None:
    """The conversation ``token`` names if it is ``user``'s (an anonymous
    caller: only anonymous ones), else None: someone else's chat is as
    unknown as a made-up token."""
    if not token or len(token) > 64 or "\x00" in token:
        return None
    owner = user if user is not None and user.is_authenticated else None
    found = ChatConversation.objects.filter(token=token).select_related("ticket")
    found = found.filter(user=owner) if owner else found.filter(user__isnull=True)
    return found.first()


# A signed-in asker is known, so gets this many times the anonymous limit.
SIGNED_IN_ASK_FACTOR = 5


def chat_ask_rate_limit(ip: str, user: User | None = None) -> None:
    """Count one question (or new chat). Anonymous (``user`` None): against
    ``ip``, ``KNOWLEDGE_ASK_PER_MINUTE`` a minute; signed in: against the
    user, ``SIGNED_IN_ASK_FACTOR`` times that. Raises RateLimited (429)."""
    if user is not None and user.is_authenticated:
        subjects = {
            "user": (
                str(user.pk),
                settings.KNOWLEDGE_ASK_PER_MINUTE * SIGNED_IN_ASK_FACTOR,
            )
        }
    else:
        subjects = {"ip": (ip, settings.KNOWLEDGE_ASK_PER_MINUTE)}
    rate_limit_hit(
        scope="chat-ask",
        subjects=subjects,
        window_seconds=60,
        message="You are asking faster than the bot can answer; wait a minute.",
    )
