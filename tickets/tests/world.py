"""One ticket and everyone who can stand in some relation to it: the cast of
the permission matrices (portal and workspace pages, and the API)."""

from accounts.tests.factories import UserFactory
from organizations.tests.factories import DepartmentFactory, OrganizationFactory
from tickets.models import CannedResponse

from .factories import AttachmentFactory, MessageFactory, TicketFactory

RELATIONS = [
    "requester",
    "colleague_sharing",
    "colleague_private",
    "other_organization",
    "agent_in_department",
    "agent_outside_department",
    "admin",
    "anonymous",
]


def build_world() -> dict:
    organization = OrganizationFactory(share_tickets=True)
    private_organization = OrganizationFactory(share_tickets=False)
    department = DepartmentFactory()
    requester = UserFactory(organization=organization)
    agent_in = UserFactory(agent=True)
    department.agents.add(agent_in)
    agent_out = UserFactory(agent=True)
    DepartmentFactory().agents.add(agent_out)
    ticket = TicketFactory(requester=requester, department=department)
    attachment = AttachmentFactory(message=MessageFactory(ticket=ticket))
    target = TicketFactory(requester=requester, department=department)
    private_requester = UserFactory(organization=private_organization)
    canned = CannedResponse.objects.create(
        owner=UserFactory(admin=True),
        title="Hi",
        body="Hi {requester_name}",
        shared=True,
    )
    return {
        "canned": canned,
        "ticket": ticket,
        "attachment": attachment,
        "target": target,
        "agent_in": agent_in,
        "users": {
            "requester": requester,
            "colleague_sharing": UserFactory(organization=organization),
            "colleague_private": UserFactory(organization=private_organization),
            "other_organization": UserFactory(organization=OrganizationFactory()),
            "agent_in_department": agent_in,
            "agent_outside_department": agent_out,
            "admin": UserFactory(admin=True),
            "anonymous": None,
        },
        # For the private organization, the ticket belongs to a colleague.
        "private_ticket": TicketFactory(
            requester=private_requester, department=department
        ),
    }
