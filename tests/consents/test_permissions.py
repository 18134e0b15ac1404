"""The class-overview rule decided on the group in hand agrees with the same rule in SQL.

The overview page reads the group by its key and decides in Python (may_see_overview);
the index of groups asks the database (groups_for_overview). Both must give the same
answer for every user of the permission world, on every group.
"""

import pytest
from django.http import Http404

from consents import permissions
from pupils.models import Group
from schoolprivacy.models import User

pytestmark = pytest.mark.django_db


def test_the_python_and_sql_forms_of_the_overview_rule_agree(world):
    groups = list(Group.objects.all())
    assert len(groups) >= 2
    allowed = 0
    for key, user in world.users.items():
        if user is None:
            continue
        for group in groups:
            in_sql = permissions.groups_for_overview(User.objects.get(pk=user.pk))
            in_sql = in_sql.filter(pk=group.pk).exists()
            try:
                permissions.group_for_overview(User.objects.get(pk=user.pk), group.pk)
            except Http404:
                found = False
            else:
                found = True
            assert found == in_sql, (key, group.name)
            allowed += found
    assert allowed >= 5  # teachers, coordinators, team leader, director, administrator


def test_an_unknown_or_malformed_group_is_a_404(world):
    director = world.users["director"]
    for pk in (0, "abc", None):
        with pytest.raises(Http404):
            permissions.group_for_overview(director, pk)
