"""The chat panel: a page of its own (/help/chat/) and the same panel in the
launcher on help-center pages.

Every action is a plain form post that redirects back to the page; htmx
posts (and the launcher's) get the panel's partial instead. An anonymous
visitor's conversation is held by its token in the session; nobody reaches
a conversation that is not theirs. Anonymous visitors chat only while
KNOWLEDGE_CHAT_ANONYMOUS is on.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.security import client_ip, ticket_rate_limit
from helpdesk.errors import ApplicationError
from helpdesk.ratelimit import RateLimited
from helpdesk.shortcuts import id_value

from ..models import ChatConversation, ChatMessage, ChatQuestion
from ..services import chat as chat_services
from ..services import handover as handover_services

SESSION_KEY = "knowledge_chat_token"


def chat_allowed(user) -> bool:
    """Who gets the chat: anyone signed in; anonymous visitors while
    KNOWLEDGE_CHAT_ANONYMOUS is on."""
    return bool(user.is_authenticated or settings.KNOWLEDGE_CHAT_ANONYMOUS)


def _asker(request: HttpRequest):
    return request.user if request.user.is_authenticated else None


def _current(request: HttpRequest) -> ChatConversation | None:
    return chat_services.chat_get_for(
        _asker(request), request.session.get(SESSION_KEY, "")
    )


def _embedded(request: HttpRequest) -> bool:
    return (request.POST.get("embed") or request.GET.get("embed")) == "1"


def panel_context(
    request: HttpRequest,
    conversation: ChatConversation | None,
    *,
    error: str = "",
    email: str = "",
    embed: bool = False,
) -> dict:
    """What the panel partial shows: the transcript, whether to ask "Did
    that answer it?" (the latest question offered an article and has no
    answer yet), and how "Talk to a person" works for this asker. Three
    queries at most, however long the chat."""
    lines: list[ChatMessage] = []
    pending: ChatQuestion | None = None
    if conversation is not None:
        lines = list(conversation.messages.order_by("created_at", "id"))
        latest = conversation.questions.order_by("-created_at").first()
        if (
            latest is not None
            and latest.article_id is not None
            and latest.feedback == ChatQuestion.Feedback.NONE
            and not conversation.handed_over
        ):
            pending = latest
    user = _asker(request)
    return {
        "conversation": conversation,
        "chat_lines": lines,
        "pending_question": pending,
        "anonymous": user is None,
        "may_hand_over": user is None or not user.is_agent,
        "chat_error": error,
        "chat_email": email,
        "embed": embed,
        "question_max": chat_services.QUESTION_MAX_CHARS,
    }


def _respond(request, conversation, *, error="", email="", status=200):
    """The partial for htmx, else back to the page (an error is flashed)."""
    embed = _embedded(request)
    if request.htmx:
        return render(
            request,
            "knowledge/chat/_panel.html",
            panel_context(request, conversation, error=error, email=email, embed=embed),
            status=status,
        )
    if error:
        messages.error(request, error)
    return redirect(reverse("knowledge:chat") + "#chat-latest")


def _refuse(request: HttpRequest) -> HttpResponse:
    return redirect_to_login(request.get_full_path())


def chat_panel(request: HttpRequest) -> HttpResponse:
    """The chat page; ``?embed=1`` gives the panel alone (the launcher
    loads it)."""
    if not chat_allowed(request.user):
        return _refuse(request)
    conversation = _current(request)
    context = panel_context(request, conversation, embed=_embedded(request))
    if context["embed"]:
        return render(request, "knowledge/chat/_panel.html", context)
    return render(request, "knowledge/chat/page.html", context)


@require_POST
def chat_ask_view(request: HttpRequest) -> HttpResponse:
    """Put a question to the bot, starting a conversation on the first one.
    Limited per IP for anonymous visitors, per user (more) for signed-in
    ones (429). A question refused (empty, too long, a NUL) starts nothing."""
    if not chat_allowed(request.user):
        return _refuse(request)
    conversation = _current(request)
    question = request.POST.get("question", "")
    try:
        chat_services.chat_ask_rate_limit(client_ip(request), _asker(request))
        question = chat_services.question_clean(question)
        if conversation is None or conversation.handed_over:
            conversation = chat_services.chat_start(
                user=_asker(request),
                channel=(
                    ChatConversation.Channel.PORTAL
                    if request.user.is_authenticated
                    else ChatConversation.Channel.HELP_CENTER
                ),
                language=getattr(request, "LANGUAGE_CODE", "en") or "en",
            )
            request.session[SESSION_KEY] = conversation.token
        chat_services.chat_ask(conversation=conversation, question=question)
    except RateLimited as error:
        return _respond(request, conversation, error=error.message, status=429)
    except ApplicationError as error:
        return _respond(request, conversation, error=error.message)
    return _respond(request, conversation)


@require_POST
def chat_feedback_view(request: HttpRequest) -> HttpResponse:
    """ "Yes, thanks" / "No" for a question of the visitor's own chat."""
    if not chat_allowed(request.user):
        return _refuse(request)
    conversation = _current(request)
    question = None
    wanted = id_value(ChatQuestion, request.POST.get("question", ""))
    if conversation is not None and wanted is not None:
        question = (
            conversation.questions.filter(pk=wanted)
            .select_related("conversation")
            .first()
        )
    if question is None:
        return _respond(request, conversation, error="That question is not here.")
    helpful = {"yes": True, "no": False}.get(request.POST.get("helpful", ""))
    if helpful is None:
        return _respond(request, conversation, error="Choose Yes or No.")
    chat_services.chat_feedback(question=question, helpful=helpful)
    return _respond(request, conversation)


