"""Readers' answers to "Was this helpful?" and article view counts.

Counts move with ``F()`` expressions, so two readers voting or viewing at
once both count. A reader is ``user:<id>`` when signed in and
``visitor:<id>`` otherwise (``reader_key``), where ``<id>`` is a random voter
id kept in the visitor's session (never the session key itself, which would
let anyone reading the votes table take over the session). Each reader holds
at most one vote per article (``ArticleVote``'s unique constraint), and
changing it moves one count down and the other up.

Signing in keeps the session's data (Django only rotates its key), so the
visitor voter id survives: when a reader who voted as a visitor votes again
signed in, the visitor vote becomes theirs instead of counting twice
(``visitor_key`` passed to :func:`article_vote`).

Visitors are also limited per client IP: a new visitor vote counts against
``VISITOR_VOTES_PER_IP_PER_ARTICLE`` an hour for that article and
``VISITOR_VOTES_PER_IP`` an hour over all articles, so dropping the cookie
and voting again cannot stuff the counts (a changed answer is not a new vote
and is never refused; signed-in readers hold one vote each and are not
limited).
"""

import secrets

from django.db.models import F
from django.http import HttpRequest

from helpdesk.db import atomic, save_unique
from helpdesk.errors import ApplicationError
from helpdesk.ratelimit import rate_limit_hit

from ..models import Article, ArticleVote

# How many article ids a session remembers as viewed (oldest dropped first).
VIEWED_SESSION_KEY = "knowledge_viewed"
VIEWED_REMEMBERED = 300

# The random voter id a visitor's session carries (kept across signing in).
VOTER_SESSION_KEY = "knowledge_voter"

# New visitor votes one client IP may cast in an hour: on one article, and in
# all. An office behind one address still gets a fair say.
VISITOR_VOTES_PER_IP_PER_ARTICLE = 10
VISITOR_VOTES_PER_IP = 100
VOTE_WINDOW_SECONDS = 3600


class VoteError(ApplicationError):
    code = "vote_failed"


def visitor_key(request: HttpRequest) -> str:
    """``visitor:<random id>`` for this browser's session, made and stored in
    the session on first use; it survives signing in (the session data is
    kept when Django rotates the key)."""
    voter_id = request.session.get(VOTER_SESSION_KEY)
    if not isinstance(voter_id, str) or not voter_id:
        voter_id = secrets.token_urlsafe(18)
        request.session[VOTER_SESSION_KEY] = voter_id
    return f"visitor:{voter_id}"


def previous_visitor_key(request: HttpRequest) -> str:
    """The visitor key this session voted under before its reader signed in,
    or ``""`` (nobody signed in, or no visitor id in the session)."""
    if not request.user.is_authenticated:
        return ""
    voter_id = request.session.get(VOTER_SESSION_KEY)
    return f"visitor:{voter_id}" if isinstance(voter_id, str) and voter_id else ""


def reader_key(request: HttpRequest) -> str:
    """``user:<id>`` for someone signed in, else ``visitor:<random id>``
    (see :func:`visitor_key`)."""
    if request.user.is_authenticated:
        return f"user:{request.user.pk}"
    return visitor_key(request)


def article_vote_of(*, article: Article, voter: str, visitor: str = "") -> bool | None:
    """The reader's current answer for ``article``: True, False or None.
    ``visitor``: the key the same reader voted under before signing in, used
    when ``voter`` has not voted."""
    voters = [voter, visitor] if visitor else [voter]
    answers = dict(
        ArticleVote.objects.filter(article=article, voter__in=voters).values_list(
            "voter", "helpful"
        )
    )
    if voter in answers:
        return answers[voter]
    return answers.get(visitor)


def _move_counts(article: Article, *, helpful: bool | None, was: bool | None) -> None:
    """Add one to ``helpful``'s count and take one from ``was``'s (None: no
    vote on that side), in the database."""
    changes = {}
    if was is not None:
        field = "helpful_count" if was else "not_helpful_count"
        changes[field] = F(field) - 1
    if helpful is not None:
        field = "helpful_count" if helpful else "not_helpful_count"
        changes[field] = changes.get(field, F(field)) + 1
    if changes:
        Article.objects.filter(pk=article.pk).update(**changes)


