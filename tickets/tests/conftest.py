import pytest

from .world import build_world


@pytest.fixture
def world(db):
    """See ``world.build_world``."""
    return build_world()
