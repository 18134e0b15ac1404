"""The core authorization mechanism: grants, hidden-is-404, and role-gated views."""

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from pupils.models import Pupil
from schoolprivacy.authorization import (
    AccessPolicy,
    Action,
    forget_grants,
    grants_for,
    require_roles,
)
from schoolprivacy.models import BoardRole, Role
from tests.factories import (
    BoardMembershipFactory,
    MembershipFactory,
    PupilFactory,
    SchoolFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def test_a_user_without_roles_has_no_grants(user):
    grants = grants_for(user)
    assert not grants.is_staff_member
    assert grants.schools_with() == frozenset()


def test_grants_list_each_school_with_its_roles():
    membership = MembershipFactory(role=Role.TEACHER)
    MembershipFactory(user=membership.user, school=membership.school, role=Role.CARE_COORDINATOR)
    other = MembershipFactory(user=membership.user, role=Role.DIRECTOR)
    grants = grants_for(membership.user)
    assert grants.schools_with(Role.TEACHER) == {membership.school_id}
    assert grants.schools_with(Role.DIRECTOR) == {other.school_id}
    assert grants.schools_with() == {membership.school_id, other.school_id}
    assert grants.has_school_role(membership.school_id, Role.CARE_COORDINATOR)
    assert not grants.has_school_role(membership.school_id, Role.DIRECTOR)


def test_the_privacy_officer_holds_a_board_role_and_no_school_role():
    officer = BoardMembershipFactory()
    grants = grants_for(officer.user)
    assert grants.boards_with(BoardRole.PRIVACY_OFFICER) == {officer.board_id}
    assert grants.schools_with() == frozenset()
    assert grants.is_staff_member


def test_grants_are_read_once_per_user_object(django_assert_num_queries):
    membership = MembershipFactory()
    user = membership.user
    with django_assert_num_queries(1):  # school and board roles in one
        grants_for(user)
        grants_for(user)
    forget_grants(user)
    with django_assert_num_queries(1):
        grants_for(user)


def test_one_person_s_roles_at_schools_and_boards_are_read_together():
    membership = MembershipFactory(role=Role.TEACHER)
    other = MembershipFactory(user=membership.user, role=Role.DIRECTOR)
    board = BoardMembershipFactory(user=membership.user, role=BoardRole.PRIVACY_OFFICER)
    grants = grants_for(membership.user)
    assert grants.school_roles == {
        membership.school_id: frozenset({Role.TEACHER}),
        other.school_id: frozenset({Role.DIRECTOR}),
    }
    assert grants.board_roles == {board.board_id: frozenset({BoardRole.PRIVACY_OFFICER})}


def test_a_disabled_account_has_no_grants():
    membership = MembershipFactory(user__is_active=False)
    assert not grants_for(membership.user).is_staff_member


class PupilsOfMySchools(AccessPolicy):
    """A policy written the way an app writes one: staff see the pupils of their schools."""

    model = Pupil

    def scope(self, user, action):
        return Pupil.objects.filter(school_id__in=grants_for(user).schools_with())


def make_pupil(school):
    return PupilFactory(school=school, group=None)


def test_a_policy_answers_404_alike_for_missing_and_not_yours():
    from django.http import Http404

    mine = MembershipFactory()
    pupil_here = make_pupil(mine.school)
    pupil_elsewhere = make_pupil(SchoolFactory())
    policy = PupilsOfMySchools()

    assert policy.get(mine.user, pupil_here.pk) == pupil_here
    assert policy.allows(mine.user, pupil_here, Action.VIEW)
    assert not policy.allows(mine.user, pupil_elsewhere, Action.VIEW)
    for pk in (pupil_elsewhere.pk, 999_999, "not-a-number"):
        with pytest.raises(Http404):
            policy.get(mine.user, pk)


@require_roles(Role.DIRECTOR, board_roles=[BoardRole.PRIVACY_OFFICER])
def directors_page(request):
    return HttpResponse("ok")


def call(view, user):
    request = RequestFactory().get("/some/page/")
    request.user = user
    return view(request)


def test_a_role_gated_page_sends_anonymous_visitors_to_the_login_page():
    from django.contrib.auth.models import AnonymousUser

    response = call(directors_page, AnonymousUser())
    assert response.status_code == 302
    assert response["Location"].startswith("/account/login/?next=/some/page/")


def test_a_role_gated_page_is_404_without_the_role_and_open_with_it():
    from django.http import Http404

    teacher = MembershipFactory(role=Role.TEACHER).user
    with pytest.raises(Http404):
        call(directors_page, teacher)
    director = MembershipFactory(role=Role.DIRECTOR).user
    assert call(directors_page, director).status_code == 200
    officer = BoardMembershipFactory().user
    assert call(directors_page, officer).status_code == 200
    parent = UserFactory()
    with pytest.raises(Http404):
        call(directors_page, parent)
