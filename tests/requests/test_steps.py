"""Each step of a request is decided by one rule (requests/workflow.py), which the service
enforces and the page follows: a page never offers a step its service refuses."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from requests import services, workflow
from requests.models import DataRequest
from requests.services import ItemDecision, ItemProposal

from .conftest import recorded, submit

pytestmark = pytest.mark.django_db
Status = DataRequest.Status
STEP_URLS = ("extend", "refuse", "start", "copy", "recipients", "decide", "erasure")


def notifying(world):
    """A correction that was answered and now waits for a recipient to be told."""
    request = submit(
        world,
        "rectification",
        items=[ItemProposal("pupil", world.pupil.pk, "last_name", "Jansen-Oudewater")],
    )
    services.rectification_decide(
        data_request=request,
        decisions={request.items.get().pk: ItemDecision(accept=True)},
        acting_user=world.users["director"],
    )
    request.refresh_from_db()
    assert request.status == Status.NOTIFYING
    return request


def offered(client, request) -> set[str]:
    """The steps the handler's page offers: the actions its forms post to."""
    page = client.get(reverse("requests:detail", args=[request.pk])).content.decode()
    return {step for step in STEP_URLS if reverse("requests:act", args=[request.pk, step]) in page}


def test_a_request_informing_recipients_offers_no_extension_the_service_would_refuse(
    world, receivers, login
):
    """Reproduced: the page showed "extend" for a request in "notifying", which always failed."""
    request = notifying(world)
    client = login(world.users["director"])
    assert "extend" not in offered(client, request)
    assert not workflow.may(request, "extend")
    with pytest.raises(ValidationError):
        services.request_extend(
            data_request=request,
            reasons="Het duurt langer dan gedacht, excuses.",
            acting_user=world.users["director"],
        )
    request.refresh_from_db()
    assert request.extended_at is None and request.status == Status.NOTIFYING


@pytest.mark.parametrize(
    ("kind", "status"),
    [
        ("access", Status.RECEIVED),
        ("recipients", Status.IN_PROGRESS),
        ("erasure", Status.RECEIVED),
        ("objection", Status.IN_PROGRESS),
        ("rectification", Status.NOTIFYING),
        ("recipients", Status.COMPLETED),
        ("objection", Status.REFUSED),
        ("access", Status.WITHDRAWN),
    ],
)
def test_the_page_offers_exactly_the_steps_the_rules_allow(world, receivers, login, kind, status):
    if status == Status.NOTIFYING:
        request = notifying(world)
    else:
        categories = ["dossier"] if kind in ("erasure", "objection") else []
        request = submit(world, kind, categories=categories)
        if status == Status.IN_PROGRESS:
            services.request_start(data_request=request, acting_user=world.users["director"])
        elif status == Status.COMPLETED:
            services.recipients_answer(data_request=request, acting_user=world.users["director"])
        elif status == Status.REFUSED:
            services.request_refuse(
                data_request=request,
                reasons="Het bezwaar gaat niet over ons werk.",
                acting_user=world.users["director"],
            )
        elif status == Status.WITHDRAWN:
            services.request_withdraw(data_request=request, acting_user=world.users["parent"])
        request.refresh_from_db()
    page_steps = offered(login(world.users["director"]), request)
    allowed = {step for step in STEP_URLS if workflow.may(request, step)}
    assert page_steps == allowed, (kind, request.status)


def test_the_first_deadline_passed_no_extension_is_offered_or_possible(world, login):
    received = timezone.localdate() - datetime.timedelta(days=45)
    request = recorded(world, received_on=received)
    assert timezone.localdate() > request.first_due_on
    assert not workflow.may(request, "extend")
    assert "extend" not in offered(login(world.users["director"]), request)
    with pytest.raises(ValidationError):
        services.request_extend(
            data_request=request,
            reasons="Het duurt langer dan gedacht, excuses.",
            acting_user=world.users["director"],
        )


def test_the_parent_is_offered_a_withdrawal_only_while_the_service_allows_it(
    world, receivers, login
):
    request = notifying(world)
    client = login(world.users["parent"])
    page = client.get(reverse("requests:portal_detail", args=[request.pk])).content.decode()
    assert reverse("requests:portal_withdraw", args=[request.pk]) not in page
    assert not workflow.may(request, "withdraw")
    open_one = submit(world, "access")
    page = client.get(reverse("requests:portal_detail", args=[open_one.pk])).content.decode()
    assert reverse("requests:portal_withdraw", args=[open_one.pk]) in page
    assert workflow.may(open_one, "withdraw")
