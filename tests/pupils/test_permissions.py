"""The access rules decided in Python agree with the same rules in SQL.

The pupil page decides the actions and the special-category kinds from what it has
already read (the pupil, its holds, the user's roles, groups and assigned pupils)
instead of asking the database; every other caller asks the database. Both forms
must give the same answer for every user of the permission world, on every pupil,
with and without holds.
"""

import pytest
from django.http import Http404

from pupils import selectors, services
from pupils.models import ProcessingHold, Pupil
from pupils.permissions import PupilAction, PupilPolicy, special_kinds
from schoolprivacy.models import User

pytestmark = pytest.mark.django_db

HOLDS = {
    "none": [],
    "restricted dossier and special": [("restriction", ["dossier", "special"])],
    "objection to special": [("objection", ["special"])],
    "legal hold": [("legal_hold", ["dossier", "special", "administration"])],
}


@pytest.mark.parametrize("emergency", [False, True], ids=["", "break-glass open"])
@pytest.mark.parametrize("holds", HOLDS, ids=list(HOLDS))
def test_the_python_and_sql_forms_of_the_pupil_rules_agree(world, holds, emergency):
    placer = world.users["director"]
    if emergency:  # everyone who may breaks the glass on the pupil, before any hold
        for user in filter(None, world.users.values()):
            if PupilAction.EMERGENCY in PupilPolicy().actions(user, world.pupil):
                services.emergency_access_open(
                    pupil=world.pupil, reason="allergic reaction", acting_user=user
                )
    for kind, categories in HOLDS[holds]:
        for pupil in (world.pupil, world.other_pupil):
            services.hold_place(
                pupil=pupil, kind=kind, categories=categories, reason="test", acting_user=placer
            )
    checked = 0
    for key, user in world.users.items():
        if user is None:
            continue
        for pupil_id in (world.pupil.pk, world.other_pupil.pk):
            pupil = Pupil.objects.get(pk=pupil_id)
            restricted = selectors.restricted_categories(
                pupil=pupil, holds=list(selectors.active_holds(pupil=pupil))
            )
            fresh = User.objects.get(pk=user.pk)  # nothing cached from the other form
            in_sql = PupilPolicy().actions(fresh, pupil)
            in_python = PupilPolicy().actions(
                User.objects.get(pk=user.pk), pupil, restricted_data=restricted
            )
            assert in_python == in_sql, (key, pupil_id, holds)
            assert special_kinds(User.objects.get(pk=user.pk), pupil) == special_kinds(
                User.objects.get(pk=user.pk), pupil, restricted_data=restricted
            ), (key, pupil_id, holds)
            checked += bool(in_sql)
            for action in PupilAction:
                in_scope = PupilPolicy().scope(fresh, action).filter(pk=pupil_id).exists()
                try:
                    PupilPolicy().get(User.objects.get(pk=user.pk), pupil_id, action)
                except Http404:
                    found = False
                else:
                    found = True
                assert found == in_scope == (action in in_sql), (key, pupil_id, action, holds)
    assert checked >= 5  # the world has users with rights on these pupils
    assert ProcessingHold.objects.count() == 2 * len(HOLDS[holds])


def test_both_forms_refuse_everything_on_an_anonymised_pupil(world):
    from django.utils import timezone

    Pupil.objects.filter(pk=world.pupil.pk).update(anonymised_at=timezone.now())
    pupil = Pupil.objects.get(pk=world.pupil.pk)
    for user in filter(None, world.users.values()):
        sql = PupilPolicy().actions(User.objects.get(pk=user.pk), pupil)
        python = PupilPolicy().actions(User.objects.get(pk=user.pk), pupil, restricted_data=set())
        assert python == sql == frozenset()
