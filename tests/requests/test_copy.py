"""The complete copy (GDPR Art. 15): everything on the child, the other parent left out,
downloaded by the requester alone, after logging in again, for a limited time."""

import datetime
import io
import json
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from consents.models import Decision
from pupils import services as pupil_services
from requests import services
from requests.models import AccessCopy, DataRequest
from schoolprivacy.audit_entry import AuditEntry
from schoolprivacy.reauth import SESSION_KEY
from tests.consents.conftest import make_purpose

from .conftest import submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared_custody(world):
    """Make the second parent a holder of authority too, named in the dossier's text."""
    other = world.guardianships["parent_information_right"]
    other.has_parental_authority, other.has_information_right = True, False
    other.save()
    return other.parent


def make_copy(world, django_capture_on_commit_callbacks, kind="access"):
    request = submit(world, kind)
    with django_capture_on_commit_callbacks(execute=True):
        services.copy_prepare(data_request=request, acting_user=world.users["director"])
    return DataRequest.objects.get(pk=request.pk), AccessCopy.objects.get(request=request)


def unzip(payload: bytes) -> tuple[dict, str]:
    archive = zipfile.ZipFile(io.BytesIO(payload))
    data = json.loads(archive.read("data.json"))
    documents = sorted(d["file"] for d in data["documents"])
    assert sorted(archive.namelist()) == ["copy.html", "data.json", *documents]
    return data, archive.read("copy.html").decode()


def test_the_copy_holds_everything_across_the_apps(
    world, dossier, receivers, django_capture_on_commit_callbacks
):
    purpose = make_purpose(world.pupil.school)
    Decision.objects.create(
        pupil=world.pupil,
        purpose=purpose,
        version=purpose.versions.get(),
        choice="given",
        decided_by=world.users["parent"],
        decider_role="parent",
        decided_at=timezone.now(),
        channel="portal",
        recorded_by=world.users["parent"],
    )
    pupil_services.dossier_viewed(
        pupil=world.pupil, acting_user=world.users["teacher"], part="dossier"
    )

    request, copy = make_copy(world, django_capture_on_commit_callbacks)

    assert copy.status == AccessCopy.Status.READY
    assert request.status == DataRequest.Status.COMPLETED
    data, html = unzip(services.copy_download(copy=copy, user=world.users["parent"])[1])
    assert data["pupil"]["bsn"] == world.pupil.bsn
    assert data["agreements"][0]["agreement"] == "Extra leesoefening thuis."
    assert data["test_results"][0]["test"] == "Rekenen M5"
    assert {n["title"] for n in data["notes"]} == {"Gesprek", "Verwijzing SO"}
    assert data["special_categories"][0]["content"] == "Astma."
    assert data["consents"]["decisions"][0]["text"] == "Wij plaatsen foto's."
    assert {r["name"] for r in data["recipients"]} == {"Gynzy", "SKOOL", "DUO"}
    assert data["requests"][0]["reference"] == request.reference
    assert data["access_history"][0]["who"] == world.users["teacher"].full_name
    assert data["information"]["complaint"]
    assert data["information"]["retention"]
    # The readable page holds the same.
    for text in ("Extra leesoefening thuis.", "Astma.", "Gynzy", world.users["teacher"].full_name):
        assert text in html
    assert 'lang="nl"' in html


def test_the_other_parents_data_is_left_out_and_that_is_logged(
    world, dossier, shared_custody, django_capture_on_commit_callbacks
):
    dossier["agreement"].participants = f"moeder, {shared_custody.full_name}, leerkracht"
    dossier["agreement"].save()
    other_request = submit(
        world, "erasure", role="parent_information_right", categories=["dossier"]
    )

    _request, copy = make_copy(world, django_capture_on_commit_callbacks)

    _name, payload = services.copy_download(copy=copy, user=world.users["parent"])
    text = payload.decode("latin-1") + json.dumps(unzip(payload)[0], ensure_ascii=False)
    data, html = unzip(payload)
    assert shared_custody.full_name not in json.dumps(data, ensure_ascii=False)
    assert shared_custody.full_name not in html
    assert shared_custody.email not in json.dumps(data) and shared_custody.email not in html
    assert other_request.reference not in json.dumps(data)
    assert "[…]" in data["agreements"][0]["participants"]
    assert copy.redactions["other_parents"] >= 1
    assert copy.redactions["mentions_in_text"] >= 1
    assert copy.redactions["requests_by_others"] == 1
    logged = AuditEntry.objects.filter(
        action=AuditEntry.Action.ACCESS, changes__viewed__0="copy"
    ).get()
    assert "other_parents=" in logged.changes["left_out"][0]
    assert text  # the archive was read


def test_the_parent_downloads_after_logging_in_again(
    world, login, django_capture_on_commit_callbacks
):
    _request, copy = make_copy(world, django_capture_on_commit_callbacks)
    client = login(world.users["parent"])  # force_login: no fresh password
    url = reverse("requests:copy_download", args=[copy.uid])

    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("reauthenticate"))
    assert AccessCopy.objects.get(pk=copy.pk).downloads == 0

    wrong = client.post(
        reverse("reauthenticate"), {"password": "niet-mijn-wachtwoord", "next": url}
    )
    assert wrong.status_code == 200
    response = client.post(
        reverse("reauthenticate"), {"password": "een-lang-testwachtwoord", "next": url}
    )
    assert response["Location"] == url

    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "no-store" in response["Cache-Control"]
    assert unzip(response.content)[0]["pupil"]["last_name"] == world.pupil.last_name
    copy.refresh_from_db()
    assert copy.downloads == 1
    assert AuditEntry.objects.filter(changes__viewed__0="copy:download").count() == 1


