import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_sign_out_other_sessions_keeps_this_one(customer):
    here, elsewhere = Client(), Client()
    here.force_login(customer)
    elsewhere.force_login(customer)
    assert elsewhere.get("/portal/").status_code == 200

    response = here.post(reverse("accounts:logout_other_sessions"), follow=True)

    assert "You are signed out everywhere else." in response.content.decode()
    assert here.get("/portal/").status_code == 200
    assert elsewhere.get("/portal/").url.startswith(reverse("accounts:login"))


def test_changing_the_password_also_ends_other_sessions(customer):
    here, elsewhere = Client(), Client()
    here.force_login(customer)
    elsewhere.force_login(customer)
    customer.set_password("another-long-passphrase")
    customer.save()
    assert elsewhere.get("/portal/").url.startswith(reverse("accounts:login"))
