"""Who received a pupil's data, and from when until when, field by field: from the dated
field sets, the school's use of the supplier and the pupil's time at the school."""

import datetime
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from pupils.models import GroupPlacement
from requests import services as request_services
from suppliers.models import FieldSet, Supplier, SupplierUse
from suppliers.selectors import pupil_history, receivers_of
from tests.factories import GroupFactory, SchoolFactory

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def gynzy(world):
    school = world.pupil.school
    gynzy = Supplier.objects.create(board=school.board, name="Gynzy", category="learning_method")
    SupplierUse.objects.create(supplier=gynzy, school=school, since=D(2022, 8, 1))
    FieldSet.objects.create(
        supplier=gynzy, valid_from=D(2022, 8, 1), fields=["first_name", "last_name"]
    )
    return gynzy


def periods(receiver):
    return {p.code: (p.since, p.until) for p in receiver.periods}


def test_a_field_added_today_is_received_since_today(world, gynzy, login):
    """Reproduced: the administrator added the date of birth to Gynzy's field set today; the
    parent's answer said Gynzy had received it "since 2022-08-01"."""
    today = timezone.localdate()
    FieldSet.objects.create(
        supplier=gynzy, valid_from=today, fields=["first_name", "last_name", "date_of_birth"]
    )
    (receiver,) = pupil_history(pupil=world.pupil)
    assert periods(receiver) == {
        "first_name": (D(2022, 8, 1), None),
        "last_name": (D(2022, 8, 1), None),
        "date_of_birth": (today, None),
    }
    request = request_services.request_submit(
        pupil=world.pupil,
        kind="recipients",
        requester=world.users["parent"],
        acting_user=world.users["parent"],
        submission=uuid.uuid4(),
    )
    request_services.recipients_answer(data_request=request, acting_user=world.users["director"])
    request.refresh_from_db()
    answered = {p["field"]: p["since"] for p in request.answer_data["receivers"][0]["periods"]}
    assert answered[str(_label("date_of_birth"))] == today.isoformat()
    page = login(world.users["parent"]).get(
        reverse("suppliers:portal_child", args=[world.pupil.pk])
    )
    assert "1 augustus 2022" in page.content.decode()


def _label(code):
    from suppliers import catalogue

    return catalogue.label(code)


def test_a_field_no_longer_sent_has_an_end(world, gynzy):
    FieldSet.objects.create(supplier=gynzy, valid_from=D(2024, 8, 1), fields=["first_name"])
    (receiver,) = pupil_history(pupil=world.pupil)
    assert periods(receiver) == {
        "first_name": (D(2022, 8, 1), None),
        "last_name": (D(2022, 8, 1), D(2024, 7, 31)),
    }
    assert receiver.fields == ["first_name"]


def test_a_pupil_enrolled_later_received_from_the_enrolment(world, gynzy):
    world.pupil.enrolled_on = D(2023, 8, 20)
    world.pupil.save()
    (receiver,) = pupil_history(pupil=world.pupil)
    assert periods(receiver)["first_name"] == (D(2023, 8, 20), None)


def test_a_pupil_who_left_before_a_field_was_added_never_received_it(world, gynzy):
    world.pupil.left_on = D(2024, 7, 12)
    world.pupil.save()
    FieldSet.objects.create(
        supplier=gynzy, valid_from=D(2025, 8, 1), fields=["first_name", "date_of_birth"]
    )
    (receiver,) = pupil_history(pupil=world.pupil)
    assert "date_of_birth" not in periods(receiver)
    assert periods(receiver)["first_name"] == (D(2022, 8, 1), D(2024, 7, 12))
    # An erasure of the date of birth tells Gynzy nothing: it never had it.
    assert receivers_of(pupil=world.pupil, fields={"date_of_birth"}) == []


def test_the_suppliers_of_a_former_school_of_the_board_are_known(world, gynzy):
    earlier = SchoolFactory(board=world.pupil.board)
    basispoort = Supplier.objects.create(
        board=earlier.board, name="Basispoort", category="access_broker"
    )
    SupplierUse.objects.create(supplier=basispoort, school=earlier, since=D(2020, 8, 1))
    FieldSet.objects.create(supplier=basispoort, valid_from=D(2020, 8, 1), fields=["last_name"])
    old_group = GroupFactory(school=earlier)
    GroupPlacement.objects.filter(pupil=world.pupil).delete()
    GroupPlacement.objects.create(
        pupil=world.pupil, group=old_group, start_on=D(2021, 8, 20), end_on=D(2023, 7, 14)
    )
    GroupPlacement.objects.create(
        pupil=world.pupil, group=world.pupil.group, start_on=D(2023, 8, 21)
    )
    received = {r.name: periods(r) for r in pupil_history(pupil=world.pupil)}
    assert received["Basispoort"] == {"last_name": (D(2021, 8, 20), D(2023, 7, 14))}
    assert received["Gynzy"]["first_name"] == (D(2023, 8, 21), None)
