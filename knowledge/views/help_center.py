"""The public help center at /help/: anyone may read it, signed in or not.

Every page shows only what the reader may see (``knowledge.permissions``):
a draft, an archived article, or one for another audience is a 404.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.security import client_ip
from helpdesk.errors import ApplicationError
from tickets.views.common import paginate

from .. import selectors_help_center as help_selectors
from ..search import article_search, related_articles
from ..selectors import article_get_for
from ..services import votes

CATEGORY_PAGE_SIZE = 20
SEARCH_PAGE_SIZE = 10
SEARCH_MAX_RESULTS = 100
QUERY_MAX_CHARS = 200
RELATED = 5


def _query(request: HttpRequest) -> str:
    return " ".join(request.GET.get("q", "").split())[:QUERY_MAX_CHARS]


def help_home(request: HttpRequest) -> HttpResponse:
    """Search box, categories in order with counts and top articles, and the
    most viewed articles."""
    home = help_selectors.help_home_for(request.user)
    return render(request, "knowledge/home.html", {"home": home})


def category_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """One category's articles the reader may see, by title, paginated."""
    category = help_selectors.category_get_for(request.user, slug)
    page = paginate(
        request,
        help_selectors.category_articles_for(request.user, category),
        CATEGORY_PAGE_SIZE,
    )
    for article in page.object_list:
        article.excerpt = help_selectors.article_excerpt(article)
    return render(
        request,
        "knowledge/category.html",
        {
            "category": category,
            "page": page,
            "categories": help_selectors.category_list_for(request.user),
        },
    )


def article_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """An article, counted once per session, with its vote box and related
    articles."""
    article = article_get_for(request.user, slug)
    votes.article_view_count(request=request, article=article)
    voter = votes.reader_key(request)
    visitor = votes.previous_visitor_key(request)
    return render(
        request,
        "knowledge/article.html",
        {
            "article": article,
            "my_vote": votes.article_vote_of(
                article=article, voter=voter, visitor=visitor
            ),
            "related": related_articles(
                user=request.user, article=article, limit=RELATED
            ),
        },
    )


@require_POST
def article_vote(request: HttpRequest, slug: str) -> HttpResponse:
    """ "Was this helpful?": ``helpful`` is ``yes`` or ``no``. htmx gets the
    vote box back (with the error, if any); a plain form post returns to the
    article with a message. A vote cast before signing in becomes the
    reader's own; visitors' new votes are limited per client IP
    (``knowledge.services.votes``)."""
    article = article_get_for(request.user, slug)
    answer = request.POST.get("helpful", "")
    voter = votes.reader_key(request)
    visitor = votes.previous_visitor_key(request)
    error = "" if answer in ("yes", "no") else "Choose Yes or No."
    if not error:
        try:
            article = votes.article_vote(
                article=article,
                voter=voter,
                helpful=answer == "yes",
                visitor=visitor,
                client_ip=client_ip(request),
            )
        except ApplicationError as refused:
            error = refused.message
    if request.htmx:
        return render(
            request,
            "knowledge/_vote.html",
            {
                "article": article,
                "my_vote": votes.article_vote_of(
                    article=article, voter=voter, visitor=visitor
                ),
                "thanked": not error,
                "error": error,
            },
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, "Thanks for your feedback.")
    return redirect(f"{article.get_absolute_url()}#was-this-helpful")


def help_search(request: HttpRequest) -> HttpResponse:
    """Articles answering ``q`` that the reader may see, best first, with an
    excerpt around the words asked for; ``SEARCH_PAGE_SIZE`` a page."""
    query = _query(request)
    hits = (
        article_search(user=request.user, query=query, limit=SEARCH_MAX_RESULTS)
        if query
        else []
    )
    page = paginate(request, hits, SEARCH_PAGE_SIZE)
    results = [
        {
            "article": hit.article,
            "excerpt": help_selectors.article_excerpt(hit.article, query),
        }
        for hit in page.object_list
    ]
    return render(
        request,
        "knowledge/search.html",
        {"query": query, "page": page, "results": results},
    )
