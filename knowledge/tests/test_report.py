"""The knowledge-base report for admins: the chatbot's figures, the
new-ticket suggestions' deflection, top articles and the unanswered
questions grouped by similarity."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from knowledge import report_selectors
from knowledge.report_selectors import ReportPeriod, csv_safe
from tickets.tests.factories import TicketFactory

from .ticket_flow_support import Feedback, article, chat, suggestion_open

pytestmark = pytest.mark.django_db

REPORT = reverse("knowledge:report")
CSV = reverse("knowledge:report_unanswered_csv")


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def articles(db):
    return {
        "password": article("Reset your password"),
        "invoice": article("Find your invoice"),
    }


@pytest.fixture
def chats(articles, now):
    """Six conversations started a day ago, one started 40 days ago."""
    password, invoice = articles["password"], articles["invoice"]
    day = now - timedelta(days=1)
    # 1: answered, helpful: deflected.
    chat(("reset password", password, True, Feedback.HELPFUL), at=day)
    # 2: answered with no feedback, then an unanswered one: deflected.
    chat(("find invoice", invoice), ("Can I pay by cheque?", None), at=day)
    # 3: answered but marked not helpful: not deflected, unanswered.
    chat(("invoice missing", invoice, True, Feedback.NOT_HELPFUL), at=day)
    # 4: a guess, then a person: handed over.
    chat(("pay by cheque", invoice, False), at=day, handed_over=True)
    # 5: answered, then handed over anyway: not deflected.
    chat(("reset password please", password, True), at=day, handed_over=True)
    # 6: opened the panel, asked nothing: not in the rate.
    chat(at=day)
    # Outside the last 30 days.
    chat(("an old question", None), at=now - timedelta(days=40))


def test_admins_see_the_report(login, admin_user):
    response = login(admin_user).get(REPORT)
    assert response.status_code == 200
    assert "Knowledge base report" in response.content.decode()


@pytest.mark.parametrize("url", [REPORT, CSV])
def test_agents_and_customers_are_refused(login, agent, customer, url):
    assert login(agent).get(url).status_code == 403
    assert login(customer).get(url).status_code == 403


@pytest.mark.parametrize("url", [REPORT, CSV])
def test_visitors_are_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_the_chatbot_figures(login, admin_user, chats):
    response = login(admin_user).get(REPORT, {"period": "30"})
    figures = response.context["chatbot"]

    assert figures.questions_asked == 6
    assert figures.answered == 4  # confident, with an article
    assert figures.not_answered == 2
    assert (figures.helpful, figures.not_helpful) == (1, 1)
    assert figures.conversations == 6
    assert figures.conversations_with_questions == 5
    assert figures.handed_over == 2
    assert figures.deflected_conversations == 2
    assert figures.deflection_rate == pytest.approx(2 / 5)
    assert figures.unanswered == 3  # not confident, or not helpful

    page = response.content.decode()
    assert "40%" in page
    assert "divided by the conversations" in page  # the definition is printed


def test_a_visitor_who_asked_for_a_person_is_handed_over_not_deflected(articles, now):
    password = articles["password"]
    day = now - timedelta(days=1)
    # Anonymous: the handover link was mailed, not followed yet.
    mailed = chat(("reset password", password, True), at=day)
    mailed.visitor_email = "v@example.com"
    mailed.save(update_fields=["visitor_email"])
    # Signed in: a ticket is linked (handed_over_at not set).
    chat(
        ("reset password again", password, True),
        user=UserFactory(),
        ticket=TicketFactory(),
        at=day,
    )
    # Answered, nobody asked for a person: deflected.
    chat(("reset my password", password, True), at=day)

    figures = report_selectors.chatbot_figures(ReportPeriod.last_days(7))
    assert figures.handed_over == 2
    assert figures.deflected_conversations == 1


def test_the_page_defines_handed_over(login, admin_user, chats):
    page = login(admin_user).get(REPORT).content.decode()
    assert "a link to open one was mailed" in page


def test_the_period_bounds_the_figures(login, admin_user, chats):
    client = login(admin_user)
    assert client.get(REPORT, {"period": "90"}).context["chatbot"].questions_asked == 7
    assert client.get(REPORT, {"period": "7"}).context["chatbot"].questions_asked == 6
    today = timezone.localdate()
    custom = client.get(
        REPORT,
        {
            "period": "custom",
            "start": (today - timedelta(days=45)).isoformat(),
            "end": (today - timedelta(days=35)).isoformat(),
        },
    )
    assert custom.context["chatbot"].questions_asked == 1


def test_a_custom_period_ending_before_it_starts_is_refused(login, admin_user):
    response = login(admin_user).get(
        REPORT, {"period": "custom", "start": "2026-05-02", "end": "2026-05-01"}
    )
    assert response.status_code == 200
    assert "The period ends before it starts." in response.content.decode()
    period = response.context["period"]
    assert period.last_day - period.first_day == timedelta(days=29)  # the default


@pytest.mark.parametrize(
    "start, end",
    [
        ("9999-12-01", "9999-12-31"),  # the last date: one day more overflows
        ("0001-01-01", "0001-01-31"),
        ("1999-12-01", "2000-01-31"),
    ],
)
def test_a_custom_period_outside_the_sane_range_is_refused(
    login, admin_user, start, end
):
    response = login(admin_user).get(
        REPORT, {"period": "custom", "start": start, "end": end}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "A custom period runs from 1 Jan 2000 to" in page
    period = response.context["period"]
    assert period.last_day == timezone.localdate()  # the default


def test_the_csv_of_a_refused_period_is_the_default_periods(login, admin_user):
    response = login(admin_user).get(
        CSV, {"period": "custom", "start": "9999-12-01", "end": "9999-12-31"}
    )
    assert response.status_code == 200
    today = timezone.localdate()
    assert f"-to-{today:%Y-%m-%d}.csv" in response["Content-Disposition"]


def test_a_custom_period_up_to_a_year_ahead_is_allowed(login, admin_user):
    client = login(admin_user)
    ahead = timezone.localdate() + timedelta(days=365)
    response = client.get(
        REPORT,
        {
            "period": "custom",
            "start": (ahead - timedelta(days=30)).isoformat(),
            "end": ahead.isoformat(),
        },
    )
    assert response.context["form"].errors == {}
    assert response.context["period"].last_day == ahead
    response = client.get(
        REPORT, {"period": "custom", "start": "2000-01-01", "end": "2000-12-31"}
    )
    assert response.context["form"].errors == {}
    assert response.context["period"].first_day == date(2000, 1, 1)


def test_report_period_days_are_whole_local_days():
    period = ReportPeriod.between(date(2026, 3, 1), date(2026, 3, 31))
    assert period.end - period.start >= timedelta(days=30, hours=23)
    assert timezone.localtime(period.start).hour == 0
    last_week = ReportPeriod.last_days(7, today=date(2026, 3, 31))
    assert (last_week.first_day, last_week.last_day) == (
        date(2026, 3, 25),
        date(2026, 3, 31),
    )


# --- the new-ticket suggestions' deflection -----------------------------------


def test_suggestion_deflection_arithmetic(settings, articles, now):
    settings.KNOWLEDGE_DEFLECTION_WINDOW_MINUTES = 60
    best = articles["password"]
    opened = now - timedelta(days=2)
    followed, later, never, before, other = UserFactory.create_batch(5)
    pending = UserFactory()

    # Filed a ticket 10 minutes after opening: not deflected.
    suggestion_open(followed, best, at=opened)
    TicketFactory(requester=followed, created_at=opened + timedelta(minutes=10))
    # Filed one two hours later, after the window: deflected.
    suggestion_open(later, best, at=opened)
    TicketFactory(requester=later, created_at=opened + timedelta(hours=2))
    # Never filed one: deflected.
    suggestion_open(never, best, at=opened)
    # Filed one before opening: deflected.
    suggestion_open(before, best, at=opened)
    TicketFactory(requester=before, created_at=opened - timedelta(minutes=5))
    # Someone else filed one: deflected.
    suggestion_open(other, best, at=opened)
    TicketFactory(created_at=opened + timedelta(minutes=5))
    # Opened 10 minutes ago, no ticket yet: the window is still running.
    suggestion_open(pending, best, at=now - timedelta(minutes=10))

    figures = report_selectors.suggestion_figures(ReportPeriod.last_days(30), now=now)

    assert figures.opens == 6
    assert figures.followed_by_ticket == 1
    assert figures.pending == 1
    assert figures.deflected == 4
    assert figures.deflection_rate == pytest.approx(4 / 5)


def test_an_open_in_the_window_followed_by_a_ticket_is_settled(settings, articles, now):
    settings.KNOWLEDGE_DEFLECTION_WINDOW_MINUTES = 60
    user = UserFactory()
    suggestion_open(user, articles["password"], at=now - timedelta(minutes=10))
    TicketFactory(requester=user, created_at=now - timedelta(minutes=5))

    figures = report_selectors.suggestion_figures(ReportPeriod.last_days(7), now=now)
    assert (figures.opens, figures.followed_by_ticket, figures.pending) == (1, 1, 0)
    assert figures.deflection_rate == 0.0


def test_repeat_opens_of_one_suggestion_within_the_window_count_once(
    settings, articles, now
):
    settings.KNOWLEDGE_DEFLECTION_WINDOW_MINUTES = 60
    user, other = UserFactory.create_batch(2)
    opened = now - timedelta(days=2)
    # Three opens of one article in ten minutes: one open, deflected.
    for minutes in (0, 5, 10):
        suggestion_open(
            user, articles["password"], at=opened + timedelta(minutes=minutes)
        )
    # The same article again two hours later: a new open.
    suggestion_open(user, articles["password"], at=opened + timedelta(hours=2))
    # Another article, and another customer: separate opens.
    suggestion_open(user, articles["invoice"], at=opened + timedelta(minutes=1))
    suggestion_open(other, articles["password"], at=opened + timedelta(minutes=1))
    # The same timestamp twice (a double click stored at once): one open.
    suggestion_open(other, articles["invoice"], at=opened)
    suggestion_open(other, articles["invoice"], at=opened)

    period = ReportPeriod.last_days(7)
    figures = report_selectors.suggestion_figures(period, now=now)
    assert (figures.opens, figures.deflected) == (5, 5)
    top = report_selectors.top_suggestions_opened(period)
    assert [(row["title"], row["opens"]) for row in top] == [
        ("Reset your password", 3),
        ("Find your invoice", 2),
    ]


def test_a_repeat_open_followed_by_a_ticket_is_one_followed_open(
    settings, articles, now
):
    settings.KNOWLEDGE_DEFLECTION_WINDOW_MINUTES = 60
    user = UserFactory()
    opened = now - timedelta(days=1)
    suggestion_open(user, articles["password"], at=opened)
    suggestion_open(user, articles["password"], at=opened + timedelta(minutes=2))
    TicketFactory(requester=user, created_at=opened + timedelta(minutes=5))

    figures = report_selectors.suggestion_figures(ReportPeriod.last_days(7), now=now)
    assert (figures.opens, figures.followed_by_ticket, figures.deflected) == (1, 1, 0)


def test_no_opens_has_no_rate(now):
    figures = report_selectors.suggestion_figures(ReportPeriod.last_days(7), now=now)
    assert figures.opens == 0 and figures.deflection_rate is None


def test_the_page_shows_the_suggestion_figures_and_their_definition(
    login, admin_user, articles, now
):
    for user in UserFactory.create_batch(3):
        suggestion_open(user, articles["invoice"], at=now - timedelta(days=3))
    page = login(admin_user).get(REPORT).content.decode()
    assert "New-ticket suggestions" in page
    assert "100%" in page
    assert "within 60 minutes" in page
    assert "Find your invoice" in page  # the most opened articles


# --- top articles, unanswered groups, empty state ----------------------------


def test_top_articles_offered(login, admin_user, chats, articles):
    rows = login(admin_user).get(REPORT).context["top_offered"]
    assert [(row["title"], row["offered"]) for row in rows] == [
        ("Find your invoice", 3),
        ("Reset your password", 2),
    ]
    invoice = rows[0]
    assert (invoice["confident"], invoice["helpful"], invoice["not_helpful"]) == (
        2,
        0,
        1,
    )


def test_unanswered_questions_are_grouped_biggest_first(login, admin_user, chats):
    response = login(admin_user).get(REPORT)
    report = response.context["unanswered"]
    assert [(group.representative, group.size) for group in report.groups] == [
        ("pay by cheque", 2),
        ("invoice missing", 1),
    ]
    assert report.capped is False
    page = response.content.decode()
    assert "Can I pay by cheque?" in page
    assert "<caption" in page and 'scope="col"' in page


def test_the_grouping_loads_only_the_cap(login, admin_user, monkeypatch, now):
    monkeypatch.setattr(report_selectors, "UNANSWERED_CAP", 3)
    for n in range(5):
        chat((f"question number {n}", None), at=now - timedelta(hours=n + 1))
    response = login(admin_user).get(REPORT)
    report = response.context["unanswered"]
    assert report.loaded == 3 and report.capped is True
    assert sum(group.size for group in report.groups) == 3
    assert "the most recent 3" in response.content.decode()


def test_the_empty_state(login, admin_user):
    page = login(admin_user).get(REPORT).content.decode()
    assert "No questions were put to the chatbot in this period." in page
    assert "No unanswered questions in this period." in page
    assert "No suggestion was opened in this period." in page


def test_the_report_keeps_a_constant_query_count(
    login, admin_user, articles, now, django_assert_max_num_queries
):
    client = login(admin_user)

    def grow(n):
        for i in range(n):
            chat(
                (f"reset password {i}", articles["password"], True, Feedback.HELPFUL),
                (f"unknown thing {i}", None),
                at=now - timedelta(hours=i + 1),
                handed_over=i % 2 == 0,
            )
            user = UserFactory()
            suggestion_open(user, articles["invoice"], at=now - timedelta(hours=i + 1))
            TicketFactory(requester=user, created_at=now - timedelta(hours=i))

    def queries() -> int:
        with django_assert_max_num_queries(14) as context:
            response = client.get(REPORT)
        assert response.status_code == 200
        return len(context.captured_queries)

    grow(2)
    few = queries()
    grow(20)
    assert queries() == few


# --- the CSV export -----------------------------------------------------------


def test_the_unanswered_groups_as_csv(login, admin_user, chats, now):
    chat(('=HYPERLINK("http://evil")', None), at=now - timedelta(hours=1))
    response = login(admin_user).get(CSV, {"period": "30"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        "Rank",
        "Questions",
        "Representative question",
        "Closest article",
        "Last asked",
        "Other examples",
    ]
    assert rows[1][:4] == ["1", "2", "pay by cheque", "Find your invoice"]
    assert [row[2] for row in rows[1:] if "HYPERLINK" in row[2]] == [
        '\'=HYPERLINK("http://evil")'
    ]


@pytest.mark.parametrize(
    "value, expected",
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain", "plain"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_csv_cells_are_neutralised(value, expected):
    assert csv_safe(value) == expected
