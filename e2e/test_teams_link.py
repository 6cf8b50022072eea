"""Linking a Teams user: the link the bot answered with in Teams opens the
sign-in page, then the confirmation, then the person's Teams links."""

import re

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import TEST_PASSWORD, UserFactory
from integrations.models import TeamsConnector, TeamsLink
from integrations.teams.linking import LinkRequest, link_path

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_teams_user_is_linked_after_signing_in(new_page, shot):
    customer = UserFactory(full_name="Ann Lee", email="ann@customer.example")
    connector = TeamsConnector.objects.create(name="IT Support channel")
    path = link_path(
        LinkRequest(
            tenant_id="72f988bf-86f1-41af-91ab-2d7cd011db47",
            aad_object_id="1f2a9c3e-aad-object",
            display_name="Ann Lee (Contoso)",
            connector_id=str(connector.pk),
        )
    )
    page = new_page()

    page.goto(path)
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    shot(page, "sign-in-first")
    page.locator("#id_username").fill(customer.email)
    page.locator("#id_password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(
        page.get_by_role("heading", name="Link a Microsoft Teams user to your account?")
    ).to_be_visible()
    assert page.url.endswith(path)
    expect(page.locator("#teams-link-question")).to_have_text(
        "Link the Teams user Ann Lee (Contoso) to your account ann@customer.example?"
    )
    expect(page.get_by_text("IT Support channel")).to_be_visible()
    shot(page, "confirm")
    assert not TeamsLink.objects.exists()

    page.get_by_role("button", name="Confirm the link").click()
    expect(page.get_by_role("heading", name="Microsoft Teams")).to_be_visible()
    expect(page.get_by_text("Ann Lee (Contoso) is now linked")).to_be_visible()
    row = page.get_by_role("row", name=re.compile("Ann Lee \\(Contoso\\)"))
    expect(row).to_contain_text("72f988bf-86f1-41af-91ab-2d7cd011db47")
    shot(page, "linked")
    assert TeamsLink.objects.get().user == customer

    row.get_by_role("link", name="Remove").click()
    expect(page.get_by_role("heading", name="Remove this Teams link?")).to_be_visible()
    shot(page, "remove-confirm")
    page.get_by_role("button", name="Remove the link").click()
    expect(page.get_by_text("No Teams user linked")).to_be_visible()
    shot(page, "removed-empty-state")
    assert not TeamsLink.objects.exists()
    assert page.errors == []


def test_a_forged_link_says_so(new_page, shot):
    customer = UserFactory()
    page = new_page()
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(customer.email)
    page.locator("#id_password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign in")).to_have_count(0)

    response = page.goto("/integrations/teams/link/not-a-real-token/")
    assert response.status == 400
    expect(page.get_by_role("heading", name="This link is not valid")).to_be_visible()
    shot(page, "forged")
    assert not TeamsLink.objects.exists()
