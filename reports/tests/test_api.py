"""The reports summary: numbers over what the caller may see, agents only."""

from datetime import timedelta

import pytest
from django.utils import timezone

from organizations.tests.factories import DepartmentFactory
from tickets.models import SLANotice
from tickets.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db


def test_the_summary_counts_the_agents_tickets(api_as, agent, department):
    TicketFactory(department=department, priority="urgent")
    TicketFactory(department=department, status="open", assignee=agent)
    TicketFactory(department=department, solved=True, solved_at=timezone.now())
    old = TicketFactory(department=department, status="open")
    type(old).objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(days=30)
    )
    breached = TicketFactory(department=department, status="open")
    SLANotice.objects.create(
        ticket=breached,
        stage=SLANotice.Stage.BREACH,
        target=SLANotice.Target.RESOLUTION,
        due_at=timezone.now(),
    )
    TicketFactory(department=DepartmentFactory())  # not this agent's

    data = api_as(agent).get("/reports/summary", {"days": 7}).json()
    assert data["by_status"] == {
        "new": 1,
        "open": 3,
        "pending": 0,
        "on_hold": 0,
        "solved": 1,
        "closed": 0,
    }
    assert data["open_by_priority"]["urgent"] == 1
    assert data["open_by_priority"]["normal"] == 3
    assert data["created"] == 4
    assert data["solved"] == 1
    assert data["unassigned"] == 3
    assert data["sla_breaches"] == 1


def test_customers_get_no_reports(api_as, customer):
    response = api_as(customer).get("/reports/summary")
    assert response.status_code == 403
    assert response.json()["code"] == "agents_only"


def test_the_window_is_bounded(api_as, agent):
    assert api_as(agent).get("/reports/summary", {"days": 0}).status_code == 400
    assert api_as(agent).get("/reports/summary", {"days": 5000}).status_code == 400
