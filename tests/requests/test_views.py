"""The request pages: what they show, and that lists take the same queries for few or many."""

import datetime
import uuid

import pytest
from django.urls import reverse

from requests import services
from requests.models import DataRequest
from tests.factories import GuardianshipFactory, PupilFactory

from .conftest import submit

pytestmark = pytest.mark.django_db


def more_requests(world, n):
    for _ in range(n):
        pupil = PupilFactory(school=world.pupil.school)
        GuardianshipFactory(pupil=pupil, parent=world.users["parent"])
        for kind in ("access", "recipients"):
            submit(world, kind, pupil=pupil)


def test_the_dashboard_takes_the_same_queries_for_few_and_many_requests(
    world, login, django_assert_max_num_queries
):
    client = login(world.users["director"])
    more_requests(world, 1)
    with django_assert_max_num_queries(20) as few:
        assert client.get(reverse("requests:dashboard")).status_code == 200
    more_requests(world, 15)
    with django_assert_max_num_queries(20) as many:
        assert client.get(reverse("requests:dashboard")).status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_dashboard_is_paged_and_counts_every_overdue_request(world, login):
    more_requests(world, 30)
    total = DataRequest.objects.count()
    assert total > 50
    late = datetime.date(2026, 1, 5)  # all of them overdue
    DataRequest.objects.update(received_on=late - datetime.timedelta(days=31))
    DataRequest.objects.update(first_due_on=late, due_on=late)
    client = login(world.users["director"])
    first = client.get(reverse("requests:dashboard")).content.decode()
    assert first.count("dagen te laat") == 50
    assert f"{total} verzoeken zijn te laat" in first
    second = client.get(reverse("requests:dashboard"), {"page": 2}).content.decode()
    assert second.count("dagen te laat") == total - 50


def test_my_requests_takes_the_same_queries_for_few_and_many(
    world, login, django_assert_max_num_queries
):
    client = login(world.users["parent"])
    more_requests(world, 1)
    with django_assert_max_num_queries(20) as few:
        assert client.get(reverse("requests:portal_index")).status_code == 200
    more_requests(world, 15)
    with django_assert_max_num_queries(20) as many:
        assert client.get(reverse("requests:portal_index")).status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_closed_list_marks_what_was_answered_late(world, login):
    request = services.request_submit(
        pupil=world.pupil,
        kind="recipients",
        requester=world.users["parent"],
        acting_user=world.users["director"],
        channel=DataRequest.Channel.PAPER,
        received_on=datetime.date(2026, 9, 1),
        identity_check=DataRequest.IdentityCheck.IN_PERSON,
        submission=uuid.uuid4(),
    )
    services.recipients_answer(data_request=request, acting_user=world.users["director"])
    html = login(world.users["director"]).get(reverse("requests:closed")).content.decode()
    assert request.reference in html
    assert "te laat" in html


def test_the_parent_sees_the_list_of_who_received_the_data(world, login, receivers):
    request = submit(world, "recipients")
    services.recipients_answer(data_request=request, acting_user=world.users["director"])
    html = (
        login(world.users["parent"])
        .get(reverse("requests:portal_detail", args=[request.pk]))
        .content.decode()
    )
    assert "Gynzy" in html and "DUO" in html and "achternaam" in html.lower()


def test_the_pupil_page_offers_the_handler_to_record_a_request_and_a_legal_hold(world, login):
    html = (
        login(world.users["director"])
        .get(reverse("pupils:detail", args=[world.pupil.pk]))
        .content.decode()
    )
    assert reverse("requests:staff_new", args=[world.pupil.pk]) in html
    assert reverse("requests:legal_hold", args=[world.pupil.pk]) in html
    teacher = login(world.users["teacher"]).get(reverse("pupils:detail", args=[world.pupil.pk]))
    assert reverse("requests:staff_new", args=[world.pupil.pk]) not in teacher.content.decode()


def test_the_parents_dossier_page_has_a_correction_link_next_to_the_data(world, login, dossier):
    html = (
        login(world.users["parent"])
        .get(reverse("portal:child", args=[world.pupil.pk]))
        .content.decode()
    )
    base = reverse("requests:portal_correct", args=[world.pupil.pk, "pupil", world.pupil.pk])
    assert f"{base}?field=last_name" in html
    assert (
        reverse(
            "requests:portal_correct", args=[world.pupil.pk, "agreement", dossier["agreement"].pk]
        )
        in html
    )
    info = login(world.users["parent_information_right"]).get(
        reverse("portal:child", args=[world.pupil.pk])
    )
    assert "/correct/" not in info.content.decode()  # no authority: no rights to exercise


def test_the_pages_are_in_english_too(world, login):
    request = submit(world)
    client = login(world.users["parent"])
    client.post(reverse("set_language"), {"language": "en"})
    html = client.get(reverse("requests:portal_detail", args=[request.pk])).content.decode()
    assert 'lang="en"' in html and "The school answers by" in html


def test_the_portal_menu_follows_the_standing_of_the_user(world):
    from pupils.models import Guardianship
    from schoolprivacy.models import User
    from schoolprivacy.navigation import items_for

    def menu(user) -> set[str]:
        user = User.objects.get(pk=user.pk)  # a new request: nothing cached on the user
        return {item["url"] for item in items_for(user)}

    portal = {
        reverse("portal:home"),
        reverse("consents:portal_index"),
        reverse("requests:portal_index"),
    }
    parent = world.users["parent"]
    assert menu(parent) >= portal
    assert not menu(world.users["teacher"]) & portal
    assert menu(world.users["parent_no_rights"]) & portal == {reverse("portal:home")}

    # A mother who asked for a copy and then lost parental authority still finds her request.
    services.request_submit(pupil=world.pupil, kind="access", requester=parent, acting_user=parent)
    Guardianship.objects.filter(parent=parent).update(has_parental_authority=False)
    assert menu(parent) & portal == {reverse("portal:home"), reverse("requests:portal_index")}
