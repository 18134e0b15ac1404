"""One submission, one effect: a form posted twice, one after the other or at the same
moment, is run once and both posts get the same answer (schoolprivacy/submissions.py)."""

import datetime
import threading
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from pupils import models as pupils
from schoolprivacy import submissions
from schoolprivacy.models import Submission
from tests.pupils.conftest import world  # noqa: F401 (the fixture)

TODAY = datetime.date(2026, 11, 2)

FORMS = {
    "note": (
        pupils.Note,
        "teacher",
        lambda w: reverse("pupils:entry_add", args=[w.pupil.pk, "note"]),
        {
            "kind": "note",
            "written_on": TODAY,
            "title": "Gesprek",
            "body": "Goed.",
            "source": "school",
        },
    ),
    "agreement": (
        pupils.Agreement,
        "teacher",
        lambda w: reverse("pupils:entry_add", args=[w.pupil.pk, "agreement"]),
        {"agreed_on": TODAY, "participants": "moeder", "agreement": "Lezen.", "source": "school"},
    ),
    "test-result": (
        pupils.TestResult,
        "teacher",
        lambda w: reverse("pupils:entry_add", args=[w.pupil.pk, "test-result"]),
        {"test_name": "Rekenen", "taken_on": TODAY, "score": "41", "source": "school"},
    ),
    "special": (
        pupils.SpecialRecord,
        "care_coordinator",
        lambda w: reverse("pupils:special_add", args=[w.pupil.pk]),
        {"kind": "medical", "content": "Astma.", "source": "parent"},
    ),
    "new-pupil": (
        pupils.Pupil,
        "director",
        lambda w: reverse("pupils:create"),
        {
            "first_name": "Nieuw",
            "last_name": "Kind",
            "date_of_birth": datetime.date(2019, 5, 1),
            "enrolled_on": TODAY,
        },
    ),
}


def _post(user, url, data, key, answers, barrier=None):
    client = Client()
    client.force_login(user)
    if barrier is not None:
        barrier.wait()
    try:
        response = client.post(url, {**data, submissions.FIELD: str(key)})
        answers.append((response.status_code, response.get("Location")))
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("form", sorted(FORMS))
def test_two_posts_at_the_same_moment_store_one_row_and_answer_alike(world, form):  # noqa: F811
    model, role, url_of, data = FORMS[form]
    if form == "new-pupil":
        data = {**data, "school": world.pupil.school_id}
    before = model.objects.count()
    key, answers = uuid.uuid4(), []
    barrier = threading.Barrier(2)
    threads = [
        threading.Thread(
            target=_post, args=(world.users[role], url_of(world), data, key, answers, barrier)
        )
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert model.objects.count() == before + 1
    assert [status for status, _ in answers] == [302, 302]
    assert answers[0][1] == answers[1][1]
    # A replay later gets the same answer and changes nothing.
    _post(world.users[role], url_of(world), data, key, answers)
    assert answers[-1] == answers[0] and model.objects.count() == before + 1


@pytest.mark.django_db
def test_a_form_with_errors_gives_its_key_back_and_the_corrected_form_counts(world, client):  # noqa: F811
    client.force_login(world.users["teacher"])
    url = reverse("pupils:entry_add", args=[world.pupil.pk, "note"])
    key = str(uuid.uuid4())
    response = client.post(url, {"kind": "note", "title": "", submissions.FIELD: key})
    assert response.status_code == 200 and not pupils.Note.objects.exists()
    assert f'value="{key}"' in response.content.decode()  # the form keeps its key
    assert not Submission.objects.exists()
    _model, _role, _url, data = FORMS["note"]
    assert client.post(url, {**data, submissions.FIELD: key}).status_code == 302
    assert pupils.Note.objects.count() == 1


@pytest.mark.django_db
def test_two_forms_filled_in_twice_are_two_rows(world, client):  # noqa: F811
    client.force_login(world.users["teacher"])
    _model, _role, url_of, data = FORMS["note"]
    for _ in range(2):
        client.post(url_of(world), {**data, submissions.FIELD: str(uuid.uuid4())})
    assert pupils.Note.objects.count() == 2


@pytest.mark.django_db
def test_every_form_on_a_page_carries_a_key(world, client):  # noqa: F811
    client.force_login(world.users["teacher"])
    html = client.get(reverse("pupils:entry_add", args=[world.pupil.pk, "note"])).content.decode()
    assert f'name="{submissions.FIELD}"' in html


@pytest.mark.django_db
def test_old_keys_are_forgotten(world):  # noqa: F811
    from django.utils import timezone

    user = world.users["teacher"]
    submissions.claim(user, uuid.uuid4(), "/x/")
    assert submissions.forget_old(now=timezone.now()) == 0
    assert submissions.forget_old(now=timezone.now() + submissions.KEEP * 2) == 1
