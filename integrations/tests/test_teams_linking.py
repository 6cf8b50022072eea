"""Linking a Teams user to a helpdesk account: the portal pages the bot's
link opens, the person's list of links, and the admin pages."""

from datetime import timedelta
from urllib.parse import quote

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from integrations.models import TeamsCommand, TeamsConnector, TeamsLink
from integrations.teams.linking import LinkRequest, link_path, link_token_make
from integrations.teams.links import (
    TeamsLinkRefused,
    teams_link_confirm,
    teams_link_remove,
    user_for_teams,
)
from tickets.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
AAD = "29:1f2a-aad-object-ann"


@pytest.fixture
def connector():
    return TeamsConnector.objects.create(name="Support channel")


@pytest.fixture
def ann_request(connector):
    """What the bot's link says after Ann Lee wrote in Teams."""
    return LinkRequest(
        tenant_id=TENANT,
        aad_object_id=AAD,
        display_name="Ann Lee",
        connector_id=str(connector.pk),
    )


# --- The confirmation page --------------------------------------------------


def test_anonymous_is_sent_to_sign_in_and_back(client, ann_request):
    path = link_path(ann_request)
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == (
        f"{reverse('accounts:login')}?next={quote(path, safe='/')}"
    )
    assert client.post(path).status_code == 302
    assert not TeamsLink.objects.exists()


def test_the_page_names_the_teams_user_and_the_account_and_writes_nothing(
    login, customer, ann_request
):
    response = login(customer).get(link_path(ann_request))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Link the Teams user <strong>Ann Lee</strong>" in page
    assert f"to your account <strong>{customer.email}</strong>" in page
    assert "Support channel" in page
    assert "visible to everyone in the channel" in page
    assert "Confirm the link" in page and "Cancel" in page
    assert "work tickets from Teams" not in page  # a customer's page
    assert response["Cache-Control"].startswith("max-age=0")
    assert not TeamsLink.objects.exists()


def test_an_agent_is_told_they_can_work_tickets_from_teams(login, agent, ann_request):
    page = login(agent).get(link_path(ann_request)).content.decode()
    assert "work tickets from Teams as this account" in page


def test_confirming_creates_the_link_and_shows_it(login, customer, ann_request):
    client = login(customer)
    response = client.post(link_path(ann_request), follow=True)
    assert response.redirect_chain == [(reverse("integrations:teams_links"), 302)]
    link = TeamsLink.objects.get()
    assert (link.user, link.tenant_id, link.aad_object_id, link.display_name) == (
        customer,
        TENANT,
        AAD,
        "Ann Lee",
    )
    page = response.content.decode()
    assert "Ann Lee is now linked to your account" in page
    assert TENANT in page
    assert user_for_teams(tenant_id=TENANT, aad_object_id=AAD) == customer


def test_confirming_twice_is_a_no_op(login, customer, ann_request):
    client = login(customer)
    client.post(link_path(ann_request))
    first = TeamsLink.objects.get()
    again = client.get(link_path(ann_request))
    assert "already linked to your account" in again.content.decode()
    assert "Confirm the link" not in again.content.decode()
    response = client.post(link_path(ann_request), follow=True)
    assert "was already linked to your account" in response.content.decode()
    assert list(TeamsLink.objects.all()) == [first]


def test_the_csrf_token_is_required(customer, ann_request):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(customer)
    assert client.post(link_path(ann_request)).status_code == 403
    assert not TeamsLink.objects.exists()


def test_another_account_cannot_take_over_a_link(login, customer, ann_request):
    """Someone else in the channel saw the bot's answer and opened it."""
    teams_link_confirm(user=customer, request=ann_request)
    other = UserFactory()
    client = login(other)

    page = client.get(link_path(ann_request))
    assert page.status_code == 409
    text = page.content.decode()
    assert "already linked to another helpdesk account" in text
    assert customer.email not in text  # the other account is not named
    assert "Confirm the link" not in text

    refused = client.post(link_path(ann_request))
    assert refused.status_code == 409
    assert "already linked to another helpdesk account" in refused.content.decode()
    assert list(TeamsLink.objects.values_list("user", flat=True)) == [customer.pk]
    assert user_for_teams(tenant_id=TENANT, aad_object_id=AAD) == customer


def test_the_same_person_in_another_tenant_is_another_teams_user(
    login, customer, ann_request
):
    teams_link_confirm(user=customer, request=ann_request)
    other = UserFactory()
    elsewhere = LinkRequest(
        tenant_id="another-tenant",
        aad_object_id=AAD,
        display_name="Ann Lee",
        connector_id=ann_request.connector_id,
    )
    login(other).post(link_path(elsewhere))
    assert user_for_teams(tenant_id="another-tenant", aad_object_id=AAD) == other
    assert user_for_teams(tenant_id=TENANT, aad_object_id=AAD) == customer


