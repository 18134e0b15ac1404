"""Every role against every request page and action, with real objects.

Allowed: the page opens (200) or the action does its work (302 and a change).
Denied: 404, as for a request that does not exist (the login page for anonymous
visitors), and nothing in the database changed.
"""

import datetime
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from pupils.models import ProcessingHold
from requests import services
from requests.models import (
    AccessCopy,
    BoardHoliday,
    DataRequest,
    RecipientNotice,
    RequestEvent,
    SchoolRouting,
)
from requests.services import ItemDecision, ItemProposal
from schoolprivacy.reauth import SESSION_KEY
from tests.pupils.conftest import ROLES

pytestmark = pytest.mark.django_db

PARENT = {"parent"}
HANDLERS = {"director"}  # the default routing: the director
VIEWERS = HANDLERS | {"privacy_officer"}
HOLDERS = {"director", "team_leader"}
SETTINGS = {"director", "administrator", "privacy_officer"}


@pytest.fixture
def objects(world, receivers, django_capture_on_commit_callbacks):
    """An access request with its copy, a correction waiting for notices, a legal hold."""
    parent = world.users["parent"]
    access = services.request_submit(
        pupil=world.pupil, kind="access", requester=parent, acting_user=parent
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.copy_prepare(data_request=access, acting_user=world.users["director"])
    correction = services.request_submit(
        pupil=world.pupil,
        kind="rectification",
        requester=parent,
        acting_user=parent,
        items=[ItemProposal("pupil", world.pupil.pk, "last_name", "Jansen-Oudewater")],
    )
    services.rectification_decide(
        data_request=correction,
        decisions={correction.items.get().pk: ItemDecision(accept=True)},
        acting_user=world.users["director"],
    )
    erasure = services.request_submit(
        pupil=world.pupil,
        kind="erasure",
        requester=parent,
        acting_user=parent,
        categories=["dossier"],
    )
    hold = services.legal_hold_place(
        pupil=world.pupil, reason="Een klacht loopt nog.", acting_user=world.users["director"]
    )
    holiday = services.holiday_add(
        board=world.pupil.board,
        day=datetime.date(2027, 1, 2),
        name="Studiedag",
        acting_user=world.users["privacy_officer"],
    )
    return {
        "access": access,
        "copy": AccessCopy.objects.get(request=access),
        "correction": correction,
        "notice": RecipientNotice.objects.filter(request=correction).first(),
        "erasure": erasure,
        "hold": hold,
        "holiday": holiday,
    }


def snapshot(world):
    return {
        "requests": sorted(DataRequest.objects.values_list("pk", "status", "handler_id")),
        "events": RequestEvent.objects.count(),
        "holds": sorted(ProcessingHold.objects.values_list("pk", "lifted_at")),
        "notices": sorted(RecipientNotice.objects.values_list("pk", "status")),
        "routing": list(SchoolRouting.objects.values_list("school_id", "handler_roles")),
        "holidays": BoardHoliday.objects.count(),
        "downloads": list(AccessCopy.objects.values_list("downloads", flat=True)),
        "last_name": type(world.pupil).objects.get(pk=world.pupil.pk).last_name,
    }


def pages(world, o):
    pk = world.pupil.pk
    school = world.pupil.school
    return {
        # name: (url, allowed roles, POST data or None for a page, GET opens too)
        "portal_index": (reverse("requests:portal_index"), None, None, True),
        "portal_new": (
            reverse("requests:portal_new", args=[pk, "recipients"]),
            PARENT,
            {"submission": uuid.uuid4()},
            True,
        ),
        "portal_correct": (
            reverse("requests:portal_correct", args=[pk, "pupil", pk]) + "?field=first_name",
            PARENT,
            {"field": "first_name", "value": "Anders-Dan", "submission": uuid.uuid4()},
            True,
        ),
        "portal_detail": (
            reverse("requests:portal_detail", args=[o["access"].pk]),
            PARENT,
            None,
            True,
        ),
        "portal_withdraw": (
            reverse("requests:portal_withdraw", args=[o["erasure"].pk]),
            PARENT,
            {},
            False,
        ),
        "copy_download": (
            reverse("requests:copy_download", args=[o["copy"].uid]),
            PARENT,
            None,
            True,
        ),
        "detail": (reverse("requests:detail", args=[o["erasure"].pk]), VIEWERS, None, True),
        "act-start": (
            reverse("requests:act", args=[o["erasure"].pk, "start"]),
            HANDLERS,
            {},
            False,
        ),
        "act-note": (
            reverse("requests:act", args=[o["erasure"].pk, "note"]),
            HANDLERS,
            {"note": "Gebeld met de moeder."},
            False,
        ),
        "act-extend": (
            reverse("requests:act", args=[o["erasure"].pk, "extend"]),
            HANDLERS,
            {"extend-reasons": "Veel gegevens bij twee scholen."},
            False,
        ),
        "notice_settle": (
            reverse("requests:notice_settle", args=[o["notice"].pk]),
            HANDLERS,
            {"done": "yes", "note": "Gebeld."},
            False,
        ),
        "notices_settle_legal": (
            reverse("requests:notices_settle_legal", args=[o["correction"].pk]),
            HANDLERS,
            {"done": "yes", "note": "Doorgegeven via BRON."},
            False,
        ),
        "act-erasure": (
            reverse("requests:act", args=[o["erasure"].pk, "erasure"]),
            HANDLERS,
            {"outcome_dossier": "keep", "reason_dossier": "Nog nodig voor de begeleiding."},
            False,
        ),
        "staff_new": (
            reverse("requests:staff_new", args=[pk]),
            HANDLERS,
            {
                "requester": world.users["parent"].pk,
                "kind": "objection",
                "received_on": "2026-11-20",
                "channel": "email",
                "identity_check": "known_email",
                "categories": ["special"],
                "submission": uuid.uuid4(),
            },
            True,
        ),
        "legal_hold": (
            reverse("requests:legal_hold", args=[pk]),
            HOLDERS,
            None,
            True,
        ),
        "hold_lift": (
            reverse("requests:hold_lift", args=[pk, o["hold"].pk]),
            HOLDERS,
            {"reason": "De klacht is afgehandeld."},
            False,
        ),
        "routing_save": (
            reverse("requests:routing_save", args=[school.pk]),
            SETTINGS,
            {f"s{school.pk}-roles": ["team_leader"]},
            False,
        ),
        "holiday_remove": (
            reverse("requests:holiday_remove", args=[school.board_id, o["holiday"].pk]),
            {"privacy_officer"},
            {},
            False,
        ),
        "holiday_add": (
            reverse("requests:holiday_add", args=[school.board_id]),
            {"privacy_officer"},  # board-wide: the privacy officer
            {f"b{school.board_id}-day": "2027-02-15", f"b{school.board_id}-name": "Studiedag"},
            False,
        ),
    }


#: Every URL name of requests that takes an object; the route matrix checks it is complete.
COVERED_URL_NAMES = {
    "requests:portal_new",
    "requests:portal_correct",
    "requests:portal_detail",
    "requests:portal_withdraw",
    "requests:copy_download",
    "requests:detail",
    "requests:act",
    "requests:notice_settle",
    "requests:notices_settle_legal",
    "requests:staff_new",
    "requests:legal_hold",
    "requests:hold_lift",
    "requests:routing_save",
    "requests:holiday_add",
    "requests:holiday_remove",
}
PAGES = [
    "portal_new",
    "portal_correct",
    "portal_detail",
    "portal_withdraw",
    "copy_download",
    "detail",
    "act-start",
    "act-note",
    "act-extend",
    "notice_settle",
    "notices_settle_legal",
    "act-erasure",
    "staff_new",
    "legal_hold",
    "hold_lift",
    "routing_save",
    "holiday_add",
    "holiday_remove",
]
CASES = [(page, role) for page in PAGES for role in ROLES]


@pytest.mark.parametrize(("page", "role"), CASES, ids=[f"{p}-{r}" for p, r in CASES])
def test_request_matrix(world, objects, login, page, role):
    url, allowed, data, takes_get = pages(world, objects)[page]
    client = login(world.users[role])
    if role != "anonymous":
        session = client.session
        session[SESSION_KEY] = int(timezone.now().timestamp())  # logged in just now
        session.save()
    before = snapshot(world)

    if takes_get:
        response = client.get(url)
        if role == "anonymous":
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("login"))
        elif role in allowed:
            assert response.status_code == 200, response.content[:300]
        else:
            assert response.status_code == 404
        if page == "copy_download" and role in allowed:
            before["downloads"] = [1]  # the download itself is counted

    if data is not None:
        response = client.post(url, data)
        if role in allowed:
            assert response.status_code == 302, response.content.decode()[-2000:]
            assert snapshot(world) != before
        else:
            assert response.status_code in ((302,) if role == "anonymous" else (404,))
            assert snapshot(world) == before
    else:
        assert snapshot(world) == before


