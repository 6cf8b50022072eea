"""Mail in other scripts and cases is found by search however it is typed:
the intake writes through the ticket services, which store the folded text."""

from .corpus import Case, text
from .corpus import mail as raw_mail


def cyrillic_koi8(w):
    return text(
        "ivan@customer.example",
        "=?KOI8-R?B?8MzB1MXWIM7FINDSz8jPxMnU?=",
        "ОШИБКА 503 при оплате заказа.",
        charset="koi8-r",
    )


def german_upper(w):
    return text(
        "jens@customer.example",
        "=?UTF-8?Q?=C3=9CBERWEISUNG_an_die_Hauptstra=C3=9Fe?=",
        "Die ÜBERWEISUNG ist nicht angekommen.",
    )


def reply_in_greek(w):
    return raw_mail(
        {
            "From": f"Alice <{w.customer}>",
            "To": "support@helpdesk.example",
            "Subject": f"Re: [#{w.ticket_number}] Question",
            "Message-ID": "<greek-reply@acme.example>",
            "In-Reply-To": w.our_message_id,
            "MIME-Version": "1.0",
            "Content-Type": 'text/plain; charset="utf-8"',
            "Content-Transfer-Encoding": "8bit",
        },
        "ΕΥΧΑΡΙΣΤΟΥΜΕ, Ο ΛΟΓΑΡΙΑΣΜΟΣ ΛΕΙΤΟΥΡΓΕΙ.",
    )


def _searchable(*queries):
    """The message's ticket is found by an agent's search for each query."""

    def check(message, inbound):
        from tickets.selectors import TicketFilters, agent_ticket_list
        from tickets.tests.factories import UserFactory

        admin = UserFactory(admin=True)
        for query in queries:
            found = agent_ticket_list(admin, TicketFilters(view="all", q=query))
            assert message.ticket in found, query

    return check


CASES = [
    Case(
        "KOI8-R mail found by lower-case Cyrillic search",
        cyrillic_koi8,
        "new",
        ("ОШИБКА 503",),
        check=_searchable("ошибка 503", "платеж не"),
    ),
    Case(
        "German capitals found by any case, ß by SS",
        german_upper,
        "new",
        ("ÜBERWEISUNG",),
        subject="ÜBERWEISUNG an die Hauptstraße",
        check=_searchable("überweisung", "HAUPTSTRASSE"),
    ),
    Case(
        "Greek capitals in a reply found by lower case with final sigma",
        reply_in_greek,
        "reply",
        ("ΛΟΓΑΡΙΑΣΜΟΣ",),
        check=_searchable("λογαριασμος λειτουργει", "ευχαριστούμε"),
    ),
]
