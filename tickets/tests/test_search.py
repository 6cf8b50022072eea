"""Search ignores case in every script, and accents when the setting says so,
the same on every database: the workspace, the portal and the API."""

import importlib
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.urls import reverse

from accounts.tests.factories import UserFactory
from helpdesk.search_text import search_fold
from tickets import migrations, services
from tickets.bodies import message_body_replace
from tickets.models import Message, Ticket
from tickets.search import search_text_reindex

pytestmark = pytest.mark.django_db

LIST = reverse("tickets:agent_list")
PORTAL = reverse("tickets:portal_list")

# (stored text, query typed in another case): none of them is A-Z only.
CASE_PAIRS = [
    ("Überweisung fehlgeschlagen", "ÜBERWEISUNG"),
    ("ÜBERWEISUNG FEHLGESCHLAGEN", "überweisung"),
    ("Ошибка при оплате", "ОШИБКА"),
    ("ОШИБКА ПРИ ОПЛАТЕ", "ошибка"),
    ("Lieferung in die Hauptstraße", "HAUPTSTRASSE"),
    ("ΠΡΟΒΛΗΜΑ ΜΕ ΤΟΝ ΛΟΓΑΡΙΑΣΜΌ ΜΑΣ", "λογαριασμό μας"),  # final ς meets Σ
    ("Ελληνικά γράμματα", "ΕΛΛΗΝΙΚΆ"),
    ("Πτήση προς Αθήνα", "ΠΤΉΣΗ"),
    ("Büro in İstanbul", "İSTANBUL"),
    ("Ｆｕｌｌ-width ＡＢＣ and ﬁnance", "abc and finance"),
]


@pytest.fixture
def queue(agent):
    return agent.departments.get()


def open_ticket(customer, queue, *, subject="Question", body="Hello"):
    return services.ticket_create(
        requester=customer, subject=subject, body=body, department=queue
    )


def workspace_numbers(client, query: str) -> set[int]:
    response = client.get(LIST, {"q": query, "view": "all"})
    assert response.status_code == 200
    return {ticket.number for ticket in response.context["page"].object_list}


def portal_numbers(client, query: str) -> set[int]:
    response = client.get(PORTAL, {"q": query})
    assert response.status_code == 200
    return {ticket.number for ticket in response.context["page"].object_list}


def api_numbers(api_client, query: str) -> set[int]:
    response = api_client.get("/tickets", {"q": query, "per_page": 100})
    assert response.status_code == 200
    return {row["number"] for row in response.json()["results"]}


# --- The folding rule -------------------------------------------------------


@pytest.mark.parametrize(("stored", "query"), CASE_PAIRS)
def test_each_pair_folds_alike(stored, query, settings):
    for ignore_accents in (False, True):
        assert search_fold(query, ignore_accents=ignore_accents) in search_fold(
            stored, ignore_accents=ignore_accents
        )


def test_folding_details():
    assert search_fold("Straße", ignore_accents=False) == "strasse"
    assert search_fold("ς", ignore_accents=False) == search_fold("Σ") == "σ"
    assert search_fold("\u212a", ignore_accents=False) == "k"  # Kelvin sign
    assert search_fold("CAFÉ", ignore_accents=False) == "café"
    assert search_fold("Café", ignore_accents=True) == "cafe"
    # A decomposed é (e + U+0301) meets the composed one either way.
    assert search_fold("cafe\u0301", ignore_accents=False) == "café"
    # Not the Turkic folding: "İ" keeps its dot as a mark unless accents go.
    assert search_fold("İstanbul", ignore_accents=True) == "istanbul"
    assert search_fold("İstanbul", ignore_accents=False) == "i\u0307stanbul"
    assert search_fold("ß" * 10, limit=5) == "sssss"


# --- The workspace, the portal and the API ------------------------------------


