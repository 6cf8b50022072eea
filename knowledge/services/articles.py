"""Writes to articles and categories.

Every write renders the body once (``helpdesk.rendering``) and moves the
search index's version in the same transaction (``IndexVersion``), so each
process's in-memory index is rebuilt before its next search: an edit,
publish, archive, delete or change of visibility reaches every web and worker
process without a restart.
"""

import re
from collections.abc import Iterable, Sequence

from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User
from helpdesk.db import atomic, save_unique
from helpdesk.errors import ApplicationError, PermissionDeniedError
from helpdesk.rendering import RENDERER_VERSION, render_markdown

from ..models import Article, ArticleCategory, IndexVersion
from ..permissions import can_edit_articles

INDEX_NAME = "articles"
TITLE_MAX = 255
BODY_MAX_CHARS = 100_000
# Fields a caller may change through ``article_update``.
LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(?:[-_][a-z0-9]{1,8})?")
EDITABLE = (
    "title",
    "body",
    "phrasings",
    "category",
    "status",
    "visibility",
    "language",
    "slug",
)
# "Also asked as": at most this many phrasings of this many characters each.
PHRASINGS_MAX = 50
PHRASING_MAX_CHARS = 300


class ArticleError(ApplicationError):
    code = "invalid_article"


def index_version_bump() -> None:
    """Move the index version on; call inside the writing transaction."""
    counters = IndexVersion.objects.filter(name=INDEX_NAME)
    if not counters.update(version=F("version") + 1):
        IndexVersion.objects.get_or_create(name=INDEX_NAME)
        counters.update(version=F("version") + 1)


def index_version_current() -> int:
    """The version the in-memory indexes must match (0 before any write)."""
    value = (
        IndexVersion.objects.filter(name=INDEX_NAME)
        .values_list("version", flat=True)
        .first()
    )
    return value or 0


def _require_editor(actor: User | None) -> None:
    if actor is not None and not can_edit_articles(actor):
        raise PermissionDeniedError("Only agents and admins edit the knowledge base.")


def _unique_slug(model, wanted: str, *, exclude_pk=None, fallback: str) -> str:
    """``wanted`` slugified, with ``-2``, ``-3``… until no other row has it."""
    base = slugify(wanted)[:90] or fallback
    slug, n = base, 1
    others = model.objects.all()
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    while others.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _requested_slug(model, wanted: str, *, exclude_pk=None) -> str:
    """The address a caller asked for, slugified; raises ArticleError when it
    holds no letter or digit (``bad_slug``) or another row has it
    (``slug_taken``): an address asked for is never silently changed."""
    slug = slugify(wanted)[:90]
    if not slug:
        raise ArticleError(
            "An address needs at least one letter or digit.", code="bad_slug"
        )
    others = model.objects.filter(slug=slug)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    if others.exists():
        raise ArticleError(f"The address “{slug}” is taken.", code="slug_taken")
    return slug


def language_code_valid(language: str) -> bool:
    """Whether ``language`` looks like an ISO 639 code with an optional
    region or script (``en``, ``pt-br``, ``zh_hant``)."""
    return bool(LANGUAGE_CODE.fullmatch(language))


def _folded(text: str) -> str:
    return " ".join(text.split()).casefold()


def phrasings_normalize(phrasings: str | Iterable[str], *, title: str = "") -> str:
    """``phrasings`` (text, one question per line, or a list of questions)
    as ``Article.phrasings`` stores them: each line's whitespace folded,
    empty lines and repeats (case-insensitive, and the ``title`` itself)
    dropped, each cut to ``PHRASING_MAX_CHARS``, the first ``PHRASINGS_MAX``
    kept, joined by newlines. NUL characters count as spaces. Never raises."""
    lines = phrasings.splitlines() if isinstance(phrasings, str) else phrasings
    seen = {_folded(title)} if title.strip() else set()
    kept: list[str] = []
    for line in lines:
        # NUL: PostgreSQL refuses it in text, and it is never a reader's.
        text = " ".join(str(line).replace("\x00", " ").split())
        text = text[:PHRASING_MAX_CHARS].strip()
        if not text or _folded(text) in seen:
            continue
        seen.add(_folded(text))
        kept.append(text)
        if len(kept) == PHRASINGS_MAX:
            break
    return "\n".join(kept)


def _clean(article: Article) -> None:
    article.title = article.title.strip()[:TITLE_MAX]
    article.phrasings = phrasings_normalize(article.phrasings, title=article.title)
    if not article.title:
        raise ArticleError("An article needs a title.", code="title_required")
    if not article.body.strip():
        raise ArticleError("An article needs a body.", code="body_required")
    if len(article.body) > BODY_MAX_CHARS:
        raise ArticleError(
            f"An article's body is limited to {BODY_MAX_CHARS:,} characters.",
            code="body_too_long",
        )
    if article.status not in Article.Status.values:
        raise ArticleError(f"Unknown status {article.status!r}.", code="bad_status")
    if article.visibility not in Article.Visibility.values:
        raise ArticleError(
            f"Unknown visibility {article.visibility!r}.", code="bad_visibility"
        )
    article.language = (article.language or "en").strip().lower()[:16] or "en"
    if not language_code_valid(article.language):
        raise ArticleError(
            f"{article.language!r} is not a language code such as en or pt-br.",
            code="bad_language",
        )
    article.body_html = render_markdown(article.body)
    article.body_html_version = RENDERER_VERSION
    if article.status == Article.Status.PUBLISHED and article.published_at is None:
        article.published_at = timezone.now()


