"""Staff tests use the dossier world of tests/pupils, with a board administrator added."""

import pytest

from schoolprivacy.models import BoardMembership, BoardRole
from tests.factories import UserFactory
from tests.pupils.conftest import login, world  # noqa: F401 (fixtures)


@pytest.fixture
def board_admin(world):  # noqa: F811
    user = UserFactory()
    BoardMembership.objects.create(
        user=user, board=world.pupil.board, role=BoardRole.BOARD_ADMINISTRATOR
    )
    world.users["board_administrator"] = user
    return user
