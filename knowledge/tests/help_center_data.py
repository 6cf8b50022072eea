"""Small builders for the help-center tests: rows are written through the
knowledge services, as the product writes them."""

from knowledge.models import Article, ArticleCategory
from knowledge.services.articles import article_create, category_create

Status = Article.Status
Visibility = Article.Visibility


def category(name: str = "Billing", position: int = 0, **kwargs) -> ArticleCategory:
    return category_create(name=name, position=position, actor=None, **kwargs)


def article(
    title: str = "How do I pay an invoice?",
    *,
    body: str = "Open **Billing**, pick the invoice and press *Pay*.",
    category: ArticleCategory | None = None,
    status: str = Status.PUBLISHED,
    visibility: str = Visibility.PUBLIC,
    views: int = 0,
) -> Article:
    made = article_create(
        title=title,
        body=body,
        category=category,
        status=status,
        visibility=visibility,
        actor=None,
    )
    if views:
        Article.objects.filter(pk=made.pk).update(view_count=views)
        made.view_count = views
    return made
