import pytest

from .office import office_calendar
from .world import build_world


@pytest.fixture
def world(db):
    """See ``world.build_world``."""
    return build_world()


@pytest.fixture
def office(db):
    """See ``office.office_calendar``."""
    return office_calendar()
