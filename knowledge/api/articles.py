"""Articles and categories of the help center: everyone reads what they may
see (visitors too, without credentials), agents and admins write.

Reads follow ``knowledge.permissions``: a visitor sees published public
articles, a signed-in customer public and customers-only ones, agents every
published article and, with ``?status=``, drafts and archived ones. An
article the caller may not read is a 404, as if it did not exist. Writes go
through ``knowledge.services.articles``, which renders the Markdown, keeps
slugs unique and moves the search index on.
"""

import re

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from ninja import Query, Router, Status

from helpdesk.api import ApiError
from helpdesk.api_tools import (
    MAX_PER_PAGE,
    Page,
    answers,
    id_value,
    named_row,
    page_of,
    require_agent,
    sent_fields,
)

from .. import selectors
from ..models import Article, ArticleCategory
from ..permissions import can_edit_articles
from ..search import article_search
from ..services import articles as services
from .access import OPTIONAL_AUTH, READERS
from .schemas_articles import (
    ArticleCategoryIn,
    ArticleCategoryOut,
    ArticleCategoryPatch,
    ArticleDetailOut,
    ArticleFilterIn,
    ArticleIn,
    ArticlePatch,
    ArticleSummaryOut,
    article_detail_out,
    article_out,
    category_out,
)

router = Router(tags=["knowledge"])

SLUG = re.compile(r"[-a-zA-Z0-9_]+")

# At most this many search hits are ranked and paged through for ?q=.
SEARCH_HITS_MAX = 200

# Which field a service's refusal is about, for the 400's ``errors``.
ERROR_FIELDS = {
    "title_required": "title",
    "body_required": "body",
    "body_too_long": "body",
    "bad_status": "status",
    "bad_visibility": "visibility",
    "slug_taken": "slug",
    "bad_slug": "slug",
    "bad_language": "language",
    "name_required": "name",
}


# --- Lookups ------------------------------------------------------------------


def _readable(request: HttpRequest) -> QuerySet[Article]:
    """Every article the caller may open: agents all, others the published
    ones their audience may read."""
    if can_edit_articles(request.user):
        return Article.objects.select_related("category")
    return selectors.article_list_visible_to(request.user)


def _by_id_or_slug(model, raw: str, prefix: str = "") -> Q | None:
    """A filter for the row with this id or slug; None when no row can have
    either (nothing that is not a slug reaches the database: PostgreSQL
    refuses a NUL in text, for one)."""
    value = id_value(model, raw)
    match = Q(**{f"{prefix}slug": raw}) if SLUG.fullmatch(raw) else None
    if value is not None:
        by_id = Q(**{f"{prefix}pk": value})
        match = by_id if match is None else by_id | match
    return match


def _one(queryset: QuerySet, raw: str):
    """The row named by id or, failing that, by slug; else 404."""
    match = _by_id_or_slug(queryset.model, raw)
    if match is None:
        raise Http404("Not found.")
    value = id_value(queryset.model, raw)
    rows = list(queryset.filter(match)[:2])
    for row in rows:
        if value is not None and row.pk == value:
            return row
    if rows:
        return rows[0]
    raise Http404("Not found.")


def _article(request: HttpRequest, raw: str) -> Article:
    return _one(_readable(request).select_related("author"), raw)


def _editable_article(request: HttpRequest, article_id: str) -> Article:
    """An article to change: 404 unless the caller may read it, then 403
    unless they are an agent (a customer learns nothing new)."""
    article = _article(request, article_id)
    require_agent(request)
    return article


def _category_filter(raw: str) -> Q:
    """Articles in the category with this id or slug (none for neither)."""
    match = _by_id_or_slug(ArticleCategory, raw, prefix="category__")
    return Q(pk__in=[]) if match is None else match


def _visible_categories(
    request: HttpRequest,
) -> tuple[QuerySet[ArticleCategory], dict]:
    """The categories the caller may see and ``{category id: readable
    published articles in it}`` (one query now, one when the categories are
    read): agents every category, anyone else only those the counts hold."""
    counts = selectors.category_article_counts(request.user)
    categories = selectors.category_list()
    if not can_edit_articles(request.user):
        categories = categories.filter(pk__in=list(counts))
    return categories, counts


