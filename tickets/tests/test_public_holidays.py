"""Public holidays keep their names: from the country loader, in the admin,
and in the demo calendar."""

from datetime import date

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from tickets.models import BusinessCalendar
from tickets.public_holidays import holiday_language, public_holidays
from tickets.services.sla_policies import holidays_add, public_holidays_named

pytestmark = pytest.mark.django_db


@pytest.fixture
def office():
    return BusinessCalendar.objects.create(name="Office", timezone="Europe/Berlin")


def test_the_country_loader_gives_names_in_the_language_asked_for():
    german = public_holidays("DE", [2026])
    english = public_holidays("DE", [2026], language="en")

    assert german[date(2026, 1, 1)] == "Neujahr"
    assert german[date(2026, 10, 3)] == "Tag der Deutschen Einheit"
    assert english[date(2026, 1, 1)] == "New Year's Day"
    assert english[date(2026, 12, 25)] == "Christmas Day"
    assert list(english) == sorted(english)
    assert all(english.values())


def test_several_holidays_on_one_date_are_joined():
    india = public_holidays("IN", [2025], language="en")
    assert india[date(2025, 10, 2)] == "Dussehra; Mahatma Gandhi's Jayanti"


@pytest.mark.parametrize(
    ("wanted", "supported", "chosen"),
    [
        ("en", ["de", "en_US", "uk"], "en_US"),
        ("en-us", ["de", "en_GB", "en_US"], "en_US"),
        ("en-gb", ["de", "en_GB", "en_US"], "en_GB"),
        ("de", ["de", "en_US"], "de"),
        ("de-at", ["de", "en_US"], "de"),
        ("fr", ["de", "en_US"], None),
        (None, ["de"], None),
        ("", ["de"], None),
    ],
)
def test_the_closest_supported_language_is_chosen(wanted, supported, chosen):
    assert holiday_language(wanted, supported) == chosen


def test_adding_holidays_keeps_their_names_and_names_unnamed_ones(office):
    office.holidays.create(date=date(2026, 1, 1))  # loaded before names were kept
    office.holidays.create(date=date(2026, 12, 24), name="Office party")

    added = holidays_add(
        calendar=office,
        dates={
            date(2026, 1, 1): "New Year's Day",
            date(2026, 12, 24): "Christmas Eve",
            date(2026, 12, 25): "Christmas Day",
        },
    )

    assert added == 1
    assert dict(office.holidays.values_list("date", "name")) == {
        date(2026, 1, 1): "New Year's Day",
        date(2026, 12, 24): "Office party",  # a name given by hand stays
        date(2026, 12, 25): "Christmas Day",
    }
    assert holidays_add(calendar=office, dates=[date(2026, 5, 1)]) == 1
    assert office.holidays.get(date=date(2026, 5, 1)).name == ""


def test_the_admin_loads_holidays_with_names_and_shows_them(login, office, settings):
    settings.LANGUAGE_CODE = "en"
    admin = login(UserFactory(admin=True))
    url = reverse("admin:tickets_businesscalendar_holidays", args=[office.pk])

    admin.post(url, {"country": "de", "years": "2026"}, follow=True)

    assert office.holidays.get(date=date(2026, 1, 1)).name == "New Year's Day"
    assert office.holidays.get(date=date(2026, 10, 3)).name == "German Unity Day"
    page = admin.get(
        reverse("admin:tickets_businesscalendar_change", args=[office.pk])
    ).content.decode()
    assert "New Year&#x27;s Day" in page and "German Unity Day" in page


def test_names_follow_the_configured_language(settings):
    settings.LANGUAGE_CODE = "de"
    names = public_holidays_named(country="de", years=[2026])
    assert names[date(2026, 1, 1)] == "Neujahr"