def test_a_request_that_does_not_exist_answers_the_same_404(world, objects, login):
    missing = DataRequest.objects.order_by("-pk").first().pk + 100
    for role, name in (("parent", "requests:portal_detail"), ("director", "requests:detail")):
        assert login(world.users[role]).get(reverse(name, args=[missing])).status_code == 404


def test_the_privacy_officer_sees_the_course_but_not_the_contents(world, objects, login):
    parent = world.users["parent"]
    correction = services.request_submit(
        pupil=world.pupil,
        kind="rectification",
        requester=parent,
        acting_user=parent,
        explanation="Haar tweede voornaam ontbreekt.",
        items=[ItemProposal("pupil", world.pupil.pk, "first_name", "Marie-Claire")],
    )
    client = login(world.users["privacy_officer"])
    html = client.get(reverse("requests:detail", args=[correction.pk])).content.decode()
    assert correction.reference in html
    assert "Marie-Claire" not in html and "tweede voornaam" not in html
    director = login(world.users["director"]).get(reverse("requests:detail", args=[correction.pk]))
    assert "Marie-Claire" in director.content.decode()


def test_the_other_parent_does_not_see_the_requests_of_the_first(world, objects, login):
    other = world.guardianships["parent_information_right"]
    other.has_parental_authority, other.has_information_right = True, False
    other.save()
    client = login(other.parent)
    html = client.get(reverse("requests:portal_index")).content.decode()
    assert objects["access"].reference not in html
    response = client.get(reverse("requests:portal_detail", args=[objects["access"].pk]))
    assert response.status_code == 404