def _refused(error: services.ArticleError) -> ApiError:
    """A service's refusal as a 400 naming the field it is about."""
    field = ERROR_FIELDS.get(error.code, "body")
    return ApiError(400, error.message, error.code, {field: [error.message]})


# --- Articles -----------------------------------------------------------------


@router.get(
    "/knowledge/articles",
    auth=READERS,
    openapi_extra=OPTIONAL_AUTH,
    response=answers({200: Page[ArticleSummaryOut]}),
    summary="List or search articles",
)
def article_list(request, filters: Query[ArticleFilterIn]):
    """The articles the caller may read, by title, ``per_page`` (at most 100)
    a page: ``{"count", "page", "per_page", "pages", "results": [...]}``.

    ``?q=`` searches (``knowledge.search.article_search``) and orders the
    results best first, each with its ``score`` (0 to 1); at most
    ``SEARCH_HITS_MAX`` are ranked. ``?category=`` takes a slug or an id,
    ``?language=`` an ISO 639-1 code. Without credentials the caller is a
    visitor and sees public articles. Agents may ask for
    ``?status=draft|archived|all``; anyone else asking gets a 403. With a
    status other than published, ``?q=`` is a plain match on title and body
    (the search index holds published articles only).
    """
    user = request.user
    if filters.status != "published" and not can_edit_articles(user):
        raise ApiError(403, "Only agents see unpublished articles.", "agents_only")
    queryset = _readable(request)
    if filters.status != "all":
        queryset = queryset.filter(status=filters.status)
    if filters.category:
        queryset = queryset.filter(_category_filter(filters.category))
    if filters.language:
        queryset = queryset.filter(language=filters.language.strip().lower())
    query = filters.q.strip()

    if query and filters.status == "published":
        hits = article_search(user=user, query=query, limit=SEARCH_HITS_MAX)
        scores = {hit.article.pk: hit.score for hit in hits}
        kept = set(queryset.filter(pk__in=list(scores)).values_list("pk", flat=True))
        ranked = [hit.article.pk for hit in hits if hit.article.pk in kept]
        paged = _page_ids(ranked, filters.page, filters.per_page)
        rows = queryset.in_bulk(paged["results"])
        paged["results"] = [
            article_out(rows[pk], scores[pk]) for pk in paged["results"] if pk in rows
        ]
        return paged

    if query:
        queryset = queryset.filter(Q(title__icontains=query) | Q(body__icontains=query))
    return page_of(
        queryset.order_by("title", "pk"), filters.page, filters.per_page, article_out
    )


