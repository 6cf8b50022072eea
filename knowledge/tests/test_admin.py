"""Editing the knowledge base in the Django admin (admins only), through
the services, with a preview, and FAQ files in and out."""

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.tests.factories import UserFactory
from knowledge.models import Article, ArticleCategory
from knowledge.services.articles import index_version_current

from .help_center_data import Visibility, article, category

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(login):
    return login(UserFactory(admin=True))


def _add(admin_client, **fields):
    data = {
        "title": "How do I export my data?",
        "slug": "",
        "category": "",
        "status": "draft",
        "visibility": "public",
        "language": "en",
        "body": "Open **Settings** and press *Export*.",
        **fields,
    }
    return admin_client.post(reverse("admin:knowledge_article_add"), data)


def test_admin_adds_an_article_through_the_service(admin_client):
    before = index_version_current()
    response = _add(admin_client)
    assert response.status_code == 302, response.content.decode()[:2000]
    made = Article.objects.get()
    assert made.slug == "how-do-i-export-my-data"
    assert "<strong>Settings</strong>" in made.body_html
    assert made.author.is_admin
    assert index_version_current() > before


def test_admin_edits_publishes_and_previews(admin_client):
    _add(admin_client)
    made = Article.objects.get()
    url = reverse("admin:knowledge_article_change", args=[made.pk])
    page = admin_client.get(url).content.decode()
    assert 'class="article-preview-frame"' in page
    assert "sandbox" in page
    # srcdoc is an attribute: the whole document is escaped for it
    assert "&lt;strong&gt;Settings&lt;/strong&gt;" in page
    assert "<strong>Settings" not in page
    data = {
        "title": made.title,
        "slug": made.slug,
        "category": "",
        "status": "published",
        "visibility": "customers",
        "language": "en",
        "body": "Now **different**.",
    }
    before = index_version_current()
    assert admin_client.post(url, data).status_code == 302
    made.refresh_from_db()
    assert made.status == "published" and made.published_at is not None
    assert made.visibility == "customers"
    assert "<strong>different</strong>" in made.body_html
    assert index_version_current() > before


def test_hostile_markdown_is_sanitised_in_the_preview(admin_client):
    _add(admin_client, body="<script>alert(1)</script> [x](javascript:alert(2))")
    made = Article.objects.get()
    assert "<script" not in made.body_html
    assert "javascript:" not in made.body_html


def test_admin_deletes_through_the_service(admin_client):
    made = article("Old")
    before = index_version_current()
    url = reverse("admin:knowledge_article_delete", args=[made.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert not Article.objects.exists()
    assert index_version_current() > before


def test_bulk_publish_and_archive_actions(admin_client):
    drafts = [article(f"Draft {i}", status="draft") for i in range(2)]
    changelist = reverse("admin:knowledge_article_changelist")
    admin_client.post(
        changelist,
        {"action": "publish", "_selected_action": [str(d.pk) for d in drafts]},
    )
    assert set(Article.objects.values_list("status", flat=True)) == {"published"}
    admin_client.post(
        changelist,
        {"action": "archive", "_selected_action": [str(drafts[0].pk)]},
    )
    assert Article.objects.get(pk=drafts[0].pk).status == "archived"


def test_changelist_filters_and_counts(admin_client, django_assert_max_num_queries):
    billing = category("Billing")
    for i in range(3):
        article(f"Article {i}", category=billing)
    url = reverse("admin:knowledge_article_changelist")
    page = admin_client.get(url).content.decode()
    for words in ("Import FAQ", "Export FAQ (JSON)", "Export FAQ (CSV)", "helpful"):
        assert words in page
    assert admin_client.get(url, {"status__exact": "draft"}).status_code == 200
    assert admin_client.get(url, {"q": "Article 1"}).status_code == 200
    with django_assert_max_num_queries(40) as few:
        admin_client.get(url)
    for i in range(10):
        article(f"More {i}", category=category(f"Cat {i}"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        admin_client.get(url)


def test_category_admin_writes_through_services(admin_client):
    before = index_version_current()
    response = admin_client.post(
        reverse("admin:knowledge_articlecategory_add"),
        {"name": "Billing", "slug": "", "description": "", "position": 2},
    )
    assert response.status_code == 302
    billing = ArticleCategory.objects.get()
    assert billing.slug == "billing"
    assert index_version_current() > before
    page = admin_client.get(reverse("admin:knowledge_articlecategory_changelist"))
    assert page.status_code == 200
    url = reverse("admin:knowledge_articlecategory_delete", args=[billing.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert not ArticleCategory.objects.exists()


def test_agents_and_customers_are_refused_the_admin(client, login):
    made = article("Secret", visibility=Visibility.AGENTS)
    urls = [
        reverse("admin:knowledge_article_changelist"),
        reverse("admin:knowledge_article_change", args=[made.pk]),
        reverse("admin:knowledge_article_import_faq"),
        reverse("admin:knowledge_article_export_faq", args=["json"]),
    ]
    for user in (UserFactory(agent=True), UserFactory()):
        client.logout()
        login(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 302, url
            assert "Secret" not in response.content.decode()


# --- FAQ files in the admin --------------------------------------------------


def _upload(admin_client, name, content):
    return admin_client.post(
        reverse("admin:knowledge_article_import_faq"),
        {"file": SimpleUploadedFile(name, content.encode())},
    )


def test_import_faq_page_imports_and_reports_counts(admin_client):
    faq = json.dumps([{"question": "Can I pay by card?", "answer": "Yes."}])
    assert (
        admin_client.get(reverse("admin:knowledge_article_import_faq")).status_code
        == 200
    )
    response = _upload(admin_client, "faq.json", faq)
    assert response.status_code == 302
    assert Article.objects.get().title == "Can I pay by card?"
    page = admin_client.get(response["Location"]).content.decode()
    assert "1 created, 0 updated, 0 unchanged" in page
    response = _upload(admin_client, "faq.json", faq)
    page = admin_client.get(response["Location"]).content.decode()
    assert "0 created, 0 updated, 1 unchanged" in page


def test_import_faq_page_shows_the_error_and_imports_nothing(admin_client):
    response = _upload(admin_client, "faq.csv", "question,answer\nGood?,Yes\n,No\n")
    assert response.status_code == 200
    assert "Entry 2: the question is empty" in response.content.decode()
    assert not Article.objects.exists()


def test_export_downloads_json_and_safe_csv(admin_client):
    article("=cmd|' /C calc'!A0", body="-2+3")
    article("Secret", visibility=Visibility.AGENTS)
    response = admin_client.get(
        reverse("admin:knowledge_article_export_faq", args=["json"])
    )
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    rows = json.loads(response.content)
    assert [r["question"] for r in rows] == ["=cmd|' /C calc'!A0"]
    response = admin_client.get(
        reverse("admin:knowledge_article_export_faq", args=["csv"])
    )
    assert response["Content-Type"].startswith("text/csv")
    cells = list(csv.reader(io.StringIO(response.content.decode())))[1]
    assert cells[0].startswith("'=") and cells[1] == "'-2+3"
    assert b"Secret" not in response.content


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (json.dumps([{"question": "a\x00b", "answer": "c"}]).encode(), "Entry 1"),
    ],
)
def test_import_faq_page_refuses_deep_json_and_nul_with_a_message(
    admin_client, content, reason
):
    response = admin_client.post(
        reverse("admin:knowledge_article_import_faq"),
        {"file": SimpleUploadedFile("faq.json", content)},
    )
    assert response.status_code == 200
    assert reason in response.content.decode()
    assert not Article.objects.exists()
