"""Two people, or two tabs, acting on the same data at the same moment (issue 17): nothing a
user did is lost, and no decision silently overwrites another."""

import threading
import time
import uuid

import pytest
from django.db import connection, transaction
from django.urls import reverse

from pupils.models import Pupil
from pupils.services import ChangedMeanwhile
from requests import services
from requests.models import DataRequest, Decision, RectificationItem
from requests.services import ItemDecision, ItemProposal
from tests.factories import GuardianshipFactory

from .conftest import submit

Status = DataRequest.Status


@pytest.fixture(autouse=True)
def named_apart(world):
    """The factory's random names could be one this file proposes ("Dit is wat de school nu
    al heeft"): the pupil gets names no proposal here uses."""
    world.pupil.first_name, world.pupil.last_name = "Sara", "Visser"
    world.pupil.save(update_fields=["first_name", "last_name"])


def _in_thread(target):
    """Run *target* in a thread of its own (with its own connection); returns a joiner."""
    outcome = {}

    def run():
        try:
            outcome["value"] = target()
        except Exception as error:  # handed to the test
            outcome["error"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()

    def join():
        thread.join(timeout=30)
        assert not thread.is_alive()
        return outcome

    return join


def _two_tabs(world, second_field: str, second_value: str) -> dict:
    """The parent corrects the first name in one tab and *second_field* in another; the
    first tab's request is written but not yet committed when the second arrives. The
    second tab's outcome."""
    first_is_in = threading.Event()

    def first_tab():
        with transaction.atomic():
            submit(world, "rectification", items=[_proposal(world, "first_name", "Annemijn")])
            first_is_in.set()
            time.sleep(1)

    def second_tab():
        first_is_in.wait(10)
        items = [_proposal(world, second_field, second_value)]
        return submit(world, "rectification", items=items)

    first, second = _in_thread(first_tab), _in_thread(second_tab)
    assert "error" not in first()
    return second()


@pytest.mark.django_db(transaction=True)
def test_two_tabs_correcting_two_fields_at_once_make_one_request_with_both(world):
    outcome = _two_tabs(world, "last_name", "Oudewater")
    assert "error" not in outcome, outcome.get("error")

    [request] = DataRequest.objects.filter(pupil=world.pupil, requester=world.users["parent"])
    fields = set(RectificationItem.objects.filter(request=request).values_list("field", flat=True))
    assert fields == {"first_name", "last_name"}
    assert outcome["value"].pk == request.pk


@pytest.mark.django_db(transaction=True)
def test_the_same_field_from_two_tabs_at_once_is_asked_once(world):
    outcome = _two_tabs(world, "first_name", "Anne")
    assert isinstance(outcome.get("error"), services.AlreadyOpen)
    assert RectificationItem.objects.filter(field="first_name").count() == 1


def _proposal(world, field, value):
    return ItemProposal("pupil", world.pupil.pk, field, value)


@pytest.fixture
def two_parents_correcting_one_field(world):
    """Both parents with authority ask to correct the last name, each to another value."""
    father = GuardianshipFactory(pupil=world.pupil, relation="father").parent
    mother_asks = submit(
        world, "rectification", items=[_proposal(world, "last_name", "Jansen-Oudewater")]
    )
    father_asks = services.request_submit(
        pupil=world.pupil,
        kind="rectification",
        requester=father,
        acting_user=father,
        items=[_proposal(world, "last_name", "Oudewater")],
        submission=uuid.uuid4(),
    )
    return mother_asks, father_asks


def _accept(request, handler, seen):
    [item] = request.items.all()
    return services.rectification_decide(
        data_request=request,
        decisions={item.pk: ItemDecision(accept=True, seen=seen)},
        acting_user=handler,
    )


def test_the_second_handler_accepting_a_value_that_changed_meanwhile_is_refused(
    world,
    two_parents_correcting_one_field,
):
    mother_asks, father_asks = two_parents_correcting_one_field
    director = world.users["director"]
    # Both handlers open their request while the school still has the old last name.
    seen_by_director = _seen(mother_asks)
    seen_by_other = _seen(father_asks)
    assert seen_by_director == seen_by_other

    _accept(mother_asks, director, seen_by_director)
    with pytest.raises(ChangedMeanwhile) as refused:
        _accept(father_asks, director, seen_by_other)
    assert "Jansen-Oudewater" in str(refused.value)  # what it is now

    assert Pupil.objects.get(pk=world.pupil.pk).last_name == "Jansen-Oudewater"
    father_asks.refresh_from_db()
    assert father_asks.status == Status.RECEIVED  # nothing was decided
    assert father_asks.items.get().decision == Decision.PENDING


@pytest.mark.django_db(transaction=True)
def test_two_handlers_accepting_at_the_same_moment_apply_one(
    world, two_parents_correcting_one_field
):
    mother_asks, father_asks = two_parents_correcting_one_field
    seen = _seen(mother_asks)
    director = world.users["director"]
    barrier = threading.Barrier(2)

    def decide(request):
        def run():
            barrier.wait()
            return _accept(DataRequest.objects.get(pk=request.pk), director, seen)

        return run

    joins = [_in_thread(decide(r)) for r in (mother_asks, father_asks)]
    results = [join() for join in joins]
    errors = [r["error"] for r in results if "error" in r]
    assert len(errors) == 1 and isinstance(errors[0], ChangedMeanwhile)
    accepted = [r["value"] for r in results if "value" in r]
    [winner] = accepted
    wanted = "Jansen-Oudewater" if winner.pk == mother_asks.pk else "Oudewater"
    assert Pupil.objects.get(pk=world.pupil.pk).last_name == wanted


def test_the_decision_form_carries_the_value_the_handler_saw(
    world,
    login,
    two_parents_correcting_one_field,
):
    mother_asks, father_asks = two_parents_correcting_one_field
    client = login(world.users["director"])
    page = client.get(reverse("requests:detail", args=[father_asks.pk])).content.decode()
    item = father_asks.items.get()
    assert f'name="seen_{item.pk}" value="{_seen(father_asks)}"' in page

    _accept(mother_asks, world.users["director"], _seen(mother_asks))
    response = client.post(
        reverse("requests:act", args=[father_asks.pk, "rectification"]),
        {
            f"accept_{item.pk}": "yes",
            f"reason_{item.pk}": "",
            f"seen_{item.pk}": _seen_in(page, item),
        },
        follow=True,
    )
    assert "is intussen gewijzigd" in response.content.decode()
    assert Pupil.objects.get(pk=world.pupil.pk).last_name == "Jansen-Oudewater"
    assert father_asks.items.get().decision == Decision.PENDING


def _seen(request) -> str:
    from requests import selectors

    [view] = selectors.items_of(request)
    return view.seen


def _seen_in(page: str, item) -> str:
    marker = f'name="seen_{item.pk}" value="'
    start = page.index(marker) + len(marker)
    return page[start : page.index('"', start)]


@pytest.mark.django_db(transaction=True)
def test_a_legal_hold_clicked_twice_is_one_hold(world):
    from pupils.models import ProcessingHold
    from tests.utils import post_at_once

    url = reverse("requests:legal_hold", args=[world.pupil.pk])
    answers = post_at_once(
        world.users["director"], url, {"reason": "Een klacht bij de geschillencommissie."}
    )
    assert {status for status, _ in answers} == {302} and len(set(answers)) == 1
    assert ProcessingHold.objects.filter(kind=ProcessingHold.Kind.LEGAL_HOLD).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_request_note_clicked_twice_is_one_note(world):
    from requests.models import RequestEvent
    from tests.utils import post_at_once

    request = submit(world, "access")
    url = reverse("requests:act", args=[request.pk, "note"])
    before = RequestEvent.objects.filter(request=request).count()
    answers = post_at_once(world.users["director"], url, {"note": "Gebeld met de moeder."})
    assert {status for status, _ in answers} == {302} and len(set(answers)) == 1
    assert RequestEvent.objects.filter(request=request).count() == before + 1
