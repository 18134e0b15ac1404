"""Taking in a request: in the portal, on paper, and what is refused."""

import datetime
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

from pupils.models import ProcessingHold
from requests import deadlines, services
from requests.models import DataRequest, RequestEvent
from requests.permissions import requester_role
from schoolprivacy.audit_entry import AuditEntry
from schoolprivacy.models import Notice
from tests.factories import PupilFactory

from .conftest import recorded, submit

pytestmark = pytest.mark.django_db
D = datetime.date


def test_a_parent_asks_for_a_copy_in_the_portal_and_gets_the_legal_due_date(
    world, login, django_capture_on_commit_callbacks, mailoutbox
):
    client = login(world.users["parent"])
    url = reverse("requests:portal_new", args=[world.pupil.pk, "access"])
    assert client.get(url).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"explanation": "Graag alles.", "submission": uuid.uuid4()})

    request = DataRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("requests:portal_detail", args=[request.pk])
    today = deadlines.received_on_date(timezone.now())
    assert request.received_on == today
    assert request.due_on == request.first_due_on == deadlines.response_due(today)
    assert request.status == DataRequest.Status.RECEIVED
    assert request.requester == world.users["parent"]
    assert request.identity_check == DataRequest.IdentityCheck.PORTAL_LOGIN
    assert request.explanation == "Graag alles."
    assert request.events.get().kind == RequestEvent.Kind.RECEIVED
    # Audited, with the parent's words masked.
    entry = AuditEntry.objects.get_for_object(request).get()
    assert entry.actor == world.users["parent"]
    assert "Graag alles." not in str(entry.changes)
    # The parent is told when the answer is due; the director that a request came in.
    assert Notice.objects.filter(user=world.users["parent"], mail_pending=False).exists()
    assert Notice.objects.filter(user=world.users["director"]).exists()
    assert {m.to[0] for m in mailoutbox} >= {
        world.users["parent"].email,
        world.users["director"].email,
    }
    assert all(request.pupil.last_name not in m.body for m in mailoutbox)


def test_the_portal_page_shows_the_due_date_in_days(world, login):
    request = submit(world)
    client = login(world.users["parent"])
    page = client.get(reverse("requests:portal_detail", args=[request.pk])).content.decode()
    assert request.reference in page
    assert "dagen" in page or "dag" in page


def test_a_request_for_a_child_of_someone_else_is_not_found_and_nothing_is_made(world, login):
    for role in ("parent_other_child", "parent_information_right", "parent_no_rights"):
        client = login(world.users[role])
        url = reverse("requests:portal_new", args=[world.pupil.pk, "access"])
        assert client.get(url).status_code == 404
        assert client.post(url, {"submission": uuid.uuid4()}).status_code == 404
    assert not DataRequest.objects.exists()


def test_the_same_request_again_while_it_is_open_is_not_a_second_one(world, login):
    first = submit(world, "access")
    client = login(world.users["parent"])
    url = reverse("requests:portal_new", args=[world.pupil.pk, "access"])

    response = client.post(url, {"submission": uuid.uuid4()}, follow=True)

    assert DataRequest.objects.count() == 1
    assert response.redirect_chain[-1][0] == reverse("requests:portal_detail", args=[first.pk])
    with translation.override("nl"):
        message = services.AlreadyOpen(first).messages[0]
    assert message.startswith("U heeft dit al gevraagd op")
    assert escape(message) in response.content.decode()


def test_a_double_click_makes_one_request(world):
    submission = uuid.uuid4()
    parent = world.users["parent"]
    for _ in range(2):
        services.request_submit(
            pupil=world.pupil,
            kind="access",
            requester=parent,
            acting_user=parent,
            submission=submission,
        )
    assert DataRequest.objects.count() == 1


