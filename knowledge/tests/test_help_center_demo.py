"""The demo data's help center."""

import io

import pytest
from django.core.management import call_command

from knowledge.models import Article, ArticleCategory

pytestmark = pytest.mark.django_db


def test_demo_articles_cover_every_audience_and_are_idempotent():
    out = io.StringIO()
    call_command("init_demo_data", stdout=out)
    assert "Added 17 help-center articles." in out.getvalue()
    assert ArticleCategory.objects.count() == 5
    published = Article.objects.filter(status=Article.Status.PUBLISHED)
    assert published.count() == 17
    by_audience = {
        v: set(published.filter(visibility=v).values_list("category__slug", flat=True))
        for v in Article.Visibility.values
    }
    assert by_audience["agents"] == {"agent-handbook"}
    assert by_audience["customers"] == {"billing"}
    assert all("<" in a.body_html for a in published)  # rendered
    assert published.filter(view_count__gt=0).count() == 17
    again = io.StringIO()
    call_command("init_demo_data", stdout=again)
    assert "Added 0 help-center articles." in again.getvalue()
    assert Article.objects.count() == 17
