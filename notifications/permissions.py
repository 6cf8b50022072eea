"""Who may manage the helpdesk's email: small pure functions."""

from accounts.models import User


def can_manage_email(user: User) -> bool:
    """Admins only: templates and automation rules decide what mail the
    helpdesk sends in its own name, and the email log holds every email's
    text, for every customer. The same line the Django admin draws
    (``User.is_staff`` is an active admin)."""
    return bool(user.is_authenticated and user.is_active and user.is_admin)