def test_a_download_link_used_by_another_user_is_refused_and_nothing_changes(
    world, login, django_capture_on_commit_callbacks
):
    _request, copy = make_copy(world, django_capture_on_commit_callbacks)
    for role in ("parent_information_right", "director", "parent_other_child"):
        client = login(world.users[role])
        session = client.session
        session[SESSION_KEY] = int(timezone.now().timestamp())
        session.save()
        response = client.get(reverse("requests:copy_download", args=[copy.uid]))
        assert response.status_code == 404
        assert response["Content-Type"].startswith("text/html")
    assert AccessCopy.objects.get(pk=copy.pk).downloads == 0
    assert not AuditEntry.objects.filter(changes__viewed__0="copy:download").exists()


def test_an_expired_link_is_refused_with_a_clear_message_and_the_content_goes(
    world, login, django_capture_on_commit_callbacks
):
    _request, copy = make_copy(world, django_capture_on_commit_callbacks)
    AccessCopy.objects.filter(pk=copy.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    client = login(world.users["parent"])
    response = client.get(reverse("requests:copy_download", args=[copy.uid]))
    assert response.status_code == 410
    assert AccessCopy.objects.get(pk=copy.pk).downloads == 0

    assert services.copies_expire() == 1
    copy.refresh_from_db()
    assert copy.status == AccessCopy.Status.EXPIRED and copy.content is None


def test_building_twice_makes_one_copy(world, django_capture_on_commit_callbacks):
    _request, copy = make_copy(world, django_capture_on_commit_callbacks)
    assert services.copy_build(copy_id=copy.pk) is False
    assert AccessCopy.objects.count() == 1


def test_the_copy_is_in_the_requesters_language(world, django_capture_on_commit_callbacks):
    world.users["parent"].language = "en"
    world.users["parent"].save()
    _request, copy = make_copy(world, django_capture_on_commit_callbacks)
    data, html = unzip(services.copy_download(copy=copy, user=world.users["parent"])[1])
    assert 'lang="en"' in html
    assert data["about"]["title"].startswith("Copy of the data")


def test_the_copy_is_stored_encrypted(world, django_capture_on_commit_callbacks):
    _request, copy = make_copy(world, django_capture_on_commit_callbacks)
    raw = AccessCopy.objects.filter(pk=copy.pk).values_list("content", flat=True).get()
    assert raw.startswith("v1.")
    assert world.pupil.last_name not in raw


def test_portability_gets_the_same_machine_readable_copy(
    world, django_capture_on_commit_callbacks
):
    _request, copy = make_copy(world, django_capture_on_commit_callbacks, kind="portability")
    data, _html = unzip(services.copy_download(copy=copy, user=world.users["parent"])[1])
    assert data["pupil"]["first_name"] == world.pupil.first_name


def test_the_copy_holds_earlier_versions_documents_and_contact_details(
    world, dossier, shared_custody, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests import documents

    pdf = documents.pdf()
    agreement, director = dossier["agreement"], world.users["director"]
    pupil_services.entry_correct(
        entry=agreement, acting_user=director, version=1, reason="Typfout", agreement="Nieuw."
    )
    document = pupil_services.attachment_add(
        entry=agreement,
        file=SimpleUploadedFile("Mila.pdf", pdf),
        title="Verslag",
        acting_user=director,
    )
    mother = world.users["parent"]
    pupil_services.parent_contact_update(
        parent=mother, acting_user=mother, phone_mobile="06-11112222"
    )
    pupil_services.parent_contact_update(
        parent=shared_custody, acting_user=shared_custody, phone_mobile="06-99998888"
    )
    for parent in (mother, shared_custody):
        pupil_services.emergency_contact_save(
            pupil=world.pupil, acting_user=director, parent_id=parent.pk
        )
    pupil_services.emergency_contact_save(
        pupil=world.pupil, acting_user=director, name="Oma", phone="030-1234567"
    )

    _request, copy = make_copy(world, django_capture_on_commit_callbacks)

    _name, payload = services.copy_download(copy=copy, user=mother)
    data, html = unzip(payload)
    version = data["earlier_versions"][0]
    assert version["version"] == 1 and version["reason"] == "Typfout"
    assert "Extra leesoefening thuis." in version["text"].values()
    assert data["agreements"][0]["agreement"] == "Nieuw."
    archive = zipfile.ZipFile(io.BytesIO(payload))
    assert archive.read(f"documents/{document.filename}") == pdf
    assert data["documents"][0]["file"] == f"documents/{document.filename}"
    assert "06-11112222" in data["your_contact_details"].values()
    phones = [c["phone"] for c in data["emergency_contacts"]]
    assert phones == ["06-11112222", "[…]", "030-1234567"]  # the father's number is his
    assert "06-99998888" not in json.dumps(data) and "06-99998888" not in html
    assert "030-1234567" in html


def test_the_copy_holds_every_look_however_many(world, django_capture_on_commit_callbacks):
    # Reproduced (issue 22): a pupil with 2,285 looks got a copy that named 500 of them.
    teacher = world.users["teacher"]
    for _ in range(620):
        pupil_services.dossier_viewed(pupil=world.pupil, acting_user=teacher, part="dossier")
    # Someone who looked and has since left the school is still someone who looked.
    leaver = world.users["care_coordinator"]
    pupil_services.dossier_viewed(pupil=world.pupil, acting_user=leaver, part="special")
    leaver.memberships.all().delete()

    _request, copy = make_copy(world, django_capture_on_commit_callbacks)

    data, html = unzip(services.copy_download(copy=copy, user=world.users["parent"])[1])
    looks = data["access_history"]
    assert len(looks) == 621
    assert [look["who"] for look in looks].count(teacher.full_name) == 620
    assert looks[0]["who"] == leaver.full_name
    assert html.count(escape(teacher.full_name)) >= 620