@require_POST
def chat_handover_view(request: HttpRequest) -> HttpResponse:
    """ "Talk to a person": a ticket for a signed-in customer; for an
    anonymous visitor, a confirmation link mailed to the address they give
    (limited per IP and per address, 429). The address is checked and the
    limits counted before any conversation is started."""
    if not chat_allowed(request.user):
        return _refuse(request)
    conversation = _current(request)
    email = request.POST.get("email", "").strip()
    try:
        opening = conversation is None or conversation.ticket_id is None
        if opening and _asker(request) is None:
            address = handover_services.handover_address(email)
            handover_services.chat_handover_rate_limit(client_ip(request), address)
        elif opening and request.user.is_customer:
            # A new ticket, as from the new-request form: same limits.
            ticket_rate_limit(request, address=request.user.email, per_ip=True)
        if conversation is None:
            conversation = chat_services.chat_start(
                user=_asker(request),
                channel=(
                    ChatConversation.Channel.PORTAL
                    if request.user.is_authenticated
                    else ChatConversation.Channel.HELP_CENTER
                ),
            )
            request.session[SESSION_KEY] = conversation.token
        outcome = handover_services.chat_handover(
            conversation=conversation, email=email
        )
    except RateLimited as error:
        return _respond(
            request, conversation, error=error.message, email=email, status=429
        )
    except ApplicationError as error:
        shown = email.replace("\x00", "")  # refused, and never echoed back
        return _respond(request, conversation, error=error.message, email=shown)
    if not request.htmx:
        if outcome.mailed:
            messages.success(
                request,
                f"Check {outcome.email}: open the link we sent to pass this chat "
                "to a person.",
            )
        else:
            messages.success(
                request,
                f"Your chat is with our team as request {outcome.ticket.reference}.",
            )
    return _respond(request, conversation)


@require_POST
def chat_restart_view(request: HttpRequest) -> HttpResponse:
    """Start over: the next question opens a new conversation (the old one
    is kept, for the reports and the retention clock)."""
    request.session.pop(SESSION_KEY, None)
    return _respond(request, None)


def chat_handover_confirm_view(request: HttpRequest, signed: str) -> HttpResponse:
    """The page the handover email links to: the chat as it will be sent
    (the lines up to the moment the link was mailed) and a button (a GET
    changes nothing, so mail scanners that open links open no ticket); the
    post opens the ticket in the address's name and says so. A link whose
    chat was sent already says only that: no ticket reference. Four queries
    at most, however long the chat."""
    try:
        conversation, email = handover_services.handover_link_read(signed)
    except ApplicationError as error:
        return render(
            request,
            "knowledge/chat/handover_confirm.html",
            {"error": error.message},
            status=404,
        )
    context = {"email": email, "signed": signed, "error": "", "ticket": None}
    if request.method == "POST" and not conversation.handed_over:
        try:
            context["ticket"] = handover_services.chat_handover_confirm(signed=signed)
        except ApplicationError as refused:
            context["error"] = refused.message
    elif conversation.handed_over:
        context["used"] = True
    if context["ticket"] is None and not context.get("used"):
        context["chat_lines"] = handover_services.handover_lines(conversation)
    return render(request, "knowledge/chat/handover_confirm.html", context)
