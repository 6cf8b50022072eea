"""The knowledge API: articles and categories, read by whoever may see them,
written by agents and admins."""

import pytest
from django.test import Client

from knowledge.models import Article, ArticleCategory
from knowledge.services.articles import article_create, category_create

pytestmark = pytest.mark.django_db

PUBLISHED = Article.Status.PUBLISHED


def article(title: str, **fields) -> Article:
    """An article written by a command (no actor); published unless told."""
    fields.setdefault("status", PUBLISHED)
    fields.setdefault("body", f"How to deal with {title.lower()}.")
    return article_create(title=title, actor=None, **fields)


def category(name: str, **fields) -> ArticleCategory:
    return category_create(name=name, actor=None, **fields)


@pytest.fixture
def visitor():
    """A caller without credentials."""
    return Client()


def titles(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["title"] for row in response.json()["results"]]


def anonymous_get(client, path, params=None):
    return client.get(f"/api/v1{path}", params or {})


@pytest.fixture
def audiences(db):
    """One published article for each audience, a draft and an archived one."""
    return {
        "public": article("Reset a password"),
        "customers": article("Download invoices", visibility="customers"),
        "agents": article("Refund override procedure", visibility="agents"),
        "draft": article("Upcoming pricing", status="draft"),
        "archived": article("Old fax support", status="archived"),
    }


# --- Reading: who sees what -------------------------------------------------


def test_a_visitor_lists_public_articles_only(visitor, audiences):
    assert titles(anonymous_get(visitor, "/knowledge/articles")) == ["Reset a password"]


def test_a_customer_lists_public_and_customers_articles(api_as, customer, audiences):
    assert titles(api_as(customer).get("/knowledge/articles")) == [
        "Download invoices",
        "Reset a password",
    ]


def test_an_agent_lists_every_published_article(api_as, agent, audiences):
    assert titles(api_as(agent).get("/knowledge/articles")) == [
        "Download invoices",
        "Refund override procedure",
        "Reset a password",
    ]


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("draft", ["Upcoming pricing"]),
        ("archived", ["Old fax support"]),
        (
            "all",
            [
                "Download invoices",
                "Old fax support",
                "Refund override procedure",
                "Reset a password",
                "Upcoming pricing",
            ],
        ),
    ],
)
def test_agents_ask_for_unpublished_articles(
    api_as, agent, audiences, status, expected
):
    assert titles(api_as(agent).get("/knowledge/articles", {"status": status})) == (
        expected
    )


def test_agents_search_unpublished_articles_by_title_and_body(api_as, agent, audiences):
    api = api_as(agent)
    drafts = api.get("/knowledge/articles", {"status": "draft", "q": "pricing"})
    assert titles(drafts) == ["Upcoming pricing"]
    by_body = api.get("/knowledge/articles", {"status": "all", "q": "old fax"})
    assert titles(by_body) == ["Old fax support"]


@pytest.mark.parametrize("status", ["draft", "archived", "all"])
def test_customers_and_visitors_cannot_list_unpublished_articles(
    api_as, customer, visitor, audiences, status
):
    refused = api_as(customer).get("/knowledge/articles", {"status": status})
    assert refused.status_code == 403
    assert "Upcoming" not in refused.content.decode()
    anonymous = anonymous_get(visitor, "/knowledge/articles", {"status": status})
    assert anonymous.status_code == 403


def test_an_unknown_status_is_a_400_naming_it(api_as, agent):
    response = api_as(agent).get("/knowledge/articles", {"status": "lost"})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["status"]


@pytest.mark.parametrize("who", ["visitor", "customer"])
def test_agents_only_articles_are_404_to_others(
    api_as, customer, visitor, audiences, who
):
    hidden = audiences["agents"]
    for key in (str(hidden.pk), hidden.slug):
        path = f"/knowledge/articles/{key}"
        response = (
            anonymous_get(visitor, path)
            if who == "visitor"
            else api_as(customer).get(path)
        )
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
        assert "Refund" not in response.content.decode()


def test_customers_only_articles_are_404_to_visitors(visitor, audiences):
    shown = audiences["customers"]
    response = anonymous_get(visitor, f"/knowledge/articles/{shown.slug}")
    assert response.status_code == 404


