"""A notice reads in the language of the page it is on: the parent who reads the overview
in English reads "Your request …", in Dutch "Uw verzoek …", whichever language the notice
and its e-mail were written in (schoolprivacy.services.notice_queue)."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from schoolprivacy.models import Notice
from schoolprivacy.services import notice_queue, notices_scrub
from tests.requests.conftest import submit

pytestmark = pytest.mark.django_db


def _notices_on_the_overview(client, language: str) -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    html = client.get(reverse("home")).content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_parents_notice_reads_in_the_language_of_the_page(world, login):
    parent = world.users["parent"]
    assert parent.language == "nl"
    data_request = submit(world)
    notice = Notice.objects.get(user=parent)
    assert notice.message.startswith(f"Uw verzoek {data_request.reference}")  # the e-mail's
    client = login(parent)

    english = _notices_on_the_overview(client, "en")
    assert f"Your request {data_request.reference}" in english
    assert "The school answers by" in english
    assert "Uw verzoek" not in english

    dutch = _notices_on_the_overview(client, "nl")
    assert f"Uw verzoek {data_request.reference}" in dutch
    assert "Your request" not in dutch


def test_a_notice_written_in_one_language_only_reads_as_written(world, login):
    parent = world.users["parent"]
    notice_queue(user=parent, subject="Onderwerp", message="Een bericht in het Nederlands.")
    english = _notices_on_the_overview(login(parent), "en")
    assert "Een bericht in het Nederlands." in english


@pytest.mark.parametrize("name", ["world", "Zoë 't Hart", 'Bo "Bobbie" de Wit'])
def test_an_erased_name_leaves_the_notice_in_every_language(world, name):
    teacher = world.users["teacher"]
    name = world.pupil.full_name if name == "world" else name
    notice_queue(
        user=teacher,
        subject="Onderwerp",
        message=lambda: f"{name}: iets veranderd / changed",
        about=world.pupil.pk,
    )
    other = notice_queue(user=teacher, subject="Onderwerp", message=lambda: "Niets over haar.")
    assert notices_scrub(name, pupil_id=world.pupil.pk) == 1
    notice = Notice.objects.get(pk__lt=other.pk, user=teacher)
    assert name not in notice.message
    assert notice.texts and all(name not in text for text in notice.texts.values())
    assert notice.texts["nl"] == "[…]: iets veranderd / changed"
    other.refresh_from_db()
    assert other.texts["nl"] == "Niets over haar."  # nothing else changed


def test_another_pupil_of_the_same_name_keeps_their_notices(world):
    teacher, name = world.users["teacher"], world.pupil.full_name
    namesake = notice_queue(
        user=teacher,
        subject="Onderwerp",
        message=f"{name}: toestemming gegeven",
        about=world.other_pupil.pk,
    )
    own = notice_queue(
        user=teacher, subject="Onderwerp", message=f"{name}: iets", about=world.pupil.pk
    )
    # Written before notices said whom they were about: found by the name, as before.
    legacy = notice_queue(user=teacher, subject="Onderwerp", message=f"{name}: oud bericht")
    Notice.objects.filter(pk=legacy.pk).update(about_pupil=Notice.ABOUT_UNKNOWN)

    assert notices_scrub(name, pupil_id=world.pupil.pk) == 2

    assert Notice.objects.get(pk=namesake.pk).message == f"{name}: toestemming gegeven"
    assert name not in Notice.objects.get(pk=own.pk).message
    assert name not in Notice.objects.get(pk=legacy.pk).message


def test_the_notices_of_a_request_say_which_pupil_they_are_about(world):
    before = set(Notice.objects.values_list("pk", flat=True))
    submit(world, "access")
    made = Notice.objects.exclude(pk__in=before)
    assert made.exists()
    assert set(made.values_list("about_pupil", flat=True)) == {world.pupil.pk}
