"""Religion is never required (De Twijn: "niet verplicht"): the school may record it only
with the explicit consent of a holder of parental authority, or the pupil from 16
(GDPR Art. 9(2)(a)), and a withdrawal erases what was recorded, audited."""

import uuid

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.urls import reverse

from consents import services as consent_services
from pupils import services
from pupils.models import SpecialRecord
from schoolprivacy import audit
from schoolprivacy.audit_entry import AuditEntry
from tests.consents.conftest import make_purpose

pytestmark = pytest.mark.django_db
RELIGION = SpecialRecord.Kind.RELIGION


@pytest.fixture
def religion_question(world):
    return make_purpose(world.pupil.school, code="geloof", category="religion")


def decide(world, purpose, choice, role="parent"):
    return consent_services.decision_record(
        pupil=world.pupil,
        purpose=purpose,
        version_id=purpose.versions.get().pk,
        choice=choice,
        acting_user=world.users[role],
        submission=uuid.uuid4(),
    )


def religion_records(world):
    return SpecialRecord.objects.filter(pupil=world.pupil, kind=RELIGION)


def test_religion_without_a_recorded_decision_of_the_parent_is_refused(
    world, religion_question, login
):
    """Reproduced: a care coordinator saved a religion while no decision of the parent was
    recorded, and the parent then found it in the dossier."""
    with pytest.raises(ValidationError) as error:
        services.special_record_add(
            pupil=world.pupil,
            kind=RELIGION,
            content="Rooms-katholiek.",
            acting_user=world.users["care_coordinator"],
        )
    assert "kind" in error.value.message_dict
    assert not religion_records(world).exists()

    client = login(world.users["care_coordinator"])
    response = client.post(
        reverse("pupils:special_add", args=[world.pupil.pk]),
        {"kind": RELIGION, "content": "Rooms-katholiek.", "source": "parent"},
    )
    assert response.status_code == 200
    assert "toestemming" in response.content.decode().lower()
    assert not religion_records(world).exists()


def test_a_refusal_or_no_question_at_all_allows_nothing(world, login):
    # The school asks no consent for religion: it cannot record it.
    with pytest.raises(ValidationError):
        services.special_record_add(
            pupil=world.pupil,
            kind=RELIGION,
            content="Islamitisch.",
            acting_user=world.users["care_coordinator"],
        )
    purpose = make_purpose(world.pupil.school, code="geloof", category="religion")
    decide(world, purpose, "refused")
    with pytest.raises(ValidationError):
        services.special_record_add(
            pupil=world.pupil,
            kind=RELIGION,
            content="Islamitisch.",
            acting_user=world.users["care_coordinator"],
        )
    assert not religion_records(world).exists()


def test_with_consent_it_is_recorded_and_a_withdrawal_erases_it_audited(world, religion_question):
    decide(world, religion_question, "given")
    record = services.special_record_add(
        pupil=world.pupil,
        kind=RELIGION,
        content="Rooms-katholiek.",
        acting_user=world.users["care_coordinator"],
    )
    other = services.special_record_add(
        pupil=world.pupil,
        kind=SpecialRecord.Kind.MEDICAL,
        content="Pinda-allergie.",
        acting_user=world.users["care_coordinator"],
    )

    decide(world, religion_question, "withdrawn")

    assert not religion_records(world).exists()
    assert SpecialRecord.objects.filter(pk=other.pk).exists()  # only the voluntary kind
    entries = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(SpecialRecord), object_id=record.pk
    )
    assert {e.action for e in entries} == {AuditEntry.Action.CREATE, AuditEntry.Action.DELETE}
    deletion = entries.get(action=AuditEntry.Action.DELETE)
    assert deletion.actor == world.users["parent"]
    assert all(e.object_repr == audit.ERASED for e in entries)
    assert "katholiek" not in str([e.changes for e in entries])


def test_the_other_parents_withdrawal_ends_it_too(world, religion_question):
    from tests.factories import GuardianshipFactory

    second = GuardianshipFactory(pupil=world.pupil, relation="father").parent
    world.users["second"] = second
    decide(world, religion_question, "given")
    services.special_record_add(
        pupil=world.pupil,
        kind=RELIGION,
        content="Protestants.",
        acting_user=world.users["care_coordinator"],
    )
    decide(world, religion_question, "withdrawn", role="second")
    assert not religion_records(world).exists()


def test_erasing_while_consent_stands_is_refused(world, religion_question):
    decide(world, religion_question, "given")
    services.special_record_add(
        pupil=world.pupil,
        kind=RELIGION,
        content="Joods.",
        acting_user=world.users["care_coordinator"],
    )
    with pytest.raises(ValidationError):
        services.voluntary_data_erase(
            pupil=world.pupil, kind=RELIGION, acting_user=world.users["care_coordinator"]
        )
    assert religion_records(world).count() == 1
