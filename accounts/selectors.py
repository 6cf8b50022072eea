"""Reads of people shared by pages, forms and the API."""

from django.db.models import QuerySet

from accounts.models import User


def active_agents() -> QuerySet[User]:
    """Everyone who can be assigned work: active agents and admins."""
    return User.objects.filter(
        role__in=[User.Role.AGENT, User.Role.ADMIN], is_active=True
    ).order_by("full_name", "email")
