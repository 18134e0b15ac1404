"""The menu's question on every page, "what brings this user to the portal?", is asked in
one statement built from the models (schoolprivacy.selectors.rows_exist). It must give
the answer the ORM gives, for every kind of user."""

import uuid

import pytest
from django.db.models import Exists, OuterRef

from pupils.models import Guardianship, Pupil
from pupils.permissions import PortalStanding, portal_standing
from requests import services
from requests.models import DataRequest
from requests.permissions import asked_before
from schoolprivacy.models import User
from schoolprivacy.selectors import rows_exist
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _by_the_orm(user) -> PortalStanding:
    return PortalStanding(
        **User.objects.filter(pk=user.pk)
        .values(
            guardian=Exists(Guardianship.objects.filter(parent=OuterRef("pk"))),
            authority=Exists(
                Guardianship.objects.filter(parent=OuterRef("pk"), has_parental_authority=True)
            ),
            own_account=Exists(Pupil.objects.filter(account=OuterRef("pk"))),
        )
        .get()
    )


def test_the_standing_is_the_orms_for_every_kind_of_user(world):
    pupil_account = UserFactory()
    world.other_pupil.account = pupil_account
    world.other_pupil.save(update_fields=["account"])
    people = [*(u for u in world.users.values() if u is not None), pupil_account]
    seen = set()
    for person in people:
        fresh = User.objects.get(pk=person.pk)  # nothing kept from an earlier answer
        standing = portal_standing(fresh)
        assert standing == _by_the_orm(person), person
        seen.add(standing)
    # The world holds each standing the menu tells apart.
    assert PortalStanding(True, True, False) in seen  # a parent with authority
    assert PortalStanding(True, False, False) in seen  # a parent without
    assert PortalStanding(False, False, True) in seen  # a pupil of 16+ with an account
    assert PortalStanding(False, False, False) in seen  # staff


def test_asked_before_is_whether_the_user_made_a_request(world):
    parent = world.users["parent"]
    assert asked_before(User.objects.get(pk=parent.pk)) is False
    services.request_submit(
        pupil=world.pupil,
        kind=DataRequest.Kind.ACCESS,
        requester=parent,
        acting_user=parent,
        submission=uuid.uuid4(),
    )
    assert asked_before(User.objects.get(pk=parent.pk)) is True
    assert asked_before(User.objects.get(pk=world.users["parent_information_right"].pk)) is False


def test_rows_exist_reads_each_question_with_its_own_values(world):
    parent = world.users["parent"]
    answers = rows_exist(
        (Guardianship, {"parent": parent.pk, "pupil": world.pupil.pk}),
        (Guardianship, {"parent": parent.pk, "pupil": world.other_pupil.pk}),
        (Pupil, {"account": parent.pk}),
    )
    assert answers == (True, False, False)