def test_a_team_leader_handles_once_the_school_routes_to_them(world, objects, login):
    school = world.pupil.school
    services.routing_save(
        school=school, roles=["team_leader"], acting_user=world.users["director"]
    )
    response = login(world.users["team_leader"]).get(
        reverse("requests:detail", args=[objects["erasure"].pk])
    )
    assert response.status_code == 200


def test_the_portal_index_lists_only_the_own_requests(world, objects, login):
    html = login(world.users["parent"]).get(reverse("requests:portal_index")).content.decode()
    assert objects["access"].get_kind_display() in html or "kopie" in html
    other = login(world.users["parent_other_child"]).get(reverse("requests:portal_index"))
    assert objects["access"].reference not in other.content.decode()


def test_the_dashboard_lists_open_requests_by_due_date_overdue_first(world, login):
    parent = world.users["parent"]
    late = services.request_submit(
        pupil=world.pupil,
        kind="recipients",
        requester=parent,
        acting_user=world.users["director"],
        channel=DataRequest.Channel.PAPER,
        received_on=timezone.localdate() - datetime.timedelta(days=60),
        identity_check=DataRequest.IdentityCheck.IN_PERSON,
    )
    soon = services.request_submit(
        pupil=world.pupil, kind="access", requester=parent, acting_user=parent
    )
    html = login(world.users["director"]).get(reverse("requests:dashboard")).content.decode()
    assert html.index(late.reference) < html.index(soon.reference)
