"""The scan of a signed consent form: only a real PDF or image of at most 10 MB, stored
outside the static files under a name that says nothing, served only to its keepers."""

import datetime
import uuid

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from consents import services
from consents.models import Decision
from tests import documents
from tests.pupils.conftest import ROLES

pytestmark = pytest.mark.django_db
PDF = documents.pdf()
KEEPERS = {"director", "team_leader", "administrator", "privacy_officer"}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def record(world, purpose, scan, login):
    client = login(world.users["director"])
    return client.post(
        reverse("consents:paper_form", args=[world.pupil.pk]),
        {
            "purpose": purpose.pk,
            "choice": "given",
            "decided_by": world.users["parent"].pk,
            "form_date": datetime.date(2026, 9, 1).isoformat(),
            "submission": uuid.uuid4(),
            "scan": scan,
        },
    )


def test_a_scan_is_stored_outside_the_static_files_under_a_name_without_the_pupil(
    world, purpose, login, media
):
    response = record(
        world, purpose, SimpleUploadedFile(f"{world.pupil.last_name}.pdf", PDF), login
    )
    assert response.status_code == 302
    decision = Decision.objects.get(pupil=world.pupil)
    path = decision.scan.path
    assert path.startswith(str(media)) and not path.startswith(str(settings.STATIC_ROOT))
    assert world.pupil.last_name not in decision.scan.name
    assert decision.scan.name.startswith("consents/forms/") and path.endswith(".pdf")


@pytest.mark.parametrize(
    ("upload", "status", "message"),
    [
        (SimpleUploadedFile("formulier.pdf", b"MZ\x90\x00 not a pdf"), 200, "PDF, JPEG of PNG"),
        # Refused while it streams in, before the form is read (schoolprivacy/uploads.py).
        (
            SimpleUploadedFile("groot.pdf", PDF + b"0" * (10 * 1024 * 1024)),
            413,
            "groter dan 10 MB",
        ),
    ],
    ids=["not-a-pdf", "too-large"],
)
def test_a_wrong_or_too_large_file_is_refused_and_nothing_is_recorded(
    world, purpose, login, media, upload, status, message
):
    response = record(world, purpose, upload, login)
    assert response.status_code == status
    assert message in response.content.decode()
    assert "Er is niets opgeslagen." in response.content.decode()
    assert not Decision.objects.exists()
    assert not media.exists() or not any(path.is_file() for path in media.rglob("*"))


@pytest.mark.parametrize("role", ROLES)
def test_only_the_keepers_of_the_proof_open_a_scan(world, purpose, login, role):
    record(world, purpose, SimpleUploadedFile("f.pdf", PDF), login)
    decision = Decision.objects.get()
    response = login(world.users[role]).get(reverse("consents:paper_scan", args=[decision.pk]))
    if role == "anonymous":
        assert response.status_code == 302
    elif role in KEEPERS:
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Type"] == "application/pdf"
        assert "no-store" in response["Cache-Control"]
    else:
        assert response.status_code == 404


def test_erasing_the_consent_record_removes_the_scan_files(
    world, purpose, login, django_capture_on_commit_callbacks
):
    from pathlib import Path

    record(world, purpose, SimpleUploadedFile("f.pdf", PDF), login)
    path = Path(Decision.objects.get().scan.path)
    assert path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.pupil_consents_erase(pupil=world.pupil)
    assert not path.exists()
