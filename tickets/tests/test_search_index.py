"""The search index (issue 18): one interface, a portable backend on every
database and the database's native full-text backend, each finding the same
tickets: words (AND) in a subject or in one message, the last word also as a
prefix, folded case and accents, internal notes for agents only, and only
tickets the searcher may see. The index follows every write."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from accounts.tests.factories import UserFactory
from organizations.tests.factories import DepartmentFactory
from tickets import services
from tickets.bodies import message_body_replace
from tickets.models import Message, SearchTerm
from tickets.search import search_backend, search_query, tokens
from tickets.search.backends import native
from tickets.selectors.lists import portal_ticket_list
from tickets.selectors.search import search_everywhere, search_tickets

pytestmark = pytest.mark.django_db

# The backends this database runs: the portable one everywhere, and its
# native one where it has one (SQLite, PostgreSQL; MongoDB has none).
HERE = ["portable"] + (
    [connection.vendor] if connection.vendor in ("sqlite", "postgresql") else []
)


@pytest.fixture(params=HERE)
def backend(request, settings):
    settings.SEARCH_BACKEND = request.param
    assert search_backend().name == request.param
    return request.param


@pytest.fixture
def queue(agent):
    return agent.departments.get()


def open_ticket(customer, queue, *, subject="Question", body="Hello"):
    return services.ticket_create(
        requester=customer, subject=subject, body=body, department=queue
    )


def found(user, text: str) -> set[int]:
    return {ticket.number for ticket in search_tickets(user, text)}


# --- Words -------------------------------------------------------------------


def test_words_are_runs_of_letters_digits_and_marks():
    assert tokens.words("re: invoice #1053, due 2024-05-01") == [
        "re",
        "invoice",
        "1053",
        "due",
        "2024",
        "05",
        "01",
    ]
    assert tokens.words("jürgen.müller@example.de") == [
        "jürgen",
        "müller",
        "example",
        "de",
    ]
    assert tokens.words("snake_case ошибка–оплаты") == [
        "snake",
        "case",
        "ошибка",
        "оплаты",
    ]
    assert tokens.words("i\u0307stanbul") == ["i\u0307stanbul"]  # a mark binds
    assert tokens.words("x" * 100) == ["x" * tokens.WORD_MAX_CHARS]
    assert tokens.query_words("a b a c") == ["a", "b", "c"]


# --- What a search finds, on each backend -------------------------------------

CASES = [
    ("Überweisung fehlgeschlagen", "ÜBERWEISUNG"),
    ("Ошибка при оплате", "ОШИБКА"),
    ("Lieferung in die Hauptstraße", "HAUPTSTRASSE"),
    ("ΠΡΟΒΛΗΜΑ ΜΕ ΤΟΝ ΛΟΓΑΡΙΑΣΜΌ ΜΑΣ", "λογαριασμό μας"),
    ("Büro in İstanbul", "İSTANBUL"),
    ("Ｆｕｌｌ-width ＡＢＣ and ﬁnance", "abc finance"),
    ("Café machine broken", "CAFE"),
]


@pytest.mark.parametrize(("stored", "query"), CASES)
def test_case_and_unicode_rules(backend, agent, customer, queue, stored, query):
    by_subject = open_ticket(customer, queue, subject=stored)
    by_message = open_ticket(customer, queue, body=f"Re: {stored}")
    open_ticket(customer, queue, subject="Unrelated", body="Nothing here")

    assert found(agent, query) == {by_subject.number, by_message.number}
    assert found(customer, query) == {by_subject.number, by_message.number}


def test_the_last_word_matches_as_a_prefix(backend, agent, customer, queue):
    ticket = open_ticket(customer, queue, body="The invoice for March is qxyzzy")

    assert found(agent, "invo") == {ticket.number}
    assert found(agent, "march inv") == {ticket.number}
    # Only the last word is a prefix, and from three characters on.
    assert found(agent, "inv march") == set()
    assert found(agent, "qx") == set()
    assert found(agent, "qxy") == {ticket.number}
    # Words, not substrings: text inside a word does not match.
    assert found(agent, "voice") == set()


def test_every_word_must_be_in_the_subject_or_in_one_message(
    backend, agent, customer, queue
):
    both = open_ticket(customer, queue, body="The printer is broken again")
    one = open_ticket(customer, queue, body="The printer works")
    split = open_ticket(customer, queue, subject="Printer", body="Broken")

    assert found(agent, "broken printer") == {both.number}
    assert found(agent, "printer") == {both.number, one.number, split.number}


def test_customers_never_match_internal_notes(backend, agent, customer, queue):
    ticket = open_ticket(customer, queue, subject="Rechnung")
    services.message_add(
        ticket=ticket, author=agent, body="Kulanz intern geprüft", internal=True
    )

    assert found(agent, "kulanz") == {ticket.number}
    assert found(customer, "kulanz") == set()
    assert list(portal_ticket_list(customer, q="kulanz")) == []


def test_a_ticket_the_user_may_not_see_is_never_found(backend, agent, customer, queue):
    elsewhere = DepartmentFactory()
    hidden = open_ticket(customer, elsewhere, subject="Geheimprojekt Zebra")
    other = UserFactory()
    theirs = open_ticket(other, queue, subject="Geheimprojekt Zebra")

    assert found(agent, "zebra") == {theirs.number}
    assert found(customer, "zebra") == {hidden.number}
    assert found(other, "zebra") == {theirs.number}
    assert hidden.number not in found(UserFactory(), "zebra")


def test_number_and_requester_email_still_find_tickets(backend, agent, queue):
    requester = UserFactory(email="jürgen.müller@example.de")
    ticket = open_ticket(requester, queue)

    assert found(agent, f"#{ticket.number}") == {ticket.number}
    assert found(agent, "MÜLLER@EXAMPLE") == {ticket.number}


def test_results_come_newest_activity_first(backend, agent, customer, queue):
    first = open_ticket(customer, queue, subject="Toner empty")
    second = open_ticket(customer, queue, subject="Toner leaking")
    services.message_add(ticket=first, author=agent, body="Toner ordered")

    numbers = [ticket.number for ticket in search_tickets(agent, "toner")]
    assert numbers == [first.number, second.number]


# --- The index follows every write ---------------------------------------------


def test_the_index_follows_adds_edits_redactions_merges_and_deletes(
    backend, agent, customer, queue
):
    ticket = open_ticket(customer, queue, subject="Drucker", body="Papierstau")
    assert found(agent, "papierstau") == {ticket.number}

    reply = services.message_add(ticket=ticket, author=agent, body="Walzenreinigung")
    assert found(agent, "walzenreinigung") == {ticket.number}

    services.ticket_update(ticket=ticket, actor=agent, subject="Kopierer")
    assert found(agent, "kopierer") == {ticket.number}
    assert found(agent, "drucker") == set()

    message_body_replace(message=reply, body="[redacted]")
    assert found(agent, "walzenreinigung") == set()
    assert found(agent, "redacted") == {ticket.number}

    target = open_ticket(customer, queue, subject="Original")
    services.ticket_merge(source=ticket, target=target, actor=agent, public=False)
    assert found(agent, "papierstau") == {ticket.number, target.number}

    Message.objects.get(pk=reply.pk).delete()
    assert found(agent, "redacted") == set()
    ticket.delete()
    # The merge note on the target quotes the source's subject and message.
    assert found(agent, "kopierer") == {target.number}
    assert found(agent, "papierstau") == {target.number}


def test_search_reindex_catches_up_with_writes_that_bypass_save(
    backend, agent, customer, queue
):
    ticket = open_ticket(customer, queue, body="Alt")
    Message.objects.filter(ticket=ticket).update(search_text="nachgeladen")

    call_command("search_reindex", index_only=True, stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert found(agent, "nachgeladen") == {ticket.number}
    assert found(agent, "alt") == set()


def test_the_native_backends_leave_the_term_index_empty(agent, customer, queue):
    open_ticket(customer, queue, subject="Leer", body="Leer")
    expected = 0 if search_backend().name != "portable" else 2
    assert SearchTerm.objects.count() == expected


# --- Common words: the plan of the native backends ------------------------------


native_only = pytest.mark.skipif(
    connection.vendor not in ("sqlite", "postgresql"),
    reason="MongoDB has no native backend; the portable one has one plan",
)


@native_only
def test_a_common_word_over_few_visible_tickets_is_tested_row_by_row(
    agent, customer, queue, monkeypatch
):
    monkeypatch.setattr(native, "CANDIDATES", 2)
    mine = [open_ticket(customer, queue, body=f"Kabel {n}") for n in range(2)]
    services.message_add(
        ticket=mine[0], author=agent, body="Kabel intern", internal=True
    )
    other = UserFactory()
    for n in range(4):
        open_ticket(other, queue, body=f"Kabel {n}")
    open_ticket(customer, queue, body="Kabelbinder")

    results = search_everywhere(customer, "kabel")
    assert results.tickets_complete
    assert len(results.tickets) == 3  # "kabel" is also the start of "kabelbinder"
    assert found(customer, "kabel 1") == {mine[1].number}  # "1" is a whole word
    assert found(customer, "kabel intern") == set()
    assert found(agent, "kabel intern") == {mine[0].number}


@native_only
def test_a_common_word_over_many_visible_tickets_keeps_the_newest_matches(
    agent, customer, queue, monkeypatch, login
):
    monkeypatch.setattr(native, "CANDIDATES", 2)
    monkeypatch.setattr(native, "FEW_VISIBLE", 2)
    tickets = [open_ticket(customer, queue, body="Monitor flackert") for _ in range(5)]

    results = search_everywhere(agent, "monitor")
    assert not results.tickets_complete
    assert [t.number for t in results.tickets] == [
        tickets[4].number,
        tickets[3].number,
    ]
    page = login(agent).get(reverse("tickets:search"), {"q": "monitor"}).text
    assert "2+" in page


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's subject probe only"
)
@pytest.mark.parametrize("probe", [100, 2], ids=["all-through-the-index", "common"])
def test_postgresql_finds_the_newest_subjects_either_way(
    settings, agent, customer, queue, monkeypatch, probe
):
    """Subjects are read through the GIN index first (at most SUBJECT_PROBE
    + 1); a word in more goes to the newest-first walk. Both give the newest
    CANDIDATES + 1 matching tickets, and the planner settings come back."""
    settings.SEARCH_BACKEND = "postgresql"
    monkeypatch.setattr(native, "CANDIDATES", 2)
    monkeypatch.setattr(native, "SUBJECT_PROBE", probe)
    tickets = [open_ticket(customer, queue, subject=f"Drucker {n}") for n in range(5)]
    open_ticket(customer, queue, subject="Monitor")

    query = search_query("drucker", include_internal=True)
    subjects, _ = search_backend()._read_candidates(query)
    assert subjects == [t.pk for t in reversed(tickets)][:3]
    with connection.cursor() as cursor:
        cursor.execute("SHOW enable_indexscan")
        assert cursor.fetchone()[0] == "on"


# --- The search page ------------------------------------------------------------


def test_the_search_page_caps_its_totals(agent, customer, queue, login, monkeypatch):
    from tickets.views import search as search_view

    monkeypatch.setattr(search_view, "COUNT_CAP", 2)
    monkeypatch.setattr("tickets.search.COUNT_CAP", 2)
    for _ in range(4):
        open_ticket(customer, queue, subject="Tastatur klemmt")

    response = login(agent).get(reverse("tickets:search"), {"q": "tastatur"})

    assert response.status_code == 200
    assert "2+" in response.text
    tickets = next(s for s in response.context["sections"] if s.key == "tickets")
    assert tickets.count == 3  # counted up to the cap and one more


def test_the_search_page_costs_the_same_queries_with_more_matches(
    backend, agent, customer, queue, login, django_assert_max_num_queries
):
    client = login(agent)

    def queries() -> int:
        client.get(reverse("tickets:search"), {"q": "bildschirm"})
        with django_assert_max_num_queries(40) as context:
            response = client.get(reverse("tickets:search"), {"q": "bildschirm"})
        assert response.status_code == 200
        return len(context.captured_queries)

    open_ticket(customer, queue, body="Bildschirm dunkel")
    few = queries()
    for _ in range(8):
        open_ticket(UserFactory(), queue, subject="Bildschirm")
    assert queries() == few


def test_a_search_backend_this_database_cannot_run_is_refused(settings):
    other = "postgresql" if connection.vendor != "postgresql" else "sqlite"
    settings.SEARCH_BACKEND = other
    with pytest.raises(ImproperlyConfigured, match="SEARCH_BACKEND"):
        search_backend()
