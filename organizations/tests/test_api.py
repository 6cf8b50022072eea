"""Organizations, departments and teams through the API: agents read, admins write."""

import pytest

from accounts.tests.factories import UserFactory
from organizations.models import Department, Organization, Team

from .factories import (
    DepartmentFactory,
    OrganizationDomainFactory,
    OrganizationFactory,
    TeamFactory,
)

pytestmark = pytest.mark.django_db


def test_agents_read_customers_are_refused(api_as, agent, customer):
    OrganizationDomainFactory(domain="acme.example")
    for path in ("/organizations", "/departments", "/teams"):
        assert api_as(agent).get(path).status_code == 200
        refused = api_as(customer).get(path)
        assert refused.status_code == 403, path
        assert refused.json()["code"] == "agents_only"
    orgs = api_as(agent).get("/organizations").json()
    assert ["acme.example"] in [org["domains"] for org in orgs]


def test_an_admin_keeps_organizations_and_their_domains(api_as, admin_user):
    api = api_as(admin_user)
    created = api.post(
        "/organizations",
        {"name": "Acme", "slug": "acme", "domains": ["Acme.example", "acme.test"]},
    )
    assert created.status_code == 201, created.content
    assert sorted(created.json()["domains"]) == ["acme.example", "acme.test"]
    organization = Organization.objects.get(slug="acme")

    changed = api.patch(
        f"/organizations/{organization.pk}",
        {"share_tickets": True, "domains": ["acme.example"]},
    )
    assert changed.json()["domains"] == ["acme.example"]
    assert changed.json()["share_tickets"] is True

    taken = api.post(
        "/organizations", {"name": "B", "slug": "b", "domains": ["acme.example"]}
    )
    assert taken.status_code == 400
    assert taken.json()["code"] == "duplicate"
    assert not Organization.objects.filter(slug="b").exists()

    bad = api.patch(f"/organizations/{organization.pk}", {"domains": ["not a domain"]})
    assert bad.status_code == 400
    assert list(organization.domains.values_list("domain", flat=True)) == [
        "acme.example"
    ]


def test_an_admin_creates_departments_and_teams_of_agents(api_as, admin_user, agent):
    api = api_as(admin_user)
    department = api.post(
        "/departments",
        {
            "name": "Billing",
            "slug": "billing",
            "inbound_email": "billing@helpdesk.example",
            "agent_ids": [str(agent.pk)],
        },
    )
    assert department.status_code == 201, department.content
    assert department.json()["agent_ids"] == [str(agent.pk)]
    team = api.post(
        "/teams",
        {
            "department_id": department.json()["id"],
            "name": "Refunds",
            "member_ids": [str(agent.pk)],
        },
    )
    assert team.status_code == 201, team.content
    assert Team.objects.get(name="Refunds").members.get() == agent

    customer = UserFactory()
    refused = api.post(
        "/teams",
        {
            "department_id": department.json()["id"],
            "name": "X",
            "member_ids": [str(customer.pk)],
        },
    )
    assert refused.status_code == 400
    assert not Team.objects.filter(name="X").exists()


def test_agents_cannot_write_organizations(api_as, agent):
    department = DepartmentFactory()
    api = api_as(agent)
    assert api.post("/organizations", {"name": "A", "slug": "a"}).status_code == 403
    assert api.post("/departments", {"name": "D", "slug": "d"}).status_code == 403
    assert (
        api.post(
            "/teams", {"department_id": str(department.pk), "name": "T"}
        ).status_code
        == 403
    )
    org = OrganizationFactory(share_tickets=False)
    assert (
        api.patch(f"/organizations/{org.pk}", {"share_tickets": True}).status_code
        == 403
    )
    org.refresh_from_db()
    assert org.share_tickets is False
    assert not Organization.objects.filter(slug="a").exists()
    assert not Department.objects.filter(slug="d").exists()


def test_an_admin_renames_a_department_and_changes_its_people(api_as, admin_user):
    department = DepartmentFactory(name="Support")
    team = TeamFactory(department=department, name="Tier 1")
    first, second = UserFactory(agent=True), UserFactory(agent=True)
    department.agents.add(first)
    api = api_as(admin_user)

    changed = api.patch(
        f"/departments/{department.pk}",
        {"name": "Customer care", "agent_ids": [str(second.pk)]},
    )
    assert changed.status_code == 200, changed.content
    department.refresh_from_db()
    assert department.name == "Customer care"
    assert list(department.agents.all()) == [second]

    renamed = api.patch(f"/teams/{team.pk}", {"name": "Tier 2"})
    assert renamed.json()["name"] == "Tier 2"
    assert api_as(first).patch(f"/teams/{team.pk}", {"name": "x"}).status_code == 403
    assert api.patch("/teams/999999", {"name": "x"}).status_code == 404
    team.refresh_from_db()
    assert team.name == "Tier 2"


# --- lists with their people: no many-to-many prefetch, constant queries -----


def _grow(count: int) -> None:
    for _ in range(count):
        people = UserFactory.create_batch(2, agent=True)
        department = DepartmentFactory(agents=people)
        TeamFactory(department=department, members=people[:1])


@pytest.mark.parametrize(
    ("path", "field"), [("/departments", "agent_ids"), ("/teams", "member_ids")]
)
def test_lists_name_their_people_in_a_fixed_number_of_plain_queries(
    api_as, admin_user, path, field, django_assert_max_num_queries
):
    """The people come from the link rows, read by ids, not from a
    ``prefetch_related`` across the many-to-many (its joined extra column is
    what document databases cannot do); the count stays put as lists grow."""
    api = api_as(admin_user)
    _grow(2)
    with django_assert_max_num_queries(20) as small:
        assert api.get(path).status_code == 200
    _grow(5)
    with django_assert_max_num_queries(len(small.captured_queries)) as large:
        rows = api.get(path).json()
    assert len(rows) == 7
    assert not [
        query["sql"]
        for query in large.captured_queries
        if "_prefetch_related_val" in query["sql"]
    ]
    model = Department if path == "/departments" else Team
    for row in rows:
        expected = model.objects.get(pk=row["id"])
        people = expected.agents if model is Department else expected.members
        assert row[field] == [str(pk) for pk in people.values_list("pk", flat=True)]
        assert row[field]


def test_people_are_listed_in_name_order(api_as, admin_user):
    zoe = UserFactory(agent=True, full_name="Zoe")
    amy = UserFactory(agent=True, full_name="Amy")
    department = DepartmentFactory(agents=[zoe, amy])
    TeamFactory(department=department, members=[zoe, amy])
    api = api_as(admin_user)
    [listed] = [
        row for row in api.get("/departments").json() if row["id"] == str(department.pk)
    ]
    assert listed["agent_ids"] == [str(amy.pk), str(zoe.pk)]
    [team] = api.get("/teams").json()
    assert team["member_ids"] == [str(amy.pk), str(zoe.pk)]
