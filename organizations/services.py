"""Writes to organizations, departments and teams (admins)."""

import re

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email

from accounts.models import User
from helpdesk.db import atomic, save_unique
from helpdesk.errors import ApplicationError, PermissionDeniedError

from .models import Department, Organization, OrganizationDomain, Team

LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
DOMAIN = re.compile(rf"^(?=.{{1,253}}$)(?:{LABEL}\.)+[a-z]{{2,63}}$")


def _require_admin(actor: User) -> None:
    if not actor.is_admin:
        raise PermissionDeniedError("Only admins change organizations and teams.")


def _save(obj) -> None:
    save_unique(
        obj,
        ApplicationError(
            f"A {obj._meta.verbose_name} with that name or slug exists already.",
            code="duplicate",
        ),
    )


@atomic
def organization_save(
    *,
    actor: User,
    organization: Organization,
    domains: list[str] | None = None,
    **fields,
) -> Organization:
    """Create or change an organization; ``domains`` replaces its email domains."""
    _require_admin(actor)
    for name, value in fields.items():
        setattr(organization, name, value)
    _save(organization)
    if domains is not None:
        wanted = {domain.strip().lower() for domain in domains if domain.strip()}
        malformed = sorted(domain for domain in wanted if not DOMAIN.match(domain))
        if malformed:
            raise ApplicationError(
                f"{', '.join(malformed)} is not an email domain like example.com.",
                code="invalid",
            )
        taken = OrganizationDomain.objects.filter(domain__in=wanted).exclude(
            organization=organization
        )
        if taken.exists():
            raise ApplicationError(
                f"{taken.first().domain} belongs to another organization.",
                code="duplicate",
            )
        organization.domains.exclude(domain__in=wanted).delete()
        for domain in wanted - set(
            organization.domains.values_list("domain", flat=True)
        ):
            OrganizationDomain.objects.create(organization=organization, domain=domain)
    return organization


def _save_with_agents(obj, relation: str, agents: list[User] | None) -> None:
    """Save a department or team and, when given, replace its agents."""
    _save(obj)
    if agents is None:
        return
    if any(not agent.is_agent for agent in agents):
        raise ApplicationError(
            f"Only agents belong to a {obj._meta.verbose_name}.", code="invalid"
        )
    getattr(obj, relation).set(agents)


@atomic
def department_save(
    *, actor: User, department: Department, agents: list[User] | None = None, **fields
) -> Department:
    """Create or change a department; ``agents`` replaces its agents."""
    _require_admin(actor)
    for name, value in fields.items():
        setattr(department, name, value)
    if department.inbound_email:
        try:
            validate_email(department.inbound_email)
        except DjangoValidationError as error:
            raise ApplicationError(
                "The inbound address is not an email address.", code="invalid"
            ) from error
    _save_with_agents(department, "agents", agents)
    return department


@atomic
def team_save(
    *, actor: User, team: Team, members: list[User] | None = None, **fields
) -> Team:
    """Create or change a team; ``members`` replaces its members."""
    _require_admin(actor)
    for name, value in fields.items():
        setattr(team, name, value)
    _save_with_agents(team, "members", members)
    return team
