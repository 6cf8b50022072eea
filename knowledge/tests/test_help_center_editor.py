"""The agents' article editor in the workspace, with its live preview."""

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from knowledge.models import Article
from knowledge.services.articles import index_version_current

from .help_center_data import Status, Visibility, article, category

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent_client(client, login):
    return login(UserFactory(agent=True))


def _fields(**changes):
    return {
        "title": "How do I export my data?",
        "slug": "",
        "category": "",
        "status": "draft",
        "visibility": "public",
        "language": "en",
        "body": "Open **Settings** and press *Export*.",
        **changes,
    }


def test_an_agent_writes_a_draft_then_publishes_it(agent_client):
    before = index_version_current()
    response = agent_client.post(reverse("knowledge:article_new"), _fields())
    made = Article.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("knowledge:article_edit", args=[made.pk])
    assert made.status == "draft" and made.author.is_agent
    assert "<strong>Settings</strong>" in made.body_html
    assert index_version_current() > before
    page = agent_client.get(response["Location"]).content.decode()
    assert "<strong>Settings</strong>" in page  # the preview of the saved body
    agent_client.post(
        reverse("knowledge:article_edit", args=[made.pk]),
        _fields(slug=made.slug, status="published", visibility="customers"),
    )
    made.refresh_from_db()
    assert (made.status, made.visibility) == ("published", "customers")
    assert made.published_at is not None


def test_the_preview_button_renders_without_saving(agent_client):
    response = agent_client.post(
        reverse("knowledge:article_new"),
        _fields(body="Try **this** <script>alert(1)</script>", preview="1"),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>this</strong>" in html
    assert "<script>alert(1)" not in html
    assert not Article.objects.exists()


def test_live_preview_endpoint_renders_sanitised_html(agent_client):
    response = agent_client.post(
        reverse("knowledge:article_preview"),
        {"body": "# Title\n\n<img src=x onerror=alert(1)> [x](javascript:alert(1))"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<img" not in html
    assert "javascript:" not in html


def test_invalid_form_shows_errors_and_saves_nothing(agent_client):
    response = agent_client.post(reverse("knowledge:article_new"), _fields(title=""))
    assert response.status_code == 400
    assert not Article.objects.exists()


def test_list_shows_every_state_filters_and_keeps_its_query_count(
    agent_client, django_assert_max_num_queries
):
    billing = category("Billing")
    article("Published one", category=billing)
    article("Draft one", status=Status.DRAFT)
    article("Agents one", visibility=Visibility.AGENTS, status=Status.ARCHIVED)
    url = reverse("knowledge:article_manage_list")
    html = agent_client.get(url).content.decode()
    assert "Draft one" in html and "Agents one" in html and "Published one" in html
    filtered = agent_client.get(url, {"status": "draft"}).content.decode()
    assert "Draft one" in filtered and "Published one" not in filtered
    with django_assert_max_num_queries(30) as few:
        agent_client.get(url)
    for i in range(10):
        article(f"More {i}", category=category(f"Cat {i}"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        agent_client.get(url)


def test_customers_are_refused_and_visitors_sent_to_sign_in(client):
    made = article("Secret", visibility=Visibility.AGENTS)
    urls = [
        reverse("knowledge:article_manage_list"),
        reverse("knowledge:article_new"),
        reverse("knowledge:article_edit", args=[made.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 302
    assert (
        client.post(reverse("knowledge:article_preview"), {"body": "x"}).status_code
        == 302
    )
    client.force_login(UserFactory())
    for url in urls:
        response = client.get(url)
        assert response.status_code == 403
        assert "Secret" not in response.content.decode()
    response = client.post(
        reverse("knowledge:article_edit", args=[made.pk]),
        _fields(title="Hacked", slug=made.slug),
    )
    assert response.status_code == 403
    assert (
        client.post(reverse("knowledge:article_preview"), {"body": "x"}).status_code
        == 403
    )
    made.refresh_from_db()
    assert made.title == "Secret"


def test_unknown_article_id_is_a_404(agent_client):
    for bad in ("999999", "abc", "1e9999"):
        url = reverse("knowledge:article_edit", args=[bad])
        assert agent_client.get(url).status_code == 404
