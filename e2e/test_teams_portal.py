"""The portal pages of Teams linking (issue 16), as a customer and as an
agent: the account menu entry, the confirmation, a forged and an expired
link, the list of links with its empty state, and the removal, at desktop
width and at a phone's (390 px)."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from integrations.models import TeamsConnector, TeamsLink
from integrations.teams.linking import LinkRequest, link_token_make

from .helpers import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"


def _link_url(connector, *, name: str, aad: str) -> str:
    token = link_token_make(
        LinkRequest(
            tenant_id=TENANT,
            aad_object_id=aad,
            display_name=name,
            connector_id=str(connector.pk),
        )
    )
    return reverse("integrations:teams_link", args=[token])


@pytest.mark.parametrize("width", [1280, 390], ids=["desktop", "phone"])
def test_a_customer_links_a_teams_user_and_removes_it(new_page, shot, width):
    customer = UserFactory(full_name="Ann Lee", email="ann@customer.example")
    connector = TeamsConnector.objects.create(name="IT Support channel")
    page = new_page(width=width, height=844 if width < 500 else 900)
    sign_in(page, customer)

    page.goto(reverse("integrations:teams_links"))
    expect(page.get_by_role("heading", name="Microsoft Teams", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="No Teams user linked")).to_be_visible()
    shot(page, "links-empty")

    page.goto(_link_url(connector, name="Ann Lee (Contoso)", aad="aad-ann"))
    expect(
        page.get_by_role("heading", name="Link a Microsoft Teams user to your account?")
    ).to_be_visible()
    expect(page.get_by_text("IT Support channel")).to_be_visible()
    expect(
        page.get_by_text("Confirm only if you are Ann Lee (Contoso)")
    ).to_be_visible()
    expect(page.get_by_role("button", name="Confirm the link")).to_be_visible()
    expect(page.get_by_role("link", name="Cancel")).to_be_visible()
    shot(page, "confirm")

    page.get_by_role("button", name="Confirm the link").click()
    expect(page.get_by_text("Ann Lee (Contoso) is now linked")).to_be_visible()
    row = page.get_by_role("row", name="Ann Lee (Contoso)")
    expect(row).to_contain_text(TENANT)
    shot(page, "links-one")

    row.get_by_role("link", name="Remove the link to Ann Lee (Contoso)").click()
    expect(page.get_by_role("heading", name="Remove this Teams link?")).to_be_visible()
    expect(page.get_by_role("button", name="Remove the link")).to_be_visible()
    shot(page, "remove-confirm")
    page.get_by_role("button", name="Remove the link").click()
    expect(page.get_by_role("heading", name="No Teams user linked")).to_be_visible()
    assert not TeamsLink.objects.exists()

    page.goto("/integrations/teams/link/not-a-real-token/")
    expect(page.get_by_role("heading", name="This link is not valid")).to_be_visible()
    expect(page.get_by_text("Nothing was linked.")).to_be_visible()
    shot(page, "invalid")

    with time_machine.travel(timezone.now() - timedelta(minutes=31), tick=False):
        old = _link_url(connector, name="Ann Lee (Contoso)", aad="aad-ann")
    response = page.goto(old)
    assert response.status == 410
    expect(page.get_by_role("heading", name="This link has expired")).to_be_visible()
    shot(page, "expired")
    assert not TeamsLink.objects.exists()
    assert page.errors == []


def test_an_agent_finds_teams_in_the_account_menu(new_page, shot, agent):
    connector = TeamsConnector.objects.create(name="IT Support channel")
    page = new_page()
    sign_in(page, agent)

    page.get_by_role("button", name="account menu").click()
    expect(page.get_by_role("link", name="Microsoft Teams")).to_be_visible()
    shot(page, "account-menu")
    page.get_by_role("link", name="Microsoft Teams").click()
    expect(page.get_by_role("heading", name="Microsoft Teams", level=1)).to_be_visible()
    expect(page.get_by_text("open and work tickets")).to_be_visible()

    page.goto(_link_url(connector, name="Sam Agent (Contoso)", aad="aad-sam"))
    expect(page.get_by_text("As an agent, you can work tickets")).to_be_visible()
    shot(page, "confirm-agent")
    page.get_by_role("button", name="Confirm the link").click()
    expect(page.get_by_role("row", name="Sam Agent (Contoso)")).to_be_visible()
    shot(page, "links-agent")

    someone = UserFactory(full_name="Bob Other")
    TeamsLink.objects.create(
        tenant_id=TENANT, aad_object_id="aad-bob", user=someone, display_name="Bob"
    )
    response = page.goto(_link_url(connector, name="Bob", aad="aad-bob"))
    assert response.status == 409
    expect(
        page.get_by_role("heading", name="This Teams user cannot be linked")
    ).to_be_visible()
    expect(
        page.get_by_text("already linked to another helpdesk account")
    ).to_be_visible()
    expect(page.get_by_role("button", name="Confirm the link")).to_have_count(0)
    shot(page, "taken")
    assert page.errors == []
