"""Every page a parent or a pupil sees about a child says whom to ask (the school chooses
which role answers what), with a way to reach them; staff pages do not."""

import pytest
from auditlog import get_logentry_model
from django.urls import reverse
from django.utils.html import escape

from pupils.models import QuestionContact
from schoolprivacy.models import Membership, Role
from tests.pupils.conftest import ROLES

pytestmark = pytest.mark.django_db


def page(login, user, url) -> str:
    response = login(user).get(url)
    assert response.status_code == 200
    return response.content.decode()


def child_pages(world):
    pk = world.pupil.pk
    return [
        reverse("portal:home"),
        reverse("portal:child", args=[pk]),
        reverse("consents:portal", args=[pk]),
        reverse("suppliers:portal_child", args=[pk]),
    ]


def test_every_page_about_a_child_says_whom_to_ask(world, login):
    teacher = world.users["teacher"]
    care = world.users["care_coordinator"]
    director = world.users["director"]
    first = escape(world.pupil.first_name)
    for url in child_pages(world):
        html = page(login, world.users["parent"], url)
        assert f"Vragen over {first}? Neem contact op met" in html, url
        assert f"mailto:{teacher.email}" in html, url
        assert escape(teacher.full_name) + " (leerkracht)" in html, url
        assert escape(care.full_name) + " (intern begeleider)" in html, url
        assert escape(director.full_name) + " (directeur)" in html, url
        # A teacher of another group is not whom this parent asks.
        assert world.users["teacher_other_group"].email not in html, url


def test_a_parent_with_the_information_right_is_told_whom_to_ask_too(world, login):
    html = page(login, world.users["parent_information_right"], reverse("portal:home"))
    assert f"mailto:{world.users['teacher'].email}" in html


def test_staff_pages_do_not_show_it(world, login):
    html = page(login, world.users["director"], reverse("pupils:detail", args=[world.pupil.pk]))
    assert "Neem contact op met" not in html


def test_the_director_chooses_who_answers_questions_on_consents(world, login):
    client = login(world.users["director"])
    url = reverse("pupils:question_contacts", args=[world.pupil.school_id])
    assert "Aanspreekpunten voor ouders" in client.get(url).content.decode()
    data = {"learning": "teacher", "care": "care_coordinator", "consent": "team_leader"}
    response = client.post(url, {**data, "privacy": "director"})
    assert response.status_code == 302
    contact = QuestionContact.objects.get()
    assert (contact.topic, contact.role) == ("consent", "team_leader")
    assert (
        get_logentry_model().objects.get_for_object(contact).get().actor == world.users["director"]
    )
    html = page(login, world.users["parent"], reverse("portal:child", args=[world.pupil.pk]))
    team_leader = world.users["team_leader"]
    assert escape(team_leader.full_name) + " (teamleider)" in html


def test_a_role_that_does_not_exist_is_refused_and_changes_nothing(world, login):
    client = login(world.users["director"])
    url = reverse("pupils:question_contacts", args=[world.pupil.school_id])
    response = client.post(
        url, {"learning": "janitor", "care": "care_coordinator", "consent": "teacher"}
    )
    assert response.status_code == 200
    assert "Selecteer een geldige keuze" in response.content.decode()
    assert not QuestionContact.objects.exists()


SETTERS = {"director", "administrator"}


@pytest.mark.parametrize("role", ROLES)
def test_only_the_director_and_the_administrator_choose_who_answers(world, login, role):
    url = reverse("pupils:question_contacts", args=[world.pupil.school_id])
    client = login(world.users[role])
    assert client.get(url).status_code == (
        200 if role in SETTERS else 302 if role == "anonymous" else 404
    )
    response = client.post(
        url,
        {"learning": "director", "care": "director", "consent": "director", "privacy": "director"},
    )
    if role in SETTERS:
        assert response.status_code == 302
        assert QuestionContact.objects.count() == 3
    else:
        assert response.status_code in (302, 404)
        if role == "anonymous":
            assert response["Location"].startswith(reverse("login"))
        assert not QuestionContact.objects.exists()


def test_where_nobody_holds_the_role_the_director_answers(world, login):
    Membership.objects.filter(school=world.pupil.school, role=Role.CARE_COORDINATOR).delete()
    html = page(login, world.users["parent"], reverse("portal:child", args=[world.pupil.pk]))
    director = world.users["director"]
    # Care and support now goes to the director, as does privacy.
    assert html.count(escape(director.full_name) + " (directeur)") == 2


def test_whom_to_ask_takes_a_fixed_number_of_queries(world, login, django_assert_max_num_queries):
    from pupils import whom_to_ask

    with django_assert_max_num_queries(1):
        ask = whom_to_ask.whom_to_ask(pupil=world.pupil)
    assert [a.topic for a in ask.answerers] == [
        "leren, vorderingen en het dossier",
        "zorg en begeleiding",
        "foto's en andere toestemmingen",
        "privacy en rechten",
    ]
    board = world.pupil.school.board
    assert (ask.board_name, ask.privacy_contact_email) == (board.name, board.privacy_contact_email)
    director = world.users["director"]
    assert [(p.full_name, p.email) for p in ask.answerers[3].people] == [
        (director.full_name, director.email)
    ]
