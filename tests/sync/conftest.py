"""Sync tests use the dossier world of tests/pupils."""

from tests.pupils.conftest import login, world  # noqa: F401 (fixtures)
