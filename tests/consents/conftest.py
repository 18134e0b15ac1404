"""Consent tests use the dossier world of tests/pupils, plus purposes with texts."""

import datetime

import pytest

from consents.models import Purpose, PurposeVersion
from tests.pupils.conftest import login, world  # noqa: F401 (fixtures)


def make_purpose(school, code="foto-website", *, category="images", requires_all=False, **kw):
    purpose = Purpose.objects.create(
        board=school.board,
        code=code,
        category=category,
        requires_all_holders=requires_all,
        **kw,
    )
    purpose.schools.add(school)
    PurposeVersion.objects.create(
        purpose=purpose,
        number=1,
        valid_from=datetime.date(2024, 8, 1),
        title_nl=f"Foto's: {code}",
        title_en=f"Photos: {code}",
        text_nl="Wij plaatsen foto's.",
        text_en="We post photos.",
    )
    return purpose


@pytest.fixture
def purpose(world):  # noqa: F811
    return make_purpose(world.pupil.school)
