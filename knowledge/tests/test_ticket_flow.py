"""The knowledge base in the ticket flow: suggestions on the customer's
new-ticket form, the tracked opens behind them, and the agents' article
search on the ticket page."""

from urllib.parse import quote

import pytest
from django.urls import reverse

from knowledge.models import Article, SuggestionOpen
from knowledge.views.ticket_flow import markdown_link
from tickets.tests.factories import TicketFactory

from .ticket_flow_support import Visibility, article

pytestmark = pytest.mark.django_db

SUGGESTIONS = reverse("knowledge:new_ticket_suggestions")
AGENT_SEARCH = reverse("knowledge:agent_search")


def open_url(item: Article, query: str = "") -> str:
    url = reverse("knowledge:suggestion_open", args=[str(item.pk)])
    return f"{url}?q={quote(query)}" if query else url


@pytest.fixture
def password_articles(db):
    """One password article per audience, plus a draft and an archived one."""
    return {
        "public": article("Reset your password"),
        "customers": article(
            "Password rules for customers", visibility=Visibility.CUSTOMERS
        ),
        "agents": article("Password vault for agents", visibility=Visibility.AGENTS),
        "draft": article("Password draft", status=Article.Status.DRAFT),
        "archived": article("Password archived", status=Article.Status.ARCHIVED),
    }


# --- the new-ticket form's suggestions ----------------------------------------


def test_the_new_ticket_form_asks_for_suggestions_as_the_subject_is_typed(
    login, customer
):
    page = login(customer).get(reverse("tickets:portal_new")).content.decode()
    assert f'hx-get="{SUGGESTIONS}"' in page
    assert "from:#id_subject" in page and "delay:400ms" in page
    assert 'id="ticket-suggestions"' in page and 'aria-live="polite"' in page


def test_the_suggestions_sit_under_the_subject_outside_the_form_it_belongs_to(
    login, customer
):
    """The subject is bound to the form by its ``form`` attribute, so the
    suggestions right under it are outside the element holding the token,
    and a browser still sends the subject with the form."""
    page = login(customer).get(reverse("tickets:portal_new")).content.decode()
    subject, suggestions = (
        page.index('id="id_subject"'),
        page.index('id="ticket-suggestions"'),
    )
    form_start = page.index('<form id="new-request-form"')
    assert subject < suggestions < form_start
    assert 'form="new-request-form"' in page[page.rfind("<input", 0, subject) :]


def test_a_customer_sees_matching_articles_for_the_subject(
    login, customer, password_articles
):
    response = login(customer).get(
        SUGGESTIONS, {"subject": "password"}, HTTP_HX_REQUEST="true"
    )
    page = response.content.decode()

    assert response.status_code == 200
    assert "Reset your password" in page
    assert "Password rules for customers" in page
    assert f'href="{open_url(password_articles["public"], "password")}"' in page
    assert 'target="_blank"' in page and "opens in a new tab" in page


def test_a_customer_never_sees_agents_only_drafts_or_archived_articles(
    login, customer, password_articles
):
    page = (
        login(customer)
        .get(SUGGESTIONS, {"subject": "password"}, HTTP_HX_REQUEST="true")
        .content.decode()
    )
    assert "Password vault for agents" not in page
    assert "Password draft" not in page
    assert "Password archived" not in page
    for hidden in ("agents", "draft", "archived"):
        assert open_url(password_articles[hidden]) not in page


def test_a_short_or_empty_subject_suggests_nothing(login, customer, password_articles):
    client = login(customer)
    for subject in ("", "  ", "pa"):
        page = client.get(
            SUGGESTIONS, {"subject": subject}, HTTP_HX_REQUEST="true"
        ).content.decode()
        assert "Reset your password" not in page
        assert "<li" not in page


def test_no_match_says_nothing_and_keeps_the_form_quiet(login, customer):
    article("Reset your password")
    page = (
        login(customer)
        .get(SUGGESTIONS, {"subject": "invoice address"}, HTTP_HX_REQUEST="true")
        .content.decode()
    )
    assert "<li" not in page
    assert "Reset your password" not in page


def test_a_subject_sharing_one_word_with_an_article_suggests_nothing(login, customer):
    article("Reset your password")
    article("Invoices and receipts")
    page = (
        login(customer)
        .get(
            SUGGESTIONS,
            {"subject": "The office printer jams and makes a noise after a reset"},
            HTTP_HX_REQUEST="true",
        )
        .content.decode()
    )
    assert "Reset your password" not in page


def test_suggestions_need_a_signed_in_user(client, password_articles):
    response = client.get(SUGGESTIONS, {"subject": "password"})
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_suggestions_keep_a_constant_query_count(
    login, customer, django_assert_max_num_queries
):
    client = login(customer)

    def queries() -> int:
        with django_assert_max_num_queries(8) as context:
            response = client.get(
                SUGGESTIONS, {"subject": "password"}, HTTP_HX_REQUEST="true"
            )
        assert response.status_code == 200
        return len(context.captured_queries)

    article("Password one")
    few = queries()
    for n in range(12):
        article(f"Password number {n}", visibility=Visibility.CUSTOMERS)
    assert queries() == few


# --- the tracked open ---------------------------------------------------------