@pytest.mark.parametrize("which", ["draft", "archived"])
def test_unpublished_articles_are_404_to_customers_but_agents_read_them(
    api_as, customer, agent, audiences, which
):
    path = f"/knowledge/articles/{audiences[which].pk}"
    assert api_as(customer).get(path).status_code == 404
    assert api_as(agent).get(path).json()["status"] == which


def test_search_never_returns_an_article_the_caller_may_not_read(
    api_as, customer, visitor, agent, audiences
):
    # Every title holds the query word "support" or "procedure"...
    article("Support hours", visibility="public")
    article("Support for invoices", visibility="customers")
    article("Support escalation procedure", visibility="agents")
    article("Support for fax", status="archived")
    article("Support roadmap", status="draft")

    def found(response):
        return set(titles(response))

    assert found(anonymous_get(visitor, "/knowledge/articles", {"q": "support"})) == {
        "Support hours"
    }
    assert found(api_as(customer).get("/knowledge/articles", {"q": "support"})) == {
        "Support hours",
        "Support for invoices",
    }
    assert found(api_as(customer).get("/knowledge/articles", {"q": "procedure"})) == (
        set()
    )
    assert found(api_as(agent).get("/knowledge/articles", {"q": "support"})) == {
        "Support hours",
        "Support for invoices",
        "Support escalation procedure",
    }


def test_the_article_in_full(api_as, agent, customer, settings):
    settings.SITE_URL = "https://help.example.com/"
    billing = category("Billing")
    written = article_create(
        title="Pay by card",
        body="Use **any** card.",
        category=billing,
        status=PUBLISHED,
        actor=agent,
    )
    body = api_as(customer).get(f"/knowledge/articles/{written.slug}").json()
    assert body["id"] == str(written.pk)
    assert body["slug"] == "pay-by-card"
    assert body["body"] == "Use **any** card."
    assert "<strong>any</strong>" in body["body_html"]
    assert body["url"] == "https://help.example.com/help/a/pay-by-card/"
    assert body["category"] == {
        "id": str(billing.pk),
        "name": "Billing",
        "slug": "billing",
    }
    assert body["view_count"] == 0 and body["helpful_count"] == 0
    assert body["not_helpful_count"] == 0
    assert body["updated_at"] and body["published_at"]
    assert body["author"] is None  # the author is named to agents only
    assert body["score"] is None
    by_agent = api_as(agent).get(f"/knowledge/articles/{written.pk}").json()
    assert by_agent["author"] == {"id": str(agent.pk), "full_name": agent.full_name}


def test_an_id_no_article_can_have_is_a_404(api_as, agent):
    api = api_as(agent)
    for raw in ("no-such-article", "99999999999999999999999", "abc%00", "a%20b"):
        assert api.get(f"/knowledge/articles/{raw}").status_code == 404
        assert api.patch(f"/knowledge/articles/{raw}", {"title": "X"}).status_code == (
            404
        )
        assert api.get(f"/knowledge/categories/{raw}").status_code == 404
    assert api.get("/knowledge/articles", {"category": "a b"}).json()["count"] == 0
    assert api.get("/knowledge/articles", {"category": "a\x00"}).status_code == 400


# --- Search, filters and pages ----------------------------------------------


def test_search_orders_best_first_with_a_score(api_as, customer):
    article("Printer jams")
    article("Printer drivers")
    article("Scanner setup")
    rows = api_as(customer).get("/knowledge/articles", {"q": "printer"}).json()
    assert rows["count"] == 2
    assert {row["title"] for row in rows["results"]} == {
        "Printer jams",
        "Printer drivers",
    }
    scores = [row["score"] for row in rows["results"]]
    assert all(0 <= score <= 1 for score in scores)
    assert scores == sorted(scores, reverse=True)


