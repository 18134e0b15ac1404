"""A new school year made here: the groups of the new year, each group's pupils moved with
their history, the last year group leaving, teachers with the groups of the same name; seen
line by line first, nothing changed before it is confirmed."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from pupils.models import Group, GroupPlacement, GroupUserObjectPermission, Pupil
from sync import selectors, services, year
from sync.models import ImportRun
from tests.factories import GroupFactory, PupilFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def school_year(world):
    """Groups 5 and 6 (the world's two groups), 6 being the last year group here."""
    school = world.pupil.school
    five, six = world.pupil.group, world.other_pupil.group
    Group.objects.filter(pk=five.pk).update(name="5A", year_group=5)
    Group.objects.filter(pk=six.pk).update(name="6A", year_group=6)
    for pupil in (world.pupil, world.other_pupil):
        GroupPlacement.objects.create(
            pupil=pupil, group=pupil.group, start_on=datetime.date(five.school_year, 8, 20)
        )
    return school, Group.objects.get(pk=five.pk), Group.objects.get(pk=six.pk)


def confirm_and_apply(world, run):
    services.import_confirm(run=run, acting_user=world.users["director"], leavers_confirmed=True)
    return services.import_apply(run_id=run.pk)


def test_the_proposal_moves_each_group_up_and_the_last_one_out(world, school_year):
    school, five, _six = school_year
    current, moves = selectors.year_proposal(school)
    assert current == five.school_year
    assert {m.group.name: m.target for m in moves} == {"5A": "6A", "6A": year.LEAVE}


def test_the_year_is_seen_first_then_applied_with_the_history_kept(world, school_year, login):
    school, five, six = school_year
    teacher = world.users["teacher"]  # teaches the world's first group (Groep 5)
    client = login(world.users["director"])
    page = client.get(reverse("sync:year"))
    assert "5A" in page.content.decode()
    today = timezone.localdate()
    response = client.post(
        reverse("sync:year"),
        {
            f"group_{five.pk}": "6A",
            f"group_{six.pk}": year.LEAVE,
            "leave_on": today.isoformat(),
        },
    )
    run = ImportRun.objects.get()
    assert response["Location"] == reverse("sync:run", args=[run.pk])
    assert (run.counts["moved"], run.counts["leaving"], run.counts["groups_new"]) == (1, 1, 2)
    preview = client.get(response["Location"]).content.decode()
    assert world.pupil.full_name in preview and world.other_pupil.full_name in preview
    assert teacher.email in preview
    # Nothing changed before the confirmation.
    assert not Group.objects.filter(school_year=five.school_year + 1).exists()
    assert Pupil.objects.get(pk=world.other_pupil.pk).left_on is None

    run = confirm_and_apply(world, run)
    assert run.status == ImportRun.Status.DONE and not run.counts.get("failed")
    new_six = Group.objects.get(school=school, school_year=five.school_year + 1, name="6A")
    pupil = Pupil.objects.get(pk=world.pupil.pk)
    assert pupil.group == new_six
    history = dict(GroupPlacement.objects.filter(pupil=pupil).values_list("group", "end_on"))
    assert set(history) == {five.pk, new_six.pk}
    assert history[five.pk] is not None and history[new_six.pk] is None
    assert Pupil.objects.get(pk=world.other_pupil.pk).left_on == today
    new_five = Group.objects.get(school=school, school_year=five.school_year + 1, name="5A")
    taught = set(
        GroupUserObjectPermission.objects.filter(user=teacher).values_list(
            "content_object", flat=True
        )
    )
    assert taught == {new_five.pk}  # the group of the same name, last year's no more


def test_a_leave_date_in_the_future_or_a_foreign_target_changes_nothing(world, school_year):
    school, five, _six = school_year
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError):
        services.year_preview(
            school=school, targets={}, leave_on=tomorrow, acting_user=world.users["director"]
        )
    with pytest.raises(ValidationError):
        services.year_preview(
            school=school,
            targets={five.pk: "Groep 99"},
            leave_on=timezone.localdate(),
            acting_user=world.users["director"],
        )
    assert not ImportRun.objects.exists()


@pytest.mark.parametrize("role", ["teacher", "team_leader", "director_other_school"])
def test_nobody_else_makes_a_new_year(world, school_year, role, login):
    school, five, six = school_year
    with pytest.raises(PermissionDenied):
        services.year_preview(
            school=school, targets={}, leave_on=timezone.localdate(), acting_user=world.users[role]
        )
    client = login(world.users[role])
    response = client.post(
        reverse("sync:year") + f"?school={school.pk}",
        {f"group_{five.pk}": "6A", f"group_{six.pk}": year.LEAVE},
    )
    assert response.status_code == 404
    assert not ImportRun.objects.exists()


def test_a_pupil_without_a_group_stays_as_is(world, school_year):
    school, five, _six = school_year
    loose = PupilFactory(school=school, group=None)
    GroupFactory(school=school, school_year=five.school_year - 1)  # last year's: not planned
    run = services.year_preview(
        school=school,
        targets={},
        leave_on=timezone.localdate(),
        acting_user=world.users["director"],
    )
    assert not run.lines.filter(pupil_id=loose.pk).exists()
