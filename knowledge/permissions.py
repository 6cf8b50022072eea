"""Who may read and who may write the knowledge base.

Three audiences, from ``Article.visibility``: anyone (public), signed-in
customers (public and customers), and agents and admins (everything). Only
published articles are read; agents and admins write.
"""

from accounts.models import User

from .models import Article

PUBLIC = (Article.Visibility.PUBLIC,)
CUSTOMERS = (Article.Visibility.PUBLIC, Article.Visibility.CUSTOMERS)
AGENTS = tuple(Article.Visibility.values)


def visibilities_for(user: User | None) -> tuple[str, ...]:
    """The article visibilities ``user`` may read (None or anonymous: public)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return PUBLIC
    if user.is_agent:
        return AGENTS
    return CUSTOMERS


def can_read_article(user: User | None, article: Article) -> bool:
    return article.is_published and article.visibility in visibilities_for(user)


def can_edit_articles(user: User | None) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_agent)
