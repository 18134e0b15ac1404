"""Sync tests use the dossier world of tests/pupils, and who receives the pupil's data."""

from tests.pupils.conftest import login, world  # noqa: F401 (fixtures)
from tests.requests.conftest import receivers  # noqa: F401 (fixture)