def test_filters_by_category_slug_or_id_and_language(api_as, customer):
    billing = category("Billing")
    article("Refunds", category=billing)
    article("Remboursements", category=billing, language="fr")
    article("Passwords")
    api = api_as(customer)
    by_slug = api.get("/knowledge/articles", {"category": "billing"})
    assert titles(by_slug) == ["Refunds", "Remboursements"]
    by_id = api.get("/knowledge/articles", {"category": str(billing.pk)})
    assert titles(by_id) == ["Refunds", "Remboursements"]
    french = api.get("/knowledge/articles", {"category": "billing", "language": "fr"})
    assert titles(french) == ["Remboursements"]
    assert titles(api.get("/knowledge/articles", {"category": "nowhere"})) == []


def test_search_keeps_the_filters(api_as, customer):
    billing = category("Billing")
    article("Card payment failed", category=billing)
    article("Card reader setup")
    rows = api_as(customer).get(
        "/knowledge/articles", {"q": "card", "category": "billing"}
    )
    assert titles(rows) == ["Card payment failed"]


def test_the_list_pages_with_a_total(api_as, customer):
    for index in range(7):
        article(f"Topic {index}")
    api = api_as(customer)
    first = api.get("/knowledge/articles", {"per_page": 3}).json()
    assert (first["count"], first["pages"], first["page"]) == (7, 3, 1)
    assert [row["title"] for row in first["results"]] == [
        "Topic 0",
        "Topic 1",
        "Topic 2",
    ]
    last = api.get("/knowledge/articles", {"per_page": 3, "page": 3}).json()
    assert [row["title"] for row in last["results"]] == ["Topic 6"]
    beyond = api.get("/knowledge/articles", {"per_page": 3, "page": 9}).json()
    assert beyond["results"] == [] and beyond["count"] == 7
    searched = api.get("/knowledge/articles", {"q": "topic", "per_page": 3, "page": 3})
    assert searched.json()["count"] == 7
    assert len(searched.json()["results"]) == 1
    assert api.get("/knowledge/articles", {"per_page": 1000}).status_code == 400


# An API key costs two (the key, its last use); the search may check its
# index's version on top.
@pytest.mark.parametrize(
    ("params", "most"), [({}, 6), ({"category": "billing"}, 6), ({"q": "guide"}, 10)]
)
def test_the_list_keeps_a_constant_number_of_queries(
    api_as, customer, params, most, django_assert_max_num_queries
):
    billing = category("Billing")
    api = api_as(customer)
    for index in range(3):
        article(f"Guide {index}", category=billing)
    api.get("/knowledge/articles", params)  # warm the search index
    with django_assert_max_num_queries(most):
        small = api.get("/knowledge/articles", {**params, "per_page": 100})
    for index in range(30):
        article(f"Guide {index + 3}", category=billing if index % 2 else None)
    api.get("/knowledge/articles", params)  # the index follows the writes
    with django_assert_max_num_queries(most):
        large = api.get("/knowledge/articles", {**params, "per_page": 100})
    assert small.json()["count"] == 3
    assert large.json()["count"] == (18 if params.get("category") else 33)


def test_categories_keep_a_constant_number_of_queries(
    visitor, django_assert_max_num_queries
):
    for index in range(3):
        article(f"Entry {index}", category=category(f"Section {index}"))
    with django_assert_max_num_queries(3):
        small = anonymous_get(visitor, "/knowledge/categories")
    for index in range(20):
        article(f"Entry {index + 3}", category=category(f"Section {index + 3}"))
    with django_assert_max_num_queries(3):
        large = anonymous_get(visitor, "/knowledge/categories")
    assert len(small.json()) == 3 and len(large.json()) == 23


# --- Credentials --------------------------------------------------------------


def test_a_wrong_key_is_a_401_not_a_visitor(visitor, audiences):
    response = visitor.get(
        "/api/v1/knowledge/articles", headers={"authorization": "Bearer hdk_wrong"}
    )
    assert response.status_code == 401


def test_a_session_reads_as_its_user(client, customer, audiences):
    client.force_login(customer)
    assert titles(client.get("/api/v1/knowledge/articles")) == [
        "Download invoices",
        "Reset a password",
    ]


