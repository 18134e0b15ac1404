"""Every role against every page of the sync, with real objects: only the school's
administrator and director import and see the imports; a denied case changes nothing."""

import io

import pytest
from django.urls import reverse

from sync import services
from sync.models import ChangeNotice, ColumnMapping, ImportRun
from tests.pupils.conftest import ROLES

from .files import P, edexml

pytestmark = pytest.mark.django_db
ALLOWED = {"director", "administrator"}

#: Every URL name of the sync that takes an object; the route matrix checks it is complete.
COVERED_URL_NAMES = {"sync:run", "sync:confirm", "sync:columns", "sync:notice_settle"}


@pytest.fixture
def run(world):
    data = edexml([P("L1", "Jansen", "Noor")], brin=world.pupil.school.brin)
    return services.edexml_preview(
        school=world.pupil.school,
        stream=io.BytesIO(data),
        size=len(data),
        acting_user=world.users["administrator"],
    )


@pytest.mark.parametrize("role", ROLES)
def test_the_import_pages(world, run, login, role):
    client = login(world.users[role])
    page = client.get(reverse("sync:run", args=[run.pk]))
    response = client.post(
        reverse("sync:confirm", args=[run.pk]),
        {"leavers_confirmed": "on", "errors_confirmed": "on"},
    )
    status = ImportRun.objects.get(pk=run.pk).status
    if role == "anonymous":
        assert page.status_code == response.status_code == 302
        assert status == ImportRun.Status.PREVIEW
    elif role in ALLOWED:
        assert page.status_code == 200 and response.status_code == 302
        assert status != ImportRun.Status.PREVIEW
    else:
        assert page.status_code == response.status_code == 404
        assert status == ImportRun.Status.PREVIEW


@pytest.mark.parametrize("role", ["director_other_school", "teacher", "privacy_officer"])
def test_nobody_else_uploads(world, login, role):
    client = login(world.users[role])
    data = edexml([P("L1", "Jansen", "Noor")], brin=world.pupil.school.brin)
    upload = io.BytesIO(data)
    upload.name = "EDEX.XML"
    response = client.post(
        reverse("sync:index"), {"school": world.pupil.school.pk, "file": upload}
    )
    assert response.status_code in (200, 404)
    assert not ImportRun.objects.exists()


@pytest.fixture
def waiting(world):
    """A parents export waiting for its columns."""
    data = b"Leerlingnummer;E-mail;Achternaam\nL1;anna@example.org;Vries\n"
    return services.parents_upload(
        school=world.pupil.school,
        stream=io.BytesIO(data),
        size=len(data),
        acting_user=world.users["administrator"],
    )


@pytest.mark.parametrize("role", ROLES)
def test_the_columns_page(world, waiting, login, role):
    client = login(world.users[role])
    url = reverse("sync:columns", args=[waiting.pk])
    page = client.get(url)
    response = client.post(
        url, {"pupil_key": "Leerlingnummer", "email": "E-mail", "last_name": "Achternaam"}
    )
    status = ImportRun.objects.get(pk=waiting.pk).status
    if role == "anonymous":
        assert page.status_code == response.status_code == 302
    elif role in ALLOWED:
        assert page.status_code == 200 and response.status_code == 302
        assert status == ImportRun.Status.PREVIEW
        return
    else:
        assert page.status_code == response.status_code == 404
    assert status == ImportRun.Status.MAPPING
    assert not ColumnMapping.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_settling_a_notice(world, run, receivers, login, role):
    notice = ChangeNotice.objects.create(
        run=run,
        pupil=world.pupil,
        recipient=receivers["duo"],
        receiver_name="DUO",
        fields=["last_name"],
        body="…",
    )
    client = login(world.users[role])
    response = client.post(
        reverse("sync:notice_settle", args=[notice.pk]), {"done": "1", "note": "BRON"}
    )
    status = ChangeNotice.objects.get(pk=notice.pk).status
    if role == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    elif role in ALLOWED:
        assert response.status_code == 302
        assert status == ChangeNotice.Status.DONE
        return
    else:
        assert response.status_code == 404
    assert status == ChangeNotice.Status.PENDING