def _page_ids(pks: list, page: int, per_page: int) -> dict:
    """One page of a ranked list of ids, in the shape of ``page_of``."""
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    pages = max(1, -(-len(pks) // per_page))
    return {
        "count": len(pks),
        "page": page,
        "per_page": per_page,
        "pages": pages,
        "results": pks[(page - 1) * per_page : page * per_page],
    }


@router.get(
    "/knowledge/articles/{article_id}",
    auth=READERS,
    openapi_extra=OPTIONAL_AUTH,
    response=answers({200: ArticleDetailOut}),
    summary="Get an article",
)
def article_get(request, article_id: str):
    """One article by id or slug, with its Markdown ``body``, ``body_html``,
    counts, category and help-center ``url``; 404 when the caller may not
    read it (agents read drafts and archived ones too)."""
    article = _article(request, article_id)
    return article_detail_out(article, for_agent=can_edit_articles(request.user))


@router.post(
    "/knowledge/articles",
    response=answers({201: ArticleDetailOut}),
    summary="Write an article",
)
def article_create(request, payload: ArticleIn):
    """Agents and admins (403 for anyone else, 401 without credentials). A
    new article is a draft unless ``status`` says otherwise; the slug is
    made from the title when none is given and made unique. 400 with field
    errors for a missing title or body, an unknown status, visibility or
    category."""
    require_agent(request)
    category = named_row(ArticleCategory, payload.category_id, "category")
    try:
        article = services.article_create(
            actor=request.user,
            title=payload.title,
            body=payload.body,
            category=category,
            status=payload.status,
            visibility=payload.visibility,
            language=payload.language,
            slug=payload.slug,
        )
    except services.ArticleError as error:
        raise _refused(error) from None
    return Status(201, article_detail_out(article, for_agent=True))


@router.patch(
    "/knowledge/articles/{article_id}",
    response=answers({200: ArticleDetailOut}),
    summary="Change an article",
)
def article_patch(request, article_id: str, payload: ArticlePatch):
    """Agents and admins change the fields sent (``category_id: null`` takes
    it out of its category); publishing, archiving or a new visibility
    reaches the search at once. 404 when the caller may not read it, 403
    when they may read but not write."""
    article = _editable_article(request, article_id)
    changes = sent_fields(payload, keep_null=("category_id",))
    if "category_id" in changes:
        changes["category"] = named_row(
            ArticleCategory, changes.pop("category_id"), "category"
        )
    try:
        article = services.article_update(
            article=article, actor=request.user, **changes
        )
    except services.ArticleError as error:
        raise _refused(error) from None
    return article_detail_out(article, for_agent=True)


@router.delete(
    "/knowledge/articles/{article_id}",
    response=answers({204: None}),
    summary="Delete an article",
)
def article_delete(request, article_id: str):
    """Agents and admins; the article leaves the search at once."""
    article = _editable_article(request, article_id)
    services.article_delete(article=article, actor=request.user)
    return Status(204, None)


# --- Categories ---------------------------------------------------------------


@router.get(
    "/knowledge/categories",
    auth=READERS,
    openapi_extra=OPTIONAL_AUTH,
    response=answers({200: list[ArticleCategoryOut]}),
    summary="List categories",
)
def category_list(request):
    """The categories the caller may see, by position, each with
    ``article_count``: the published articles in it that the caller may read.

    As on the help center, a visitor or customer sees only categories holding
    at least one published article they may read (an agents-only section's
    name never reaches them); agents and admins see every category, empty
    ones too, to edit them. Two queries whatever the number of categories.
    """
    categories, counts = _visible_categories(request)
    return [
        category_out(category, counts.get(category.pk, 0))
        for category in categories.order_by("position", "name")
    ]


@router.get(
    "/knowledge/categories/{category_id}",
    auth=READERS,
    openapi_extra=OPTIONAL_AUTH,
    response=answers({200: ArticleCategoryOut}),
    summary="Get a category",
)
def category_get(request, category_id: str):
    """One category by id or slug, with its ``article_count``; 404 for a
    category the caller may not see (for a visitor or customer: one without
    a published article they may read). Two queries."""
    categories, counts = _visible_categories(request)
    category = _one(categories, category_id)
    return category_out(category, counts.get(category.pk, 0))


def _saved_category(request, category: ArticleCategory) -> dict:
    counts = selectors.category_article_counts(request.user)
    return category_out(category, counts.get(category.pk, 0))


@router.post(
    "/knowledge/categories",
    response=answers({201: ArticleCategoryOut}),
    summary="Add a category",
)
def category_create(request, payload: ArticleCategoryIn):
    """Agents and admins; the slug is made from the name when none is given."""
    require_agent(request)
    try:
        category = services.category_create(
            actor=request.user,
            name=payload.name,
            description=payload.description,
            position=payload.position,
            slug=payload.slug,
        )
    except services.ArticleError as error:
        raise _refused(error) from None
    return Status(201, _saved_category(request, category))


@router.patch(
    "/knowledge/categories/{category_id}",
    response=answers({200: ArticleCategoryOut}),
    summary="Change a category",
)
def category_patch(request, category_id: str, payload: ArticleCategoryPatch):
    require_agent(request)
    category = _one(selectors.category_list(), category_id)
    try:
        category = services.category_update(
            category=category, actor=request.user, **sent_fields(payload)
        )
    except services.ArticleError as error:
        raise _refused(error) from None
    return _saved_category(request, category)


@router.delete(
    "/knowledge/categories/{category_id}",
    response=answers({204: None}),
    summary="Delete a category",
)
def category_delete(request, category_id: str):
    """Agents and admins; its articles stay, without a category."""
    require_agent(request)
    category = _one(selectors.category_list(), category_id)
    services.category_delete(category=category, actor=request.user)
    return Status(204, None)
