import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from organizations.tests.factories import DepartmentFactory

from .factories import TicketFactory

pytestmark = pytest.mark.django_db


def test_portal_home_lists_my_open_requests_only(login, customer):
    mine = TicketFactory(requester=customer, subject="My printer is jammed")
    TicketFactory(requester=customer, solved=True, subject="Old solved one")
    TicketFactory(subject="Someone else's secret")

    response = login(customer).get(reverse("tickets:portal_home"))

    assert response.status_code == 200
    content = response.content.decode()
    assert mine.subject in content
    assert mine.reference in content
    assert "Old solved one" not in content
    assert "Someone else" not in content
    assert "You have 2 requests in all" in content


def test_portal_home_empty_state(login, customer):
    response = login(customer).get(reverse("tickets:portal_home"))
    assert "You have no open requests" in response.content.decode()


def test_agent_home_counts_only_the_agents_departments(login, agent):
    department = agent.departments.get()
    TicketFactory(department=department, subject="In my queue")
    TicketFactory(department=department, open=True, assignee=agent, subject="Mine")
    TicketFactory(department=DepartmentFactory(), subject="Other department")

    response = login(agent).get(reverse("tickets:agent_home"))

    assert response.status_code == 200
    counts = {value: n for _, value, n in response.context["status_counts"]}
    assert counts["new"] == 1
    assert counts["open"] == 1
    assert response.context["unassigned_count"] == 1
    assert [t.subject for t in response.context["my_open"]] == ["Mine"]
    assert "Other department" not in response.content.decode()


def test_admin_sees_every_department(login, admin_user):
    TicketFactory(subject="Anywhere")
    response = login(admin_user).get(reverse("tickets:agent_home"))
    assert "Anywhere" in response.content.decode()


def test_customer_is_refused_the_workspace(login, customer):
    response = login(customer).get(reverse("tickets:agent_home"))
    assert response.status_code == 403
    assert "You don't have access" in response.content.decode()


@pytest.mark.parametrize("name", ["tickets:portal_home", "tickets:agent_home", "home"])
def test_anonymous_is_sent_to_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


@pytest.mark.parametrize(
    ("role", "target"),
    [("customer", "/portal/"), ("agent", "/agent/"), ("admin", "/agent/")],
)
def test_home_sends_each_role_to_its_front_door(login, role, target):
    user = UserFactory(**({role: True} if role != "customer" else {}))
    response = login(user).get("/")
    assert response.status_code == 302
    assert response.url == target


def test_agent_home_query_count_is_flat(login, agent, django_assert_max_num_queries):
    department = agent.departments.get()
    client = login(agent)
    TicketFactory.create_batch(3, department=department, assignee=agent, open=True)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("tickets:agent_home"))
    TicketFactory.create_batch(30, department=department, assignee=agent, open=True)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("tickets:agent_home"))