def test_a_session_that_owes_its_second_factor_reads_as_a_visitor(
    client, agent, audiences
):
    client.force_login(agent)  # no second factor proved
    assert titles(client.get("/api/v1/knowledge/articles")) == ["Reset a password"]
    assert client.post(
        "/api/v1/knowledge/articles",
        {"title": "X", "body": "Y"},
        content_type="application/json",
    ).status_code in (401, 403)
    assert not Article.objects.filter(title="X").exists()


def test_visitors_are_rate_limited_per_address(visitor, settings, audiences):
    settings.API_RATE_LIMIT_PER_MINUTE = 2
    for _ in range(2):
        assert anonymous_get(visitor, "/knowledge/articles").status_code == 200
    limited = anonymous_get(visitor, "/knowledge/articles")
    assert limited.status_code == 429
    assert limited.json()["code"] == "rate_limited"
    assert "Retry-After" in limited


def test_a_read_only_key_reads_but_does_not_write(api_as, agent, audiences):
    api = api_as(agent, scopes=("read",))
    assert api.get("/knowledge/articles").status_code == 200
    refused = api.post("/knowledge/articles", {"title": "New", "body": "Text"})
    assert refused.status_code == 403
    assert refused.json()["code"] == "scope_missing"
    patched = api.patch(f"/knowledge/articles/{audiences['public'].pk}", {"title": "Z"})
    assert patched.status_code == 403
    assert api.delete(f"/knowledge/articles/{audiences['public'].pk}").status_code == (
        403
    )
    assert api.post("/knowledge/categories", {"name": "New"}).status_code == 403
    assert Article.objects.filter(title__in=["New", "Z"]).count() == 0
    assert not ArticleCategory.objects.exists()


# --- Writing articles ---------------------------------------------------------


def test_an_agent_writes_an_article(api_as, agent):
    billing = category("Billing")
    response = api_as(agent).post(
        "/knowledge/articles",
        {
            "title": "Change your plan",
            "body": "Open *Billing*.",
            "category_id": str(billing.pk),
            "visibility": "customers",
            "status": "published",
            "language": "en",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    saved = Article.objects.get(pk=body["id"])
    assert (saved.title, saved.category, saved.author) == (
        "Change your plan",
        billing,
        agent,
    )
    assert saved.visibility == "customers" and saved.is_published
    assert body["slug"] == "change-your-plan"
    assert "<em>Billing</em>" in body["body_html"]


def test_a_new_article_is_a_draft_with_a_unique_slug(api_as, admin_user):
    article("Same title")
    response = api_as(admin_user).post(
        "/knowledge/articles", {"title": "Same title", "body": "Text"}
    )
    assert response.status_code == 201
    assert response.json()["status"] == "draft"
    assert response.json()["slug"] == "same-title-2"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"body": "Text"}, "title"),
        ({"title": "T"}, "body"),
        ({"title": "   ", "body": "Text"}, "title"),
        ({"title": "T", "body": "  \n "}, "body"),
        ({"title": "T", "body": "x", "status": "live"}, "status"),
        ({"title": "T", "body": "x", "visibility": "everyone"}, "visibility"),
        ({"title": "T", "body": "x", "category_id": "999999"}, "category_id"),
        ({"title": "T", "body": "x", "language": "english!"}, "language"),
        ({"title": "T", "body": "x", "slug": "no spaces"}, "slug"),
        ({"title": "T\x00", "body": "x"}, "title"),
    ],
)
def test_a_bad_article_is_a_400_naming_the_field(api_as, agent, payload, field):
    response = api_as(agent).post("/knowledge/articles", payload)
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert not Article.objects.exists()


