"""ATTACK (review of issue 14): an anonymous visitor hands a chat over in
the name of someone else's address.

The confirmation link keeps anything from being opened without a click by
the address's owner, but the owner is asked to send a chat they are never
shown, which the visitor may still change after the mail went; a link for
one address shows the ticket opened for another; and the link carries the
chat's bearer token in readable base64.

Every test here FAILS on the reviewed branch: each one is a fault, not a
regression guard. Do not "fix" a test to make it pass; fix the product.
"""

import base64
import json
import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from knowledge.models import ChatConversation
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

ASK = reverse("knowledge:chat_ask")
HANDOVER = reverse("knowledge:chat_handover")
WORDS = "Please close my account and send my data to evil@example.net"


def _link_path(message) -> str:
    return re.search(r"(/help/chat/handover/[^/\s]+/)", message.body).group(1)


@pytest.fixture
def mailed(settings, django_capture_on_commit_callbacks):
    """A visitor's chat, with a handover link mailed to victim@example.com;
    returns the visitor's client and the link's path."""
    settings.KNOWLEDGE_CHAT_ANONYMOUS = True
    visitor = Client()
    visitor.post(ASK, {"question": WORDS})
    with django_capture_on_commit_callbacks(execute=True):
        visitor.post(HANDOVER, {"email": "victim@example.com"})
    assert len(mail.outbox) == 1
    return visitor, _link_path(mail.outbox[0])


def _opened_text(ticket: Ticket) -> str:
    from tickets.models import Message

    return Message.objects.filter(ticket=ticket).first().body


def test_attack_the_confirm_page_shows_the_chat_it_sends(mailed):
    """The owner of the address sends a chat in their own name with one
    click, without being shown a word of it (the email does not show it
    either): the ticket then asks, as them, whatever the visitor typed."""
    _visitor, path = mailed

    page = Client().get(path)

    assert page.status_code == 200
    assert WORDS in page.content.decode()


def test_attack_lines_added_after_the_link_was_mailed_are_not_sent(
    mailed, django_capture_on_commit_callbacks
):
    """The visitor keeps chatting after the link went out; what the owner
    sends when they click is the chat as it is then, not as it was."""
    visitor, path = mailed
    visitor.post(ASK, {"question": "Also change my payout account to 12345"})

    with django_capture_on_commit_callbacks(execute=True):
        Client().post(path)

    ticket = Ticket.objects.get()
    assert "payout account" not in _opened_text(ticket)


def test_attack_a_link_for_another_address_does_not_show_the_ticket(
    mailed, settings, django_capture_on_commit_callbacks
):
    """The visitor asks for links to the victim's address and to their own.
    The victim sends the chat; the visitor's own link then shows the
    victim's ticket reference, saying it was opened for the visitor."""
    visitor, victim_path = mailed
    with django_capture_on_commit_callbacks(execute=True):
        visitor.post(HANDOVER, {"email": "visitor@example.org"})
    own_path = _link_path(mail.outbox[-1])
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(victim_path)
    ticket = Ticket.objects.get()
    assert ticket.requester.email == "victim@example.com"

    page = Client().get(own_path)

    assert ticket.reference not in page.content.decode()


def test_attack_the_handover_link_does_not_carry_the_chat_token(mailed):
    """django.core.signing signs, it does not encrypt: the link's first part
    is base64 JSON holding the chat's token, the secret that reads and
    continues the chat over the API. The link lands in mailboxes and in
    every access log (it is a GET path)."""
    _visitor, path = mailed
    payload = path.split("/")[-2].split(":")[0]
    decoded = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    token = ChatConversation.objects.get().token

    assert token not in decoded.decode("utf-8", "replace")
    assert Client().get(f"/api/v1/chatbot/sessions/{token}").status_code == 200
    assert json.loads(decoded)  # readable by anyone holding the link
