"""factory_boy factories for the core models. App factories join as the apps grow."""

import datetime

import factory
from factory.django import DjangoModelFactory

from schoolprivacy.encryption import blind_index
from schoolprivacy.models import Board, BoardMembership, BoardRole, Membership, Role, School, User

PASSWORD = "een-lang-testwachtwoord"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@school.example")
    full_name = factory.Faker("name", locale="nl_NL")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])


class BoardFactory(DjangoModelFactory):
    class Meta:
        model = Board

    name = factory.Sequence(lambda n: f"Stichting Test {n}")


class SchoolFactory(DjangoModelFactory):
    class Meta:
        model = School

    board = factory.SubFactory(BoardFactory)
    name = factory.Sequence(lambda n: f"School {n}")
    brin = factory.Sequence(lambda n: f"{n:02d}ZZ")
    kind = School.Kind.PRIMARY


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    school = factory.SubFactory(SchoolFactory)
    role = Role.TEACHER


class BoardMembershipFactory(DjangoModelFactory):
    class Meta:
        model = BoardMembership

    user = factory.SubFactory(UserFactory)
    board = factory.SubFactory(BoardFactory)
    role = BoardRole.PRIVACY_OFFICER


# --- pupils -----------------------------------------------------------------------


class GroupFactory(DjangoModelFactory):
    class Meta:
        model = "pupils.Group"

    school = factory.SubFactory(SchoolFactory)
    name = factory.Sequence(lambda n: f"Groep {n}")
    school_year = 2026
    year_group = 5


def _valid_bsn(n: int) -> str:
    """A deterministic number that passes the eleven-test."""
    for attempt in range(100):
        digits = [int(c) for c in f"{10_000_000 + n * 100 + attempt:08d}"[-8:]]
        check = sum(d * w for d, w in zip(digits, range(9, 1, -1), strict=True)) % 11
        if check < 10:
            return "".join(map(str, digits)) + str(check)
    raise AssertionError("no valid BSN found")


class PupilFactory(DjangoModelFactory):
    class Meta:
        model = "pupils.Pupil"

    school = factory.SubFactory(SchoolFactory)
    board = factory.SelfAttribute("school.board")
    group = factory.SubFactory(GroupFactory, school=factory.SelfAttribute("..school"))
    first_name = factory.Faker("first_name", locale="nl_NL")
    last_name = factory.Faker("last_name", locale="nl_NL")
    date_of_birth = datetime.date(2017, 3, 14)
    enrolled_on = datetime.date(2021, 8, 20)
    bsn = factory.Sequence(_valid_bsn)
    bsn_index = factory.LazyAttribute(lambda o: blind_index(o.bsn) if o.bsn else None)


class GuardianshipFactory(DjangoModelFactory):
    class Meta:
        model = "pupils.Guardianship"

    parent = factory.SubFactory(UserFactory)
    pupil = factory.SubFactory(PupilFactory)
    relation = "mother"
    has_parental_authority = True
    has_information_right = False
