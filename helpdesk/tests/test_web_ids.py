"""Ids a visitor makes up in a web address (issue 13 groundwork): not
numbers, negative, out of every column's range, a NUL. Each page that names
a row by id answers 404, never a 500, on every database: ids are opaque
strings, and a malformed one is simply no row (MongoDB keys are not ints)."""

import pytest
from django.contrib.admin import site
from django.test import Client
from django.urls import reverse

from tickets import services
from tickets.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db

ODD_IDS = [
    "abc",
    "-1",
    "0",
    "1e9999",
    "1" * 30,
    "9223372036854775808",
    "%00",
    "%20",
    "١٢",
    "+1",
    "01",
]


def client_as(user, verify=None) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    if verify is not None:
        verify(client, user)
    return client


def at(name: str, *args, odd: str) -> str:
    """The page's address with ``odd`` where its id goes (already quoted:
    ``%00`` reaches the view as a NUL character)."""
    return reverse(name, args=[*args, "ID"]).replace("ID", odd)


def not_found(response) -> None:
    assert response.status_code == 404, (response.status_code, response.content[:300])


@pytest.mark.parametrize("odd", ODD_IDS)
def test_agent_pages_with_odd_ids_are_404(agent, verify, odd):
    client = client_as(agent, verify)
    ticket = services.ticket_create(
        requester=agent,
        subject="Printer",
        body="It jams.",
        department=agent.departments.get(),
    )
    not_found(client.get(at("tickets:attachment", ticket.number, odd=odd)))
    not_found(client.get(at("tickets:canned_edit", odd=odd)))
    not_found(client.post(at("tickets:canned_edit", odd=odd), {"title": "t"}))
    not_found(client.post(at("tickets:canned_delete", odd=odd)))
    not_found(client.post(at("tickets:saved_filter_delete", odd=odd)))
    not_found(client.get(at("integrations:suspended_detail", odd=odd)))
    not_found(client.post(at("integrations:suspended_accept", odd=odd)))
    not_found(client.post(at("integrations:suspended_reject", odd=odd)))
    not_found(client.get(at("integrations:message_original", odd=odd)))
    not_found(client.post(at("accounts:api_key_revoke", odd=odd)))
    inserted = client.post(
        reverse("tickets:agent_canned_insert", args=[ticket.number]),
        {"canned": odd.replace("%00", "\x00").replace("%20", " "), "body": ""},
    )
    if odd == "%00":
        # A NUL in a form field is refused before any view runs
        # (helpdesk/middleware.py), whatever the field.
        assert inserted.status_code == 400
    else:
        not_found(inserted)


@pytest.mark.parametrize("odd", ODD_IDS)
def test_customer_attachment_with_odd_id_is_404(customer, odd):
    client = client_as(customer)
    ticket = TicketFactory(requester=customer)
    not_found(client.get(at("tickets:attachment", ticket.number, odd=odd)))


@pytest.mark.parametrize("odd", ODD_IDS)
def test_admin_pages_with_odd_ids_are_404(admin_user, verify, odd):
    client = client_as(admin_user, verify)
    not_found(client.get(at("admin:integrations_inboundemail_raw", odd=odd)))
    not_found(client.get(at("admin:tickets_businesscalendar_holidays", odd=odd)))


@pytest.mark.parametrize("odd", ODD_IDS)
def test_admin_change_pages_with_odd_ids_never_fail(admin_user, verify, odd):
    """Django's own admin answers an unknown id by sending the admin back to
    its index with a message; a made-up one must do the same, not fail.
    (Its own lookup reads "+1" and "01" as 1, and "١٢", Arabic-Indic digits,
    as 12, as Python's int() does: a row with that id may be shown.)"""
    client = client_as(admin_user, verify)
    for model in site._registry:
        opts = model._meta
        url = at(f"admin:{opts.app_label}_{opts.model_name}_change", odd=odd)
        response = client.get(url)
        allowed = (200, 302, 404) if odd in ("+1", "01", "١٢") else (302, 404)
        assert response.status_code in allowed, (url, response.status_code)
