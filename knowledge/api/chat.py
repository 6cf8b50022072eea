"""The chatbot over the API: one-off questions, and chat sessions for a widget.

Anonymous callers (no key, no session) get public articles only, their
questions and new sessions are limited per IP (KNOWLEDGE_ASK_PER_MINUTE, 429
``rate_limited``), and their sessions are reached by token alone.
KNOWLEDGE_CHAT_ANONYMOUS says whether they may chat: when it is off, every
chat-session endpoint (start, transcript, messages, feedback, handover)
refuses them with a 403 ``sign_in_to_chat``, as the chat page does, so no
session is made and no handover link is mailed. One-off questions
(``POST /chatbot/ask``) stay open to them either way, as the issue asks:
public articles only, limited per IP, and no session that could be handed
to a person or mail a link. A caller who sends credentials that do not work
gets a 401, not anonymous answers. A session's token is its secret: another
caller's session, or a made-up token, is a 404.
"""

from datetime import datetime
from typing import Literal

from django.conf import settings
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from accounts.security import client_ip, ticket_rate_limit
from helpdesk.api import ApiError
from helpdesk.api_tools import In, answers
from helpdesk.shortcuts import id_value

from ..models import ChatConversation, ChatQuestion
from ..search import ArticleHit
from ..services import chat as chat_services
from ..services import handover as handover_services
from .access import OPTIONAL_AUTH, READERS, caller

router = Router(tags=["chatbot"])


def _chat_allowed(request: HttpRequest) -> None:
    """Refuse an anonymous caller (403 ``sign_in_to_chat``) when
    KNOWLEDGE_CHAT_ANONYMOUS is off; a signed-in caller always passes.
    Checked before anything is read or written."""
    if caller(request) is None and not settings.KNOWLEDGE_CHAT_ANONYMOUS:
        raise ApiError(
            403,
            "Chat is for signed-in users here: send your API key or sign in.",
            "sign_in_to_chat",
        )


def _limit_asks(request: HttpRequest) -> None:
    """Count one question or new chat: per IP for anonymous callers, per user
    (at a higher limit) for signed-in ones; 429 past it."""
    chat_services.chat_ask_rate_limit(client_ip(request), caller(request))


# --- Shapes -------------------------------------------------------------------


class QuestionIn(In):
    question: str = Field(
        description=f"1 to {chat_services.QUESTION_MAX_CHARS:,} characters."
    )


class ArticleOut(Schema):
    id: str
    title: str
    url: str = Field(description="The article's page, site-relative.")
    score: float = Field(description="0 to 1, higher is better.")


def _articles(hits: list[ArticleHit]) -> list[dict]:
    return [
        {
            "id": str(hit.article.pk),
            "title": hit.article.title,
            "url": hit.article.get_absolute_url(),
            "score": round(hit.score, 4),
        }
        for hit in hits
    ]


class AnswerOut(Schema):
    answer: str | None = Field(
        description="The best article's opening as plain text when the bot is "
        "confident; null when it is not sure."
    )
    confident: bool
    articles: list[ArticleOut] = Field(description="Best first, at most 5.")


class SessionIn(In):
    language: str = Field("en", max_length=16)


class LineOut(Schema):
    role: Literal["visitor", "bot", "system"]
    text: str = Field(
        description="As typed for the visitor; Markdown for the bot (links "
        "site-relative); plain text for system notes."
    )
    question_id: str | None
    created_at: datetime


class SessionOut(Schema):
    token: str = Field(description="The session's secret: keep it, send it back.")
    channel: str
    created_at: datetime
    handed_over: bool
    ticket: str | None = Field(
        description="The ticket's reference once handed over, for a signed-in "
        "caller's own session; null otherwise."
    )
    messages: list[LineOut]


class MessageIn(In):
    text: str = Field(
        description=f"The question: 1 to {chat_services.QUESTION_MAX_CHARS:,} "
        "characters."
    )


class ReplyOut(AnswerOut):
    question_id: str = Field(description="For feedback on this answer.")
    text: str = Field(description="The bot's line in the transcript (Markdown).")


class FeedbackIn(In):
    helpful: bool
    question_id: str | None = Field(
        None, description="The question answered; the latest one when left out."
    )


