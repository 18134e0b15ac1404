"""Entries and records have a life: corrected with the earlier version kept, ended and
replaced, documents attached (checked by content, sealed with a key of their own, served
as a download named by the app). Nothing deletes an entry but erasure and retention."""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from pupils import services
from pupils.models import Agreement, Attachment, EntryRevision, Note, SpecialRecord
from schoolprivacy import uploads
from schoolprivacy.audit_entry import AuditEntry
from schoolprivacy.encryption import EncryptionError
from tests import documents

pytestmark = pytest.mark.django_db

PDF = documents.pdf()
PNG = documents.image("PNG")


@pytest.fixture
def agreement(world):
    return services.agreement_record(
        pupil=world.pupil,
        acting_user=world.users["teacher"],
        agreed_on=datetime.date(2026, 10, 1),
        participants="moeder, leerkracht",
        agreement="Elke vrijdag leesoefening mee naar huis.",
    )


@pytest.fixture
def medication(world):
    return services.special_record_add(
        pupil=world.pupil,
        kind=SpecialRecord.Kind.MEDICATION,
        content="Ritalin 10 mg om 12:00",
        acting_user=world.users["care_coordinator"],
    )


def _correct_url(world, entry, kind="agreement"):
    return reverse("pupils:entry_correct", args=[world.pupil.pk, kind, entry.pk])


def _correction(entry, **changes):
    data = {
        "agreed_on": entry.agreed_on.isoformat(),
        "participants": entry.participants,
        "agreement": entry.agreement,
        "follow_up": "",
        "follow_up_on": "",
        "version": entry.version,
        "reason": "Dag was verkeerd.",
    }
    data.update(changes)
    return data


# --- Corrections -----------------------------------------------------------------------------


def test_the_author_corrects_an_entry_and_the_earlier_version_is_kept(world, login, agreement):
    client = login(world.users["teacher"])
    response = client.post(
        _correct_url(world, agreement), _correction(agreement, agreement="Elke donderdag lezen.")
    )
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.agreement == "Elke donderdag lezen."
    assert agreement.version == 2
    assert agreement.revised_by == world.users["teacher"]
    revision = EntryRevision.objects.get(agreement=agreement)
    assert revision.version == 1 and revision.reason == "Dag was verkeerd."
    assert (
        services.revision_values(revision)["agreement"]
        == "Elke vrijdag leesoefening mee naar huis."
    )
    change = (
        AuditEntry.objects.get_for_object(agreement).filter(action=AuditEntry.Action.UPDATE).get()
    )
    assert change.actor == world.users["teacher"] and "agreement" in change.changes_dict
    # Whoever may see the entry sees the earlier version, with who changed it, when and why.
    page = client.get(reverse("pupils:entry", args=[world.pupil.pk, "agreement", agreement.pk]))
    html = page.content.decode()
    assert "Elke vrijdag leesoefening mee naar huis." in html and "Dag was verkeerd." in html
    assert escape(world.users["teacher"].full_name) in html  # a name may hold an apostrophe


def test_the_parent_sees_that_the_entry_was_changed(world, login, agreement):
    services.entry_correct(
        entry=agreement,
        acting_user=world.users["teacher"],
        version=1,
        reason="Typfout",
        agreement="Elke donderdag lezen.",
    )
    page = login(world.users["parent"]).get(reverse("portal:child", args=[world.pupil.pk]))
    html = page.content.decode()
    assert "Elke donderdag lezen." in html
    assert "Gewijzigd op" in html and escape(world.users["teacher"].full_name) in html


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("teacher_other_group", False),
        ("team_leader", False),  # records, but corrects only their own
        ("administrator", False),
        ("parent", False),
        ("privacy_officer", False),
        ("care_coordinator", True),
        ("care_coordinator_assigned", True),
        ("director", True),
    ],
)
def test_who_corrects_someone_elses_entry(world, login, agreement, role, allowed):
    client = login(world.users[role])
    response = client.post(_correct_url(world, agreement), _correction(agreement, agreement="X"))
    agreement.refresh_from_db()
    if allowed:
        assert response.status_code == 302 and agreement.agreement == "X"
    else:
        assert response.status_code == 404
        assert agreement.agreement == "Elke vrijdag leesoefening mee naar huis."
        assert agreement.version == 1 and not EntryRevision.objects.exists()


