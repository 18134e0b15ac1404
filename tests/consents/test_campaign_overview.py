"""The campaign per group: who has not answered yet, and a reminder for just those families."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from consents import services
from consents.models import ConsentRequest, Purpose, PurposeVersion
from pupils import services as pupil_services
from schoolprivacy.models import Membership, Role
from tests.factories import (
    BoardFactory,
    GroupFactory,
    GuardianshipFactory,
    PupilFactory,
    SchoolFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

YEAR = services.school_year_of(timezone.localdate())


def question(school) -> Purpose:
    purpose = Purpose.objects.create(board=school.board, code="foto", category="images")
    purpose.schools.add(school)
    PurposeVersion.objects.create(
        purpose=purpose,
        number=1,
        valid_from=datetime.date(2024, 8, 1),
        title_nl="Foto's op de website",
        title_en="Photos on the website",
        text_nl="Wij plaatsen foto's.",
        text_en="We post photos.",
    )
    return purpose


def member(school, role):
    user = UserFactory()
    Membership.objects.create(user=user, school=school, role=role)
    return user


@pytest.fixture
def classes(db):
    school = SchoolFactory(board=BoardFactory())
    purpose = question(school)
    seven = GroupFactory(school=school, name="Groep 7", school_year=YEAR)
    eight = GroupFactory(school=school, name="Groep 8", school_year=YEAR)
    done = PupilFactory(school=school, group=seven, first_name="Anna")
    open_ = PupilFactory(school=school, group=seven, first_name="Bram")
    other = PupilFactory(school=school, group=eight, first_name="Cas")
    done_parent = GuardianshipFactory(pupil=done).parent
    open_parent = GuardianshipFactory(pupil=open_).parent
    other_parent = GuardianshipFactory(pupil=other).parent
    services.decision_record(
        pupil=done,
        purpose=purpose,
        version_id=purpose.versions.get().pk,
        choice="refused",
        acting_user=done_parent,
    )
    teacher = member(school, Role.TEACHER)
    pupil_services.group_assign_teacher(group=seven, teacher=teacher)
    other_teacher = member(school, Role.TEACHER)
    pupil_services.group_assign_teacher(group=eight, teacher=other_teacher)
    return {
        "seven": seven,
        "eight": eight,
        "open": open_,
        "open_parent": open_parent,
        "done_parent": done_parent,
        "other_parent": other_parent,
        "teacher": teacher,
        "other_teacher": other_teacher,
        "director": member(school, Role.DIRECTOR),
    }


def test_the_director_sees_per_group_how_many_families_have_answered(client, classes):
    client.force_login(classes["director"])
    html = client.get(reverse("consents:campaign_index")).content.decode()
    assert "Groep 7" in html and "Groep 8" in html
    page = client.get(reverse("consents:campaign_group", args=[classes["seven"].pk]))
    html = page.content.decode()
    assert "1 van 2 leerlingen heeft elke vraag" in html
    assert escape(classes["open"].full_name) in html
    assert escape("Foto's op de website") in html
    assert escape(classes["open_parent"].full_name) in html
    assert escape(classes["done_parent"].full_name) not in html


def test_a_teacher_sees_only_their_own_group(client, classes):
    client.force_login(classes["teacher"])
    html = client.get(reverse("consents:campaign_index")).content.decode()
    assert "Groep 7" in html and "Groep 8" not in html
    response = client.get(reverse("consents:campaign_group", args=[classes["eight"].pk]))
    assert response.status_code == 404


def test_a_reminder_goes_to_just_the_families_still_to_answer(client, classes):
    client.force_login(classes["teacher"])
    url = reverse("consents:campaign_group", args=[classes["seven"].pk])
    response = client.post(url, follow=True)
    assert "Er is een herinnering gestuurd naar 1 persoon." in response.content.decode()
    assert [m.to for m in mail.outbox] == [[classes["open_parent"].email]]
    assert "Bram" in mail.outbox[0].body
    asked = ConsentRequest.objects.get()
    assert (asked.recipient, asked.sent_at is not None) == (classes["open_parent"], True)

    # Two clicks do not nag: nobody asked in the last days is reminded again.
    again = client.post(url, follow=True)
    assert "Niemand is herinnerd" in again.content.decode()
    assert len(mail.outbox) == 1


def test_a_teacher_of_another_group_cannot_remind_its_families(client, classes):
    client.force_login(classes["other_teacher"])
    response = client.post(reverse("consents:campaign_group", args=[classes["seven"].pk]))
    assert response.status_code == 404
    assert mail.outbox == []
    assert not ConsentRequest.objects.exists()


def test_the_reminder_lists_only_the_questions_about_the_groups_pupils(client, classes):
    # One parent with a child in each group: the reminder for group 7 is about Bram only.
    GuardianshipFactory(
        pupil=classes["seven"].pupils.get(first_name="Bram"), parent=classes["other_parent"]
    )
    client.force_login(classes["director"])
    client.post(reverse("consents:campaign_group", args=[classes["seven"].pk]))
    (to_both,) = [m for m in mail.outbox if m.to == [classes["other_parent"].email]]
    assert "Bram" in to_both.body and "Cas" not in to_both.body
