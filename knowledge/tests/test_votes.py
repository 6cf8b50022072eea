"""The vote and view-count services."""

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory

from accounts.tests.factories import UserFactory
from knowledge.models import Article, ArticleVote
from knowledge.services import votes

from .help_center_data import article

pytestmark = pytest.mark.django_db


def _counts(art):
    return tuple(
        Article.objects.filter(pk=art.pk).values_list(
            "helpful_count", "not_helpful_count"
        )[0]
    )


def test_first_vote_counts_and_returns_fresh_counts():
    art = article()
    Article.objects.filter(pk=art.pk).update(helpful_count=7)  # others' votes
    got = votes.article_vote(article=art, voter="session:a", helpful=True)
    assert (got.helpful_count, got.not_helpful_count) == (8, 0)
    assert _counts(art) == (8, 0)


def test_same_vote_again_changes_nothing_and_a_changed_one_moves_both():
    art = article()
    votes.article_vote(article=art, voter="user:1", helpful=False)
    votes.article_vote(article=art, voter="user:1", helpful=False)
    assert _counts(art) == (0, 1)
    votes.article_vote(article=art, voter="user:1", helpful=True)
    assert _counts(art) == (1, 0)
    assert votes.article_vote_of(article=art, voter="user:1") is True
    assert ArticleVote.objects.count() == 1


def test_counts_move_in_the_database_not_from_a_stale_copy():
    art = article()
    stale = Article.objects.get(pk=art.pk)
    votes.article_vote(article=art, voter="session:a", helpful=True)
    votes.article_vote(article=stale, voter="session:b", helpful=True)
    assert _counts(art) == (2, 0)


def test_reader_key_for_users_and_visitors():
    request = RequestFactory().get("/")
    request.session = SessionStore()
    request.user = UserFactory()
    assert votes.reader_key(request) == f"user:{request.user.pk}"
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    key = votes.reader_key(request)
    assert key.startswith("visitor:") and len(key) > len("visitor:") + 10
    assert key == f"visitor:{request.session[votes.VOTER_SESSION_KEY]}"
    assert votes.reader_key(request) == key


def test_view_counted_once_per_session_and_memory_bounded(monkeypatch):
    monkeypatch.setattr(votes, "VIEWED_REMEMBERED", 2)
    request = RequestFactory().get("/")
    request.session = SessionStore()
    arts = [article(f"A {i}") for i in range(3)]
    assert votes.article_view_count(request=request, article=arts[0]) is True
    assert votes.article_view_count(request=request, article=arts[0]) is False
    votes.article_view_count(request=request, article=arts[1])
    votes.article_view_count(request=request, article=arts[2])
    assert len(request.session[votes.VIEWED_SESSION_KEY]) == 2
    assert Article.objects.get(pk=arts[0].pk).view_count == 1


def test_a_visitor_vote_becomes_the_readers_after_signing_in():
    art = article()
    votes.article_vote(article=art, voter="visitor:v", helpful=True)
    votes.article_vote(article=art, voter="user:1", helpful=False, visitor="visitor:v")
    assert _counts(art) == (0, 1)
    assert list(ArticleVote.objects.values_list("voter", "helpful")) == [
        ("user:1", False)
    ]


def test_a_visitor_vote_is_dropped_when_the_reader_had_voted_signed_in():
    art = article()
    votes.article_vote(article=art, voter="user:1", helpful=True)
    votes.article_vote(article=art, voter="visitor:v", helpful=True)
    votes.article_vote(article=art, voter="user:1", helpful=True, visitor="visitor:v")
    assert _counts(art) == (1, 0)
    assert ArticleVote.objects.get().voter == "user:1"


def test_visitor_votes_are_limited_per_ip_and_article_but_changes_are_not():
    from helpdesk.ratelimit import RateLimited

    art, other = article(), article("Another")
    limit = votes.VISITOR_VOTES_PER_IP_PER_ARTICLE
    for n in range(limit):
        votes.article_vote(
            article=art, voter=f"visitor:{n}", helpful=True, client_ip="192.0.2.1"
        )
    with pytest.raises(RateLimited):
        votes.article_vote(
            article=art, voter="visitor:x", helpful=True, client_ip="192.0.2.1"
        )
    votes.article_vote(
        article=art, voter="visitor:0", helpful=False, client_ip="192.0.2.1"
    )
    votes.article_vote(
        article=art, voter="visitor:y", helpful=True, client_ip="192.0.2.2"
    )
    votes.article_vote(
        article=other, voter="visitor:x", helpful=True, client_ip="192.0.2.1"
    )
    votes.article_vote(article=art, voter="user:1", helpful=True, client_ip="192.0.2.1")
    assert _counts(art) == (limit + 1, 1)
