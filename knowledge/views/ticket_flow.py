"""The knowledge base inside the ticket flow.

- On the customer's new-ticket form, articles matching the subject appear as
  it is typed (htmx, debounced in the template). Each suggestion goes through
  ``suggestion_open``, which records the open and redirects to the article;
  the report counts an open as a deflection unless the customer files a
  ticket soon after. Articles open in a new tab: the customer has usually
  written part of the request by then, and a same-tab visit would lose it
  (browsers restore a form on Back unreliably, and not the htmx-swapped
  suggestions); if the article does not help, the request is still there.
- On an agent's ticket page, a search box lists every published article with
  its audience, and an "Insert link" button puts a Markdown link into the
  reply (static/js/knowledge-insert-link.js). Without JavaScript the search
  is a whole page whose results show the links to copy.
"""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from accounts.decorators import agent_required
from helpdesk.shortcuts import get_or_404

from ..models import Article
from ..search import CONFIDENT_SCORE, article_search
from ..selectors import article_list_visible_to
from ..services.deflection import suggestion_open_record

SUGGESTION_LIMIT = 5
# Weaker matches than this (half the chatbot's confident score) share a
# word or so with the subject and only distract: on the retrieval benchmark
# few off-topic questions reach it (bench/retrieval.py's calibration table).
SUGGESTION_MIN_SCORE = CONFIDENT_SCORE / 2
# Fewer characters than this match too much to help.
SUGGESTION_MIN_CHARS = 3
AGENT_SEARCH_LIMIT = 10
QUERY_MAX_CHARS = 255


def query_text(raw: str) -> str:
    """A search typed by a user as one line: NUL characters dropped
    (PostgreSQL cannot store or compare text holding one), runs of spaces
    made one, at most ``QUERY_MAX_CHARS`` characters."""
    return " ".join(raw.replace("\x00", " ").split())[:QUERY_MAX_CHARS]


def markdown_link(title: str, url: str) -> str:
    """``[title](url)`` with the title's ``\\``, ``[`` and ``]`` escaped and the
    URL's spaces, parentheses and angle brackets percent-encoded, so Markdown
    reads the whole link back as written."""
    for char in ("\\", "[", "]"):
        title = title.replace(char, "\\" + char)
    for char, code in ((" ", "%20"), ("(", "%28"), (")", "%29"), ("<", "%3C")):
        url = url.replace(char, code)
    return f"[{title}]({url.replace('>', '%3E')})"


def article_public_url(article: Article) -> str:
    """The article's absolute address from ``SITE_URL`` (never the request's
    Host header): what a customer reading a reply will follow."""
    return settings.SITE_URL.rstrip("/") + article.get_absolute_url()


@login_required
@require_GET
def new_ticket_suggestions(request: HttpRequest) -> HttpResponse:
    """The articles matching ``?subject=``, for the new-ticket form (a partial
    that htmx swaps in beside it); empty for a short subject, and weak
    matches (under ``SUGGESTION_MIN_SCORE``) are left out."""
    subject = query_text(request.GET.get("subject", ""))
    hits = []
    if len(subject) >= SUGGESTION_MIN_CHARS:
        hits = [
            hit
            for hit in article_search(
                user=request.user, query=subject, limit=SUGGESTION_LIMIT
            )
            if hit.score >= SUGGESTION_MIN_SCORE
        ]
    return render(
        request,
        "knowledge/ticket_flow_suggestions.html",
        {"hits": hits, "subject": subject},
    )


@login_required
@require_GET
def suggestion_open(request: HttpRequest, article_id: str) -> HttpResponse:
    """Record that a customer opened a suggested article, then show it.

    404 for an article the user may not read (agents only, a draft, an
    archived one, or an id no article has), so the link reveals nothing.
    Agents and admins are sent on without a record: the deflection rate is
    about customers. ``?q=`` (the subject the suggestion answered) is kept
    as one line without NUL characters.
    """
    article = get_or_404(
        article_list_visible_to(request.user), article_id, message="No such article."
    )
    if request.user.is_customer:
        suggestion_open_record(
            user=request.user,
            article=article,
            query=query_text(request.GET.get("q", "")),
        )
    return redirect(article.get_absolute_url())


@agent_required
@require_GET
def agent_search(request: HttpRequest) -> HttpResponse:
    """Published articles of every audience matching ``?q=``, each with its
    audience and its Markdown link. htmx gets the results partial (the
    ticket page's box); a plain request the whole page."""
    query = query_text(request.GET.get("q", ""))
    hits = (
        article_search(user=request.user, query=query, limit=AGENT_SEARCH_LIMIT)
        if query
        else []
    )
    results = [
        {
            "article": hit.article,
            "url": (url := article_public_url(hit.article)),
            "markdown": markdown_link(hit.article.title, url),
            "agents_only": hit.article.visibility == Article.Visibility.AGENTS,
        }
        for hit in hits
    ]
    template = (
        "knowledge/ticket_flow_agent_results.html"
        if request.htmx
        else "knowledge/ticket_flow_agent_search.html"
    )
    return render(request, template, {"results": results, "query": query})