def test_a_teacher_does_not_correct_a_colleagues_entry_of_the_same_group(world, agreement):
    colleague = world.users["teacher"]
    other = services.note_record(
        pupil=world.pupil,
        acting_user=world.users["care_coordinator"],
        written_on=datetime.date(2026, 10, 2),
        title="Gesprek",
        body="Tekst",
    )
    with pytest.raises(PermissionDenied):
        services.entry_correct(entry=other, acting_user=colleague, version=1, reason="x", body="Y")
    other.refresh_from_db()
    assert other.body == "Tekst" and other.version == 1


def test_a_correction_needs_a_reason_and_changes_nothing_without_one(world, login, agreement):
    response = login(world.users["teacher"]).post(
        _correct_url(world, agreement), _correction(agreement, agreement="Anders", reason="")
    )
    assert response.status_code == 200
    agreement.refresh_from_db()
    assert agreement.agreement == "Elke vrijdag leesoefening mee naar huis."
    assert not EntryRevision.objects.exists()


def test_two_corrections_at_once_do_not_overwrite_each_other(world, login, agreement):
    services.entry_correct(
        entry=agreement, acting_user=world.users["director"], version=1, reason="a", agreement="A"
    )
    response = login(world.users["teacher"]).post(
        _correct_url(world, agreement), _correction(agreement, agreement="B", version=1)
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    agreement.refresh_from_db()
    assert agreement.agreement == "A" and agreement.version == 2


def test_no_page_deletes_an_entry(world, login, agreement):
    client = login(world.users["director"])
    url = reverse("pupils:entry", args=[world.pupil.pk, "agreement", agreement.pk])
    assert client.post(url, {"delete": "1"}).status_code in (200, 405)
    assert Agreement.objects.filter(pk=agreement.pk).exists()


# --- Special-category records: ended and replaced --------------------------------------------


def test_the_care_coordinator_ends_a_medication_and_it_stays_marked_ended(
    world, login, medication
):
    client = login(world.users["care_coordinator"])
    today = timezone.localdate()
    response = client.post(
        reverse("pupils:special_end", args=[world.pupil.pk, medication.pk]),
        {"ended_on": today.isoformat(), "end_reason": "Gestopt op advies van de arts"},
    )
    assert response.status_code == 302
    medication.refresh_from_db()
    assert medication.ended and medication.end_reason == "Gestopt op advies van de arts"
    html = client.get(reverse("pupils:special", args=[world.pupil.pk])).content.decode()
    assert "Ritalin 10 mg om 12:00" in html and "Gestopt op advies van de arts" in html


def test_a_teacher_cannot_end_a_medication(world, login, medication):
    response = login(world.users["teacher"]).post(
        reverse("pupils:special_end", args=[world.pupil.pk, medication.pk]),
        {"ended_on": timezone.localdate().isoformat(), "end_reason": "x"},
    )
    assert response.status_code == 404
    medication.refresh_from_db()
    assert medication.ended_on is None


def test_a_record_replaced_by_a_new_version_ends_and_says_so(world, medication):
    new = services.special_record_replace(
        record=medication,
        content="Ritalin 5 mg om 12:00",
        reason="Dosis verlaagd",
        acting_user=world.users["care_coordinator"],
    )
    medication.refresh_from_db()
    assert new.replaces == medication and medication.ended_on == timezone.localdate()
    assert medication.end_reason == "Dosis verlaagd"
    assert SpecialRecord.objects.filter(pupil=world.pupil).count() == 2
    with pytest.raises(ValidationError):
        services.special_record_end(
            record=medication,
            ended_on=timezone.localdate(),
            reason="again",
            acting_user=world.users["care_coordinator"],
        )


# --- Documents -------------------------------------------------------------------------------


def _attach(client, world, kind, pk, content, name="protocol.pdf", title="Individueel protocol"):
    return client.post(
        reverse("pupils:document_add", args=[world.pupil.pk, kind, pk]),
        {
            "title": title,
            "file": SimpleUploadedFile(name, content, content_type="application/pdf"),
        },
    )


def test_a_protocol_is_attached_encrypted_and_served_as_a_download_named_by_the_app(
    world, login, medication
):
    client = login(world.users["care_coordinator"])
    assert (
        _attach(client, world, "special", medication.pk, PDF, name="Jansen Mila.pdf").status_code
        == 302
    )
    attachment = Attachment.objects.get(special_record=medication)
    raw = bytes(Attachment.objects.values_list("content", flat=True).get())
    assert b"%PDF" not in raw and b"endobj" not in raw  # sealed at rest
    # The teacher, who sees the medication for safety, downloads it.
    response = login(world.users["teacher"]).get(
        reverse("pupils:document", args=[world.pupil.pk, attachment.uid])
    )
    assert response.status_code == 200 and response.content == PDF
    assert response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;") and "Mila" not in disposition
    assert attachment.filename in disposition and attachment.filename.endswith(".pdf")
    look = AuditEntry.objects.filter(
        action=AuditEntry.Action.ACCESS,
        actor=world.users["teacher"],
        object_pk=str(world.pupil.pk),
    ).latest("pk")
    assert look.changes_dict["viewed"][0] == "document"
    assert look.changes_dict["document"][0] == str(attachment.uid)


def test_a_document_opens_only_in_its_own_row(world, login, medication):
    first = services.attachment_add(
        entry=medication,
        file=SimpleUploadedFile("a.pdf", PDF),
        title="a",
        acting_user=world.users["care_coordinator"],
    )
    second = services.attachment_add(
        entry=medication,
        file=SimpleUploadedFile("b.pdf", PDF + b"\n"),
        title="b",
        acting_user=world.users["care_coordinator"],
    )
    second.content = first.content  # copied into another row
    with pytest.raises(EncryptionError):
        services.attachment_bytes(second)


def test_an_upload_that_lies_about_its_type_is_refused_and_nothing_is_stored(
    world, login, agreement
):
    client = login(world.users["teacher"])
    for content in (
        b"<html><script>alert(1)</script></html>",
        b"MZ\x90\x00 not a pdf",
        b"%PDF-1.7 no end",
        documents.garbage_after_pdf_header(),
        documents.truncated_pdf(),
        documents.png_then_svg(),
    ):
        response = _attach(client, world, "agreement", agreement.pk, content, name="scan.pdf")
        assert response.status_code == 200
        assert "file" in response.context["form"].errors
    assert not Attachment.objects.exists()


def test_an_image_is_named_by_its_content_not_by_the_uploaders_name(world, login, agreement):
    client = login(world.users["teacher"])
    assert (
        _attach(client, world, "agreement", agreement.pk, PNG, name="foto.pdf").status_code == 302
    )
    attachment = Attachment.objects.get()
    assert attachment.kind == "png" and attachment.filename.endswith(".png")
    response = client.get(reverse("pupils:document", args=[world.pupil.pk, attachment.uid]))
    assert response["Content-Type"] == "image/png"


def test_an_upload_over_the_limit_is_refused_before_it_is_stored(world, login, agreement):
    response = _attach(
        login(world.users["teacher"]),
        world,
        "agreement",
        agreement.pk,
        PDF + b"0" * (uploads.MAX_UPLOAD + 1),
    )
    assert response.status_code == 413
    assert "groter dan 10 MB" in response.content.decode()
    assert not Attachment.objects.exists()


def test_the_upload_handler_stops_at_the_chunk_that_passes_the_limit(rf, monkeypatch):
    """Streamed: the chunk that passes the limit never reaches the handlers that store a
    file, and the request is read no further (tests/core/test_uploads_verified.py)."""
    monkeypatch.setattr(uploads, "MAX_UPLOAD", 100)
    request = rf.post("/")
    request.upload_limit = uploads.Limit(files=1)
    handler = uploads.LimitedUploadHandler(request)
    assert handler.handle_raw_input(None, {}, 1000, b"x") is None
    handler.new_file("file", "x.pdf", "application/pdf", 1000)
    assert handler.receive_data_chunk(b"a" * 64, 0) == b"a" * 64
    with pytest.raises(uploads.UploadRefused):
        handler.receive_data_chunk(b"a" * 64, 64)
    with pytest.raises(uploads.UploadRefused):
        handler.new_file("second", "y.pdf", "application/pdf", 10)  # one file only


def test_a_teacher_attaches_only_to_what_they_may_correct(world, login, medication, agreement):
    client = login(world.users["teacher"])
    assert _attach(client, world, "special", medication.pk, PDF).status_code == 404
    other = services.note_record(
        pupil=world.pupil,
        acting_user=world.users["care_coordinator"],
        written_on=datetime.date(2026, 10, 2),
        title="Gesprek",
        body="Tekst",
        kind=Note.Kind.NOTE,
    )
    assert _attach(client, world, "note", other.pk, PDF).status_code == 404
    assert not Attachment.objects.exists()


def test_parents_download_what_their_right_shows(world, login, medication, agreement):
    coordinator = world.users["care_coordinator"]
    on_record = services.attachment_add(
        entry=medication,
        file=SimpleUploadedFile("p.pdf", PDF),
        title="Protocol",
        acting_user=coordinator,
    )
    on_entry = services.attachment_add(
        entry=agreement,
        file=io.BytesIO(PDF) and SimpleUploadedFile("v.pdf", PDF),
        title="Verslag",
        acting_user=coordinator,
    )
    url = lambda a: reverse("portal:document", args=[world.pupil.pk, a.uid])  # noqa: E731
    parent = login(world.users["parent"])
    assert parent.get(url(on_record)).content == PDF
    assert (
        "Protocol" in parent.get(reverse("portal:child", args=[world.pupil.pk])).content.decode()
    )
    informed = login(world.users["parent_information_right"])
    assert informed.get(url(on_entry)).status_code == 200  # progress: the information right
    assert informed.get(url(on_record)).status_code == 404  # never the special categories
    assert login(world.users["parent_other_child"]).get(url(on_entry)).status_code == 404


def test_erasing_an_entry_takes_its_versions_and_documents(world, agreement):
    services.entry_correct(
        entry=agreement, acting_user=world.users["teacher"], version=1, reason="r", agreement="B"
    )
    services.attachment_add(
        entry=agreement,
        file=SimpleUploadedFile("v.pdf", PDF),
        title="Verslag",
        acting_user=world.users["teacher"],
    )
    agreement.delete()  # as erasure and retention delete rows
    assert not EntryRevision.objects.exists() and not Attachment.objects.exists()


def test_after_a_key_rotation_a_document_still_opens_under_the_new_key_alone(world, medication):
    from django.conf import settings
    from django.core.management import call_command
    from django.test import override_settings

    from tests.encryption.helpers import NEW_KEY

    document = services.attachment_add(
        entry=medication,
        file=SimpleUploadedFile("p.pdf", PDF),
        title="Protocol",
        acting_user=world.users["care_coordinator"],
    )
    sealed = bytes(Attachment.objects.values_list("content", flat=True).get())
    old = settings.FIELD_ENCRYPTION_KEYS[0]
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW_KEY, old]):
        call_command("rotate_encryption_keys", stdout=io.StringIO())
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW_KEY]):
        assert services.attachment_bytes(Attachment.objects.get(pk=document.pk)) == PDF
    # Only the document's key was sealed again, not the document.
    assert bytes(Attachment.objects.values_list("content", flat=True).get()) == sealed
