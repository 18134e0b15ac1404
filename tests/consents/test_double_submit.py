"""Consent forms posted twice at the same moment (a double click) and replayed: one effect,
the same answer each time (issue 17; schoolprivacy/submissions.py)."""

import pytest
from django.urls import reverse

from consents.models import ConsentEvent, Publication, Purpose, PurposeVersion
from tests.utils import post_at_once

from .conftest import make_purpose
from .test_views import version_data

pytestmark = pytest.mark.django_db(transaction=True)


def _once(answers):
    assert all(status == 302 for status, _ in answers), answers
    assert len({location for _, location in answers}) == 1, answers


def test_a_new_consent_question_clicked_twice_is_one_question(world):
    data = {
        "purpose-school": world.pupil.school_id,
        "purpose-category": "care_partner",
        "purpose-trigger": "specialist_support",
        **{f"text-{k}": v for k, v in version_data(valid_from="2026-01-01").items()},
    }
    before = Purpose.objects.count()
    _once(post_at_once(world.users["director"], reverse("consents:purpose_create"), data))
    assert Purpose.objects.count() == before + 1


def test_a_new_text_clicked_twice_is_oneversion_data(world, purpose):
    url = reverse("consents:version_create", args=[purpose.pk])
    _once(post_at_once(world.users["director"], url, version_data()))
    assert PurposeVersion.objects.filter(purpose=purpose).count() == 2


def test_a_new_publication_clicked_twice_is_one_publication(world, purpose):
    from consents import services

    services.decision_record(
        pupil=world.pupil,
        purpose=purpose,
        version_id=purpose.versions.get().pk,
        choice="given",
        acting_user=world.users["parent"],
    )
    url = reverse("consents:publication_create", args=[world.pupil.school_id])
    data = {
        "purpose": purpose.pk,
        "title": "Sportdag groep 5",
        "location": "https://school.example/nieuws/sportdag",
        "published_on": "2026-10-01",
        "pupils": [world.pupil.pk],
    }
    _once(post_at_once(world.users["director"], url, data))
    assert Publication.objects.count() == 1


def test_a_consent_event_clicked_twice_is_one_event(world):
    make_purpose(
        world.pupil.school, "zorg-lwoe", category="care_partner", trigger="specialist_support"
    )
    url = reverse("consents:event_start", args=[world.pupil.pk])
    data = {"trigger": "specialist_support", "started_on": "2026-11-20"}
    _once(post_at_once(world.users["care_coordinator"], url, data))
    assert ConsentEvent.objects.count() == 1