def test_customers_and_visitors_cannot_write_articles(
    api_as, customer, visitor, audiences
):
    api = api_as(customer)
    created = api.post("/knowledge/articles", {"title": "Mine", "body": "Text"})
    assert created.status_code == 403
    assert created.json()["code"] == "agents_only"
    public = audiences["public"]
    assert api.patch(
        f"/knowledge/articles/{public.pk}", {"title": "Z"}
    ).status_code == (403)
    assert api.delete(f"/knowledge/articles/{public.pk}").status_code == 403
    # One they may not even read is a 404: its existence stays hidden.
    hidden = audiences["agents"]
    assert api.patch(
        f"/knowledge/articles/{hidden.pk}", {"title": "Z"}
    ).status_code == (404)
    assert api.delete(f"/knowledge/articles/{hidden.pk}").status_code == 404

    anonymous = visitor.post(
        "/api/v1/knowledge/articles",
        {"title": "Mine", "body": "Text"},
        content_type="application/json",
    )
    assert anonymous.status_code == 401
    assert (
        visitor.patch(
            f"/api/v1/knowledge/articles/{public.pk}",
            {"title": "Z"},
            content_type="application/json",
        ).status_code
        == 401
    )
    assert visitor.delete(f"/api/v1/knowledge/articles/{public.pk}").status_code == 401
    assert set(Article.objects.values_list("title", flat=True)) == {
        a.title for a in audiences.values()
    }


def test_an_agent_changes_only_the_fields_sent(api_as, agent):
    billing = category("Billing")
    written = article("Invoices", category=billing, body="Old body")
    api = api_as(agent)
    response = api.patch(
        f"/knowledge/articles/{written.pk}",
        {"body": "New **body**", "visibility": "agents"},
    )
    assert response.status_code == 200, response.content
    written.refresh_from_db()
    assert written.title == "Invoices" and written.category == billing
    assert written.body == "New **body**" and written.visibility == "agents"
    assert "<strong>body</strong>" in response.json()["body_html"]
    moved = api.patch(f"/knowledge/articles/{written.slug}", {"category_id": None})
    assert moved.status_code == 200 and moved.json()["category"] is None
    bad = api.patch(f"/knowledge/articles/{written.pk}", {"status": "gone"})
    assert bad.status_code == 400 and "status" in bad.json()["errors"]
    taken = article("Taken")
    clash = api.patch(f"/knowledge/articles/{written.pk}", {"slug": taken.slug})
    assert clash.status_code == 400 and "slug" in clash.json()["errors"]
    assert Article.objects.get(pk=written.pk).slug == written.slug


def test_publishing_and_archiving_move_an_article_in_and_out_of_sight(
    api_as, agent, customer
):
    written = article("Shipping times", status="draft")
    reader, writer = api_as(customer), api_as(agent)
    path = f"/knowledge/articles/{written.pk}"
    assert reader.get(path).status_code == 404
    writer.patch(path, {"status": "published"})
    assert reader.get(path).status_code == 200
    assert titles(reader.get("/knowledge/articles", {"q": "shipping"})) == [
        "Shipping times"
    ]
    writer.patch(path, {"status": "archived"})
    assert reader.get(path).status_code == 404
    assert titles(reader.get("/knowledge/articles", {"q": "shipping"})) == []


def test_an_agent_deletes_an_article(api_as, agent, customer):
    written = article("Gone soon")
    response = api_as(agent).delete(f"/knowledge/articles/{written.pk}")
    assert response.status_code == 204
    assert not Article.objects.filter(pk=written.pk).exists()
    assert api_as(customer).get(f"/knowledge/articles/{written.pk}").status_code == 404
    assert api_as(agent).delete(f"/knowledge/articles/{written.pk}").status_code == 404


# --- Categories ---------------------------------------------------------------


def test_categories_by_position_with_counts_the_caller_may_read(
    api_as, visitor, customer, agent
):
    later = category("Later", position=5)
    first = category("First", position=1)
    category("Empty", position=3)
    article("A public one", category=first)
    article("For customers", category=first, visibility="customers")
    article("For agents", category=first, visibility="agents")
    article("A draft", category=first, status="draft")
    article("Another public one", category=later)

    def counts(response):
        assert response.status_code == 200
        return [(row["name"], row["article_count"]) for row in response.json()]

    # As on the help center, a visitor or customer is not shown a category
    # without an article they may read; agents see every one, to edit it.
    assert counts(anonymous_get(visitor, "/knowledge/categories")) == [
        ("First", 1),
        ("Later", 1),
    ]
    assert counts(api_as(customer).get("/knowledge/categories")) == [
        ("First", 2),
        ("Later", 1),
    ]
    assert counts(api_as(agent).get("/knowledge/categories")) == [
        ("First", 3),
        ("Empty", 0),
        ("Later", 1),
    ]


