from tests.pupils.conftest import login, world  # noqa: F401 (fixtures)
