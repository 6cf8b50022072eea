"""Article and category writes: rendering, addresses, the index version, who
may write."""

import pytest

from helpdesk.errors import PermissionDeniedError
from knowledge import services
from knowledge.models import Article, ArticleCategory
from knowledge.services import ArticleError

pytestmark = pytest.mark.django_db


def write(actor, **fields):
    fields.setdefault("title", "Reset your password")
    fields.setdefault("body", "Open **Settings** and choose *Reset*.")
    return services.article_create(actor=actor, **fields)


def test_an_article_is_rendered_once_and_gets_an_address_from_its_title(agent):
    article = write(agent)

    assert article.slug == "reset-your-password"
    assert "<strong>Settings</strong>" in article.html
    assert article.author == agent
    assert article.status == Article.Status.DRAFT
    assert article.published_at is None


def test_markup_in_a_body_is_shown_as_text_never_run(agent):
    article = write(agent, body="<script>alert(1)</script> [x](javascript:alert(1))")

    assert "<script>" not in article.html
    assert "javascript:" not in article.html
    assert "&lt;script&gt;" in article.html


def test_two_articles_with_one_title_get_two_addresses(agent):
    first, second = write(agent), write(agent)

    assert (first.slug, second.slug) == ("reset-your-password", "reset-your-password-2")


def test_publishing_stamps_the_time_once(agent):
    article = write(agent)
    services.article_update(
        article=article, actor=agent, status=Article.Status.PUBLISHED
    )
    stamped = Article.objects.get(pk=article.pk).published_at  # as stored
    services.article_update(article=article, actor=agent, title="Reset a password")

    assert stamped is not None
    assert Article.objects.get(pk=article.pk).published_at == stamped
    assert Article.objects.get(pk=article.pk).slug == "reset-your-password"


def test_every_write_moves_the_index_version(agent):
    versions = [services.index_version_current()]
    article = write(agent)
    versions.append(services.index_version_current())
    services.article_update(article=article, actor=agent, visibility="agents")
    versions.append(services.index_version_current())
    services.article_delete(article=article, actor=agent)
    versions.append(services.index_version_current())
    category = services.category_create(name="Billing", actor=agent)
    versions.append(services.index_version_current())
    services.category_delete(category=category, actor=agent)
    versions.append(services.index_version_current())

    assert versions == sorted(set(versions)), versions
    assert len(versions) == 6


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"title": "  "}, "title_required"),
        ({"body": "\n"}, "body_required"),
        ({"status": "live"}, "bad_status"),
        ({"visibility": "secret"}, "bad_visibility"),
        ({"body": "x" * 100_001}, "body_too_long"),
    ],
)
def test_bad_articles_are_refused_with_a_reason_and_nothing_is_written(
    agent, fields, code
):
    with pytest.raises(ArticleError) as caught:
        write(agent, **fields)

    assert caught.value.code == code
    assert not Article.objects.exists()


def test_fields_outside_the_editable_ones_cannot_be_changed(agent):
    article = write(agent)

    with pytest.raises(ArticleError):
        services.article_update(article=article, actor=agent, view_count=10**6)


def test_customers_cannot_write_articles_or_categories(customer, agent):
    article = write(agent)

    with pytest.raises(PermissionDeniedError):
        write(customer)
    with pytest.raises(PermissionDeniedError):
        services.article_update(article=article, actor=customer, title="Mine")
    with pytest.raises(PermissionDeniedError):
        services.article_delete(article=article, actor=customer)
    with pytest.raises(PermissionDeniedError):
        services.category_create(name="Mine", actor=customer)

    assert Article.objects.get(pk=article.pk).title == "Reset your password"
    assert not ArticleCategory.objects.exists()


def test_deleting_a_category_keeps_its_articles(agent):
    category = services.category_create(name="Billing", actor=agent)
    article = write(agent, category=category)

    services.category_delete(category=category, actor=agent)

    assert Article.objects.get(pk=article.pk).category is None


def test_categories_are_listed_by_position(agent):
    services.category_create(name="Zebra", position=0, actor=agent)
    services.category_create(name="Apples", position=5, actor=agent)

    assert [c.name for c in ArticleCategory.objects.all()] == ["Zebra", "Apples"]


def test_an_address_asked_for_is_never_silently_changed(agent):
    first = write(agent)
    second = write(agent, title="Another", slug="another-one")

    assert second.slug == "another-one"
    with pytest.raises(ArticleError) as caught:
        write(agent, title="Third", slug=first.slug)
    assert caught.value.code == "slug_taken"
    with pytest.raises(ArticleError) as caught:
        services.article_update(article=second, actor=agent, slug=first.slug)
    assert caught.value.code == "slug_taken"
    assert Article.objects.get(pk=second.pk).slug == "another-one"
    cleared = services.article_update(article=second, actor=agent, slug="")
    assert cleared.slug == "another"  # empty: made from the title


def test_a_language_must_look_like_a_language_code(agent):
    assert write(agent, language="PT-br").language == "pt-br"
    with pytest.raises(ArticleError) as caught:
        write(agent, title="Other", language="not valid!")
    assert caught.value.code == "bad_language"