@atomic
def article_create(
    *,
    title: str,
    body: str,
    actor: User | None,
    category: ArticleCategory | None = None,
    status: str = Article.Status.DRAFT,
    visibility: str = Article.Visibility.PUBLIC,
    language: str = "en",
    slug: str = "",
    import_key: str = "",
    phrasings: str = "",
) -> Article:
    """Write a new article; ``actor`` (None: a command or an import) becomes
    its author. Raises ArticleError for a missing title or body, an unknown
    status or visibility, or a body over ``BODY_MAX_CHARS``;
    PermissionDeniedError when ``actor`` is not an agent. ``phrasings``
    ("also asked as", one question per line) are normalised
    (``phrasings_normalize``)."""
    _require_editor(actor)
    article = Article(
        title=title,
        body=body,
        category=category,
        status=status,
        visibility=visibility,
        language=language,
        author=actor,
        import_key=import_key,
        phrasings=phrasings,
    )
    _clean(article)
    article.slug = (
        _requested_slug(Article, slug)
        if slug
        else _unique_slug(Article, article.title, fallback="article")
    )
    save_unique(article, ArticleError("That address is taken.", code="slug_taken"))
    index_version_bump()
    return article


@atomic
def article_update(*, article: Article, actor: User | None, **changes) -> Article:
    """Change an article's ``EDITABLE`` fields; the body is rendered again
    and the index follows. A ``slug`` asked for must be free (an empty one
    is made from the title). Raises as
    ``article_create``, and ArticleError for a field outside ``EDITABLE``."""
    _require_editor(actor)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ArticleError(f"Cannot change {', '.join(sorted(unknown))}.")
    for name, value in changes.items():
        setattr(article, name, value)
    _clean(article)
    if "slug" in changes:
        article.slug = (
            _requested_slug(Article, changes["slug"], exclude_pk=article.pk)
            if changes["slug"]
            else _unique_slug(
                Article, article.title, exclude_pk=article.pk, fallback="article"
            )
        )
    save_unique(article, ArticleError("That address is taken.", code="slug_taken"))
    index_version_bump()
    return article


@atomic
def article_phrasings_add(
    *, article: Article, phrasings: Sequence[str], actor: User | None
) -> Article:
    """Append ``phrasings`` (questions customers asked, e.g. a group of the
    chatbot's unanswered questions) to ``article``'s "also asked as" lines,
    so search and the chatbot find it for them; repeats and lines past
    ``PHRASINGS_MAX`` are dropped (``phrasings_normalize``). The article is
    read again first, so lines saved since the caller loaded it are kept;
    only ``phrasings`` is written. The index follows. Raises PermissionDeniedError when
    ``actor`` is not an agent."""
    _require_editor(actor)
    fresh = Article.objects.get(pk=article.pk)
    fresh.phrasings = "\n".join([*fresh.phrasing_list, *phrasings])
    _clean(fresh)
    fresh.save(update_fields=["phrasings", "updated_at"])
    index_version_bump()
    return fresh


@atomic
def article_delete(*, article: Article, actor: User | None) -> None:
    """Delete an article for good (its votes go with it); the index follows."""
    _require_editor(actor)
    article.delete()
    index_version_bump()


@atomic
def category_create(
    *,
    name: str,
    actor: User | None,
    description: str = "",
    position: int = 0,
    slug: str = "",
) -> ArticleCategory:
    """A new help-center category. Raises ArticleError for an empty name."""
    _require_editor(actor)
    name = name.strip()[:200]
    if not name:
        raise ArticleError("A category needs a name.", code="name_required")
    category = ArticleCategory(
        name=name,
        description=description,
        position=max(0, int(position)),
        slug=(
            _requested_slug(ArticleCategory, slug)
            if slug
            else _unique_slug(ArticleCategory, name, fallback="category")
        ),
    )
    save_unique(category, ArticleError("That address is taken.", code="slug_taken"))
    index_version_bump()
    return category


@atomic
def category_update(
    *, category: ArticleCategory, actor: User | None, **changes
) -> ArticleCategory:
    """Change a category's name, description, position or slug."""
    _require_editor(actor)
    unknown = set(changes) - {"name", "description", "position", "slug"}
    if unknown:
        raise ArticleError(f"Cannot change {', '.join(sorted(unknown))}.")
    for name, value in changes.items():
        setattr(category, name, value)
    category.name = category.name.strip()[:200]
    if not category.name:
        raise ArticleError("A category needs a name.", code="name_required")
    if "slug" in changes:
        category.slug = (
            _requested_slug(ArticleCategory, changes["slug"], exclude_pk=category.pk)
            if changes["slug"]
            else _unique_slug(
                ArticleCategory,
                category.name,
                exclude_pk=category.pk,
                fallback="category",
            )
        )
    save_unique(category, ArticleError("That address is taken.", code="slug_taken"))
    index_version_bump()
    return category


@atomic
def category_delete(*, category: ArticleCategory, actor: User | None) -> None:
    """Delete a category; its articles stay, uncategorised."""
    _require_editor(actor)
    category.delete()
    index_version_bump()