def test_the_service_refuses_a_deactivated_account(ann_request):
    gone = UserFactory(inactive=True)
    with pytest.raises(TeamsLinkRefused, match="deactivated"):
        teams_link_confirm(user=gone, request=ann_request)
    assert not TeamsLink.objects.exists()


def test_the_service_refuses_another_account_and_keeps_the_first(customer, ann_request):
    teams_link_confirm(user=customer, request=ann_request)
    with pytest.raises(TeamsLinkRefused, match="already linked to another"):
        teams_link_confirm(user=UserFactory(), request=ann_request)
    assert TeamsLink.objects.get().user == customer


def test_an_expired_link_is_refused_and_writes_nothing(login, customer, ann_request):
    sent = timezone.now()
    with time_machine.travel(sent, tick=False):
        path = link_path(ann_request)
    client = login(customer)
    with time_machine.travel(sent + timedelta(minutes=31), tick=False):
        shown = client.get(path)
        posted = client.post(path)
    for response in (shown, posted):
        assert response.status_code == 410
        page = response.content.decode()
        assert "This link has expired" in page
        assert "Confirm the link" not in page
    assert not TeamsLink.objects.exists()


def test_a_link_inside_its_time_still_works(login, customer, ann_request):
    sent = timezone.now()
    with time_machine.travel(sent, tick=False):
        path = link_path(ann_request)
    with time_machine.travel(sent + timedelta(minutes=29), tick=False):
        response = login(customer).post(path)
    assert response.status_code == 302
    assert TeamsLink.objects.filter(user=customer).exists()


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(
            lambda token: token[:-2] + ("AA" if token[-2:] != "AA" else "BB"),
            id="signature-changed",
        ),
        pytest.param(lambda token: "not-a-token", id="garbage"),
        pytest.param(
            lambda token: __import__("django.core.signing").core.signing.dumps(
                {"t": TENANT, "a": "29:mallory", "n": "Mallory", "c": ""},
                salt="some.other.salt",
                compress=True,
            ),
            id="signed-for-another-use",
        ),
    ],
)
def test_a_forged_link_is_refused_and_writes_nothing(
    login, customer, ann_request, mangle
):
    token = mangle(link_token_make(ann_request))
    path = reverse("integrations:teams_link", kwargs={"token": token})
    client = login(customer)
    for response in (client.get(path), client.post(path)):
        assert response.status_code == 400
        page = response.content.decode()
        assert "This link is not valid" in page
        assert "Confirm the link" not in page
    assert not TeamsLink.objects.exists()


# --- The person's links -----------------------------------------------------


