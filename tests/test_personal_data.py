"""The registry of personal data (schoolprivacy/personal_data.py) is complete, and what
reads it (the copy, erasure, retention, the plaintext rules) agrees with it."""

import datetime

import pytest

from pupils import corrections
from pupils.models import Group, Pupil
from requests import copies
from requests.models import DataRequest, ErasureCategory
from schoolprivacy import personal_data
from schoolprivacy.fields import EncryptedTextField
from schoolprivacy.models import User
from schoolprivacy.personal_data import Erasure, Kind
from sync.models import ImportLine, ImportRun


def encrypted(field) -> bool:
    return isinstance(field, EncryptedTextField)


def test_every_model_of_the_project_is_declared_as_holding_personal_data_or_not():
    assert personal_data.unclassified() == []


def test_a_model_that_is_about_a_pupil_is_a_holding_that_finds_its_rows_per_pupil():
    held = {h.model for h in personal_data.holdings()}
    for model in personal_data.project_models():
        about_a_pupil = any(
            f.is_relation and f.related_model is Pupil and f.concrete
            for f in model._meta.get_fields()
        )
        if about_a_pupil:
            assert model in held, f"{model._meta.label} holds a pupil's data: declare it"


def test_the_special_categories_and_the_bsn_are_encrypted_and_secrets_never_plain():
    for model, name in personal_data.fields_of_kind(Kind.SPECIAL, Kind.BSN):
        field = model._meta.get_field(name)
        assert encrypted(field), f"{model._meta.label}.{name} must be encrypted"
    for model, name in personal_data.fields_of_kind(Kind.SECRET):
        field = model._meta.get_field(name)
        hashed = name in {"password", "token_hash", "bsn_index", "digest"}
        assert encrypted(field) or hashed, f"{model._meta.label}.{name} is a secret"


def test_every_encrypted_field_is_declared_with_its_kind():
    declared = {(h.model, name) for h in personal_data.holdings() for name in h.fields}
    for model in personal_data.project_models():
        for field in model._meta.concrete_fields:
            if encrypted(field) and model._meta.app_label != "encryption_tests":
                assert (model, field.name) in declared, f"{model._meta.label}.{field.name}"


def test_the_retention_categories_are_those_erasure_knows():
    codes = set(ErasureCategory.values)
    for holding in personal_data.holdings():
        assert holding.retention is None or holding.retention in codes, holding.label
    # Every category has something it erases.
    assert {h.retention for h in personal_data.holdings()} >= codes


def test_what_is_corrected_through_a_service_is_what_the_correction_targets_name():
    corrected = {h.model for h in personal_data.holdings() if h.correction}
    assert corrected == {target.model for target in corrections.TARGETS.values()}
    for target in corrections.TARGETS.values():
        fields = {
            name for h in personal_data.holdings() if h.model is target.model for name in h.fields
        }
        assert set(target.fields) <= fields, target.model._meta.label


def test_every_section_of_personal_data_is_written_in_the_copy_and_only_those():
    assert set(personal_data.copy_sections()) == set(copies.SECTIONS)


def test_what_is_deleted_per_pupil_can_be_found_per_pupil(db):
    for holding in personal_data.holdings(erasure=Erasure.DELETE):
        assert holding.pupil is not None, holding.label
        holding.of_pupil(0).exists()  # the lookup resolves


def test_a_holding_with_an_unknown_field_or_no_reason_is_refused():
    with pytest.raises(ValueError, match="no field"):
        personal_data.declare(
            [
                personal_data.Holding(
                    Pupil,
                    personal_data.Subject.PUPIL,
                    {"shoe_size": Kind.ORDINARY},
                    "pupil",
                    Erasure.DELETE,
                )
            ]
        )
    with pytest.raises(ValueError, match="why"):
        personal_data.declare(
            [
                personal_data.Holding(
                    Pupil,
                    personal_data.Subject.PUPIL,
                    {"gender": Kind.ORDINARY},
                    None,
                    Erasure.DELETE,
                )
            ]
        )


def test_an_undeclared_model_is_found(monkeypatch):
    monkeypatch.delitem(personal_data._not_personal, Group)
    assert personal_data.unclassified() == ["pupils.Group"]


def held_about(pupil) -> list[str]:
    """The holdings retention erases that still hold rows about *pupil*."""
    return [
        f"{h.label} ({h.retention})"
        for h in personal_data.holdings()
        if h.retention
        and h.pupil is not None
        and h.erasure in (Erasure.DELETE, Erasure.ANONYMISE)
        and h.of_pupil(pupil).exists()
    ]


def test_retention_leaves_nothing_the_registry_names_of_a_pupil_long_gone(demo):
    from requests.services import retention_sweep

    pupil = max(Pupil.objects.all(), key=lambda p: len(held_about(p)))
    director = User.objects.filter(memberships__school=pupil.school).first()
    run = ImportRun.objects.create(
        school=pupil.school, uploaded_by=director, export_date=pupil.enrolled_on
    )
    ImportLine.objects.create(
        run=run, pupil=pupil, kind="changed", subject="pupil", data='{"last_name": "X"}'
    )
    before = held_about(pupil)
    assert "sync.ImportLine (administration)" in before
    assert len(before) >= 10, before  # the demo's fullest pupil: the test erases much
    left = pupil.enrolled_on + datetime.timedelta(days=1)
    Pupil.objects.filter(pk=pupil.pk).update(left_on=left)
    DataRequest.objects.filter(pupil=pupil).update(status=DataRequest.Status.COMPLETED)

    retention_sweep(today=datetime.date(left.year + 6, 1, 1))

    assert held_about(pupil) == []
    assert Pupil.objects.get(pk=pupil.pk).anonymised_at is not None
