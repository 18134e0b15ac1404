"""The course of a request: taking it up, extending, refusing, withdrawing; all audited."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import formats, timezone, translation

from requests import deadlines, services
from requests.models import DataRequest, RequestEvent
from schoolprivacy.audit_entry import AuditEntry
from schoolprivacy.models import Membership, Notice, Role

from .conftest import recorded, submit

pytestmark = pytest.mark.django_db
D = datetime.date
Status = DataRequest.Status


def snapshot(request):
    request = DataRequest.objects.get(pk=request.pk)
    return (
        request.status,
        request.due_on,
        request.extended_at,
        request.events.count(),
        Notice.objects.count(),
    )


def test_taking_a_request_up_is_a_step_in_its_history_and_in_the_audit_log(world):
    request = submit(world)
    services.request_start(data_request=request, acting_user=world.users["director"])
    request.refresh_from_db()
    assert request.status == Status.IN_PROGRESS
    assert request.handler == world.users["director"]
    event = request.events.get(kind=RequestEvent.Kind.STATUS)
    assert (event.from_status, event.to_status, event.by) == (
        Status.RECEIVED,
        Status.IN_PROGRESS,
        world.users["director"],
    )
    change = (
        AuditEntry.objects.get_for_object(request).filter(action=AuditEntry.Action.UPDATE).get()
    )
    assert change.actor == world.users["director"]
    assert change.changes["status"] == [Status.RECEIVED, Status.IN_PROGRESS]


def test_an_extension_runs_to_three_months_and_the_parent_is_told_why(world, login):
    request = recorded(world, received_on=timezone.localdate() - datetime.timedelta(days=3))
    services.request_extend(
        data_request=request,
        reasons="Het dossier is groot en er zijn twee scholen bij betrokken.",
        acting_user=world.users["director"],
    )
    request.refresh_from_db()
    assert request.due_on == deadlines.response_due(request.received_on, extended=True)
    assert request.first_due_on == deadlines.response_due(request.received_on)
    assert request.extension_reasons.startswith("Het dossier is groot")
    told = Notice.objects.filter(user=world.users["parent"]).latest("created_at")
    with translation.override("nl"):
        assert formats.date_format(request.due_on) in told.message  # "1 maart 2027"
    assert "Het dossier is groot" not in told.message  # reasons in the portal, not the mail
    assert request.events.filter(kind=RequestEvent.Kind.EXTENDED, to_requester=True).exists()
    page = login(world.users["parent"]).get(reverse("requests:portal_detail", args=[request.pk]))
    assert "Het dossier is groot" in page.content.decode()


@pytest.mark.parametrize(
    ("received_days_ago", "reasons", "message"),
    [
        (3, "", "reasons"),
        (3, "te druk", "reasons"),
        (45, "Het dossier is groot en complex.", "The first deadline"),
    ],
    ids=["without-reasons", "reasons-too-short", "after-the-first-deadline"],
)
def test_an_extension_without_reasons_or_too_late_is_refused_and_nothing_changes(
    world, received_days_ago, reasons, message
):
    request = recorded(
        world, received_on=timezone.localdate() - datetime.timedelta(days=received_days_ago)
    )
    before = snapshot(request)
    with translation.override("en"), pytest.raises(ValidationError) as error:
        services.request_extend(
            data_request=request, reasons=reasons, acting_user=world.users["director"]
        )
    assert message in str(error.value)
    assert snapshot(request) == before


def test_a_deadline_is_extended_once(world):
    request = submit(world)
    services.request_extend(
        data_request=request,
        reasons="Veel gegevens bij twee scholen.",
        acting_user=world.users["director"],
    )
    before = snapshot(request)
    with pytest.raises(ValidationError):
        services.request_extend(
            data_request=request,
            reasons="Nog meer tijd nodig.",
            acting_user=world.users["director"],
        )
    assert snapshot(request) == before


def test_an_extension_is_decided_up_to_and_on_the_first_due_date(world):
    due = timezone.localdate()
    received = due - datetime.timedelta(days=28)
    while deadlines.response_due(received) < due:
        received += datetime.timedelta(days=1)
    request = recorded(world, received_on=received)
    if request.first_due_on == due:  # a working day: today is the last day on time
        services.request_extend(
            data_request=request,
            reasons="Het dossier is erg groot.",
            acting_user=world.users["director"],
        )
        request.refresh_from_db()
        assert request.extended_at is not None


def test_a_refusal_gives_reasons_and_the_right_to_complain(world, login):
    request = submit(world, "erasure", categories=["dossier"])
    services.request_refuse(
        data_request=request,
        reasons="De leerling zit nog op school; het dossier is nodig voor de begeleiding.",
        acting_user=world.users["director"],
    )
    request.refresh_from_db()
    assert request.status == Status.REFUSED and request.closed_at is not None
    page = login(world.users["parent"]).get(reverse("requests:portal_detail", args=[request.pk]))
    html = page.content.decode()
    assert "nodig voor de begeleiding" in html
    assert "Autoriteit Persoonsgegevens" in html


def test_a_refusal_needs_reasons(world):
    request = submit(world)
    before = snapshot(request)
    with pytest.raises(ValidationError):
        services.request_refuse(
            data_request=request, reasons=" ", acting_user=world.users["director"]
        )
    assert snapshot(request) == before


def test_the_parent_withdraws_and_an_objection_stop_ends_with_it(world):
    request = submit(world, "objection", categories=["dossier"])
    services.request_withdraw(data_request=request, acting_user=world.users["parent"])
    request.refresh_from_db()
    assert request.status == Status.WITHDRAWN
    assert not world.pupil.holds.filter(lifted_at__isnull=True).exists()


def test_only_the_requester_withdraws(world):
    request = submit(world)
    before = snapshot(request)
    for role in ("director", "parent_information_right", "parent_other_child"):
        with pytest.raises(PermissionDenied):
            services.request_withdraw(data_request=request, acting_user=world.users[role])
    assert snapshot(request) == before


def test_a_closed_request_takes_no_more_steps(world):
    request = submit(world)
    services.request_withdraw(data_request=request, acting_user=world.users["parent"])
    before = snapshot(request)
    for step in (
        lambda: services.request_start(data_request=request, acting_user=world.users["director"]),
        lambda: services.request_refuse(
            data_request=request, reasons="Dit kan niet meer.", acting_user=world.users["director"]
        ),
    ):
        with pytest.raises(ValidationError):
            step()
    assert snapshot(request) == before


def test_who_handles_is_set_per_school(world):
    school = world.pupil.school
    request = submit(world)
    team_leader = world.users["team_leader"]
    with pytest.raises(PermissionDenied):
        services.request_start(data_request=request, acting_user=team_leader)

    services.routing_save(
        school=school, roles=["team_leader"], acting_user=world.users["director"]
    )
    team_leader = type(team_leader).objects.get(pk=team_leader.pk)  # no cached grants
    services.request_start(data_request=request, acting_user=team_leader)
    assert DataRequest.objects.get(pk=request.pk).handler == team_leader


def test_reminders_go_to_the_routed_handlers(world):
    services.routing_save(
        school=world.pupil.school,
        roles=["team_leader"],
        acting_user=world.users["director"],
    )
    Notice.objects.all().delete()
    submit(world)
    told = set(Notice.objects.values_list("user_id", flat=True))
    assert world.users["team_leader"].pk in told
    assert world.users["director"].pk not in told
    assert Membership.objects.filter(
        user=world.users["team_leader"], role=Role.TEAM_LEADER
    ).exists()
