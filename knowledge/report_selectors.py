"""Reads for the knowledge-base report (admins only): how the chatbot did,
how often new-ticket suggestions deflected a ticket, which articles were
offered, and which questions went unanswered.

Every figure is counted by the database in a fixed number of queries,
whatever the amount of data; only the grouping of unanswered questions loads
rows, at most ``UNANSWERED_CAP`` of the most recent ones.

Definitions (the report page prints them too):

- A question is *answered* when the bot gave a confident answer (an article
  scored above the confidence threshold). It is *unanswered*, for the list
  of articles to write, when the bot was not confident or the asker marked
  the answer "not helpful".
- A conversation is *handed over* when the visitor asked for a person: a
  ticket is linked or the handover was claimed (``ticket`` or
  ``handed_over_at`` set), or, for an anonymous visitor, a link to open one
  was mailed (``visitor_email`` set; only the handover sets it), whether or
  not the link has been followed yet.
- *Chatbot deflection rate*: among the conversations started in the period
  with at least one question, the share where the bot gave a confident
  answer not marked "not helpful" and nobody asked for a person (not handed
  over).
- *Suggestion deflection rate*: a customer opening an article that the
  new-ticket form suggested is a deflection unless the same customer files a
  ticket (any channel) within ``KNOWLEDGE_DEFLECTION_WINDOW_MINUTES`` after
  the open. An open is counted once per customer and article: a *repeat*
  (the same customer opened the same article less than the window before)
  is not counted. Opens whose window is still running with no ticket yet are
  *pending* and left out of the rate.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
)
from django.utils import timezone

from tickets.models import Ticket

from .models import ChatConversation, ChatQuestion, SuggestionOpen
from .question_groups import QuestionGroup, UnansweredQuestion, group_questions

# The grouping loads at most this many of the period's most recent
# unanswered questions.
UNANSWERED_CAP = 2000
TOP_ARTICLES = 10


@dataclass(frozen=True)
class ReportPeriod:
    """Whole local days from ``first_day`` to ``last_day`` (both included):
    ``start`` is the first day's midnight, ``end`` the midnight after the
    last day (excluded), both aware."""

    first_day: date
    last_day: date
    start: datetime
    end: datetime

    @classmethod
    def between(cls, first_day: date, last_day: date) -> "ReportPeriod":
        """The days ``first_day`` to ``last_day`` in the current time zone."""
        zone = timezone.get_current_timezone()
        return cls(
            first_day=first_day,
            last_day=last_day,
            start=datetime.combine(first_day, time.min, tzinfo=zone),
            end=datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=zone),
        )

    @classmethod
    def last_days(cls, days: int, *, today: date | None = None) -> "ReportPeriod":
        """The last ``days`` days up to and including ``today`` (default: the
        current local date)."""
        today = today or timezone.localdate()
        return cls.between(today - timedelta(days=days - 1), today)


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def percent(rate: float | None) -> str:
    """A rate (0 to 1) as a whole percentage, "40%"; an em dash for None."""
    return "—" if rate is None else f"{round(rate * 100)}%"


@dataclass(frozen=True)
class ChatbotFigures:
    """The chatbot's counts over a period (see the module's definitions);
    ``deflection_rate`` is 0 to 1, None without a conversation with a question."""

    questions_asked: int
    answered: int
    helpful: int
    not_helpful: int
    unanswered: int
    conversations: int
    conversations_with_questions: int
    handed_over: int
    deflected_conversations: int

    @property
    def not_answered(self) -> int:
        return self.questions_asked - self.answered

    @property
    def deflection_rate(self) -> float | None:
        return _rate(self.deflected_conversations, self.conversations_with_questions)

    @property
    def answered_rate(self) -> float | None:
        return _rate(self.answered, self.questions_asked)

    @property
    def deflection_percent(self) -> str:
        return percent(self.deflection_rate)

    @property
    def answered_percent(self) -> str:
        return percent(self.answered_rate)


ANSWERED = Q(confident=True, article__isnull=False)
UNANSWERED = (
    Q(confident=False)
    | Q(article__isnull=True)
    | Q(feedback=ChatQuestion.Feedback.NOT_HELPFUL)
)


# Asked for a person: a ticket, a claimed handover, or (anonymous) a mailed
# link, which is what sets ``visitor_email``.
HANDED_OVER = (
    Q(handed_over_at__isnull=False) | Q(ticket__isnull=False) | ~Q(visitor_email="")
)


def chatbot_figures(period: ReportPeriod) -> ChatbotFigures:
    """The chatbot's figures for ``period``, in two aggregate queries.

    Questions count by when they were asked; conversations (and whether they
    were handed over or deflected) by when they started.
    """
    questions = ChatQuestion.objects.filter(
        created_at__gte=period.start, created_at__lt=period.end
    ).order_by()
    counts = questions.aggregate(
        asked=Count("pk"),
        answered=Count("pk", filter=ANSWERED),
        helpful=Count("pk", filter=Q(feedback=ChatQuestion.Feedback.HELPFUL)),
        not_helpful=Count("pk", filter=Q(feedback=ChatQuestion.Feedback.NOT_HELPFUL)),
        unanswered=Count("pk", filter=UNANSWERED),
    )
    conversations = ChatConversation.objects.filter(
        created_at__gte=period.start, created_at__lt=period.end
    ).order_by()
    asked_in = ChatQuestion.objects.filter(conversation=OuterRef("pk"))
    answered_in = asked_in.filter(ANSWERED).exclude(
        feedback=ChatQuestion.Feedback.NOT_HELPFUL
    )
    chats = conversations.aggregate(
        total=Count("pk"),
        handed_over=Count("pk", filter=HANDED_OVER),
        with_questions=Count("pk", filter=Q(Exists(asked_in))),
        deflected=Count("pk", filter=Q(Exists(answered_in)) & ~HANDED_OVER),
    )
    return ChatbotFigures(
        questions_asked=counts["asked"],
        answered=counts["answered"],
        helpful=counts["helpful"],
        not_helpful=counts["not_helpful"],
        unanswered=counts["unanswered"],
        conversations=chats["total"],
        conversations_with_questions=chats["with_questions"],
        handed_over=chats["handed_over"],
        deflected_conversations=chats["deflected"],
    )


@dataclass(frozen=True)
class SuggestionFigures:
    """New-ticket suggestion opens over a period: ``followed_by_ticket`` (the
    customer filed a ticket within the window), ``pending`` (window still
    running, no ticket yet), ``window_minutes``; ``deflection_rate`` 0 to 1
    over the settled opens, None when none is settled."""

    opens: int
    followed_by_ticket: int
    pending: int
    window_minutes: int

    @property
    def deflected(self) -> int:
        return self.opens - self.followed_by_ticket - self.pending

    @property
    def deflection_rate(self) -> float | None:
        return _rate(self.deflected, self.opens - self.pending)

    @property
    def deflection_percent(self) -> str:
        return percent(self.deflection_rate)


def _counted_opens(period: ReportPeriod, window: timedelta):
    """The suggestion opens of ``period`` that are not repeats: no open of
    the same article by the same customer in the ``window`` before it (of
    two opens stored at the same instant, the one with the smaller pk
    counts). A repeat just before the period still makes an open a repeat."""
    window_start = ExpressionWrapper(
        OuterRef("created_at") - window, output_field=DateTimeField()
    )
    earlier = SuggestionOpen.objects.filter(
        Q(created_at__gte=window_start, created_at__lt=OuterRef("created_at"))
        | Q(created_at=OuterRef("created_at"), pk__lt=OuterRef("pk")),
        user=OuterRef("user"),
        article=OuterRef("article"),
    )
    return SuggestionOpen.objects.filter(
        created_at__gte=period.start, created_at__lt=period.end
    ).exclude(Exists(earlier))


def suggestion_figures(
    period: ReportPeriod, *, now: datetime | None = None
) -> SuggestionFigures:
    """Deflection by the new-ticket suggestions opened in ``period``, in one
    query: each open that is not a repeat (the same customer opened the same
    article less than ``KNOWLEDGE_DEFLECTION_WINDOW_MINUTES`` before) is
    checked against its customer's tickets (requester, created within the
    window after the open) by a subquery, so the ticket app needs no hook.
    ``now`` (default: the current time) decides which windows are still
    running."""
    now = now or timezone.now()
    minutes = settings.KNOWLEDGE_DEFLECTION_WINDOW_MINUTES
    window = timedelta(minutes=minutes)
    window_end = ExpressionWrapper(
        OuterRef("created_at") + window, output_field=DateTimeField()
    )
    followed = Exists(
        Ticket.objects.filter(
            requester=OuterRef("user"),
            created_at__gte=OuterRef("created_at"),
            created_at__lte=window_end,
        )
    )
    counts = (
        _counted_opens(period, window)
        .order_by()
        .aggregate(
            opens=Count("pk"),
            followed=Count("pk", filter=Q(followed)),
            pending=Count("pk", filter=~Q(followed) & Q(created_at__gt=now - window)),
        )
    )
    return SuggestionFigures(
        opens=counts["opens"],
        followed_by_ticket=counts["followed"],
        pending=counts["pending"],
        window_minutes=minutes,
    )


def top_articles_offered(period: ReportPeriod, *, limit: int = TOP_ARTICLES) -> list:
    """The articles the chatbot offered most as its best answer in
    ``period``: dicts with ``article_pk``, ``title``, ``slug``, ``offered``,
    ``confident``, ``helpful``, ``not_helpful``; most offered first."""
    return list(
        ChatQuestion.objects.filter(
            created_at__gte=period.start,
            created_at__lt=period.end,
            article__isnull=False,
        )
        .order_by()
        .values(
            article_pk=F("article"),
            title=F("article__title"),
            slug=F("article__slug"),
        )
        .annotate(
            offered=Count("pk"),
            confident=Count("pk", filter=Q(confident=True)),
            helpful=Count("pk", filter=Q(feedback=ChatQuestion.Feedback.HELPFUL)),
            not_helpful=Count(
                "pk", filter=Q(feedback=ChatQuestion.Feedback.NOT_HELPFUL)
            ),
        )
        .order_by("-offered", "title")[:limit]
    )


def top_suggestions_opened(period: ReportPeriod, *, limit: int = TOP_ARTICLES) -> list:
    """The articles customers opened most from new-ticket suggestions in
    ``period``: dicts with ``article_pk``, ``title``, ``slug``, ``opens``
    (repeats within the deflection window not counted, as in
    ``suggestion_figures``)."""
    window = timedelta(minutes=settings.KNOWLEDGE_DEFLECTION_WINDOW_MINUTES)
    return list(
        _counted_opens(period, window)
        .order_by()
        .values(
            article_pk=F("article"),
            title=F("article__title"),
            slug=F("article__slug"),
        )
        .annotate(opens=Count("pk"))
        .order_by("-opens", "title")[:limit]
    )


@dataclass(frozen=True)
class UnansweredGroups:
    """The period's unanswered questions grouped by similarity (biggest
    first), from the ``loaded`` most recent ones; ``capped`` when there were
    more than ``cap``."""

    groups: list[QuestionGroup]
    loaded: int
    cap: int
    capped: bool


def unanswered_question_groups(period: ReportPeriod) -> UnansweredGroups:
    """Questions asked in ``period`` that the bot did not answer confidently
    or whose answer was marked not helpful, grouped by similarity
    (``knowledge.question_groups``): one query for at most ``UNANSWERED_CAP``
    of the most recent."""
    cap = UNANSWERED_CAP
    rows = list(
        ChatQuestion.objects.filter(
            UNANSWERED, created_at__gte=period.start, created_at__lt=period.end
        )
        .order_by("-created_at", "-pk")
        .values_list("text", "created_at", "article__title")[: cap + 1]
    )
    capped = len(rows) > cap
    rows = rows[:cap]
    questions = [
        UnansweredQuestion(text=text, asked_at=asked_at, article_title=title or "")
        for text, asked_at, title in rows
    ]
    return UnansweredGroups(
        groups=group_questions(questions), loaded=len(rows), cap=cap, capped=capped
    )


def csv_safe(value: object) -> str:
    """``value`` as a CSV cell a spreadsheet will not run as a formula: text
    starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets
    a leading apostrophe (OWASP's advice on CSV injection)."""
    text = "" if value is None else str(value)
    if text and text[0] in "=+-@\t\r":
        return "'" + text
    return text
