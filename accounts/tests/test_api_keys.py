import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.authentication import authenticate_api_key
from accounts.models import ApiKey
from accounts.services import api_key_create, api_key_revoke
from helpdesk.errors import PermissionDeniedError

from .factories import UserFactory

pytestmark = pytest.mark.django_db

KEYS = reverse("accounts:api_keys")


@pytest.fixture
def agent_user():
    return UserFactory(agent=True)


def test_a_key_is_shown_once_and_stored_only_as_a_hash(login, agent_user):
    client = login(agent_user)
    response = client.post(KEYS, {"name": "Nightly export", "scopes": ["read"]})

    assert response.status_code == 201
    assert "no-store" in response["Cache-Control"]
    raw = re.search(r'id="new-api-key">(hdk_[\w-]+)<', response.content.decode()).group(
        1
    )
    key = ApiKey.objects.get()
    assert raw.startswith(f"hdk_{key.prefix}")
    secret = raw[len("hdk_") + 8 :]
    stored = " ".join(str(v) for v in ApiKey.objects.values().get().values())
    assert secret not in stored
    assert authenticate_api_key(raw) == (agent_user, key)

    listing = client.get(KEYS).content.decode()
    assert "Nightly export" in listing and f"hdk_{key.prefix}…" in listing
    assert secret not in listing


def test_form_errors_are_shown(login, agent_user):
    response = login(agent_user).post(KEYS, {"name": "", "scopes": []})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"name", "scopes"}
    assert not ApiKey.objects.exists()


def test_customers_are_refused_unless_allowed(login, customer, settings, verify):
    client = login(customer)
    assert client.get(KEYS).status_code == 403
    assert client.post(KEYS, {"name": "x", "scopes": ["read"]}).status_code == 403
    assert not ApiKey.objects.exists()
    with pytest.raises(PermissionDeniedError):
        api_key_create(user=customer, name="x", scopes=["read"])

    settings.API_KEYS_FOR_CUSTOMERS = True
    verify(client, customer)  # creating a key needs a second factor
    assert client.post(KEYS, {"name": "x", "scopes": ["read"]}).status_code == 201


@pytest.mark.parametrize(
    "mangle",
    [
        lambda raw: raw[:-1] + ("A" if raw[-1] != "A" else "B"),  # wrong secret
        lambda raw: "hdk_zzzzzzzz" + raw[12:],  # unknown prefix
        lambda raw: raw[4:],  # no marker
        lambda raw: "hdk_",  # too short
        lambda raw: "",
    ],
)
def test_malformed_and_wrong_keys_are_refused(agent_user, mangle):
    _, raw = api_key_create(user=agent_user, name="k", scopes=["read"])
    assert authenticate_api_key(mangle(raw)) is None


def test_revoked_expired_and_inactive_keys_are_refused(agent_user):
    key, raw = api_key_create(user=agent_user, name="k", scopes=["read", "write"])
    assert authenticate_api_key(raw) is not None

    api_key_revoke(actor=agent_user, key=key)
    assert authenticate_api_key(raw) is None

    key, raw = api_key_create(
        user=agent_user,
        name="short",
        scopes=["read"],
        expires_at=timezone.now() + timedelta(days=1),
    )
    ApiKey.objects.filter(pk=key.pk).update(expires_at=timezone.now())
    assert authenticate_api_key(raw) is None

    key, raw = api_key_create(user=agent_user, name="k2", scopes=["read"])
    agent_user.is_active = False
    agent_user.save()
    assert authenticate_api_key(raw) is None


def test_scopes_are_recorded(agent_user):
    key, _ = api_key_create(user=agent_user, name="k", scopes=["write", "read", "x"])
    assert key.scope_list == ["read", "write"]
    assert key.has_scope("write")


def test_last_use_is_recorded_without_a_write_on_every_request(
    agent_user, django_assert_num_queries
):
    key, raw = api_key_create(user=agent_user, name="k", scopes=["read"])
    with django_assert_num_queries(2):  # look up, then record the first use
        authenticate_api_key(raw)
    key.refresh_from_db()
    first_use = key.last_used_at
    assert first_use is not None
    with django_assert_num_queries(1):  # look up only
        authenticate_api_key(raw)
    key.refresh_from_db()
    assert key.last_used_at == first_use


def test_revoke_from_the_page_and_not_someone_elses(login, agent_user):
    mine, raw = api_key_create(user=agent_user, name="mine", scopes=["read"])
    theirs, _ = api_key_create(user=UserFactory(agent=True), name="t", scopes=["read"])
    client = login(agent_user)

    response = client.post(reverse("accounts:api_key_revoke", args=[theirs.pk]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None

    page = client.post(reverse("accounts:api_key_revoke", args=[mine.pk]), follow=True)
    assert "is revoked; it no longer works" in page.content.decode()
    assert authenticate_api_key(raw) is None


def test_admins_see_and_revoke_every_key_in_the_admin(login, agent_user):
    key, raw = api_key_create(user=agent_user, name="k", scopes=["read"])
    admin = login(UserFactory(admin=True))
    changelist = reverse("admin:accounts_apikey_changelist")
    assert key.prefix in admin.get(changelist).content.decode()
    admin.post(changelist, {"action": "revoke", "_selected_action": [key.pk]})
    assert authenticate_api_key(raw) is None


def test_keys_stop_working_when_customers_may_no_longer_have_them(customer, settings):
    settings.API_KEYS_FOR_CUSTOMERS = True
    _, raw = api_key_create(user=customer, name="k", scopes=["read"])
    assert authenticate_api_key(raw) is not None
    settings.API_KEYS_FOR_CUSTOMERS = False
    assert authenticate_api_key(raw) is None