def test_the_other_holder_asking_the_same_is_linked_to_the_open_request(world):
    other = world.guardianships["parent_information_right"]
    other.has_parental_authority, other.has_information_right = True, False
    other.save()
    first = submit(world, "access")
    second = submit(world, "access", role="parent_information_right")
    assert second.linked_to == first
    assert DataRequest.objects.count() == 2


def test_a_correction_straight_from_the_field_that_is_wrong(world, login):
    client = login(world.users["parent"])
    url = reverse("requests:portal_correct", args=[world.pupil.pk, "pupil", world.pupil.pk])
    page = client.get(url + "?field=last_name").content.decode()
    assert world.pupil.last_name in page  # what the school has now

    client.post(
        url + "?field=last_name",
        {
            "field": "last_name",
            "value": "Jansen-de Vries",
            "statement": "Sinds de zomer heet zij zo.",
            "submission": uuid.uuid4(),
        },
    )

    request = DataRequest.objects.get(kind="rectification")
    item = request.items.get()
    assert (item.target, item.target_id, item.field) == ("pupil", world.pupil.pk, "last_name")
    assert item.proposed_value == "Jansen-de Vries"
    assert item.statement == "Sinds de zomer heet zij zo."
    world.pupil.refresh_from_db()
    assert world.pupil.last_name != "Jansen-de Vries"  # nothing changes before the decision


def test_a_second_wrong_field_joins_the_open_correction_but_the_same_field_does_not(
    world, dossier
):
    item = services.ItemProposal("pupil", world.pupil.pk, "last_name", "Anders")
    first = submit(world, "rectification", items=[item])
    other = services.ItemProposal("agreement", dossier["agreement"].pk, "agreement", "Niet zo.")
    joined = submit(world, "rectification", items=[other])
    assert joined.pk == first.pk
    assert first.items.count() == 2

    with pytest.raises(services.AlreadyOpen):
        submit(world, "rectification", items=[item])
    assert first.items.count() == 2


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "Fill in what is right, or add a statement of your own."),
        ("2030-02-31", "Enter a valid date."),
    ],
)
def test_a_correction_without_a_valid_value_is_refused_with_a_clear_message(
    world, login, value, message
):
    client = login(world.users["parent"])
    url = reverse("requests:portal_correct", args=[world.pupil.pk, "pupil", world.pupil.pk])
    response = client.post(
        url + "?field=date_of_birth",
        {"field": "date_of_birth", "value": value, "statement": "", "submission": uuid.uuid4()},
    )
    assert response.status_code == 200
    with translation.override("nl"):
        dutch = gettext(message)
    assert dutch != message, "not translated"
    assert escape(dutch) in response.content.decode()
    assert not DataRequest.objects.exists()


def test_the_value_the_school_already_has_is_no_correction(world):
    item = services.ItemProposal("pupil", world.pupil.pk, "last_name", world.pupil.last_name)
    with pytest.raises(ValidationError):
        submit(world, "rectification", items=[item])
    assert not DataRequest.objects.exists()


def test_a_correction_of_another_childs_entry_is_not_found(world, login, dossier):
    other_pupil_url = reverse(
        "requests:portal_correct", args=[world.pupil.pk, "agreement", dossier["agreement"].pk + 99]
    )
    client = login(world.users["parent"])
    assert client.get(other_pupil_url).status_code == 404


def test_from_sixteen_the_pupil_asks_and_the_parent_is_told_why_not(world, login):
    world.pupil.date_of_birth = timezone.localdate().replace(year=timezone.localdate().year - 17)
    world.pupil.save()
    client = login(world.users["parent"])
    url = reverse("requests:portal_new", args=[world.pupil.pk, "access"])
    page = client.get(url).content.decode()
    with translation.override("nl"), pytest.raises(ValidationError) as refusal:
        requester_role(world.pupil, world.users["parent"])
    assert "16 jaar of ouder" in refusal.value.messages[0]
    assert escape(refusal.value.messages[0]) in page
    client.post(url, {"submission": uuid.uuid4()})
    assert not DataRequest.objects.exists()

    world.pupil.account = world.users["parent_other_child"]  # the pupil's own account
    world.pupil.save()
    request = submit(world, "access", role="parent_other_child")
    assert request.requester_role == DataRequest.RequesterRole.PUPIL


