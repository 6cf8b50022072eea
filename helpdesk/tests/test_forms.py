"""The shared model choice field: its options, and how they are read."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from helpdesk.forms import ModelChoiceField
from organizations.models import Department
from organizations.tests.factories import DepartmentFactory
from tickets.tests.factories import TicketFactory


@pytest.mark.django_db
def test_the_options_are_the_rows_after_the_empty_choice():
    billing = DepartmentFactory(name="Billing")
    support = DepartmentFactory(name="Support")
    field = ModelChoiceField(queryset=Department.objects.order_by("name"))

    assert [(str(value), label) for value, label in field.choices] == [
        ("", "---------"),
        (str(billing.pk), "Billing"),
        (str(support.pk), "Support"),
    ]
    assert field.clean(str(support.pk)) == support
    with pytest.raises(ValidationError):
        field.clean("not a department")


@pytest.mark.django_db
def test_without_an_empty_label_only_the_rows_are_offered():
    billing = DepartmentFactory(name="Billing")
    field = ModelChoiceField(queryset=Department.objects.all(), empty_label=None)

    assert [(str(value), label) for value, label in field.choices] == [
        (str(billing.pk), "Billing")
    ]


@pytest.mark.django_db
def test_the_options_are_read_again_for_each_rendering():
    field = ModelChoiceField(queryset=Department.objects.order_by("name"))
    assert len(list(field.choices)) == 1
    DepartmentFactory(name="Added later")

    assert [label for _, label in field.choices] == ["---------", "Added later"]


def test_the_ticket_page_and_list_read_their_options_without_a_cursor(
    login, agent, department
):
    """Django's own choice iterator opens a server-side cursor on PostgreSQL
    (DECLARE, FETCH, CLOSE) for each <select>."""
    if connection.vendor != "postgresql":
        pytest.skip(
            f"server-side cursors are PostgreSQL's; this pass runs {connection.vendor}"
        )
    ticket = TicketFactory(department=department)
    client = login(agent)
    for url in (ticket.get_agent_url(), "/agent/tickets/"):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        assert department.name in response.content.decode()
        cursors = [q["sql"] for q in queries if q["sql"].lstrip().startswith("DECLARE")]
        assert cursors == []
