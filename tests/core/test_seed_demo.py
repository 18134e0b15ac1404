"""The demo board that `make run` loads."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from demo import data
from pupils.models import Guardianship, Pupil
from schoolprivacy.models import BoardRole, Membership, Role, School, User
from suppliers.models import Supplier

pytestmark = pytest.mark.django_db


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (User, School, Membership, Pupil, Guardianship, Supplier)
    }


def test_seeding_twice_changes_nothing_the_second_time(demo):
    before = counts()
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert counts() == before
    assert "nothing created" in out.getvalue()


def test_the_demo_board_has_two_schools_with_about_fifty_pupils_each(demo):
    for school in School.objects.all():
        assert school.pupils.count() == data.PUPILS_PER_SCHOOL
    assert {s.kind for s in School.objects.all()} == {School.Kind.PRIMARY, School.Kind.SPECIAL}


def test_every_staff_role_has_a_demo_login(demo):
    held = set(Membership.objects.values_list("role", flat=True))
    assert held == set(Role.values)
    assert User.objects.filter(board_memberships__role=BoardRole.PRIVACY_OFFICER).exists()
    for email, *_ in data.STAFF:
        assert User.objects.get(email=email).check_password(data.DEMO_PASSWORD)


def test_the_special_needs_centre_has_pupils_of_sixteen_and_older(demo):
    horizon = School.objects.get(kind=School.Kind.SPECIAL)
    oldest = horizon.pupils.order_by("date_of_birth").first()
    assert oldest.date_of_birth.year <= data.SCHOOL_YEAR - 17


def test_the_custody_stories_are_there(demo):
    bakker = User.objects.get(email="ouder@ouders.example")
    schools = set(bakker.guardianships.values_list("pupil__school", flat=True))
    assert len(schools) == 2

    kees = Guardianship.objects.get(parent__email="kees.dekker@ouders.example")
    assert not kees.has_parental_authority
    assert kees.has_information_right

    noor = Pupil.objects.get(first_name="Noor", last_name="Visser")
    assert noor.guardianships.filter(has_parental_authority=True).count() == 2


def test_the_suppliers_of_the_school_guides_are_there(demo):
    names = set(Supplier.objects.values_list("name", flat=True))
    assert {
        "ParnasSys",
        "Overstapservice Onderwijs",
        "SKOOL",
        "Gynzy",
        "Malmberg Staal",
        "Blink Groove.me",
        "Nieuwsbegrip",
        "Basispoort",
    } <= names


def test_demo_data_is_refused_where_it_is_not_allowed():
    with override_settings(DEMO_DATA_ALLOWED=False), pytest.raises(CommandError):
        call_command("seed_demo", stdout=io.StringIO())
    assert User.objects.count() == 0
