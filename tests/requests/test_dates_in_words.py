"""A date in a message or a page's text is written in words, day first, in English as in
Dutch (schoolprivacy/formats/; tests/core/test_date_formats.py holds the templates to it)."""

import re
import uuid

import pytest
from django.conf import settings
from django.urls import reverse

MONTH_FIRST = re.compile(
    r"\b(January|February|March|April|May|June|July|August|September|October|November|"
    r"December) \d{1,2}, \d{4}"
)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "answers_by"),
    [
        ("nl", r"De school antwoordt uiterlijk (?:op )?(.*?)\."),
        ("en", r"The school answers by (.*?) at the latest"),
    ],
)
def test_the_parents_new_request_says_its_deadline_in_words(world, login, language, answers_by):
    client = login(world.users["parent"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.post(
        reverse("requests:portal_new", args=[world.pupil.pk, "access"]),
        {"submission": uuid.uuid4()},
        follow=True,
    )
    html = response.content.decode()
    due = re.search(answers_by, html)
    assert due, html
    assert re.fullmatch(r"\d{1,2} [a-zA-Z]+ \d{4}", due.group(1)), due.group(1)
    assert not MONTH_FIRST.search(html)