@pytest.mark.parametrize(("stored", "query"), CASE_PAIRS)
def test_workspace_finds_subjects_and_messages_in_any_case(
    login, agent, customer, queue, stored, query
):
    by_subject = open_ticket(customer, queue, subject=stored)
    by_message = open_ticket(customer, queue, body="First line")
    services.message_add(ticket=by_message, author=agent, body=f"Re: {stored}")
    open_ticket(customer, queue, subject="Unrelated", body="Nothing here")

    found = workspace_numbers(login(agent), query)

    assert found == {by_subject.number, by_message.number}


@pytest.mark.parametrize(("stored", "query"), CASE_PAIRS)
def test_portal_finds_in_any_case(login, customer, queue, stored, query):
    ticket = open_ticket(customer, queue, body=f"My problem: {stored}")
    open_ticket(customer, queue, subject="Unrelated", body="Nothing here")

    assert portal_numbers(login(customer), query) == {ticket.number}


@pytest.mark.parametrize(("stored", "query"), CASE_PAIRS)
def test_api_finds_in_any_case(api_as, agent, customer, queue, stored, query):
    ticket = open_ticket(customer, queue, subject=stored)
    open_ticket(customer, queue, subject="Unrelated", body="Nothing here")

    assert api_numbers(api_as(agent), query) == {ticket.number}
    assert api_numbers(api_as(customer), query) == {ticket.number}


def test_customers_never_find_text_only_in_internal_notes(
    login, api_as, agent, customer, queue
):
    ticket = open_ticket(customer, queue, subject="Rechnung")
    services.message_add(
        ticket=ticket, author=agent, body="ÜBERWEISUNG intern geprüft", internal=True
    )

    assert portal_numbers(login(customer), "überweisung") == set()
    assert api_numbers(api_as(customer), "überweisung") == set()
    assert workspace_numbers(login(agent), "überweisung") == {ticket.number}
    assert api_numbers(api_as(agent), "überweisung") == {ticket.number}


def test_requester_email_matches_in_any_case(login, agent, queue):
    requester = UserFactory(email="jürgen.müller@example.de")
    ticket = open_ticket(requester, queue)

    assert workspace_numbers(login(agent), "JÜRGEN.MÜLLER@") == {ticket.number}
    response = login(agent).get(LIST, {"requester": "MÜLLER@EXAMPLE"})
    assert {row.number for row in response.context["page"].object_list} == {
        ticket.number
    }


# --- Accents ------------------------------------------------------------------


def test_accents_are_ignored_by_default(login, api_as, agent, customer, queue):
    cafe = open_ticket(customer, queue, subject="Café machine broken")
    resume = open_ticket(customer, queue, body="Please read my RÉSUMÉ")

    client = login(agent)
    assert workspace_numbers(client, "CAFE") == {cafe.number}
    assert workspace_numbers(client, "café") == {cafe.number}
    assert portal_numbers(login(customer), "resume") == {resume.number}
    assert api_numbers(api_as(agent), "cafe") == {cafe.number}


def test_accents_count_when_the_setting_is_off(login, agent, customer, queue, settings):
    settings.SEARCH_IGNORE_ACCENTS = False
    cafe = open_ticket(customer, queue, subject="Café machine broken")
    open_ticket(customer, queue, subject="Cafe menu", body="Plain")

    client = login(agent)
    assert workspace_numbers(client, "CAFÉ") == {cafe.number}
    assert cafe.number not in workspace_numbers(client, "cafe")