def visitor_vote_rate_limit(*, ip: str, article: Article) -> None:
    """Count one new visitor vote from ``ip`` on ``article``; raises
    RateLimited (429) past ``VISITOR_VOTES_PER_IP_PER_ARTICLE`` an hour on
    that article or ``VISITOR_VOTES_PER_IP`` an hour in all. An empty ``ip``
    is not limited."""
    rate_limit_hit(
        scope="knowledge-vote",
        subjects={
            "ip-article": (
                f"{ip}|{article.pk}" if ip else "",
                VISITOR_VOTES_PER_IP_PER_ARTICLE,
            ),
            "ip": (ip, VISITOR_VOTES_PER_IP),
        },
        window_seconds=VOTE_WINDOW_SECONDS,
        message="Many readers on your network have answered already; "
        "please try again later or sign in.",
    )


def _adopt_visitor_vote(article: Article, *, voter: str, visitor: str) -> None:
    """Make the vote ``visitor`` cast on ``article`` ``voter``'s; when
    ``voter`` has voted too, drop the visitor's vote and its count."""
    earlier = ArticleVote.objects.filter(article=article, voter=visitor).first()
    if earlier is None:
        return
    if ArticleVote.objects.filter(article=article, voter=voter).exists():
        ArticleVote.objects.filter(pk=earlier.pk).delete()
        _move_counts(article, helpful=None, was=earlier.helpful)
    else:
        ArticleVote.objects.filter(pk=earlier.pk).update(voter=voter)


@atomic
def article_vote(
    *,
    article: Article,
    voter: str,
    helpful: bool,
    visitor: str = "",
    client_ip: str = "",
) -> Article:
    """Record ``voter``'s answer; the same answer twice changes nothing, a
    changed answer moves the counts. Returns the article with its counts as
    stored afterwards (``helpful_count``, ``not_helpful_count``).

    ``visitor``: for a signed-in ``voter``, the key this browser voted under
    before signing in (``previous_visitor_key``); that vote becomes
    ``voter``'s, so one person counts once. ``client_ip``: a new vote by
    anyone not signed in counts against the per-IP limits.

    Raises VoteError when the same reader's concurrent first vote won the
    race, RateLimited (429) when a visitor's address is over its limit."""
    if visitor and visitor != voter:
        _adopt_visitor_vote(article, voter=voter, visitor=visitor)
    vote = ArticleVote.objects.filter(article=article, voter=voter).first()
    if vote is None:
        if not voter.startswith("user:"):
            visitor_vote_rate_limit(ip=client_ip, article=article)
        save_unique(
            ArticleVote(article=article, voter=voter, helpful=helpful),
            VoteError("Your answer was already recorded."),
        )
        _move_counts(article, helpful=helpful, was=None)
    elif vote.helpful != helpful:
        ArticleVote.objects.filter(pk=vote.pk).update(helpful=helpful)
        _move_counts(article, helpful=helpful, was=vote.helpful)
    fresh = (
        Article.objects.filter(pk=article.pk)
        .values("helpful_count", "not_helpful_count")
        .first()
        or {}
    )
    article.helpful_count = fresh.get("helpful_count", article.helpful_count)
    article.not_helpful_count = fresh.get(
        "not_helpful_count", article.not_helpful_count
    )
    return article


def article_view_count(*, request: HttpRequest, article: Article) -> bool:
    """Count one view of ``article`` unless this session counted it already;
    returns whether it counted (then ``article.view_count`` is one higher).
    The session remembers the last ``VIEWED_REMEMBERED`` articles it saw."""
    viewed = list(request.session.get(VIEWED_SESSION_KEY, []))
    key = str(article.pk)
    if key in viewed:
        return False
    Article.objects.filter(pk=article.pk).update(view_count=F("view_count") + 1)
    article.view_count += 1
    viewed.append(key)
    request.session[VIEWED_SESSION_KEY] = viewed[-VIEWED_REMEMBERED:]
    return True
