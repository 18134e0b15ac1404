"""Who sees a pupil in the portal is decided twice: as a query for lists (children_of,
own_record) and in Python for one pupil in hand (portal_right, which own_child asks). For
every kind of guardian, every age and the pupil's own account they give the same answer."""

import datetime
import itertools

import pytest
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from pupils.models import Pupil
from pupils.permissions import PupilPolicy, children_of, own_record, portal_right
from tests.factories import GuardianshipFactory, PupilFactory, UserFactory

pytestmark = pytest.mark.django_db

AGES = (8, 15, 16, 17, 18, 19)


def _born(age: int) -> datetime.date:
    today = timezone.localdate()
    return today.replace(year=today.year - age) - datetime.timedelta(days=30)


def _by_query(user, pupil) -> bool:
    mine = Q(pk__in=children_of(user, information_right=True)) | own_record(user)
    return Pupil.objects.filter(mine, pk=pupil.pk).exists()


def _by_policy(user, pupil) -> bool:
    try:
        PupilPolicy().own_child(user, pupil.pk)
    except Http404:
        return False
    return True


@pytest.mark.parametrize("age", AGES)
def test_every_guardian_is_decided_the_same_by_the_query_and_for_one_pupil(age):
    cases = itertools.product((True, False), (True, False), (True, False))
    for authority, information, granted in cases:
        if authority and information:
            continue  # the information right is for a parent without authority (a constraint)
        pupil = PupilFactory(date_of_birth=_born(age))
        parent = UserFactory()
        GuardianshipFactory(
            parent=parent,
            pupil=pupil,
            has_parental_authority=authority,
            has_information_right=information,
            access_granted_at=timezone.now() if granted else None,
        )
        expected = _by_query(parent, pupil)
        case = f"age {age}, authority {authority}, information {information}, granted {granted}"
        assert (portal_right(parent, pupil) is not None) == expected, case
        assert _by_policy(parent, pupil) == expected, case


@pytest.mark.parametrize("age", AGES)
def test_the_pupils_own_account_and_a_stranger_are_decided_the_same(age):
    own = UserFactory()
    pupil = PupilFactory(date_of_birth=_born(age), account=own)
    stranger = UserFactory()
    assert _by_policy(own, pupil) == _by_query(own, pupil) == (age >= 16)
    assert _by_policy(stranger, pupil) is _by_query(stranger, pupil) is False


def test_an_anonymised_pupil_is_seen_by_no_one():
    pupil = PupilFactory(date_of_birth=_born(10), anonymised_at=timezone.now())
    parent = UserFactory()
    GuardianshipFactory(parent=parent, pupil=pupil)
    assert not _by_policy(parent, pupil)
