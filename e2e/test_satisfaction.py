"""The satisfaction survey in a real browser, on a desktop and a phone: the
email's one-click link (with and without JavaScript), the comment after it,
and the portal's choice on a solved request."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from tickets.models import SatisfactionRating
from tickets.satisfaction_tokens import survey_token_make
from tickets.tests.factories import TicketFactory

from .helpers import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = [pytest.param(1280, id="desktop"), pytest.param(390, id="phone")]


@pytest.fixture
def solved(support, agent):
    requester = UserFactory(full_name="Robin Customer")
    return TicketFactory(
        solved=True,
        requester=requester,
        department=support,
        assignee=agent,
        subject="The invoice PDF will not download",
    )


def survey_path(ticket) -> str:
    return reverse("tickets:survey", kwargs={"token": survey_token_make(ticket)})


@pytest.mark.parametrize("width", WIDTHS)
def test_one_click_from_the_email_then_a_comment(new_page, shot, solved, width):
    page = new_page(width=width)
    page.goto(survey_path(solved) + "?rating=good")
    # The page's own script sent the preselected choice at once (a POST).
    expect(page.get_by_text("Thank you for your rating.")).to_be_visible()
    expect(page.get_by_text("You rated our support")).to_be_visible()
    assert SatisfactionRating.objects.get(ticket=solved).rating == "good"
    expect(page.get_by_text("You can change your rating until")).to_be_visible()
    shot(page, "rated-good")

    page.get_by_label("Anything you would like to add? (optional)").fill(
        "Sorted within the hour, thank you."
    )
    page.get_by_role("button", name="Send my comment").click()
    expect(page.get_by_text("Thank you, your comment was saved.")).to_be_visible()
    rating = SatisfactionRating.objects.get(ticket=solved)
    assert rating.comment == "Sorted within the hour, thank you."
    shot(page, "commented")

    page.locator("label[for=survey-rating-bad]").click()
    page.get_by_role("button", name="Change my rating").click()
    expect(page.get_by_text("Thank you for your rating.")).to_be_visible()
    assert SatisfactionRating.objects.get(ticket=solved).rating == "bad"
    assert page.errors == []


@pytest.mark.parametrize("width", WIDTHS)
def test_without_javascript_the_choice_waits_for_send(
    browser, live_server, shot, solved, width
):
    context = browser.new_context(
        viewport={"width": width, "height": 900},
        base_url=live_server.url,
        java_script_enabled=False,
    )
    try:
        page = context.new_page()
        page.goto(survey_path(solved) + "?rating=bad")
        expect(
            page.get_by_text("How would you rate the support you received?")
        ).to_be_visible()
        expect(page.locator("#survey-rating-bad")).to_be_checked()
        assert not SatisfactionRating.objects.exists()  # opening rated nothing
        shot(page, "preselected")
        page.get_by_role("button", name="Send").click()
        expect(page.get_by_text("Thank you for your rating.")).to_be_visible()
        assert SatisfactionRating.objects.get(ticket=solved).rating == "bad"
        shot(page, "sent")
    finally:
        context.close()


def test_a_broken_link_gets_a_clear_page(new_page, shot, solved):
    page = new_page(width=390)
    page.goto(survey_path(solved)[:-4] + "xyz/")
    expect(page.get_by_text("This survey link cannot be used")).to_be_visible()
    shot(page, "refused")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_portal_choice_on_a_solved_request(new_page, shot, solved, width):
    page = new_page(width=width)
    sign_in(page, solved.requester)
    page.goto(solved.get_absolute_url())
    panel = page.locator("#satisfaction")
    expect(
        panel.get_by_text("How would you rate the support you received?")
    ).to_be_visible()
    shot(page, "choice")
    panel.locator("label[for=portal-rating-bad]").click()
    panel.get_by_label("Anything you would like to add? (optional)").fill(
        "It took three replies to get there."
    )
    panel.get_by_role("button", name="Send my rating").click()
    expect(page.get_by_text("Thank you for rating our support.")).to_be_visible()
    expect(page.locator("#satisfaction").get_by_text("You rated it")).to_be_visible()
    rating = SatisfactionRating.objects.get(ticket=solved)
    assert (rating.rating, rating.comment) == (
        "bad",
        "It took three replies to get there.",
    )
    shot(page, "rated")


def test_agents_see_the_column_and_the_rating(new_page, shot, solved, agent):
    SatisfactionRating.objects.create(
        ticket=solved, rated_by=solved.requester, rating="bad", comment="Too slow"
    )
    TicketFactory(solved=True, department=solved.department, subject="Unrated one")
    page = new_page(width=1440)
    sign_in(page, agent)
    page.goto(reverse("tickets:agent_list") + "?view=solved")
    expect(page.get_by_role("columnheader", name="Satisfaction")).to_be_visible()
    shot(page, "list-wide")
    # Narrower, the rating moves under the status, still in words.
    page.set_viewport_size({"width": 1280, "height": 900})
    expect(page.get_by_role("columnheader", name="Satisfaction")).to_be_hidden()
    row = page.locator("tbody tr").filter(has_text=solved.subject)
    expect(row.locator(".d-xxl-none")).to_have_text("Satisfaction: ☹ Bad")
    shot(page, "list-1280")
    page.goto(solved.get_agent_url())
    expect(page.get_by_text("Too slow")).to_be_visible()
    shot(page, "ticket")
