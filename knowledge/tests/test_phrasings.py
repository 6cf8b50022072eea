"""Articles learn the phrasings customers use ("also asked as"): search and
the chatbot find an article by them, editors write them (workspace editor,
Django admin) or teach them from the report's unanswered questions, and no
reader ever sees them."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from helpdesk.errors import PermissionDeniedError
from knowledge import search
from knowledge.models import Article
from knowledge.retrieval import Document, Retriever
from knowledge.services import article_phrasings_add, article_update
from knowledge.services.articles import (
    PHRASING_MAX_CHARS,
    PHRASINGS_MAX,
    article_create,
    index_version_current,
    phrasings_normalize,
)

from .ticket_flow_support import Feedback, chat

pytestmark = pytest.mark.django_db

PUBLISHED = Article.Status.PUBLISHED
REPORT = reverse("knowledge:report")
TEACH = reverse("knowledge:report_teach")
# A held-out paraphrase: no word in common with the title or the body.
HELD_OUT = "my login code stopped arriving"
SECRET_PHRASING = "the sign-in code never arrives by text message"


@pytest.fixture(autouse=True)
def _bm25_only(settings):
    settings.KNOWLEDGE_SEMANTIC_MODEL = "off"
    search.index_cache_clear()
    yield
    search.index_cache_clear()


def publish(title, body, **fields):
    fields.setdefault("status", PUBLISHED)
    return article_create(title=title, body=body, actor=None, **fields)


@pytest.fixture
def faq():
    return {
        "mfa": publish(
            "Two-factor authentication troubleshooting",
            "Check that your phone's clock is right, or use a recovery key.",
        ),
        "invoice": publish(
            "Where is my invoice?",
            "Invoices are under Billing. Each one downloads as a PDF.",
        ),
        "password": publish(
            "How do I reset my password?",
            "Choose Forgot password on the sign-in page; we email a link.",
        ),
    }


# --- normalisation ------------------------------------------------------------


def test_phrasings_are_stripped_deduplicated_and_capped():
    text = "  Where's my bill? \n\n where's   MY bill?\nHow do I reset my password?\n"
    assert phrasings_normalize(text, title="How do I reset my password?") == (
        "Where's my bill?"
    )
    many = [f"question number {n}" for n in range(PHRASINGS_MAX + 10)]
    kept = phrasings_normalize(many).splitlines()
    assert kept == many[:PHRASINGS_MAX]
    assert len(phrasings_normalize("x" * 1000)) == PHRASING_MAX_CHARS


def test_the_services_normalise_what_they_store(faq):
    article = article_update(
        article=faq["invoice"], actor=None, phrasings="bill?\r\n\r\nBILL?\n  receipt "
    )
    assert article.phrasings == "bill?\nreceipt"
    added = article_phrasings_add(
        article=article, phrasings=["Receipt", "  copy of my bill  ", ""], actor=None
    )
    assert added.phrasings == "bill?\nreceipt\ncopy of my bill"
    assert Article.objects.get(pk=article.pk).phrasing_list == [
        "bill?",
        "receipt",
        "copy of my bill",
    ]


def test_only_agents_add_phrasings(faq, customer):
    with pytest.raises(PermissionDeniedError):
        article_phrasings_add(
            article=faq["invoice"], phrasings=["bill"], actor=customer
        )
    assert Article.objects.get(pk=faq["invoice"].pk).phrasings == ""


# --- retrieval ----------------------------------------------------------------


def test_a_phrasing_raises_its_article_for_a_held_out_paraphrase():
    documents = [
        Document(
            "mfa", "Two-factor authentication troubleshooting", "Check the clock."
        ),
        Document("code", "Send a discount code to a customer", "Codes stop on expiry."),
    ]
    before = Retriever(documents).search(HELD_OUT)
    assert not before or before[0].id != "mfa"
    taught = [
        Document(
            "mfa",
            "Two-factor authentication troubleshooting",
            "Check the clock.",
            phrasings=("login code not arriving", "I never get the sign-in code"),
        ),
        documents[1],
    ]
    assert Retriever(taught).search(HELD_OUT)[0].id == "mfa"


def test_search_follows_a_phrasing_edit(faq):
    hits = search.article_search(user=None, query=HELD_OUT)
    assert not hits or hits[0].article != faq["mfa"]
    before = index_version_current()
    article_update(
        article=faq["mfa"],
        actor=None,
        phrasings="login code not arriving\nI never get the sign-in code",
    )
    assert index_version_current() > before
    hits = search.article_search(user=None, query=HELD_OUT)
    assert hits[0].article == faq["mfa"]


def test_teaching_moves_the_index_version(faq):
    before = index_version_current()
    article_phrasings_add(
        article=faq["mfa"], phrasings=["login code not arriving"], actor=None
    )
    assert index_version_current() > before
    assert search.article_search(user=None, query=HELD_OUT)[0].article == faq["mfa"]


# --- readers never see them ---------------------------------------------------


@pytest.fixture
def taught(faq):
    return article_update(article=faq["mfa"], actor=None, phrasings=SECRET_PHRASING)


def test_help_center_pages_never_show_phrasings(client, login, customer, taught):
    urls = [
        reverse("knowledge:home"),
        taught.get_absolute_url(),
        reverse("knowledge:search") + "?q=sign-in+code+text+message",
    ]
    for reader in (client, login(customer)):
        for url in urls:
            response = reader.get(url)
            assert response.status_code == 200, url
            assert SECRET_PHRASING not in response.content.decode(), url


def test_the_api_never_returns_phrasings(api_as, customer, agent, client, taught):
    path = f"/knowledge/articles/{taught.slug}"
    for body in (
        client.get(f"/api/v1{path}").json(),
        api_as(customer).get(path).json(),
        api_as(agent).get(path).json(),
    ):
        assert body["title"] == taught.title
        assert "phrasings" not in body
        assert SECRET_PHRASING not in str(body)


# --- editors write them -------------------------------------------------------


def test_agents_edit_phrasings_in_the_workspace_editor(login, agent, faq):
    article = faq["invoice"]
    url = reverse("knowledge:article_edit", args=[article.pk])
    page = login(agent).get(url).content.decode()
    assert 'name="phrasings"' in page and "Also asked as" in page
    response = login(agent).post(
        url,
        {
            "title": article.title,
            "slug": article.slug,
            "category": "",
            "status": "published",
            "visibility": "public",
            "language": "en",
            "body": article.body,
            "phrasings": "copy of my bill\n\ncopy of my bill\nreceipt for VAT",
        },
    )
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.phrasing_list == ["copy of my bill", "receipt for VAT"]


def test_admins_edit_phrasings_in_the_django_admin(login, admin_user, faq):
    article = faq["invoice"]
    client = login(admin_user)
    url = reverse("admin:knowledge_article_change", args=[article.pk])
    page = client.get(url).content.decode()
    assert '<textarea name="phrasings"' in page
    assert "readers never see them" in page
    response = client.post(
        url,
        {
            "title": article.title,
            "slug": article.slug,
            "category": "",
            "status": "published",
            "visibility": "public",
            "language": "en",
            "body": article.body,
            "phrasings": "copy of my bill",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Article.objects.get(pk=article.pk).phrasings == "copy of my bill"


# --- teaching from the report -------------------------------------------------


@pytest.fixture
def unanswered(faq):
    day = timezone.now() - timedelta(days=1)
    chat(("my login code stopped arriving", None), at=day)
    chat(("login code not arriving", faq["password"], False), at=day)
    chat(
        ("login code not arriving?", faq["password"], True, Feedback.NOT_HELPFUL),
        at=day,
    )


def test_the_report_links_each_group_to_its_teach_form(
    login, admin_user, faq, unanswered
):
    client = login(admin_user)
    page = client.get(REPORT, {"period": "7"}).content.decode()
    assert f'href="{TEACH}?' in page
    start = page.index(f'href="{TEACH}?') + len('href="')
    link = page[start : page.index('"', start)].replace("&amp;", "&")
    form = client.get(link).content.decode()
    assert f'action="{TEACH}"' in form and 'method="post"' in form
    assert 'name="csrfmiddlewaretoken"' in form
    # the group's wordings, each checked, and the way back to this period
    assert form.count('name="phrasing"') == 3
    assert 'value="login code not arriving"' in form
    assert 'value="my login code stopped arriving"' in form
    assert 'name="back" value="period=7"' in form
    # the closest article offered is chosen already
    assert f'<option value="{faq["password"].pk}" selected>' in form


def test_the_teach_form_offers_published_articles_of_any_visibility(
    login, admin_user, faq
):
    agents_only = publish("Escalation playbook", "Internal.", visibility="agents")
    draft = publish("Upcoming", "Soon.", status="draft")
    form = login(admin_user).get(TEACH, {"q": "escalate this"}).content.decode()
    assert f'value="{faq["mfa"].pk}"' in form
    assert f'value="{agents_only.pk}"' in form
    assert "Escalation playbook (agents only)" in form
    assert f'value="{draft.pk}"' not in form


def test_an_admin_teaches_a_group(login, admin_user, faq, unanswered):
    client = login(admin_user)
    response = client.post(
        TEACH,
        {
            "article": faq["mfa"].pk,
            "phrasing": ["login code not arriving", "my login code stopped arriving"],
            "back": "period=7",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == f"{REPORT}?period=7"
    article = Article.objects.get(pk=faq["mfa"].pk)
    assert article.phrasing_list == [
        "login code not arriving",
        "my login code stopped arriving",
    ]
    page = response.content.decode()
    assert "Added 2 phrasings to “Two-factor authentication troubleshooting”" in page
    hits = search.article_search(user=None, query="my login code does not arrive")
    assert hits[0].article == article


def test_teaching_phrasings_it_already_has_says_so(login, admin_user, faq):
    article_phrasings_add(
        article=faq["mfa"], phrasings=["login code not arriving"], actor=None
    )
    response = login(admin_user).post(
        TEACH,
        {"article": faq["mfa"].pk, "phrasing": ["Login code not arriving"]},
        follow=True,
    )
    assert "already had these phrasings" in response.content.decode()
    assert Article.objects.get(pk=faq["mfa"].pk).phrasings == "login code not arriving"


def test_teaching_needs_a_published_article_and_a_question(login, admin_user, faq):
    draft = publish("Upcoming", "Soon.", status="draft")
    client = login(admin_user)
    for data in (
        {"article": draft.pk, "phrasing": ["when is it coming"]},
        {"article": "nope", "phrasing": ["when is it coming"]},
        {"article": faq["mfa"].pk, "phrasing": ["   "]},
    ):
        response = client.post(TEACH, data, follow=True)
        assert "Nothing was taught" in response.content.decode()
    assert not Article.objects.exclude(phrasings="").exists()


def test_agents_and_customers_may_not_teach(login, agent, customer, client, faq):
    data = {"article": faq["mfa"].pk, "phrasing": ["login code not arriving"]}
    assert login(agent).post(TEACH, data).status_code == 403
    assert login(customer).post(TEACH, data).status_code == 403
    client.logout()
    response = client.post(TEACH, data)
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]
    assert Article.objects.get(pk=faq["mfa"].pk).phrasings == ""


@pytest.mark.parametrize("method", ["get", "post"])
def test_agents_and_customers_may_not_open_the_teach_form(
    login, agent, customer, method
):
    for user in (agent, customer):
        assert getattr(login(user), method)(TEACH, {"q": "x"}).status_code == 403


def test_the_way_back_only_ever_leads_to_the_report(login, admin_user, faq):
    response = login(admin_user).post(
        TEACH,
        {
            "article": faq["mfa"].pk,
            "phrasing": ["code"],
            "back": "x=1&next=https://evil.example",
        },
    )
    assert response["Location"] == REPORT


def test_the_teach_form_keeps_a_constant_query_count(
    login, admin_user, faq, django_assert_max_num_queries
):
    client = login(admin_user)
    params = {"q": ["login code not arriving"], "closest": faq["password"].title}

    def queries() -> int:
        with django_assert_max_num_queries(10) as context:
            assert client.get(TEACH, params).status_code == 200
        return len(context.captured_queries)

    few = queries()
    for n in range(15):
        publish(f"Article {n}", "Body.", visibility=["public", "agents"][n % 2])
    assert queries() == few
