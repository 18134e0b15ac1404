import pytest

from schoolprivacy.models import BoardMembership, BoardRole, Membership, Role, School
from tests.factories import UserFactory
from tests.pupils.conftest import login, world  # noqa: F401 (fixtures)


@pytest.fixture
def keepers(world):  # noqa: F811 (the fixture above)
    """The world with every keeper of its board's register: besides the administrator of the
    pupil's school and the privacy officer, a board administrator and the administrator of
    the board's other school (world.other_school)."""
    board = world.pupil.board
    world.other_school = School.objects.filter(board=board).exclude(pk=world.pupil.school_id).get()
    world.users["board_administrator"] = UserFactory()
    BoardMembership.objects.create(
        user=world.users["board_administrator"], board=board, role=BoardRole.BOARD_ADMINISTRATOR
    )
    world.users["administrator_other_school"] = UserFactory()
    Membership.objects.create(
        user=world.users["administrator_other_school"],
        school=world.other_school,
        role=Role.ADMINISTRATOR,
    )
    return world
