"""The inbound log through the API: admins list received mail by status, read
what processing made of one, download it as received, and process a failed
one again; nobody else sees any of it."""

import pytest

from accounts.tests.factories import UserFactory
from helpdesk.errors import ConflictError, PermissionDeniedError
from integrations.models import InboundEmail
from integrations.services import inbound_receive
from integrations.services.retry import inbound_retry
from tickets.models import Ticket

from .corpus import text

pytestmark = pytest.mark.django_db
Status = InboundEmail.Status


@pytest.fixture
def deactivated(db):
    return UserFactory(email="gone@acme.example", is_active=False)


@pytest.fixture
def failed(deactivated) -> InboundEmail:
    """Mail from a deactivated account: kept, failed, nothing added."""
    inbound = inbound_receive(
        raw=text("gone@acme.example", "Still here", "Please reopen my account."),
        source=InboundEmail.Source.PIPE,
    )
    assert inbound.status == Status.FAILED
    return inbound


@pytest.fixture
def processed(db) -> InboundEmail:
    inbound = inbound_receive(
        raw=text("new@acme.example", "Printer", "It jams."),
        source=InboundEmail.Source.PIPE,
    )
    assert inbound.status == Status.PROCESSED
    return inbound


def endpoints(inbound: InboundEmail) -> list[tuple[str, str]]:
    return [
        ("get", "/inbound-emails"),
        ("get", f"/inbound-emails/{inbound.pk}"),
        ("get", f"/inbound-emails/{inbound.pk}/raw"),
        ("post", f"/inbound-emails/{inbound.pk}/retry"),
    ]


def test_agents_customers_and_strangers_are_refused(
    api_as, agent, customer, failed, client
):
    for user in (agent, customer):
        api = api_as(user)
        for method, path in endpoints(failed):
            response = getattr(api, method)(path)
            assert response.status_code == 403, (user.role, method, path)
            assert response.json()["code"] == "admins_only"
    for method, path in endpoints(failed):
        response = getattr(client, method)(f"/api/v1{path}")
        assert response.status_code == 401, (method, path)
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (Status.FAILED, 1)


def test_a_read_only_key_reads_but_cannot_retry(api_as, admin_user, failed):
    api = api_as(admin_user, scopes=["read"])
    for method, path in endpoints(failed):
        response = getattr(api, method)(path)
        if method == "get":
            assert response.status_code == 200, path
        else:
            assert response.status_code == 403
            assert response.json()["code"] == "scope_missing"
    failed.refresh_from_db()
    assert failed.attempts == 1


def test_an_admin_lists_by_status_and_reads_the_outcome(
    api_as, admin_user, failed, processed
):
    api = api_as(admin_user)
    everything = api.get("/inbound-emails").json()
    assert everything["count"] == 2
    assert [row["id"] for row in everything["results"]] == [
        str(processed.pk),
        str(failed.pk),
    ]
    failing = api.get("/inbound-emails", {"status": "failed"}).json()["results"]
    assert [row["id"] for row in failing] == [str(failed.pk)]
    assert failing[0]["outcome"] == "Sender's account is deactivated"
    assert "error" not in failing[0]
    assert api.get("/inbound-emails", {"status": "lost"}).status_code == 400

    one = api.get(f"/inbound-emails/{failed.pk}").json()
    assert one["status"] == "failed"
    assert "deactivated" in one["error"]
    assert one["from_address"] == "gone@acme.example"
    done = api.get(f"/inbound-emails/{processed.pk}").json()
    ticket = Ticket.objects.get()
    assert done["ticket"] == ticket.number
    assert done["outcome"] == f"Opened {ticket.reference}"
    assert api.get("/inbound-emails/99999999999999999999").status_code == 404


def test_the_raw_download_is_the_message_as_received(api_as, admin_user, failed):
    response = api_as(admin_user).get(f"/inbound-emails/{failed.pk}/raw")
    assert response.status_code == 200
    assert response["Content-Type"] == "message/rfc822"
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"Please reopen my account." in response.content


def test_retrying_a_failed_mail_processes_it_again(
    api_as, admin_user, failed, deactivated
):
    api = api_as(admin_user)
    still = api.post(f"/inbound-emails/{failed.pk}/retry")
    assert still.status_code == 200, still.content
    assert still.json()["status"] == "failed"
    assert still.json()["attempts"] == 2

    deactivated.is_active = True
    deactivated.save(update_fields=["is_active"])
    done = api.post(f"/inbound-emails/{failed.pk}/retry")
    assert done.status_code == 200
    ticket = Ticket.objects.get(requester=deactivated)
    assert done.json()["status"] == "processed"
    assert done.json()["ticket"] == ticket.number
    assert done.json()["error"] == ""

    again = api.post(f"/inbound-emails/{failed.pk}/retry")
    assert again.status_code == 409
    assert again.json()["code"] == "not_failed"
    assert Ticket.objects.filter(requester=deactivated).count() == 1


def test_two_retries_of_one_mail_process_it_once(admin_user, failed, deactivated):
    """Both loaded the failed mail; while the first is processing it (its
    claim made, its outcome not yet recorded: the row still says failed), the
    second is refused rather than opening the ticket twice."""
    second = InboundEmail.objects.get(pk=failed.pk)
    deactivated.is_active = True
    deactivated.save(update_fields=["is_active"])
    InboundEmail.objects.filter(pk=failed.pk).update(processed_at=None)  # 1st claim
    with pytest.raises(ConflictError) as refused:
        inbound_retry(actor=admin_user, inbound=second)
    assert refused.value.code == "not_failed"
    assert not Ticket.objects.filter(requester=deactivated).exists()


def test_the_service_refuses_anyone_but_an_admin(agent, failed):
    with pytest.raises(PermissionDeniedError):
        inbound_retry(actor=agent, inbound=failed)
    failed.refresh_from_db()
    assert failed.attempts == 1


def test_a_page_of_the_log_costs_the_same_however_many_rows(
    api_as, admin_user, processed, django_assert_max_num_queries
):
    api = api_as(admin_user)
    with django_assert_max_num_queries(30) as few:
        assert api.get("/inbound-emails").json()["count"] == 1
    for number in range(5):
        inbound_receive(
            raw=text(f"person{number}@acme.example", "Printer", "It jams."),
            source=InboundEmail.Source.PIPE,
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert api.get("/inbound-emails").json()["count"] == 6
