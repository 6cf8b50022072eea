"""Categories: what tickets are about, kept by admins."""

from accounts.models import User
from helpdesk.db import atomic, save_unique
from helpdesk.errors import ApplicationError, PermissionDeniedError
from tickets.models import Category

EDITABLE = {"name", "slug", "default_department", "active"}


@atomic
def category_save(*, actor: User, category: Category, **fields) -> Category:
    """Create or change a category (admins); names and slugs are unique."""
    if not actor.is_admin:
        raise PermissionDeniedError("Only admins keep the categories.")
    for name, value in fields.items():
        if name not in EDITABLE:
            raise ApplicationError(f"Cannot change {name}.", code="invalid")
        setattr(category, name, value)
    save_unique(
        category,
        ApplicationError(
            "A category with that name or slug exists already.", code="duplicate"
        ),
    )
    return category
