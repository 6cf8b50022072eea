"""CSV downloads: safe to open in a spreadsheet (no cell starts a formula),
numbers kept as numbers, accents readable in Excel, one file per table with
the filters of the page, the ticket list streamed."""

import csv
import io

import pytest
import time_machine
from django.http import StreamingHttpResponse
from django.urls import reverse

from accounts.tests.factories import UserFactory
from organizations.tests.factories import DepartmentFactory
from reports import exports
from reports.exports import csv_lines, neutralise
from tickets.models import TicketEvent

from .helpers_b import event_at, rating_at, solved, ticket_at, utc

pytestmark = pytest.mark.django_db

RANGE = "preset=custom&start=2026-11-02&end=2026-11-08"
DANGEROUS = [
    '=HYPERLINK("http://evil.example","click")',
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    "  =1+1",
]


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(utc(2026, 11, 20, 12), tick=False):
        yield


def read(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def export(client, table: str, query: str = RANGE):
    return client.get(reverse("reports:export", args=[table]) + f"?{query}")


# --- The cell neutraliser -----------------------------------------------------


@pytest.mark.parametrize("text", DANGEROUS)
def test_a_cell_that_could_start_a_formula_gets_an_apostrophe(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("first", ["=", "+", "-", "@", "\t", "\r"])
def test_each_formula_start_is_neutralised(first):
    assert neutralise(f"{first}cmd") == f"'{first}cmd"
    assert neutralise(f" {first}cmd") == f"' {first}cmd"


@pytest.mark.parametrize("text", ["Printer broken", "a=b", "Zoë", "1+1", ""])
def test_ordinary_text_is_left_alone(text):
    assert neutralise(text) == text


@pytest.mark.parametrize("number", [0, 7, -5, 2.5, -0.25, 1_000_000])
def test_numbers_stay_numbers(number):
    assert neutralise(number) == number
    line = "".join(csv_lines(["n"], [[number]])).splitlines()[1]
    assert line == str(number)


def test_none_is_an_empty_cell():
    assert neutralise(None) == ""


def test_the_file_starts_with_a_byte_order_mark_and_the_header():
    lines = list(csv_lines(["Café", "=x"], [["Zoë", 3]]))

    assert lines[0] == "\ufeffCafé,'=x\r\n"
    assert lines[1] == "Zoë,3\r\n"


# --- The downloads --------------------------------------------------------------


@pytest.fixture
def world(db):
    support = DepartmentFactory(name="Support")
    sam = UserFactory(agent=True, full_name="Sam Agent")
    support.agents.add(sam)
    requester = UserFactory(full_name="@SUM(1+1)")
    ticket = solved(
        utc(2026, 11, 4, 12),
        90,
        60,
        subject='=HYPERLINK("http://evil.example")',
        requester=requester,
        organization=None,
        department=support,
        assignee=sam,
    )
    Ticket = type(ticket)
    Ticket.objects.filter(pk=ticket.pk).update(created_at=utc(2026, 11, 4, 10))
    event_at(
        ticket,
        TicketEvent.Kind.SLA_BREACHED,
        utc(2026, 11, 4, 11),
        new_value="resolution",
    )
    rating_at(ticket, "bad", utc(2026, 11, 4, 13), "\t=cmd|' /C calc'!A0")
    ticket_at(utc(2026, 11, 3, 9), subject="Café crème", department=support)
    return {"ticket": ticket, "sam": sam, "support": support}


HEADERS = {
    "volume": exports.VOLUME_HEADER,
    "speed": exports.SPEED_HEADER,
    "one-touch": exports.ONE_TOUCH_HEADER,
    "service-levels": exports.SERVICE_LEVEL_HEADER,
    "people-agents": exports.people_header("Agent"),
    "people-teams": exports.people_header("Team"),
    "satisfaction": exports.SATISFACTION_HEADER,
    "satisfaction-comments": exports.COMMENT_HEADER,
    "tickets": exports.TICKET_HEADER,
}


@pytest.mark.parametrize("table", HEADERS)
def test_every_export_has_its_header_row_and_a_named_file(
    login, admin_user, world, table
):
    response = export(login(admin_user), table)
    rows = read(response)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert "2026-11-02-to-2026-11-08.csv" in response["Content-Disposition"]
    assert rows[0] == list(HEADERS[table])


def test_every_table_on_the_pages_has_a_download(login, admin_user, world):
    client = login(admin_user)
    pages = ["volume", "speed", "service_levels", "people", "satisfaction", "tickets"]
    html = "".join(
        client.get(reverse(f"reports:{name}") + f"?{RANGE}").content.decode()
        for name in pages
    )

    for table in HEADERS:
        assert reverse("reports:export", args=[table]) + "?preset=custom" in html


def test_the_ticket_list_is_streamed_and_safe(login, admin_user, world):
    response = export(login(admin_user), "tickets", RANGE + "&basis=created")

    assert isinstance(response, StreamingHttpResponse)
    assert "tickets-created-2026-11-02" in response["Content-Disposition"]
    header, *rows = read(response)
    by_number = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    row = by_number[str(world["ticket"].number)]
    assert row["Subject"] == '\'=HYPERLINK("http://evil.example")'
    assert row["Requester"] == "'@SUM(1+1)"
    assert row["First reply (hours)"] == ""
    assert row["Resolution (hours)"] == "1.5"
    assert row["Resolution (business hours)"] == "1.0"
    assert row["Status"] == "Solved"
    assert row["Created"] == "2026-11-04 10:00:00"
    assert "Café crème" in [r["Subject"] for r in by_number.values()]


def test_the_breached_tickets_export_keeps_the_target(login, admin_user, world):
    response = export(
        login(admin_user), "tickets", RANGE + "&basis=breached&target=resolution"
    )
    _header, *rows = read(response)

    assert "tickets-breached-resolution-2026-11-02" in response["Content-Disposition"]
    assert [row[0] for row in rows] == [str(world["ticket"].number)]


def test_a_comment_cannot_start_a_formula(login, admin_user, world):
    header, *rows = read(export(login(admin_user), "satisfaction-comments"))
    row = dict(zip(header, rows[0], strict=True))

    assert row["Comment"] == "'\t=cmd|' /C calc'!A0"
    assert row["Subject"] == '\'=HYPERLINK("http://evil.example")'
    assert row["Requester"] == "'@SUM(1+1)"
    assert row["Ticket"] == str(world["ticket"].number)


def test_figures_stay_numbers(login, admin_user, world):
    _header, *rows = read(export(login(admin_user), "service-levels"))
    resolution = next(row for row in rows if row[0] == "Resolution")

    assert resolution[1:] == ["0", "1", "1", "0.0", "100.0"]


def test_the_people_export_names_the_agent(login, admin_user, world):
    _header, *rows = read(export(login(admin_user), "people-agents"))

    assert ["Sam Agent", "1", "0", "", "0", "1", "0.0"] in rows


def test_the_export_asks_the_same_question_as_the_page(login, admin_user, world):
    other = DepartmentFactory()
    _header, *rows = read(
        export(login(admin_user), "tickets", RANGE + f"&department={other.pk}")
    )

    assert rows == []


def test_an_agent_exports_only_the_tickets_they_may_see(login, world, settings):
    settings.AGENTS_SEE_ALL_TICKETS = False
    ticket_at(
        utc(2026, 11, 3, 9), subject="Other department", department=DepartmentFactory()
    )
    _header, *rows = read(export(login(world["sam"]), "tickets"))

    assert "Other department" not in [row[1] for row in rows]
    assert "Café crème" in [row[1] for row in rows]


def test_invalid_filters_are_refused(login, admin_user):
    response = export(
        login(admin_user), "volume", "preset=custom&start=2026-11-09&end=2026-11-01"
    )

    assert response.status_code == 400
    assert b"The last day is before the first day." in response.content
