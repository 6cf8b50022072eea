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
    line = bot_line_add(
        conversation=conversation, text=_reply_markdown(answer, offered), question=asked
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
    bot_line_add(conversation=conversation, text=reply, question=question)
    _touch(conversation)
    return question


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
