import pytest

from accounts.tests.factories import TEST_PASSWORD, UserFactory
from organizations.tests.factories import DepartmentFactory


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


@pytest.fixture
def login(client):
    """Sign a user in on the test client and return the client."""

    def _login(user):
        client.force_login(user)
        return client

    return _login