def test_opening_a_suggestion_records_it_and_goes_to_the_article(
    login, customer, password_articles
):
    target = password_articles["customers"]
    response = login(customer).get(open_url(target, "forgot my password"))

    assert response.status_code == 302
    assert response["Location"] == target.get_absolute_url()
    recorded = SuggestionOpen.objects.get()
    assert (recorded.user, recorded.article, recorded.query) == (
        customer,
        target,
        "forgot my password",
    )


def test_a_long_query_is_cut_to_the_column(login, customer, password_articles):
    login(customer).get(open_url(password_articles["public"], "x" * 1000))
    assert len(SuggestionOpen.objects.get().query) == 255


@pytest.mark.parametrize("which", ["agents", "draft", "archived"])
def test_a_customer_cannot_open_an_article_they_may_not_see(
    login, customer, password_articles, which
):
    response = login(customer).get(open_url(password_articles[which], "password"))
    assert response.status_code == 404
    assert not SuggestionOpen.objects.exists()


@pytest.mark.parametrize("raw", ["abc", "0", "99999999999999999999999", "1 "])
def test_a_made_up_article_id_is_a_404(login, customer, raw):
    response = login(customer).get(
        reverse("knowledge:suggestion_open", args=[raw]).replace(" ", "%20")
    )
    assert response.status_code == 404
    assert not SuggestionOpen.objects.exists()


def test_an_anonymous_visitor_is_sent_to_sign_in_and_nothing_is_recorded(
    client, password_articles
):
    response = client.get(open_url(password_articles["public"]))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]
    assert not SuggestionOpen.objects.exists()


def test_an_agent_following_a_suggestion_is_not_counted(
    login, agent, password_articles
):
    response = login(agent).get(open_url(password_articles["agents"]))
    assert response.status_code == 302
    assert not SuggestionOpen.objects.exists()


# --- the agents' search on the ticket page ------------------------------------


def test_the_ticket_page_offers_the_article_search(login, agent):
    ticket = TicketFactory(department=agent.departments.get())
    page = login(agent).get(ticket.get_agent_url()).content.decode()
    assert f'action="{AGENT_SEARCH}"' in page
    assert 'id="knowledge-results"' in page
    assert "js/knowledge-insert-link.js" in page


def test_a_closed_ticket_page_has_no_article_search(login, agent):
    ticket = TicketFactory(department=agent.departments.get(), closed=True)
    page = login(agent).get(ticket.get_agent_url()).content.decode()
    assert AGENT_SEARCH not in page


def test_agents_find_every_published_article_marked_with_its_audience(
    login, agent, settings, password_articles
):
    settings.SITE_URL = "https://help.example.com"
    response = login(agent).get(AGENT_SEARCH, {"q": "password"}, HTTP_HX_REQUEST="true")
    page = response.content.decode()

    assert "<html" not in page  # the partial, for htmx
    for key in ("public", "customers", "agents"):
        assert password_articles[key].title in page
    assert "Password draft" not in page and "Password archived" not in page
    assert "Agents only" in page and "Signed-in customers" in page
    assert page.count("(agents only)</button>") == 1  # its button says so too
    assert "Public" in page
    url = "https://help.example.com" + password_articles["public"].get_absolute_url()
    assert f'data-markdown="[Reset your password]({url})"' in page
    assert f'href="{url}"' in page  # the link itself, to copy without JS


def test_without_javascript_the_search_is_a_whole_page(login, agent):
    article("Reset your password")
    response = login(agent).get(AGENT_SEARCH, {"q": "password"})
    page = response.content.decode()
    assert "<html" in page
    assert "Reset your password" in page
    assert 'name="q"' in page and 'value="password"' in page


def test_the_agent_search_empty_states(login, agent):
    client = login(agent)
    page = client.get(AGENT_SEARCH, {"q": ""}, HTTP_HX_REQUEST="true")
    assert "Type a few words" in page.content.decode()
    page = client.get(AGENT_SEARCH, {"q": "zebra"}, HTTP_HX_REQUEST="true")
    assert "No published article matches" in page.content.decode()


def test_customers_cannot_use_the_agent_search(login, customer, password_articles):
    response = login(customer).get(AGENT_SEARCH, {"q": "password"})
    assert response.status_code == 403


def test_the_agent_search_keeps_a_constant_query_count(
    login, agent, django_assert_max_num_queries
):
    client = login(agent)

    def queries() -> int:
        with django_assert_max_num_queries(10) as context:
            response = client.get(
                AGENT_SEARCH, {"q": "password"}, HTTP_HX_REQUEST="true"
            )
        assert response.status_code == 200
        return len(context.captured_queries)

    article("Password one")
    few = queries()
    for n in range(12):
        article(f"Password number {n}", visibility=Visibility.AGENTS)
    assert queries() == few


def test_markdown_links_escape_what_markdown_would_read():
    assert (
        markdown_link("Use [brackets] and \\ too", "https://x.example/a (b)")
        == "[Use \\[brackets\\] and \\\\ too](https://x.example/a%20%28b%29)"
    )


def test_a_form_shown_again_with_a_subject_asks_for_suggestions_at_once(
    login, customer
):
    response = login(customer).post(
        reverse("tickets:portal_new"), {"subject": "password", "body": ""}
    )
    page = response.content.decode()
    assert response.status_code == 200 and "This field is required" in page
    assert 'hx-trigger="load, input changed delay:400ms from:#id_subject"' in page
