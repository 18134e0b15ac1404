"""The deadline sweep (beat, every few minutes): reminders 7 and 2 days before the due date,
escalation when overdue, the extension warning; each once, catching up after an outage."""

import datetime

import pytest

from requests import services
from requests.models import DataRequest, Reminder
from schoolprivacy.models import Notice
from schoolprivacy.services import notices_deliver

from .conftest import submit

pytestmark = pytest.mark.django_db
K = Reminder.Kind


def sent(request):
    return sorted(
        Reminder.objects.filter(request=request, superseded=False).values_list("kind", flat=True)
    )


def test_seven_and_two_days_before_the_due_date_the_handler_is_reminded_once(world):
    request = submit(world)
    due = request.due_on

    services.deadline_sweep(today=due - datetime.timedelta(days=8))
    assert sent(request) == [K.EXTENSION]  # 10 days before the first due date

    services.deadline_sweep(today=due - datetime.timedelta(days=7))
    services.deadline_sweep(today=due - datetime.timedelta(days=7))
    assert sent(request) == [K.DUE_IN_7, K.EXTENSION]

    services.deadline_sweep(today=due - datetime.timedelta(days=2))
    assert sent(request) == [K.DUE_IN_2, K.DUE_IN_7, K.EXTENSION]
    told = Notice.objects.filter(user=world.users["director"], message__contains=request.reference)
    assert told.count() == 1 + 3  # the new request, then three reminders
    assert not Notice.objects.filter(user=world.users["privacy_officer"]).exists()


def test_an_overdue_request_is_escalated_to_the_privacy_officer_once(world, mailoutbox):
    request = submit(world)
    services.deadline_sweep(today=request.due_on + datetime.timedelta(days=1))
    services.deadline_sweep(today=request.due_on + datetime.timedelta(days=2))
    notices_deliver()

    escalation = Notice.objects.filter(user=world.users["privacy_officer"])
    assert escalation.count() == 1
    assert request.reference in escalation.get().message
    assert world.pupil.last_name not in escalation.get().message  # no personal data in it
    assert [m.to for m in mailoutbox].count([world.users["privacy_officer"].email]) == 1


def test_a_sweep_after_hours_of_downtime_sends_what_is_missing_and_skips_the_stale(world):
    request = submit(world)
    # Down from ten days before until the day before the due date: one catch-up run.
    services.deadline_sweep(today=request.due_on - datetime.timedelta(days=1))
    assert sent(request) == [K.DUE_IN_2, K.EXTENSION]
    stale = Reminder.objects.get(request=request, kind=K.DUE_IN_7)
    assert stale.superseded and stale.recipients == 0


def test_an_extended_request_is_reminded_for_its_new_due_date(world):
    request = submit(world)
    services.deadline_sweep(today=request.due_on - datetime.timedelta(days=2))
    services.request_extend(
        data_request=request,
        reasons="Veel gegevens bij twee scholen.",
        acting_user=world.users["director"],
    )
    request.refresh_from_db()
    services.deadline_sweep(today=request.due_on - datetime.timedelta(days=7))
    assert Reminder.objects.filter(
        request=request, kind=K.DUE_IN_7, due_on=request.due_on
    ).exists()


def test_closed_requests_are_not_reminded(world):
    request = submit(world)
    services.request_withdraw(data_request=request, acting_user=world.users["parent"])
    report = services.deadline_sweep(today=request.due_on)
    assert report.requests == 0
    assert not Reminder.objects.exists()


def test_the_sweep_reads_in_batches_whatever_the_number_of_due_requests(
    world, django_assert_max_num_queries
):
    from tests.factories import GuardianshipFactory, PupilFactory

    def many(n):
        for _ in range(n):
            pupil = PupilFactory(school=world.pupil.school)
            GuardianshipFactory(pupil=pupil, parent=world.users["parent"])
            submit(world, pupil=pupil)

    many(3)
    today = DataRequest.objects.first().due_on - datetime.timedelta(days=1)
    with django_assert_max_num_queries(20) as few:
        services.deadline_sweep(today=today, batch_size=50)
    Reminder.objects.all().delete()
    many(30)
    with django_assert_max_num_queries(20) as more:
        services.deadline_sweep(today=today, batch_size=50)
    assert len(more.captured_queries) == len(few.captured_queries)
    assert Reminder.objects.filter(superseded=False).count() == 2 * 33
