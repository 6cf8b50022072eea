"""Keyset paging of the agent and portal lists: every page depth shows the
right rows for the same number of queries, and never a forbidden ticket."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from organizations.tests.factories import DepartmentFactory, OrganizationFactory
from tickets.models import Ticket
from tickets.selectors.lists import SORTS
from tickets.selectors.seek import decode_cursor, encode_cursor

from .factories import TicketFactory

pytestmark = pytest.mark.django_db

Status = Ticket.Status
CYCLE = [Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD, Status.SOLVED]
PAGE_QUERIES = 18  # session and agent (4), counts (2), four statuses read (4), form
# choices and saved filters (6), departments and teams of the agent (2)
PER_PAGE = 25


def make_tickets(n, *, base=None, **kwargs):
    """``n`` tickets, statuses in turn, each changed a minute before the last
    and every two sharing a time (the ticket number breaks the tie)."""
    base = base or timezone.now()
    tickets = []
    for index in range(n):
        ticket = TicketFactory(status=CYCLE[index % len(CYCLE)], **kwargs)
        moment = base - timedelta(minutes=index // 2)
        Ticket.objects.filter(pk=ticket.pk).update(updated_at=moment)
        ticket.updated_at = moment
        tickets.append(ticket)
    return tickets


UNSOLVED = set(CYCLE[:4])


def newest_first(tickets, statuses=UNSOLVED):
    chosen = [t for t in tickets if t.status in statuses]
    chosen.sort(key=lambda t: (t.updated_at, t.number), reverse=True)
    return [t.number for t in chosen]


def numbers(response):
    return [ticket.number for ticket in response.context["page"].object_list]


def get(client, url, django_assert_max_num_queries, limit=PAGE_QUERIES):
    with django_assert_max_num_queries(limit) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return response, len(captured.captured_queries)


@pytest.fixture
def queue(agent, customer):
    """130 tickets in the agent's department (104 unsolved: five pages) and
    40 in another one, interleaved in time, that the agent may not see."""
    department = agent.departments.get()
    base = timezone.now()
    mine = make_tickets(130, base=base, department=department, requester=customer)
    hidden = make_tickets(
        40,
        base=base - timedelta(seconds=30),
        department=DepartmentFactory(),
        requester=customer,
    )
    return mine, hidden


def test_agent_list_walked_with_next_shows_every_row_once_in_order(
    login, agent, queue, django_assert_max_num_queries
):
    mine, hidden = queue
    client = login(agent)
    url = reverse("tickets:agent_list") + "?view=all"
    client.get(url)  # warm the session
    seen, costs, pages = [], [], 0
    while url:
        response, cost = get(client, url, django_assert_max_num_queries)
        seen += numbers(response)
        costs.append(cost)
        pages += 1
        url = response.context["page"].next_url
    assert seen == newest_first(mine)
    assert pages == 5
    assert len(set(costs)) == 1  # page 1, the middle and the last cost the same
    assert not set(seen) & {t.number for t in hidden}


def test_agent_list_walked_back_from_last_page(
    login, agent, queue, django_assert_max_num_queries
):
    mine, _ = queue
    client = login(agent)
    url = reverse("tickets:agent_list") + "?view=all&page=5"
    client.get(url)
    response, last_cost = get(client, url, django_assert_max_num_queries)
    expected = newest_first(mine)
    assert numbers(response) == expected[100:]
    assert response.context["page"].number == 5
    pages = [numbers(response)]
    while response.context["page"].previous_url:
        response, cost = get(
            client, response.context["page"].previous_url, django_assert_max_num_queries
        )
        assert cost == last_cost
        pages.insert(0, numbers(response))
    assert [n for page in pages for n in page] == expected


def test_page_numbers_links_and_bookmarks_show_the_same_page(
    login, agent, queue, django_assert_max_num_queries
):
    mine, _ = queue
    expected = newest_first(mine)
    client = login(agent)
    base = reverse("tickets:agent_list") + "?view=all"
    first = client.get(base)
    links = {link.number: link.url for link in first.context["page"].links}
    assert sorted(n for n in links if n) == [1, 2, 3, 5]  # 1 2 3 … 5
    via_link, _ = get(client, links[3], django_assert_max_num_queries)
    assert "after=" in links[3]
    bookmark, _ = get(client, base + "&page=3", django_assert_max_num_queries)
    assert numbers(via_link) == numbers(bookmark) == expected[50:75]
    # From page 4, the link back to page 2 reads backwards from page 4's edge.
    fourth = client.get(base + "&page=4")
    back = {link.number: link.url for link in fourth.context["page"].links}[2]
    assert "before=" in back
    assert numbers(client.get(back)) == expected[25:50]


def test_out_of_range_and_damaged_links_still_show_a_page(login, agent, queue):
    mine, _ = queue
    expected = newest_first(mine)
    client = login(agent)
    base = reverse("tickets:agent_list") + "?view=all"
    assert numbers(client.get(base + "&page=99")) == expected[100:]
    assert numbers(client.get(base + "&page=0")) == expected[:25]
    assert numbers(client.get(base + "&page=x")) == expected[:25]
    assert numbers(client.get(base + "&page=2&after=garbage!")) == expected[25:50]
    # A cursor naming a page after the one asked for is ignored.
    cursor = encode_cursor(4, (timezone.now(), 1))
    assert numbers(client.get(base + f"&page=2&after={cursor}")) == expected[25:50]


@pytest.mark.usefixtures("queue")
def test_other_sorts_and_views_page_in_the_same_order_as_one_query(login, agent):
    client = login(agent)
    for query in (
        "view=solved",
        "view=all&sort=created",
        "view=all&sort=-number",
        "view=all&sort=priority",
        "view=all&sort=sla",
        "view=all&sort=subject",
        "view=unassigned&sort=status",
        "view=all&status=open&status=new",
    ):
        url = reverse("tickets:agent_list") + f"?{query}"
        seen = []
        while url:
            response = client.get(url)
            seen += numbers(response)
            url = response.context["page"].next_url
        expected = client.get(
            reverse("tickets:agent_list") + f"?{query}&per_page=100&page=1"
        )
        whole = numbers(expected)
        if expected.context["page"].num_pages > 1:
            whole += numbers(
                client.get(
                    reverse("tickets:agent_list") + f"?{query}&per_page=100&page=2"
                )
            )
        assert seen == whole, query
        assert len(seen) == len(set(seen)), query


def test_reading_in_parts_gives_the_rows_of_one_ordered_query(agent, customer):
    """The parts' keys merged in Python, then the rows read by id, are the
    rows one ordered query gives: every sort that is read in parts, forwards
    and backwards, at several offsets, with ties and NULL SLA deadlines."""
    from tickets.selectors import TicketFilters, agent_list_partitions
    from tickets.selectors.lists import TEXT_SORTS, agent_ticket_list
    from tickets.selectors.seek import _read

    base = timezone.now()
    tickets = make_tickets(60, base=base, department=agent.departments.get())
    for index, ticket in enumerate(tickets):
        if index % 3:  # a third without a deadline; the others tie in fours
            Ticket.objects.filter(pk=ticket.pk).update(
                sla_next_due_at=base + timedelta(minutes=index // 4)
            )
    for sort, order in SORTS.items():
        if sort in TEXT_SORTS:
            continue
        filters = TicketFilters(view="all", sort=sort)
        queryset = agent_ticket_list(agent, filters)
        parts = agent_list_partitions(agent, filters)
        assert len(parts) == 4, sort
        for backwards in (False, True):
            whole = [
                ticket.number
                for ticket in queryset.order_by(*order.order_by(reverse=backwards))
            ]
            assert len(whole) == 48
            for skip in (0, 7, 25, 45):
                rows = _read(
                    queryset,
                    order,
                    parts,
                    reverse=backwards,
                    edge=None,
                    skip=skip,
                    limit=10,
                )
                assert [row.number for row in rows] == whole[skip : skip + 10], (
                    sort,
                    backwards,
                    skip,
                )
                # The page's edges are the values it was merged by.
                for row in rows:
                    assert order.values_of(row) == tuple(
                        getattr(row, key.name) for key in order.keys
                    )


def test_a_ticket_met_in_two_parts_is_shown_once(agent):
    """As when its status changes between two part reads: overlapping parts
    stand in for that here."""
    from django.db.models import Q

    from tickets.selectors.seek import _read

    tickets = make_tickets(12, department=agent.departments.get())
    queryset = Ticket.objects.filter(pk__in=[ticket.pk for ticket in tickets])
    order = SORTS["-updated"]
    overlapping = [Q(status=Status.NEW), Q(status__in=[Status.NEW, Status.OPEN])]

    rows = _read(
        queryset, order, overlapping, reverse=False, edge=None, skip=0, limit=10
    )
    expected = newest_first(tickets, statuses={Status.NEW, Status.OPEN})
    assert [row.number for row in rows] == expected
    assert len(expected) == len(set(expected)) > 2


def test_forbidden_tickets_never_appear_on_any_page(login, customer, agent, queue):
    _, hidden = queue
    hidden_numbers = {t.number for t in hidden}
    for user, url in (
        (agent, reverse("tickets:agent_list") + "?view=all"),
        (agent, reverse("tickets:agent_list") + "?view=solved"),
        (UserFactory(), reverse("tickets:portal_list")),  # a stranger
    ):
        client = login(user)
        seen = []
        while url:
            response = client.get(url)
            seen += numbers(response)
            url = response.context["page"].next_url
        assert not set(seen) & hidden_numbers
        if user != agent:
            assert seen == []


def test_portal_list_pages_own_and_shared_requests(
    login, customer, django_assert_max_num_queries
):
    organization = OrganizationFactory(share_tickets=True)
    customer.organization = organization
    customer.save()
    colleague = UserFactory(organization=organization)
    outsider = UserFactory()
    base = timezone.now()
    own = make_tickets(25, base=base, requester=customer, organization=organization)
    shared = make_tickets(
        25,
        base=base - timedelta(seconds=20),
        requester=colleague,
        organization=organization,
    )
    foreign = make_tickets(10, base=base, requester=outsider)
    everything = set(CYCLE)
    expected = newest_first(own + shared, everything)
    client = login(customer)
    url = reverse("tickets:portal_list")
    client.get(url)
    seen, costs = [], []
    while url:
        response, cost = get(client, url, django_assert_max_num_queries, limit=12)
        seen += numbers(response)
        costs.append(cost)
        url = response.context["page"].next_url
    assert seen == expected
    assert len(costs) == 3 and len(set(costs)) == 1
    assert not set(seen) & {t.number for t in foreign}
    last = client.get(reverse("tickets:portal_list") + "?page=3")
    assert numbers(last) == expected[40:]


def test_dashboard_queries_and_my_open_rows(
    login, agent, customer, django_assert_max_num_queries
):
    department = agent.departments.get()
    tickets = make_tickets(
        60, department=department, requester=customer, assignee=agent
    )
    client = login(agent)
    url = reverse("tickets:agent_home")
    client.get(url)
    # Counts, then one short index range per status for "my open" and for
    # "recently updated" (no index leads with the change time alone).
    with django_assert_max_num_queries(20):
        response = client.get(url)
    assert [t.number for t in response.context["my_open"]] == newest_first(tickets)[:10]
    recent = [t.number for t in response.context["recently_updated"]]
    assert recent == newest_first(tickets, statuses=set(Ticket.Status.values))[:10]
    counts = response.context["counts"]
    assert counts["mine"] == 48 and counts["solved"] == 12
    assert counts["status_open"] == 12 and counts["unsolved"] == 48


def test_cursor_round_trip_and_refusals():
    order = SORTS["sla"]
    moment = timezone.now()
    assert decode_cursor(encode_cursor(3, (moment, 7)), order) == (3, (moment, 7))
    assert decode_cursor(encode_cursor(3, (None, 7)), order) == (3, (None, 7))
    assert decode_cursor(encode_cursor(3, (None, 7)), SORTS["-updated"]) is None
    assert decode_cursor(encode_cursor(3, ("soon", 7)), order) is None
    assert decode_cursor(encode_cursor(3, (moment,)), order) is None
    assert decode_cursor("!!", order) is None