class FeedbackOut(Schema):
    question_id: str
    feedback: Literal["helpful", "not_helpful"]


class HandoverIn(In):
    email: str = Field(
        "",
        max_length=254,
        description="Anonymous callers only: where the confirmation link goes.",
    )


class HandoverOut(Schema):
    status: Literal["ticket_opened", "confirmation_sent"]
    ticket: str | None = Field(description="The ticket's reference, once opened.")
    email: str | None = Field(description="Where the confirmation link went.")


# --- Endpoints ----------------------------------------------------------------


@router.post(
    "/chatbot/ask",
    auth=READERS,
    openapi_extra=OPTIONAL_AUTH,
    response=answers({200: AnswerOut}),
    summary="Ask the bot one question",
)
def ask(request, payload: QuestionIn):
    """Answer ``question`` from the articles the caller may read (anonymous:
    public ones): the best first, at most 5, with ``answer`` (the best
    article's opening) only when the bot is confident. The question is kept
    for the chatbot reports. 400 ``question_required`` for an empty one,
    ``question_too_long`` past the limit; 429 ``rate_limited`` for an
    anonymous caller over KNOWLEDGE_ASK_PER_MINUTE from one IP. Open to
    anonymous callers even with KNOWLEDGE_CHAT_ANONYMOUS off: a one-off
    question opens no session a person could be handed."""
    _limit_asks(request)
    user = caller(request)
    conversation = chat_services.chat_start(
        user=user, channel=ChatConversation.Channel.API
    )
    reply = chat_services.chat_ask(
        conversation=conversation,
        question=payload.question,
        limit=chat_services.ASK_ARTICLES_MAX,
    )
    return {
        "answer": reply.answer.excerpt,
        "confident": reply.answer.confident,
        "articles": _articles(reply.offered),
    }


def _session(request, token: str) -> ChatConversation:
    """The caller's session ``token`` names: 403 for an anonymous caller
    while anonymous chat is off, 404 for a token that is not theirs
    (``chat_get_for`` also answers None for one holding a NUL, which
    PostgreSQL cannot even compare)."""
    _chat_allowed(request)
    conversation = chat_services.chat_get_for(caller(request), token)
    if conversation is None:
        raise ApiError(404, "There is no such chat session.", "not_found")
    return conversation


def _session_out(request, conversation: ChatConversation) -> dict:
    user = caller(request)
    lines = conversation.messages.order_by("created_at", "id")
    return {
        "token": conversation.token,
        "channel": conversation.channel,
        "created_at": conversation.created_at,
        "handed_over": conversation.ticket_id is not None,
        "ticket": (
            conversation.ticket.reference
            if conversation.ticket_id and user is not None
            else None
        ),
        "messages": [
            {
                "role": line.role,
                "text": line.text,
                "question_id": (
                    str(line.question_id) if line.question_id is not None else None
                ),
                "created_at": line.created_at,
            }
            for line in lines
        ],
    }


@router.post(
    "/chatbot/sessions",
    auth=READERS,
    openapi_extra=OPTIONAL_AUTH,
    response=answers({201: SessionOut}),
    summary="Start a chat session",
)
def session_start(request, payload: SessionIn):
    """A new, empty session; its ``token`` reaches it from now on. Anonymous
    callers' new sessions count against their per-IP question limit (429),
    and are refused (403 ``sign_in_to_chat``) while KNOWLEDGE_CHAT_ANONYMOUS
    is off."""
    _chat_allowed(request)
    _limit_asks(request)
    conversation = chat_services.chat_start(
        user=caller(request),
        channel=ChatConversation.Channel.API,
        language=payload.language,
    )
    return Status(201, _session_out(request, conversation))


@router.get(
    "/chatbot/sessions/{token}",
    auth=READERS,
    openapi_extra=OPTIONAL_AUTH,
    response=answers({200: SessionOut}),
    summary="A chat session's transcript",
)
def session_get(request, token: str):
    """The session and every line of it, in order. 404 for a token that is
    not the caller's (a signed-in caller's sessions need their credentials,
    an anonymous one's none); 403 ``sign_in_to_chat`` for an anonymous
    caller while KNOWLEDGE_CHAT_ANONYMOUS is off."""
    return _session_out(request, _session(request, token))


