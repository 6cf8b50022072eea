import pytest
from django.core.cache import cache
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.tests.factories import TEST_PASSWORD, UserFactory
from organizations.tests.factories import DepartmentFactory


@pytest.fixture(autouse=True)
def _empty_cache():
    """No test sees what another left in the cache."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Uploads of each test land in its own folder and vanish with it."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def password():
    return TEST_PASSWORD


@pytest.fixture
def customer(db):
    return UserFactory()


@pytest.fixture
def department(db):
    return DepartmentFactory()


@pytest.fixture
def agent(db, department):
    """An agent who works in ``department``."""
    user = UserFactory(agent=True)
    department.agents.add(user)
    return user


@pytest.fixture
def admin_user(db):
    return UserFactory(admin=True)


def verify_session(client, user):
    """Mark the client's session as having passed two-factor checks, as a real
    agent's sign-in does (their roles must use an authenticator)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Test app", confirmed=True)
    if not user.mfa_enabled:
        user.mfa_enabled = True
        user.save(update_fields=["mfa_enabled"])
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


@pytest.fixture
def verify():
    """Mark a client's session as two-factor verified."""
    return verify_session


@pytest.fixture
def login(client):
    """Sign a user in on the test client and return the client. Agents and
    admins are signed in with a verified second factor, as in real life."""

    def _login(user):
        client.force_login(user)
        if user.is_agent:
            verify_session(client, user)
        return client

    return _login