def test_the_links_page_lists_only_ones_own_links(
    login, customer, ann_request, django_assert_max_num_queries
):
    teams_link_confirm(user=customer, request=ann_request)
    for number in range(3):
        teams_link_confirm(
            user=customer,
            request=LinkRequest(
                tenant_id=f"tenant-{number}",
                aad_object_id=f"aad-{number}",
                display_name=f"Ann in tenant {number}",
                connector_id="",
            ),
        )
    someone = UserFactory()
    teams_link_confirm(
        user=someone,
        request=LinkRequest(
            tenant_id=TENANT,
            aad_object_id="29:bob",
            display_name="Bob Stone",
            connector_id="",
        ),
    )
    client = login(customer)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("integrations:teams_links"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Ann Lee" in page and "Ann in tenant 2" in page
    assert "Bob Stone" not in page
    assert page.count(">Remove</a>") == 4


def test_the_empty_links_page_says_how_to_link(login, customer):
    page = login(customer).get(reverse("integrations:teams_links")).content.decode()
    assert "No Teams user linked" in page
    assert "mention it" in page


def test_the_profile_page_leads_to_the_links_page(login, customer):
    page = login(customer).get(reverse("accounts:profile")).content.decode()
    assert reverse("integrations:teams_links") in page


def test_anonymous_cannot_see_or_remove_links(client, customer, ann_request):
    link = teams_link_confirm(user=customer, request=ann_request)
    remove = reverse("integrations:teams_link_remove", args=[link.pk])
    for response in (
        client.get(reverse("integrations:teams_links")),
        client.get(remove),
        client.post(remove),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    assert TeamsLink.objects.count() == 1


def test_removing_asks_first_then_unlinks(login, customer, ann_request):
    link = teams_link_confirm(user=customer, request=ann_request)
    client = login(customer)
    remove = reverse("integrations:teams_link_remove", args=[str(link.pk)])

    asked = client.get(remove)
    assert asked.status_code == 200
    assert "Remove this Teams link?" in asked.content.decode()
    assert TeamsLink.objects.exists()

    response = client.post(remove, follow=True)
    assert response.redirect_chain == [(reverse("integrations:teams_links"), 302)]
    assert "Ann Lee is no longer linked to your account" in response.content.decode()
    assert not TeamsLink.objects.exists()
    assert user_for_teams(tenant_id=TENANT, aad_object_id=AAD) is None


def test_removing_someone_elses_link_is_a_404(login, customer, agent, ann_request):
    link = teams_link_confirm(user=customer, request=ann_request)
    remove = reverse("integrations:teams_link_remove", args=[str(link.pk)])
    client = login(agent)  # an agent is no exception
    assert client.get(remove).status_code == 404
    assert client.post(remove).status_code == 404
    for made_up in ("999999", "abc", "-1"):
        url = reverse("integrations:teams_link_remove", args=[made_up])
        assert client.post(url).status_code == 404
    assert TeamsLink.objects.get().user == customer


def test_the_remove_service_refuses_another_account(customer, ann_request):
    from helpdesk.errors import PermissionDeniedError

    link = teams_link_confirm(user=customer, request=ann_request)
    with pytest.raises(PermissionDeniedError):
        teams_link_remove(actor=UserFactory(), link=link)
    assert TeamsLink.objects.exists()


def test_after_removal_someone_else_may_link_that_teams_user(
    login, customer, ann_request
):
    link = teams_link_confirm(user=customer, request=ann_request)
    teams_link_remove(actor=customer, link=link)
    other = UserFactory()
    login(other).post(link_path(ann_request))
    assert user_for_teams(tenant_id=TENANT, aad_object_id=AAD) == other


# --- The admin --------------------------------------------------------------


@pytest.fixture
def logged_command(connector, customer):
    return TeamsCommand.objects.create(
        connector=connector,
        activity_id="f:1",
        aad_object_id=AAD,
        display_name="Ann Lee",
        user=customer,
        text="mine",
        verb="mine",
        outcome="listed 1 ticket",
        ticket=TicketFactory(requester=customer),
    )


ADMIN_PAGES = [
    "admin:integrations_teamslink_changelist",
    "admin:integrations_teamscommand_changelist",
]


@pytest.mark.parametrize("page", ADMIN_PAGES)
@pytest.mark.parametrize("role", ["customer", "agent"])
def test_the_admin_pages_refuse_agents_and_customers(
    login, customer, agent, role, page, ann_request, logged_command
):
    link = teams_link_confirm(user=customer, request=ann_request)
    client = login(customer if role == "customer" else agent)
    response = client.get(reverse(page), follow=True)
    assert response.redirect_chain[0][1] == 302
    text = response.content.decode()
    assert "The administration is for admins only." in text
    assert "Ann Lee" not in text and AAD not in text
    delete = reverse("admin:integrations_teamslink_delete", args=[link.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert TeamsLink.objects.exists()


def test_admins_find_links_by_email_name_or_aad_id(login, customer, ann_request):
    teams_link_confirm(user=customer, request=ann_request)
    client = login(UserFactory(admin=True))
    changelist = reverse("admin:integrations_teamslink_changelist")
    for query in (customer.email, "Ann Lee", AAD, customer.full_name):
        found = client.get(changelist, {"q": query}).context["cl"].result_count
        assert found == 1, query
    assert client.get(changelist, {"q": "nobody"}).context["cl"].result_count == 0


def test_admins_delete_links_but_cannot_add_or_change_them(
    login, customer, ann_request
):
    link = teams_link_confirm(user=customer, request=ann_request)
    client = login(UserFactory(admin=True))
    assert client.get(reverse("admin:integrations_teamslink_add")).status_code == 403
    change = reverse("admin:integrations_teamslink_change", args=[link.pk])
    viewed = client.get(change)
    assert viewed.status_code == 200
    assert 'name="display_name"' not in viewed.content.decode()  # read-only
    delete = reverse("admin:integrations_teamslink_delete", args=[link.pk])
    response = client.post(delete, {"post": "yes"})
    assert response.status_code == 302
    assert not TeamsLink.objects.exists()


def test_the_command_log_is_read_only(login, logged_command):
    client = login(UserFactory(admin=True))
    changelist = reverse("admin:integrations_teamscommand_changelist")
    page = client.get(changelist).content.decode()
    assert "Support channel" in page and "listed 1 ticket" in page
    assert logged_command.ticket.reference in page
    for query in ("Ann Lee", logged_command.user.email, AAD):
        found = client.get(changelist, {"q": query}).context["cl"].result_count
        assert found == 1, query
    filtered = client.get(changelist, {"verb": "mine"})
    assert filtered.status_code == 200

    assert client.get(reverse("admin:integrations_teamscommand_add")).status_code == 403
    change = reverse("admin:integrations_teamscommand_change", args=[logged_command.pk])
    viewed = client.get(change)
    assert viewed.status_code == 200
    assert 'name="text"' not in viewed.content.decode()
    delete = reverse("admin:integrations_teamscommand_delete", args=[logged_command.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert TeamsCommand.objects.exists()