def test_a_category_by_slug_or_id(visitor, settings):
    settings.SITE_URL = "https://help.example.com"
    billing = category("Billing", description="Money matters", position=2)
    article("Refunds", category=billing)
    for key in ("billing", str(billing.pk)):
        body = anonymous_get(visitor, f"/knowledge/categories/{key}").json()
        assert body["id"] == str(billing.pk)
        assert body["description"] == "Money matters"
        assert body["article_count"] == 1
        assert body["url"] == "https://help.example.com/help/c/billing/"
    assert anonymous_get(visitor, "/knowledge/categories/nope").status_code == 404


def test_an_agent_manages_categories(api_as, agent):
    api = api_as(agent)
    created = api.post(
        "/knowledge/categories", {"name": "Getting started", "position": 2}
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["slug"] == "getting-started" and body["position"] == 2
    changed = api.patch(
        f"/knowledge/categories/{body['id']}",
        {"name": "First steps", "description": "Start here"},
    )
    assert changed.status_code == 200
    saved = ArticleCategory.objects.get(pk=body["id"])
    assert (saved.name, saved.description, saved.slug) == (
        "First steps",
        "Start here",
        "getting-started",
    )
    kept = article("Welcome", category=saved)
    assert api.delete(f"/knowledge/categories/{body['id']}").status_code == 204
    assert not ArticleCategory.objects.exists()
    kept.refresh_from_db()
    assert kept.category is None  # the article stays, uncategorised


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "name"),
        ({"name": "  "}, "name"),
        ({"name": "X", "position": -1}, "position"),
        ({"name": "X", "slug": "a b"}, "slug"),
    ],
)
def test_a_bad_category_is_a_400_naming_the_field(api_as, agent, payload, field):
    response = api_as(agent).post("/knowledge/categories", payload)
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not ArticleCategory.objects.exists()


def test_customers_and_visitors_cannot_write_categories(api_as, customer, visitor):
    billing = category("Billing")
    api = api_as(customer)
    assert api.post("/knowledge/categories", {"name": "Mine"}).status_code == 403
    assert (
        api.patch(f"/knowledge/categories/{billing.pk}", {"name": "Z"}).status_code
        == 403
    )
    assert api.delete(f"/knowledge/categories/{billing.pk}").status_code == 403
    assert (
        visitor.post(
            "/api/v1/knowledge/categories",
            {"name": "Mine"},
            content_type="application/json",
        ).status_code
        == 401
    )
    assert visitor.delete(f"/api/v1/knowledge/categories/{billing.pk}").status_code == (
        401
    )
    assert list(ArticleCategory.objects.values_list("name", flat=True)) == ["Billing"]


# --- The document -------------------------------------------------------------


def test_the_document_describes_these_shapes_under_names_of_their_own(client):
    """The OpenAPI document names shapes by class: a shape of another router
    with the same name would silently replace one of them."""
    document = client.get("/api/v1/openapi.json").json()
    shapes = document["components"]["schemas"]

    def shape_of(path, method, status="200"):
        content = document["paths"][path][method]["responses"][status]["content"]
        schema = content["application/json"]["schema"]
        if "items" in schema:
            schema = schema["items"]
        return shapes[schema["$ref"].rsplit("/", 1)[-1]]

    page = shape_of("/api/v1/knowledge/articles", "get")
    row = shapes[page["properties"]["results"]["items"]["$ref"].rsplit("/", 1)[-1]]
    assert {"slug", "visibility", "score", "url"} <= set(row["properties"])
    detail = shape_of("/api/v1/knowledge/articles/{article_id}", "get")
    assert {"body", "body_html", "author"} <= set(detail["properties"])
    categories = shape_of("/api/v1/knowledge/categories", "get")
    assert {"article_count", "position"} <= set(categories["properties"])
    ticket_categories = shape_of("/api/v1/categories", "get")
    assert "default_department_id" in ticket_categories["properties"]
    security = document["paths"]["/api/v1/knowledge/articles"]["get"]["security"]
    assert {} in security  # readable without credentials
    assert {} not in document["paths"]["/api/v1/knowledge/articles"]["post"].get(
        "security", []
    )