def test_an_objection_stops_the_processing_at_once(world, login):
    request = submit(world, "objection", categories=["dossier"])
    hold = ProcessingHold.objects.get(pupil=world.pupil)
    assert hold.kind == ProcessingHold.Kind.OBJECTION and hold.categories == ["dossier"]
    assert hold.reference == request.reference
    # The teacher no longer sees the dossier, the parent still does.
    teacher = login(world.users["teacher"])
    assert (
        "Extra"
        not in teacher.get(reverse("pupils:detail", args=[world.pupil.pk])).content.decode()
    )
    assert (
        teacher.get(reverse("pupils:entry_add", args=[world.pupil.pk, "note"])).status_code == 404
    )


def test_a_request_on_paper_counts_from_the_day_it_came_in(world):
    request = recorded(world, received_on=D(2026, 3, 3))
    assert request.received_on == D(2026, 3, 3)
    assert request.due_on == D(2026, 4, 7)  # Good Friday, the weekend and Easter Monday
    assert request.channel == DataRequest.Channel.PAPER
    assert request.recorded_by == world.users["director"]
    assert request.requester == world.users["parent"]


def test_a_day_the_board_adds_moves_the_due_date(world):
    services.holiday_add(
        board=world.pupil.board,
        day=D(2026, 10, 8),
        name="Studiedag bestuur",
        acting_user=world.users["director"],
    )
    assert recorded(world, received_on=D(2026, 9, 8)).due_on == D(2026, 10, 9)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"received_on": None}, "received_on"),
        ({"received_on": timezone.localdate() + datetime.timedelta(days=2)}, "received_on"),
        ({"identity_check": DataRequest.IdentityCheck.OTHER}, "identity_note"),
    ],
)
def test_a_paper_request_needs_a_real_date_and_an_identity_check(world, change, field):
    kwargs = {
        "pupil": world.pupil,
        "kind": "access",
        "requester": world.users["parent"],
        "acting_user": world.users["director"],
        "channel": DataRequest.Channel.EMAIL,
        "received_on": D(2026, 11, 2),
        "identity_check": DataRequest.IdentityCheck.KNOWN_EMAIL,
        **change,
    }
    with pytest.raises(ValidationError) as error:
        services.request_submit(**kwargs)
    assert field in error.value.message_dict
    assert not DataRequest.objects.exists()


def test_only_a_handler_of_the_school_records_a_paper_request(world):
    for role in ("teacher", "administrator", "privacy_officer", "director_other_school"):
        with pytest.raises(PermissionDenied):
            recorded(world, received_on=D(2026, 11, 2), by=role)
    assert not DataRequest.objects.exists()


def test_the_staff_form_records_a_correction_on_paper(world, login):
    client = login(world.users["director"])
    url = reverse("requests:staff_new", args=[world.pupil.pk])
    response = client.post(
        url,
        {
            "requester": world.users["parent"].pk,
            "kind": "rectification",
            "received_on": "2026-11-20",
            "channel": "paper",
            "identity_check": "in_person",
            "correction_field": f"pupil:{world.pupil.pk}:first_name",
            "correction_value": "Anne-Fleur",
            "submission": uuid.uuid4(),
        },
    )
    request = DataRequest.objects.get()
    assert response.status_code == 302
    assert request.received_on == D(2026, 11, 20)
    assert request.items.get().proposed_value == "Anne-Fleur"


def test_a_pupil_younger_than_sixteen_is_under_the_parents(world):
    young = PupilFactory(school=world.pupil.school)
    with pytest.raises(ValidationError):
        services.request_submit(
            pupil=young,
            kind="access",
            requester=world.users["parent"],
            acting_user=world.users["parent"],
        )
