"""Schemathesis against /api/v1/openapi.json: generated requests for every
operation, as an admin and as a customer, with a bounded number of examples.

Every response must match the document (status code, content type, body
schema) and none may be a server error. The examples are derandomized so a
failure reproduces; raise ``API_FUZZ_EXAMPLES`` to search harder locally.
"""

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.specs.openapi.checks import ignored_auth

from accounts.tests.factories import UserFactory
from helpdesk.wsgi import application
from integrations.models import InboundEmail
from integrations.services import inbound_receive
from notifications.models import AutomationRule, EmailLog, EmailTemplate
from organizations.tests.factories import (
    DepartmentFactory,
    OrganizationFactory,
    TeamFactory,
)
from tickets.models import CannedResponse
from tickets.tests.factories import (
    AttachmentFactory,
    CategoryFactory,
    MessageFactory,
    TicketFactory,
)

EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "15"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    ignored_auth,
]


# Fetched through the WSGI application itself: the document needs no database.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Requests go through the real WSGI handler, which closes database
    connections when a request ends; inside a test's transaction that must
    not happen. Django's own test client unhooks the same signals."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def seed_world(api_as, user) -> dict:
    """A caller with a read and write key in a helpdesk with some data: the
    real ids that generated requests are pointed at (see ``aim``)."""
    department = DepartmentFactory()
    agent = UserFactory(agent=True)
    department.agents.add(agent)
    team = TeamFactory(department=department)
    category = CategoryFactory(default_department=department)
    tickets = [
        TicketFactory(number=number, requester=user, department=department)
        for number in range(1, 4)
    ]
    attachment = AttachmentFactory(message=MessageFactory(ticket=tickets[0]))
    organization = OrganizationFactory()
    canned = CannedResponse.objects.create(
        owner=user if user.is_agent else agent, title="Hello", body="Hi"
    )
    spare_key = api_as(user).key
    failed_email = EmailLog.objects.create(
        recipient="sam@example.com",
        template_key="agent_reply",
        subject="Hello",
        body_text="Hello",
        message_id="<fuzz@example.com>",
        status=EmailLog.Status.FAILED,
    )
    failed_inbound = inbound_receive(
        raw=b"Subject: no sender\r\n\r\nHello", source=InboundEmail.Source.PIPE
    )
    return {
        "headers": {"Authorization": f"Bearer {api_as(user).raw}"},
        "ids": {
            "number": tickets[0].number,
            "attachment_id": str(attachment.pk),
            "category_id": str(category.pk),
            "default_department_id": str(department.pk),
            "department_id": str(department.pk),
            "team_id": str(team.pk),
            "assignee_id": str(agent.pk),
            "organization_id": str(organization.pk),
            "user_id": str(UserFactory().pk),
            "canned_id": str(canned.pk),
            "key_id": str(spare_key.pk),
            "template_id": str(EmailTemplate.objects.order_by("pk").first().pk),
            "rule_id": str(AutomationRule.objects.order_by("pk").first().pk),
            "email_id": str(failed_email.pk),
            "inbound_id": str(failed_inbound.pk),
        },
    }


def aim(case, world: dict) -> None:
    """Point generated ids at real rows, so requests get past the lookups and
    reach the handlers' own rules; the lookups' 404s have tests of their own.
    A body's id that was generated as null stays null (it clears a field)."""
    for name, value in world["ids"].items():
        if case.path_parameters and name in case.path_parameters:
            case.path_parameters[name] = value
        if isinstance(case.body, dict) and case.body.get(name) is not None:
            case.body[name] = value


@pytest.fixture
def admin_world(api_as, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 100_000
    return seed_world(api_as, UserFactory(admin=True))


@pytest.fixture
def customer_world(api_as, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 100_000
    return seed_world(api_as, UserFactory())


FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@schema.parametrize()
@FUZZ
def test_every_operation_answers_as_documented_to_an_admin(case, admin_world):
    aim(case, admin_world)
    case.call_and_validate(headers=admin_world["headers"], checks=CHECKS)


@schema.parametrize()
@FUZZ
def test_every_operation_answers_as_documented_to_a_customer(case, customer_world):
    aim(case, customer_world)
    case.call_and_validate(headers=customer_world["headers"], checks=CHECKS)
