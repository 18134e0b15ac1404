"""Staff management: invitations, roles given and taken, groups, pupils followed, accounts
switched off (sessions end at once), board roles; audited, never on oneself, never on
another school's staff."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from pupils.models import (
    Group,
    GroupUserObjectPermission,
    Invitation,
    PupilUserObjectPermission,
)
from schoolprivacy.audit_entry import AuditEntry
from schoolprivacy.models import BoardMembership, BoardRole, Membership, Role, User
from staff import services

pytestmark = pytest.mark.django_db


def test_a_new_member_of_staff_is_invited_by_email(
    world, login, django_capture_on_commit_callbacks
):
    client = login(world.users["administrator"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("staff:invite"),
            {
                "school": world.pupil.school.pk,
                "email": "Nieuw@School.example",
                "full_name": "Nina Nieuw",
                "roles": [Role.TEACHER],
            },
        )
    new = User.objects.get(email="nieuw@school.example")
    assert response["Location"] == reverse("staff:member", args=[new.pk])
    assert not new.has_usable_password()
    membership = Membership.objects.get(user=new)
    assert (membership.school, membership.role) == (world.pupil.school, Role.TEACHER)
    entry = AuditEntry.objects.get_for_object(membership).get()
    assert entry.actor == world.users["administrator"]
    assert Invitation.objects.filter(parent=new).count() == 1
    [message] = mail.outbox
    assert message.to == ["nieuw@school.example"]
    assert world.pupil.school.name in message.body
    link = reverse("portal:accept_invitation", args=["token"]).removesuffix("token/")
    assert link in message.body
    assert "your child" not in message.body and "uw kind" not in message.body


def test_an_existing_account_gets_the_role_and_no_invitation(world, login):
    parent = world.users["parent"]
    client = login(world.users["director"])
    client.post(
        reverse("staff:invite"),
        {
            "school": world.pupil.school.pk,
            "email": parent.email,
            "full_name": "whatever",
            "roles": [Role.TEACHER],
        },
    )
    assert Membership.objects.filter(user=parent, role=Role.TEACHER).exists()
    assert not Invitation.objects.filter(parent=parent).exists()
    parent.refresh_from_db()
    assert parent.full_name != "whatever"


def test_an_invitation_without_roles_or_for_oneself_changes_nothing(world, login):
    admin = world.users["administrator"]
    client = login(admin)
    before = Membership.objects.count()
    for data in (
        {"email": "a@school.example", "full_name": "A", "roles": []},
        {"email": admin.email, "full_name": "Me", "roles": [Role.DIRECTOR]},
        {"email": "not an address", "full_name": "B", "roles": [Role.TEACHER]},
    ):
        response = client.post(reverse("staff:invite"), {"school": world.pupil.school.pk, **data})
        assert response.status_code == 200
        assert response.context["form"].errors
    assert Membership.objects.count() == before
    assert not User.objects.filter(email="a@school.example").exists()


def test_taking_the_teacher_role_ends_the_groups_taught(world, login):
    teacher = world.users["teacher"]
    assert GroupUserObjectPermission.objects.filter(user=teacher).exists()
    given, taken = services.school_roles_set(
        user=teacher,
        school=world.pupil.school,
        roles=[Role.CARE_COORDINATOR],
        acting_user=world.users["administrator"],
    )
    assert (given, taken) == ({Role.CARE_COORDINATOR}, {Role.TEACHER})
    assert not GroupUserObjectPermission.objects.filter(user=teacher).exists()
    roles = set(Membership.objects.filter(user=teacher).values_list("role", flat=True))
    assert roles == {Role.CARE_COORDINATOR}
    deleted = AuditEntry.objects.filter(
        action=AuditEntry.Action.DELETE, actor=world.users["administrator"]
    )
    assert deleted.count() == 2  # the membership and the group permission


def test_nobody_changes_their_own_roles(world, login):
    admin = world.users["administrator"]
    client = login(admin)
    response = client.post(
        reverse("staff:roles", args=[admin.pk]),
        {
            "kind": "school",
            "place_id": world.pupil.school.pk,
            f"school-{world.pupil.school.pk}-place": world.pupil.school.pk,
            f"school-{world.pupil.school.pk}-roles": [Role.ADMINISTRATOR, Role.CARE_COORDINATOR],
        },
        follow=True,
    )
    assert "Nobody changes their own" in response.content.decode() or "Niemand" in (
        response.content.decode()
    )
    assert set(Membership.objects.filter(user=admin).values_list("role", flat=True)) == {
        Role.ADMINISTRATOR
    }
    with pytest.raises(ValidationError):
        services.account_switch_off(user=admin, acting_user=admin)


def test_another_schools_director_cannot_act_on_this_schools_staff(world):
    teacher = world.users["teacher"]
    with pytest.raises(PermissionDenied):
        services.school_roles_set(
            user=teacher,
            school=world.pupil.school,
            roles=[Role.DIRECTOR],
            acting_user=world.users["director_other_school"],
        )
    with pytest.raises(PermissionDenied):
        services.account_switch_off(user=teacher, acting_user=world.users["director_other_school"])
    teacher.refresh_from_db()
    assert teacher.is_active
    assert not Membership.objects.filter(user=teacher, role=Role.DIRECTOR).exists()


def test_groups_are_assigned_and_unassigned(world):
    teacher = world.users["teacher"]
    other_group = world.other_pupil.group
    services.teacher_groups_set(
        teacher=teacher,
        school=world.pupil.school,
        groups=[other_group],
        acting_user=world.users["director"],
    )
    taught = set(
        GroupUserObjectPermission.objects.filter(user=teacher).values_list(
            "content_object_id", flat=True
        )
    )
    assert taught == {other_group.pk}


def test_switching_off_ends_the_sessions_at_once_and_on_restores(world, login):
    teacher = world.users["teacher"]
    theirs = Client()
    theirs.force_login(teacher)
    assert theirs.get(reverse("pupils:list")).status_code in (200, 302)
    ended = services.account_switch_off(user=teacher, acting_user=world.users["administrator"])
    assert ended == 1
    response = theirs.get(reverse("pupils:list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    teacher.refresh_from_db()
    assert not teacher.is_active
    change = (
        AuditEntry.objects.get_for_object(teacher).filter(action=AuditEntry.Action.UPDATE).get()
    )
    assert "is_active" in change.changes_dict
    services.account_switch_on(user=teacher, acting_user=world.users["administrator"])
    teacher.refresh_from_db()
    assert teacher.is_active
    assert Membership.objects.filter(user=teacher, role=Role.TEACHER).exists()


def test_an_account_with_a_role_elsewhere_or_a_child_is_not_switched_off(world):
    teacher = world.users["teacher"]
    other_school = Membership.objects.get(user=world.users["director_other_school"]).school
    Membership.objects.create(user=teacher, school=other_school, role=Role.TEACHER)
    with pytest.raises(ValidationError):
        services.account_switch_off(user=teacher, acting_user=world.users["administrator"])
    parent = world.users["parent"]
    Membership.objects.create(user=parent, school=world.pupil.school, role=Role.TEACHER)
    with pytest.raises(ValidationError):
        services.account_switch_off(user=parent, acting_user=world.users["administrator"])
    assert User.objects.filter(pk__in=[teacher.pk, parent.pk], is_active=True).count() == 2


def test_the_board_administrator_follows_a_pupil_across_schools(world, board_admin, login):
    coordinator = world.users["care_coordinator_other_school"]
    client = login(board_admin)
    search = {"pupil": world.pupil.last_name}
    page = client.get(reverse("staff:member", args=[coordinator.pk]), search)
    assert escape(world.pupil.full_name) in page.content.decode()
    client.post(reverse("staff:follow", args=[coordinator.pk]), {"pupil": world.pupil.pk})
    assert PupilUserObjectPermission.objects.filter(
        user=coordinator, content_object=world.pupil
    ).exists()
    client.post(
        reverse("staff:follow", args=[coordinator.pk]), {"pupil": world.pupil.pk, "stop": "1"}
    )
    assert not PupilUserObjectPermission.objects.filter(
        user=coordinator, content_object=world.pupil
    ).exists()
    # The school's own administrator does not manage another school's care coordinator.
    client = login(world.users["administrator"])
    response = client.post(
        reverse("staff:follow", args=[coordinator.pk]), {"pupil": world.pupil.pk}
    )
    assert response.status_code == 404
    assert not PupilUserObjectPermission.objects.filter(
        user=coordinator, content_object=world.pupil
    ).exists()


def test_board_roles_are_managed_by_the_board_administrator_only(
    world, board_admin, login, django_capture_on_commit_callbacks
):
    client = login(board_admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("staff:board_invite"),
            {
                "board": world.pupil.board.pk,
                "email": "fg2@board.example",
                "full_name": "Femke Gerritsen",
                "roles": [BoardRole.PRIVACY_OFFICER],
            },
        )
    officer = User.objects.get(email="fg2@board.example")
    assert BoardMembership.objects.filter(user=officer, role=BoardRole.PRIVACY_OFFICER).exists()
    assert len(mail.outbox) == 1
    # The privacy officer manages no board roles; the board administrator not their own.
    client = login(world.users["privacy_officer"])
    assert client.get(reverse("staff:board_invite")).status_code == 404
    with pytest.raises(ValidationError):
        services.board_roles_set(
            user=board_admin, board=world.pupil.board, roles=[], acting_user=board_admin
        )
    assert BoardMembership.objects.filter(user=board_admin).exists()
    services.board_roles_set(
        user=officer, board=world.pupil.board, roles=[], acting_user=board_admin
    )
    assert not BoardMembership.objects.filter(user=officer).exists()


def test_the_staff_list_shows_only_whom_one_manages(world, login):
    client = login(world.users["director_other_school"])
    page = client.get(reverse("staff:index")).content.decode()
    assert world.users["teacher"].email not in page
    assert world.users["care_coordinator_other_school"].email in page
    client = login(world.users["administrator"])
    page = client.get(reverse("staff:index"), {"q": world.users["teacher"].full_name})
    assert world.users["teacher"].email in page.content.decode()


def test_an_imported_teacher_is_invited_when_the_administrator_asks(
    world, django_capture_on_commit_callbacks
):
    imported = User.objects.create(email="geimporteerd@school.example", full_name="Ina Import")
    imported.set_unusable_password()
    imported.save()
    Membership.objects.create(user=imported, school=world.pupil.school, role=Role.TEACHER)
    admin = world.users["administrator"]
    with django_capture_on_commit_callbacks(execute=True):
        assert services.staff_invitation_send(user=imported, acting_user=admin)
    assert [m.to for m in mail.outbox] == [["geimporteerd@school.example"]]
    assert not services.staff_invitation_send(user=imported, acting_user=admin)  # still open
    assert Invitation.objects.filter(parent=imported).count() == 1


def test_a_group_is_made_and_renamed_by_hand_audited(world, login):
    client = login(world.users["administrator"])
    response = client.post(
        reverse("staff:group_create"),
        {
            "school": world.pupil.school.pk,
            "name": "Kameleon",
            "school_year": 2026,
            "year_group": 3,
        },
    )
    assert response.status_code == 302
    group = Group.objects.get(name="Kameleon")
    assert AuditEntry.objects.get_for_object(group).get().actor == world.users["administrator"]
    # The same name twice in one school year is refused, and nothing changes.
    response = client.post(
        reverse("staff:group_create"),
        {"school": world.pupil.school.pk, "name": "kameleon", "school_year": 2026},
    )
    assert response.status_code == 200 and response.context["form"].errors
    assert Group.objects.filter(name__iexact="kameleon").count() == 1
    # A group of the administration is renamed there, not here.
    Group.objects.filter(pk=group.pk).update(external_key="G-K")
    with pytest.raises(ValidationError):
        services.group_update(
            group=group, name="Anders", year_group=3, acting_user=world.users["administrator"]
        )
    page = client.get(reverse("staff:groups_index"), {"year": 2026}).content.decode()
    assert "Kameleon" in page


def test_the_staff_list_and_a_teachers_page_take_the_same_queries_for_few_and_many(
    world, login, django_assert_max_num_queries
):
    from tests.factories import GroupFactory, UserFactory

    client = login(world.users["administrator"])
    teacher = world.users["teacher"]
    urls = (reverse("staff:index"), reverse("staff:member", args=[teacher.pk]))
    few = []
    for url in urls:
        with django_assert_max_num_queries(40) as captured:
            assert client.get(url).status_code == 200
        few.append(len(captured.captured_queries))
    for _ in range(20):
        member = UserFactory()
        Membership.objects.create(user=member, school=world.pupil.school, role=Role.TEACHER)
        GroupFactory(school=world.pupil.school)
    many = []
    for url in urls:
        with django_assert_max_num_queries(40) as captured:
            assert client.get(url).status_code == 200
        many.append(len(captured.captured_queries))
    assert many == few


def test_a_group_of_the_administration_gets_its_department_here(world, login):
    """The administration knows no departments: the school sets SO or VSO itself, so that
    a consent question can be put to one department (consents/audience.py)."""
    group = world.pupil.group
    Group.objects.filter(pk=group.pk).update(external_key="G-D")
    client = login(world.users["administrator"])
    response = client.post(
        reverse("staff:group_edit", args=[group.pk]),
        {"name": group.name, "year_group": group.year_group, "department": "VSO"},
    )
    assert response.status_code == 302
    group.refresh_from_db()
    assert (group.department, group.external_key) == ("VSO", "G-D")
    # Its name still belongs to the administration.
    response = client.post(
        reverse("staff:group_edit", args=[group.pk]),
        {"name": "Anders", "year_group": group.year_group, "department": "SO"},
    )
    assert response.status_code == 200
    group.refresh_from_db()
    assert (group.name, group.department) != ("Anders", "SO")
