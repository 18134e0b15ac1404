"""factory_boy factories for the core models. App factories join as the apps grow."""

import factory
from factory.django import DjangoModelFactory

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
