"""The API's organizations, departments and teams: agents read, admins write."""

from ninja import Router, Status
from pydantic import Field

from accounts.models import User
from helpdesk.api_tools import (
    In,
    RowOut,
    answers,
    named_row,
    named_rows,
    require_admin,
    require_agent,
    row_or_404,
    sent_fields,
    text_id,
)

from . import selectors, services
from .models import Department, Organization, Team

router = Router(tags=["organizations"])
SLUG = r"^[-a-zA-Z0-9_]+$"


class OrganizationOut(RowOut):
    name: str
    slug: str
    share_tickets: bool
    domains: list[str]

    @staticmethod
    def resolve_domains(obj) -> list[str]:
        return [item.domain for item in obj.domains.all()]


class OrganizationIn(In):
    name: str = Field(min_length=1, max_length=200)
    slug: str = Field(min_length=1, max_length=100, pattern=SLUG)
    share_tickets: bool = False
    domains: list[str] = Field(default_factory=list, max_length=50)


class OrganizationPatch(In):
    name: str | None = Field(None, min_length=1, max_length=200)
    share_tickets: bool | None = None
    domains: list[str] | None = Field(None, max_length=50)


class DepartmentOut(RowOut):
    name: str
    slug: str
    inbound_email: str
    agent_ids: list[str]

    @staticmethod
    def resolve_agent_ids(obj) -> list[str]:
        if not hasattr(obj, "agent_ids"):
            selectors.people_ids_attach([obj], Department.agents, "agent_ids")
        return obj.agent_ids


class DepartmentIn(In):
    name: str = Field(min_length=1, max_length=200)
    slug: str = Field(min_length=1, max_length=100, pattern=SLUG)
    inbound_email: str = Field("", max_length=254)
    agent_ids: list[str] = Field(default_factory=list, max_length=500)


class DepartmentPatch(In):
    name: str | None = Field(None, min_length=1, max_length=200)
    inbound_email: str | None = Field(None, max_length=254)
    agent_ids: list[str] | None = Field(None, max_length=500)


class TeamOut(RowOut):
    department_id: str
    name: str
    member_ids: list[str]

    @staticmethod
    def resolve_department_id(obj) -> str:
        return text_id(obj.department_id)

    @staticmethod
    def resolve_member_ids(obj) -> list[str]:
        if not hasattr(obj, "member_ids"):
            selectors.people_ids_attach([obj], Team.members, "member_ids")
        return obj.member_ids


class TeamIn(In):
    department_id: str
    name: str = Field(min_length=1, max_length=200)
    member_ids: list[str] = Field(default_factory=list, max_length=500)


class TeamPatch(In):
    name: str | None = Field(None, min_length=1, max_length=200)
    member_ids: list[str] | None = Field(None, max_length=500)


def _agents(ids: list[str] | None) -> list[User] | None:
    """The people a body names by id; None when it named nobody (leave them)."""
    return None if ids is None else named_rows(User, ids, "agent")


@router.get("/organizations", response=answers({200: list[OrganizationOut]}))
def organization_list(request):
    require_agent(request)
    return list(Organization.objects.prefetch_related("domains").order_by("name"))


@router.post("/organizations", response=answers({201: OrganizationOut}))
def organization_create(request, payload: OrganizationIn):
    require_admin(request)
    data = payload.model_dump()
    domains = data.pop("domains")
    return Status(
        201,
        services.organization_save(
            actor=request.user, organization=Organization(), domains=domains, **data
        ),
    )


@router.patch(
    "/organizations/{organization_id}", response=answers({200: OrganizationOut})
)
def organization_patch(request, organization_id: str, payload: OrganizationPatch):
    require_admin(request)
    organization = row_or_404(Organization.objects.all(), organization_id)
    data = sent_fields(payload)
    domains = data.pop("domains", None)
    return services.organization_save(
        actor=request.user, organization=organization, domains=domains, **data
    )


@router.get(
    "/departments", response=answers({200: list[DepartmentOut]}), tags=["departments"]
)
def department_list(request):
    require_agent(request)
    return selectors.department_list_with_agents()


@router.post(
    "/departments", response=answers({201: DepartmentOut}), tags=["departments"]
)
def department_create(request, payload: DepartmentIn):
    require_admin(request)
    data = payload.model_dump()
    agents = _agents(data.pop("agent_ids"))
    return Status(
        201,
        services.department_save(
            actor=request.user, department=Department(), agents=agents, **data
        ),
    )


@router.patch(
    "/departments/{department_id}",
    response=answers({200: DepartmentOut}),
    tags=["departments"],
)
def department_patch(request, department_id: str, payload: DepartmentPatch):
    require_admin(request)
    department = row_or_404(Department.objects.all(), department_id)
    data = sent_fields(payload)
    agent_ids = data.pop("agent_ids", None)
    return services.department_save(
        actor=request.user,
        department=department,
        agents=_agents(agent_ids),
        **data,
    )


@router.get("/teams", response=answers({200: list[TeamOut]}), tags=["teams"])
def team_list(request):
    require_agent(request)
    return selectors.team_list_with_members()


@router.post("/teams", response=answers({201: TeamOut}), tags=["teams"])
def team_create(request, payload: TeamIn):
    require_admin(request)
    department = named_row(Department, payload.department_id, "department")
    return Status(
        201,
        services.team_save(
            actor=request.user,
            team=Team(department=department),
            name=payload.name,
            members=_agents(payload.member_ids),
        ),
    )


@router.patch("/teams/{team_id}", response=answers({200: TeamOut}), tags=["teams"])
def team_patch(request, team_id: str, payload: TeamPatch):
    require_admin(request)
    team = row_or_404(Team.objects.all(), team_id)
    data = sent_fields(payload)
    member_ids = data.pop("member_ids", None)
    return services.team_save(
        actor=request.user,
        team=team,
        members=_agents(member_ids),
        **data,
    )
