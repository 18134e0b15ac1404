"""A school's purposes are kept between requests exactly as long as none of them changes.

PostgreSQL gives every change of a purpose, a text or the schools of a purpose a new
revision (migration 0004), whoever writes; consents.selectors.school_purposes keeps
the purposes under it.
"""

import datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from consents import selectors, services
from consents.models import Purpose, PurposeVersion, TextsRevision
from tests.factories import SchoolFactory

from .conftest import make_purpose

pytestmark = pytest.mark.django_db


def revision() -> int | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT revision FROM consents_textsrevision")
        row = cursor.fetchone()
    return row[0] if row else None


def publish(world, purpose, title_nl: str, *, material_change: bool) -> PurposeVersion:
    """A new text of *purpose*, published by the director as the page does."""
    return services.purpose_version_publish(
        purpose=purpose,
        acting_user=world.users["director"],
        valid_from=datetime.date(2025, 8, 1),
        material_change=material_change,
        title_nl=title_nl,
        title_en="Photos on the website",
        text_nl="Wij plaatsen foto's op onze website.",
        text_en="We post photos on our website.",
    )


def test_every_kind_of_change_gives_a_new_revision(world):
    school = world.pupil.school
    seen = [revision()]

    def changed():
        seen.append(revision())
        assert seen[-1] not in seen[:-1], seen

    purpose = make_purpose(school)  # three statements: purpose, school, text
    changed()
    Purpose.objects.filter(pk=purpose.pk).update(order=5)
    changed()
    other = SchoolFactory(board=school.board)
    purpose.schools.add(other)
    changed()
    purpose.schools.remove(other)
    changed()
    PurposeVersion.objects.filter(purpose=purpose).update(title_nl="Foto's op de website")
    changed()
    PurposeVersion.objects.filter(purpose=purpose).delete()
    changed()


def test_a_revision_of_a_rolled_back_change_is_never_used_again(world):
    before = revision()
    with transaction.atomic():
        make_purpose(world.pupil.school, code="foto-gids")
        inside = revision()
        transaction.set_rollback(True)
    assert revision() == before
    make_purpose(world.pupil.school, code="foto-krant")
    assert revision() not in (before, inside)


def test_the_purposes_are_read_once_until_one_changes(world):
    school = world.pupil.school
    make_purpose(school, code="foto-website")
    first = selectors.school_purposes(school_id=school.pk)
    with CaptureQueriesContext(connection) as captured:
        again = selectors.school_purposes(school_id=school.pk)
    assert len(captured) == 1  # the revision only
    assert [p.code for p in again] == [p.code for p in first] == ["foto-website"]

    make_purpose(school, code="foto-gids")  # written past the services: still seen
    assert {p.code for p in selectors.school_purposes(school_id=school.pk)} == {
        "foto-website",
        "foto-gids",
    }


def test_each_call_gets_purposes_of_its_own_with_their_versions(world):
    school = world.pupil.school
    make_purpose(school, code="foto-website")
    first = selectors.school_purposes(school_id=school.pk)
    first[0].code = "changed by one request"
    again = selectors.school_purposes(school_id=school.pk)
    assert again[0] is not first[0] and again[0].code == "foto-website"
    with CaptureQueriesContext(connection) as captured:
        versions = list(again[0].versions.all())
    assert versions and len(captured) == 0  # the versions come along


def test_a_new_text_is_shown_at_once(world):
    school = world.pupil.school
    purpose = make_purpose(school, code="foto-website")
    old = selectors.school_purposes(school_id=school.pk)[0]
    assert selectors.current_version(old).title_nl == "Foto's: foto-website"
    publish(world, purpose, "Foto's op de website van de school", material_change=False)
    new = selectors.school_purposes(school_id=school.pk)[0]
    assert selectors.current_version(new).title_nl == "Foto's op de website van de school"


def test_an_emptied_revision_table_keeps_nothing_and_is_made_again(world):
    school = world.pupil.school
    make_purpose(school, code="foto-website")
    TextsRevision.objects.all().delete()  # as a flush of a test database leaves it
    assert revision() is None
    with CaptureQueriesContext(connection) as captured:
        selectors.school_purposes(school_id=school.pk)
        selectors.school_purposes(school_id=school.pk)
    # Nothing kept without a revision: read each time (revision, purposes, texts, groups).
    assert len(captured) == 8
    make_purpose(school, code="foto-gids")
    assert revision() is not None
    assert {p.code for p in selectors.school_purposes(school_id=school.pk)} == {
        "foto-website",
        "foto-gids",
    }


def test_a_text_published_after_the_purposes_were_read_counts_its_decisions(world):
    school, parent = world.pupil.school, world.users["parent"]
    purpose = make_purpose(school, code="foto-website")
    read = selectors.school_purposes(school_id=school.pk)  # a page read them, then:
    version = publish(world, purpose, "Foto's op de website, nieuw", material_change=True)
    services.decision_record(
        pupil=world.pupil,
        purpose=purpose,
        version_id=version.pk,
        choice="given",
        acting_user=parent,
    )
    state = selectors.consent_states(pupils=[world.pupil], purposes=read)
    # The new text's number was looked up, so the consent on it counts.
    assert state[(world.pupil.pk, purpose.pk)].outcome.consent


def test_a_purpose_switched_off_is_gone_at_once(world):
    school = world.pupil.school
    purpose = make_purpose(school, code="foto-website")
    assert selectors.school_purposes(school_id=school.pk)
    Purpose.objects.filter(pk=purpose.pk).update(active=False)
    assert selectors.school_purposes(school_id=school.pk) == []