def test_reindex_applies_a_changed_accent_setting(
    login, agent, customer, queue, settings
):
    settings.SEARCH_IGNORE_ACCENTS = False
    ticket = open_ticket(customer, queue, subject="Café", body="Crème brûlée")
    client = login(agent)
    assert workspace_numbers(client, "creme") == set()

    settings.SEARCH_IGNORE_ACCENTS = True
    call_command("search_reindex", stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert workspace_numbers(client, "creme brulee") == {ticket.number}
    assert workspace_numbers(client, "CAFE") == {ticket.number}
    assert Ticket.objects.get(pk=ticket.pk).search_text == "cafe"


# --- Every write keeps the search text current ---------------------------------


def test_a_changed_subject_is_found_and_the_old_one_is_not(
    login, agent, customer, queue
):
    ticket = open_ticket(customer, queue, subject="Drucker defekt")
    services.ticket_update(ticket=ticket, actor=agent, subject="ÖLWECHSEL")

    client = login(agent)
    assert workspace_numbers(client, "ölwechsel") == {ticket.number}
    assert workspace_numbers(client, "drucker") == set()


def test_a_redacted_body_is_no_longer_found(login, agent, customer, queue):
    ticket = open_ticket(customer, queue, body="Meine PIN ist GEHEIMZAHL 1234")
    message = ticket.messages.get()

    message_body_replace(message=message, body="[redacted]")

    client = login(agent)
    assert workspace_numbers(client, "geheimzahl") == set()
    assert workspace_numbers(client, "REDACTED") == {ticket.number}


def test_admin_redaction_updates_the_search_text(login, admin_user, customer, queue):
    ticket = open_ticket(customer, queue, body="Пароль: СЕКРЕТ")
    message = ticket.messages.get()
    client = login(admin_user)
    url = reverse("admin:tickets_message_change", args=[message.pk])

    response = client.post(
        url,
        {
            "body": "[удалено]",
            "attachments-TOTAL_FORMS": 0,
            "attachments-INITIAL_FORMS": 0,
        },
    )

    assert response.status_code == 302
    assert Message.objects.get(pk=message.pk).search_text == "[удалено]"


def test_a_merge_note_is_searchable_by_agents_only(login, agent, customer, queue):
    source = open_ticket(customer, queue, subject="Doppelt", body="ZAHLUNG offen")
    target = open_ticket(customer, queue, subject="Original")
    services.ticket_merge(source=source, target=target, actor=agent, public=False)

    # The source is closed by the merge; the target holds the quoting note.
    assert workspace_numbers(login(agent), "zahlung") == {target.number}
    assert portal_numbers(login(customer), "zahlung") == {source.number}


# --- Cost and upkeep -----------------------------------------------------------


def test_a_searched_list_costs_the_same_queries_with_more_matches(
    login, agent, customer, queue, django_assert_max_num_queries
):
    client = login(agent)

    def queries() -> int:
        client.get(LIST, {"q": "ÜBERWEISUNG"})
        with django_assert_max_num_queries(40) as context:
            response = client.get(LIST, {"q": "ÜBERWEISUNG", "per_page": 100})
        assert response.status_code == 200
        return len(context.captured_queries)

    for _ in range(3):
        open_ticket(UserFactory(), queue, body="Überweisung fehlt")
    few = queries()
    for _ in range(12):
        open_ticket(UserFactory(), queue, subject="überweisung")
    assert queries() == few


def test_the_migration_folds_rows_written_before_it(login, agent, customer, queue):
    """The data migration back-fills rows that have no search text yet."""
    path = next(Path(migrations.__file__).parent.glob("*_i11_search.py"))
    migration = importlib.import_module(f"tickets.migrations.{path.stem}")
    ticket = open_ticket(customer, queue, subject="ÄRGER", body="Ошибка")
    Ticket.objects.filter(pk=ticket.pk).update(search_text="")
    Message.objects.filter(ticket=ticket).update(search_text="")

    migration.fold_existing(django_apps, None)

    assert workspace_numbers(login(agent), "ärger") == {ticket.number}
    assert workspace_numbers(login(agent), "ОШИБКА") == {ticket.number}


def test_reindex_never_restores_text_redacted_while_it_runs(customer, queue, settings):
    settings.SEARCH_IGNORE_ACCENTS = False
    ticket = open_ticket(customer, queue, body="Kontonummer: GEHÄUSE 1234")
    message = ticket.messages.get()
    settings.SEARCH_IGNORE_ACCENTS = True

    def fold_while_an_admin_redacts(body: str) -> str:
        # The command has read the old body; an admin redacts it meanwhile.
        message_body_replace(message=Message.objects.get(pk=message.pk), body="[x]")
        return search_fold(body)

    search_text_reindex(Message, source="body", fold=fold_while_an_admin_redacts)

    assert Message.objects.get(pk=message.pk).search_text == "[x]"
