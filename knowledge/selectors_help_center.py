"""Reads for the public help center's pages (``knowledge.views.help_center``).

Each function runs a fixed number of queries whatever the number of
articles or categories, and holds only what the reader may see
(``knowledge.selectors.article_list_visible_to``). A category none of whose
articles the reader may see is not listed, and its page is a 404: an
agents-only section's name never reaches a visitor.
"""

import html
import re
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.http import Http404
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString

from accounts.models import User

from .models import Article, ArticleCategory
from .selectors import article_list_visible_to

TOP_PER_CATEGORY = 5
POPULAR = 6
EXCERPT_CHARS = 220
# Columns a list of articles needs (never the bodies).
LIST_FIELDS = (
    "id",
    "title",
    "slug",
    "category",
    "view_count",
    "helpful_count",
    "updated_at",
)


@dataclass
class CategorySection:
    """A category on the home page: how many articles the reader may see in
    it, and the most viewed of them."""

    category: ArticleCategory
    count: int = 0
    top: list[Article] = field(default_factory=list)


@dataclass(frozen=True)
class HelpHome:
    sections: list[CategorySection]
    popular: list[Article]
    total: int


def help_home_for(user: User | None) -> HelpHome:
    """The home page's sections (categories by position, empty ones left
    out), each with its count and ``TOP_PER_CATEGORY`` most viewed articles,
    and the ``POPULAR`` most viewed articles overall. Two queries."""
    sections = {
        category.pk: CategorySection(category)
        for category in ArticleCategory.objects.all()
    }
    articles = list(
        article_list_visible_to(user)
        .select_related(None)
        .only(*LIST_FIELDS)
        .order_by("-view_count", "title")
    )
    for article in articles:
        section = sections.get(article.category_id)
        if section is None:
            continue
        article.category = section.category  # no query per article
        section.count += 1
        if len(section.top) < TOP_PER_CATEGORY:
            section.top.append(article)
    return HelpHome(
        sections=[section for section in sections.values() if section.count],
        popular=articles[:POPULAR],
        total=len(articles),
    )


def category_get_for(user: User | None, slug: str) -> ArticleCategory:
    """The category ``slug`` if ``user`` may read at least one of its
    articles; else Http404."""
    category = ArticleCategory.objects.filter(slug=slug).first()
    if category is None or not category_articles_for(user, category).exists():
        raise Http404("No such category.")
    return category


def category_articles_for(
    user: User | None, category: ArticleCategory
) -> QuerySet[Article]:
    """The articles of ``category`` that ``user`` may read, by title."""
    return article_list_visible_to(user).filter(category=category).order_by("title")


def category_list_for(user: User | None) -> list[ArticleCategory]:
    """Categories holding at least one article ``user`` may read, in order
    (two queries), for the side navigation."""
    with_articles = set(
        article_list_visible_to(user)
        .select_related(None)
        .exclude(category=None)
        .values_list("category_id", flat=True)
        .distinct()
    )
    return [c for c in ArticleCategory.objects.all() if c.pk in with_articles]


_BLOCK_ENDS = re.compile(r"</(?:p|li|h[1-6]|div|blockquote|pre|tr|td|th)>|<br\s*/?>")
_TAGS = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"\s+")
_WORDS = re.compile(r"\w+", re.UNICODE)


def plain_text(article: Article) -> str:
    """The article's body as one line of text (tags dropped, entities read)."""
    return _SPACES.sub(
        " ", html.unescape(_TAGS.sub("", _BLOCK_ENDS.sub(" ", str(article.html))))
    ).strip()


def article_excerpt(article: Article, query: str = "") -> SafeString:
    """About ``EXCERPT_CHARS`` characters of the body around the first word
    of ``query`` found in it (else its start), HTML-escaped, with the query's
    words wrapped in ``<mark>``."""
    text = plain_text(article)
    terms = {w.casefold() for w in _WORDS.findall(query) if len(w) > 1}
    start = 0
    if terms:
        for match in _WORDS.finditer(text):
            if match.group().casefold() in terms:
                start = max(0, match.start() - EXCERPT_CHARS // 3)
                break
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < start + 20 else start
    piece = text[start : start + EXCERPT_CHARS]
    cut = len(text) > start + EXCERPT_CHARS
    if cut and " " in piece[EXCERPT_CHARS // 2 :]:
        piece = piece[: piece.rfind(" ")]
    out = []
    last = 0
    for match in _WORDS.finditer(piece):
        if match.group().casefold() in terms:
            out.append(escape(piece[last : match.start()]))
            out.append(format_html("<mark>{}</mark>", match.group()))
            last = match.end()
    out.append(escape(piece[last:]))
    prefix = "… " if start else ""
    suffix = " …" if cut else ""
    return SafeString(prefix + "".join(out) + suffix)  # every piece escaped
