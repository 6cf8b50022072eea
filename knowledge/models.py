"""The help center's articles and categories, and the chatbot's conversations.

An article's body is Markdown, rendered once by ``helpdesk.rendering`` when it
is written and stored beside it (``body_html``), like a ticket message's.
Every write to an article goes through ``knowledge.services``, which also
moves the search index's version (``IndexVersion``) so that every process
rebuilds its in-memory index on its next search.
"""

import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString

from helpdesk.models import TimeStampedModel
from helpdesk.rendering import RENDERER_VERSION, render_plain


class ArticleCategory(TimeStampedModel):
    """A section of the help center; ``position`` orders them (lowest first)."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(
        default=0, help_text="Categories are listed by position, lowest first."
    )

    class Meta:
        ordering = ["position", "name"]
        verbose_name = "article category"
        verbose_name_plural = "article categories"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("knowledge:category", args=[self.slug])


class Article(TimeStampedModel):
    """One help-center article (a FAQ entry is an article titled by its question)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        ARCHIVED = "archived", "Archived"

    class Visibility(models.TextChoices):
        PUBLIC = "public", "Public (anyone)"
        CUSTOMERS = "customers", "Signed-in customers"
        AGENTS = "agents", "Agents only"

    title = models.CharField(max_length=255)
    slug = models.SlugField(max_length=255, unique=True)
    category = models.ForeignKey(
        ArticleCategory,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="articles",
    )
    body = models.TextField(help_text="Markdown.")
    phrasings = models.TextField(
        "also asked as",
        blank=True,
        help_text="Other ways customers ask this question, one per line. "
        "Search and the chatbot match them like the title; readers never "
        "see them.",
    )
    body_html = models.TextField(
        blank=True,
        editable=False,
        help_text="The body rendered and sanitised when it was written.",
    )
    body_html_version = models.PositiveSmallIntegerField(default=0, editable=False)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    visibility = models.CharField(
        max_length=20, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    language = models.CharField(
        max_length=16,
        default="en",
        help_text="An ISO 639-1 code: the search stems and drops stop words by it.",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    view_count = models.PositiveIntegerField(default=0, editable=False)
    helpful_count = models.PositiveIntegerField(default=0, editable=False)
    not_helpful_count = models.PositiveIntegerField(default=0, editable=False)
    import_key = models.CharField(
        max_length=64,
        blank=True,
        db_index=True,
        editable=False,
        help_text="For imported FAQ entries: a digest of the question, so "
        "importing the same file again finds the article it made.",
    )
    embedding = models.TextField(
        blank=True,
        editable=False,
        help_text="The semantic extra's vector (base64 of float32), if computed.",
    )
    embedding_key = models.CharField(
        max_length=64,
        blank=True,
        editable=False,
        help_text="A digest of the model and the text the embedding was made from.",
    )

    class Meta:
        ordering = ["title"]
        indexes = [models.Index(fields=["status", "visibility"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("knowledge:article", args=[self.slug])

    @property
    def phrasing_list(self) -> list[str]:
        """``phrasings`` as a list, one question per non-empty line."""
        return [line.strip() for line in self.phrasings.splitlines() if line.strip()]

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def html(self) -> SafeString:
        """The stored HTML of the body; a stale row shows its text escaped
        until a service renders it again."""
        if self.body_html_version == RENDERER_VERSION:
            return SafeString(self.body_html)  # sanitised by helpdesk.rendering
        return SafeString(render_plain(self.body))


class IndexVersion(models.Model):
    """How many times the articles changed (one row, named ``articles``).

    Every article write increments it in the same transaction; a process
    holding an in-memory search index compares its copy's version with this
    row before it answers, and rebuilds when they differ. So an edit reaches
    every web and worker process without a restart or a broadcast.
    """

    name = models.CharField(max_length=50, unique=True)
    version = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}: {self.version}"


class ArticleVote(TimeStampedModel):
    """One reader's answer to "Was this helpful?"; a second answer replaces it.

    ``voter`` is ``user:<id>`` for someone signed in, ``visitor:<random id>``
    (kept in the visitor's session, never the session key itself) for a
    visitor, so each reader counts once per article.
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    voter = models.CharField(max_length=100)
    helpful = models.BooleanField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["article", "voter"], name="knowledge_one_vote_per_reader"
            )
        ]


class SuggestionOpen(TimeStampedModel):
    """A customer opened an article that the new-ticket form suggested.

    It counts as a deflection unless the same customer submits a ticket
    within ``KNOWLEDGE_DEFLECTION_WINDOW_MINUTES`` after opening it. The
    report works that out from the customer's tickets when it is read
    (``knowledge.report_selectors``), so the ticket app needs no hook.
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    query = models.CharField(max_length=255, blank=True)

    class Meta:
        indexes = [models.Index(fields=["created_at"])]


def new_chat_token() -> str:
    return secrets.token_urlsafe(32)


class ChatConversation(TimeStampedModel):
    """One chat with the bot: from the portal, the help center or the API.

    ``token`` is the conversation's secret: an anonymous visitor's browser
    (or a widget) holds it, and nobody can read or continue a chat without
    it. ``ticket`` is set once the visitor talks to a person.
    """

    class Channel(models.TextChoices):
        PORTAL = "portal", "Portal"
        HELP_CENTER = "help", "Help center"
        API = "api", "API"

    token = models.CharField(max_length=64, unique=True, default=new_chat_token)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    channel = models.CharField(
        max_length=20, choices=Channel.choices, default=Channel.PORTAL
    )
    language = models.CharField(max_length=16, default="en")
    visitor_email = models.EmailField(blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    handed_over_at = models.DateTimeField(null=True, blank=True)
    handover_key = models.CharField(
        max_length=64,
        blank=True,
        db_index=True,
        help_text="The one-use key in the handover link mailed to "
        "visitor_email (never the token); cleared once the link is used.",
    )
    handover_requested_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the handover link was mailed: the ticket sends the "
        "lines up to this moment, no later ones.",
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Chat {self.pk} ({self.get_channel_display()})"

    @property
    def handed_over(self) -> bool:
        return self.handed_over_at is not None


class ChatQuestion(models.Model):
    """A question put to the bot and how it answered: the reports' unit.

    ``article`` is the best article offered (None: nothing matched);
    ``confident`` whether the bot offered it as the answer or only as a
    guess; ``suggested_ids`` the other articles offered, space-separated.
    ``feedback`` is the asker's "did that answer it?".
    """

    class Feedback(models.TextChoices):
        NONE = "", "No answer"
        HELPFUL = "helpful", "Helpful"
        NOT_HELPFUL = "not_helpful", "Not helpful"

    conversation = models.ForeignKey(
        ChatConversation, on_delete=models.CASCADE, related_name="questions"
    )
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    article = models.ForeignKey(
        Article, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    score = models.FloatField(default=0.0)
    confident = models.BooleanField(default=False)
    suggested_ids = models.TextField(blank=True)
    feedback = models.CharField(
        max_length=20, choices=Feedback.choices, default=Feedback.NONE, blank=True
    )

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.text[:80]

    @property
    def answered(self) -> bool:
        return self.article_id is not None and self.confident


class ChatMessage(models.Model):
    """One line of the transcript, in order."""

    class Role(models.TextChoices):
        VISITOR = "visitor", "Visitor"
        BOT = "bot", "Bot"
        SYSTEM = "system", "System"

    conversation = models.ForeignKey(
        ChatConversation, on_delete=models.CASCADE, related_name="messages"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    text = models.TextField()
    html = models.TextField(
        blank=True,
        editable=False,
        help_text="A bot line rendered and sanitised once, when it was written.",
    )
    question = models.ForeignKey(
        ChatQuestion,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text="The question this line asks or answers.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.role}: {self.text[:60]}"

    @property
    def bot_html(self) -> SafeString:
        """The bot line's stored HTML (its Markdown rendered once by
        ``helpdesk.rendering`` when written); text escaped if none."""
        if self.html:
            return SafeString(self.html)  # sanitised by helpdesk.rendering
        return SafeString(render_plain(self.text))
