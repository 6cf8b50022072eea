"""The public help center at /help/: pages, visibility, views and votes."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import UserFactory
from knowledge.models import Article, ArticleVote

from .help_center_data import Status, Visibility, article, category

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer_client(client):
    client.force_login(UserFactory())
    return client


@pytest.fixture
def agent_client(client, login):
    return login(UserFactory(agent=True))


@pytest.fixture
def shelf():
    """Three audiences and three states, in two categories."""
    billing = category("Billing", position=2, description="Invoices and payments")
    start = category("Getting started", position=1)
    internal = category("Internal runbooks", position=3)
    return {
        "billing": billing,
        "start": start,
        "internal": internal,
        "public": article("Pay an invoice", category=billing, views=40),
        "customers": article(
            "Download receipts",
            category=billing,
            visibility=Visibility.CUSTOMERS,
            views=5,
        ),
        "agents": article(
            "Refund runbook", category=internal, visibility=Visibility.AGENTS
        ),
        "draft": article("Draft about invoices", category=billing, status=Status.DRAFT),
        "archived": article(
            "Old invoice portal", category=billing, status=Status.ARCHIVED
        ),
        "welcome": article("Create your account", category=start, views=90),
    }


# --- Home ----------------------------------------------------------------


def test_home_lists_categories_in_order_with_counts_for_an_anonymous_reader(
    client, shelf
):
    response = client.get(reverse("knowledge:home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("Getting started") < html.index("Billing")
    sections = {s.category.name: s for s in response.context["home"].sections}
    assert set(sections) == {"Getting started", "Billing"}  # runbooks: hidden
    assert sections["Billing"].count == 1
    assert [a.title for a in sections["Billing"].top] == ["Pay an invoice"]
    assert "Internal runbooks" not in html
    assert "Refund runbook" not in html
    assert "Download receipts" not in html
    assert "Draft about invoices" not in html
    assert "Old invoice portal" not in html
    popular = [a.title for a in response.context["home"].popular]
    assert popular == ["Create your account", "Pay an invoice"]


def test_home_for_a_customer_adds_customer_articles_and_not_agent_ones(
    customer_client, shelf
):
    html = customer_client.get(reverse("knowledge:home")).content.decode()
    assert "Download receipts" in html
    assert "Refund runbook" not in html
    assert "Internal runbooks" not in html


def test_home_for_an_agent_shows_every_published_article(agent_client, shelf):
    html = agent_client.get(reverse("knowledge:home")).content.decode()
    assert "Refund runbook" in html
    assert "Internal runbooks" in html
    assert "Draft about invoices" not in html


def test_home_empty_state(client):
    response = client.get(reverse("knowledge:home"))
    assert response.status_code == 200
    assert "No articles yet" in response.content.decode()


def _many(n, cat, prefix="Article"):
    for i in range(n):
        article(f"{prefix} {i}", category=cat, views=i)


def test_home_query_count_does_not_grow_with_articles(
    client, django_assert_max_num_queries
):
    cats = [category(f"Topic {i}", position=i) for i in range(2)]
    _many(2, cats[0])
    client.get(reverse("knowledge:home"))
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("knowledge:home"))
    more = [category(f"More {i}", position=10 + i) for i in range(4)]
    for cat in more:
        _many(6, cat, prefix=cat.name)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("knowledge:home"))
    assert len(response.context["home"].sections) == 1 + 4  # Topic 1 is empty


# --- Category ------------------------------------------------------------


def test_category_page_lists_visible_articles_paginated(client):
    billing = category("Billing")
    _many(23, billing, prefix="Invoice question")
    article("Secret", category=billing, visibility=Visibility.AGENTS)
    response = client.get(reverse("knowledge:category", args=[billing.slug]))
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 20
    assert "Secret" not in response.content.decode()
    second = client.get(reverse("knowledge:category", args=[billing.slug]), {"page": 2})
    assert len(second.context["page"].object_list) == 3
    assert second.context["page"].paginator.count == 23


def test_category_with_only_agent_articles_is_a_404_for_others(
    client, customer_client, shelf
):
    url = reverse("knowledge:category", args=[shelf["internal"].slug])
    assert client.get(url).status_code == 404
    assert customer_client.get(url).status_code == 404


def test_unknown_category_is_a_404(client):
    assert client.get(reverse("knowledge:category", args=["nope"])).status_code == 404


def test_category_query_count_does_not_grow(client, django_assert_max_num_queries):
    billing = category("Billing")
    _many(3, billing)
    url = reverse("knowledge:category", args=[billing.slug])
    client.get(url)
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    _many(15, billing, prefix="More")
    for i in range(5):
        article(f"Other {i}", category=category(f"Other {i}"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


# --- Article -------------------------------------------------------------


def test_article_page_shows_body_breadcrumb_and_counts(client, shelf):
    response = client.get(reverse("knowledge:article", args=[shelf["public"].slug]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>Billing</strong>" in html  # the body, rendered
    assert 'href="/help/c/billing/"' in html  # the breadcrumb
    assert "41 views" in html
    assert "Was this helpful?" in html


@pytest.mark.parametrize("key", ["draft", "archived", "customers", "agents"])
def test_article_an_anonymous_reader_may_not_see_is_a_404(client, shelf, key):
    url = reverse("knowledge:article", args=[shelf[key].slug])
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("key", ["draft", "archived", "agents"])
def test_article_a_customer_may_not_see_is_a_404(customer_client, shelf, key):
    url = reverse("knowledge:article", args=[shelf[key].slug])
    assert customer_client.get(url).status_code == 404


def test_customer_reads_a_customers_article_and_agent_an_agents_one(
    customer_client, shelf, login
):
    url = reverse("knowledge:article", args=[shelf["customers"].slug])
    assert customer_client.get(url).status_code == 200
    customer_client.logout()
    login(UserFactory(agent=True))
    url = reverse("knowledge:article", args=[shelf["agents"].slug])
    assert customer_client.get(url).status_code == 200


def test_drafts_are_a_404_for_agents_too(agent_client, shelf):
    url = reverse("knowledge:article", args=[shelf["draft"].slug])
    assert agent_client.get(url).status_code == 404


def test_a_view_counts_once_per_session(client, shelf):
    url = reverse("knowledge:article", args=[shelf["public"].slug])
    client.get(url)
    client.get(url)
    shelf["public"].refresh_from_db()
    assert shelf["public"].view_count == 41
    other = type(client)()
    other.get(url)
    shelf["public"].refresh_from_db()
    assert shelf["public"].view_count == 42


def test_related_articles_never_include_what_the_reader_may_not_see(client, shelf):
    article("Pay an invoice by card", category=shelf["billing"])
    article(
        "Pay an invoice: agent notes",
        category=shelf["internal"],
        visibility=Visibility.AGENTS,
    )
    response = client.get(reverse("knowledge:article", args=[shelf["public"].slug]))
    titles = [hit.article.title for hit in response.context["related"]]
    assert "Pay an invoice: agent notes" not in titles
    assert "Pay an invoice" not in titles  # not itself


def test_article_query_count_does_not_grow(client, django_assert_max_num_queries):
    billing = category("Billing")
    first = article("Pay an invoice", category=billing)
    article("Pay an invoice online", category=billing)  # one related from the start
    url = reverse("knowledge:article", args=[first.slug])
    client.get(url)
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    baseline = len(few.captured_queries)  # read now: a request clears the log
    for i in range(12):
        article(f"Pay an invoice way {i}", category=billing)
    client.get(url)  # the search index is rebuilt once after the change
    with django_assert_max_num_queries(baseline):
        client.get(url)


# --- Votes ---------------------------------------------------------------


def _vote(client, art, answer, **extra):
    return client.post(
        reverse("knowledge:article_vote", args=[art.slug]),
        {"helpful": answer},
        **extra,
    )


def test_plain_post_vote_counts_and_returns_to_the_article(client, shelf):
    art = shelf["public"]
    response = _vote(client, art, "yes")
    assert response.status_code == 302
    assert response["Location"].startswith(art.get_absolute_url())
    art.refresh_from_db()
    assert (art.helpful_count, art.not_helpful_count) == (1, 0)
    page = client.get(art.get_absolute_url()).content.decode()
    assert "Thanks for your feedback." in page
    assert "You answered Yes" in page


def test_one_vote_per_reader_and_a_changed_vote_moves_the_counts(client, shelf):
    art = shelf["public"]
    _vote(client, art, "yes")
    _vote(client, art, "yes")
    art.refresh_from_db()
    assert (art.helpful_count, art.not_helpful_count) == (1, 0)
    _vote(client, art, "no")
    art.refresh_from_db()
    assert (art.helpful_count, art.not_helpful_count) == (0, 1)
    assert ArticleVote.objects.filter(article=art).count() == 1


def test_two_readers_both_count(customer_client, shelf):
    art = shelf["public"]
    _vote(Client(), art, "no")  # a visitor
    _vote(customer_client, art, "no")
    art.refresh_from_db()
    assert art.not_helpful_count == 2
    voters = set(ArticleVote.objects.values_list("voter", flat=True))
    assert any(v.startswith("visitor:") for v in voters)
    assert any(v.startswith("user:") for v in voters)


def test_htmx_vote_returns_the_vote_box(client, shelf):
    art = shelf["public"]
    response = _vote(client, art, "yes", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert [t.name for t in response.templates] == ["knowledge/_vote.html"]
    html = response.content.decode()
    assert 'aria-pressed="true"' in html
    assert "Thanks for your feedback." in html


def test_vote_on_an_article_one_may_not_see_is_a_404(client, shelf):
    for key in ("agents", "customers", "draft"):
        assert _vote(client, shelf[key], "yes").status_code == 404
    client.force_login(UserFactory())
    assert _vote(client, shelf["agents"], "yes").status_code == 404
    assert not ArticleVote.objects.exists()
    assert Article.objects.get(pk=shelf["agents"].pk).helpful_count == 0


def test_vote_needs_post_and_a_valid_answer(client, shelf):
    url = reverse("knowledge:article_vote", args=[shelf["public"].slug])
    assert client.get(url).status_code == 405
    assert _vote(client, shelf["public"], "maybe").status_code == 302
    assert not ArticleVote.objects.exists()


# --- Search --------------------------------------------------------------


def test_search_finds_visible_articles_with_an_excerpt(client, shelf):
    response = client.get(reverse("knowledge:search"), {"q": "invoice"})
    assert response.status_code == 200
    titles = [r["article"].title for r in response.context["results"]]
    assert "Pay an invoice" in titles
    assert "Draft about invoices" not in titles
    assert "Old invoice portal" not in titles
    assert "result" in response.content.decode()


def test_search_never_shows_agent_articles_to_customers(customer_client, shelf):
    response = customer_client.get(reverse("knowledge:search"), {"q": "runbook"})
    assert response.context["results"] == []
    assert "Refund runbook" not in response.content.decode()


def test_search_empty_states(client, shelf):
    html = client.get(reverse("knowledge:search")).content.decode()
    assert "Ask a question" in html
    html = client.get(reverse("knowledge:search"), {"q": "zzzz"}).content.decode()
    assert "No articles found" in html


def test_search_paginates(client):
    billing = category("Billing")
    _many(13, billing, prefix="Invoice help")
    response = client.get(reverse("knowledge:search"), {"q": "invoice"})
    assert len(response.context["results"]) == 10
    second = client.get(reverse("knowledge:search"), {"q": "invoice", "page": 2})
    assert len(second.context["results"]) == 3


def test_search_query_count_does_not_grow(client, django_assert_max_num_queries):
    billing = category("Billing")
    _many(3, billing, prefix="Invoice help")
    url = reverse("knowledge:search")
    client.get(url, {"q": "invoice"})
    with django_assert_max_num_queries(20) as few:
        client.get(url, {"q": "invoice"})
    baseline = len(few.captured_queries)  # read now: a request clears the log
    _many(20, billing, prefix="Invoice more")
    client.get(url, {"q": "invoice"})  # the index is rebuilt once after the change
    with django_assert_max_num_queries(baseline):
        client.get(url, {"q": "invoice"})


def test_excerpts_read_as_text_escape_markup_and_mark_the_words():
    from knowledge.selectors_help_center import article_excerpt

    art = article(
        "Profiles",
        body="Open **Profile**, type `<script>x</script>`.\n\n- one\n- two password",
    )
    text = str(article_excerpt(art, "password profile"))
    assert "<mark>Profile</mark>, type" in text
    assert "&lt;script&gt;" in text and "<script>" not in text
    assert "one two <mark>password</mark>" in text


def test_htmx_vote_with_a_bad_answer_shows_the_error_in_the_box(client, shelf):
    response = _vote(client, shelf["public"], "maybe", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Choose Yes or No." in response.content.decode()
    assert not ArticleVote.objects.exists()


def test_a_vote_before_signing_in_shows_as_the_readers_own(client, shelf):
    art = shelf["public"]
    _vote(client, art, "yes")
    client.force_login(UserFactory())
    assert "You answered Yes" in client.get(art.get_absolute_url()).content.decode()
    _vote(client, art, "no")
    art.refresh_from_db()
    assert (art.helpful_count, art.not_helpful_count) == (0, 1)
    assert ArticleVote.objects.get(article=art).voter.startswith("user:")


def test_too_many_visitor_votes_from_one_address_are_refused_with_a_message(shelf):
    from knowledge.services import votes

    art = shelf["public"]
    for _ in range(votes.VISITOR_VOTES_PER_IP_PER_ARTICLE):
        _vote(Client(), art, "yes")
    response = _vote(Client(), art, "yes", HTTP_HX_REQUEST="true")
    assert "Many readers on your network" in response.content.decode()
    art.refresh_from_db()
    assert art.helpful_count == votes.VISITOR_VOTES_PER_IP_PER_ARTICLE