@router.post(
    "/chatbot/sessions/{token}/messages",
    auth=READERS,
    openapi_extra=OPTIONAL_AUTH,
    response=answers({200: ReplyOut}),
    summary="Ask the bot in a session",
)
def session_message(request, token: str, payload: MessageIn):
    """Put ``text`` to the bot: the reply offers the best article and up to
    two others (``answer`` set only when confident), and is stored in the
    transcript. 400 ``question_required`` / ``question_too_long``; 404 for
    someone else's session; 409 ``handed_over`` once a person has it; 429
    for anonymous callers over the limit, 403 ``sign_in_to_chat`` for them
    while KNOWLEDGE_CHAT_ANONYMOUS is off."""
    conversation = _session(request, token)
    if conversation.handed_over:
        raise ApiError(
            409,
            "This chat is with a person now; start a new session to ask the bot.",
            "handed_over",
        )
    _limit_asks(request)
    reply = chat_services.chat_ask(conversation=conversation, question=payload.text)
    return {
        "question_id": str(reply.question.pk),
        "answer": reply.answer.excerpt,
        "confident": reply.answer.confident,
        "articles": _articles(reply.offered),
        "text": reply.message.text,
    }


@router.post(
    "/chatbot/sessions/{token}/feedback",
    auth=READERS,
    openapi_extra=OPTIONAL_AUTH,
    response=answers({200: FeedbackOut}),
    summary="Say whether the answer helped",
)
def session_feedback(request, token: str, payload: FeedbackIn):
    """Record "did that answer your question?" for ``question_id`` (the
    latest question when left out). 404 for someone else's session or a
    question not in it; 409 ``no_question`` before any question; 403
    ``sign_in_to_chat`` for an anonymous caller while
    KNOWLEDGE_CHAT_ANONYMOUS is off."""
    conversation = _session(request, token)
    questions = conversation.questions.select_related("conversation")
    if payload.question_id is None:
        question = questions.order_by("-created_at").first()
        if question is None:
            raise ApiError(409, "Nothing was asked yet.", "no_question")
    else:
        wanted = id_value(ChatQuestion, payload.question_id)
        question = questions.filter(pk=wanted).first() if wanted else None
        if question is None:
            raise ApiError(404, "There is no such question here.", "not_found")
    question = chat_services.chat_feedback(question=question, helpful=payload.helpful)
    return {"question_id": str(question.pk), "feedback": question.feedback}


@router.post(
    "/chatbot/sessions/{token}/handover",
    auth=READERS,
    openapi_extra=OPTIONAL_AUTH,
    response=answers({200: HandoverOut}),
    summary="Talk to a person",
)
def session_handover(request, token: str, payload: HandoverIn):
    """Hand the session to a person. A signed-in customer: a ticket (channel
    ``chat``, the transcript its first message) is opened now, once; a
    second call returns it. Anonymous: ``email`` is required (400
    ``email_required`` / ``invalid_email``) and gets a link that opens the
    ticket when followed (``confirmation_sent``); limited per IP and per
    address (429); a customer's new ticket counts against the new-ticket
    limits (RATE_LIMIT_TICKETS_PER_ADDRESS / _PER_IP, 429). 400
    ``agents_do_not_hand_over`` for agents; 404 for
    someone else's session; 403 ``sign_in_to_chat`` for an anonymous caller
    while KNOWLEDGE_CHAT_ANONYMOUS is off (nothing is mailed)."""
    conversation = _session(request, token)
    user = caller(request)
    if conversation.ticket_id is None:
        if user is None:
            handover_services.chat_handover_rate_limit(
                client_ip(request), payload.email
            )
        elif user.is_customer:
            ticket_rate_limit(request, address=user.email, per_ip=True)
    outcome = handover_services.chat_handover(
        conversation=conversation, email=payload.email
    )
    if outcome.mailed:
        return {"status": "confirmation_sent", "ticket": None, "email": outcome.email}
    return {
        "status": "ticket_opened",
        "ticket": outcome.ticket.reference if user is not None else None,
        "email": None,
    }
