"""The pupil list filtered on open requests, a filter the requests app registers for it
(schoolprivacy.list_filters): offered only to who sees requests (RequestPolicy), and
only the requests they may see count."""

import pytest
from django.utils.html import escape

from requests.models import DataRequest
from tests.pupils.test_list import LIST, NOT_A_CHOICE, main_of, names_in

from .conftest import submit

pytestmark = pytest.mark.django_db


def test_the_director_finds_the_pupils_with_an_open_request(world, login):
    request = submit(world)
    client = login(world.users["director"])
    main = main_of(client.get(LIST))
    assert '<option value="open">Met een open verzoek</option>' in main
    assert names_in(main_of(client.get(LIST, {"request": "open"}))) == [
        escape(world.pupil.full_name)
    ]
    DataRequest.objects.filter(pk=request.pk).update(status=DataRequest.Status.COMPLETED)
    assert names_in(main_of(client.get(LIST, {"request": "open"}))) == []


@pytest.mark.parametrize("who", ["teacher", "team_leader", "administrator"])
def test_who_does_not_handle_requests_is_not_offered_the_filter(world, login, who):
    """A team leader sees the school's pupils but handles no requests unless the school
    routes them there: that a parent asked something is not theirs to know. The parameter
    is not theirs either: the list ignores it."""
    submit(world)
    client = login(world.users[who])
    main = main_of(client.get(LIST, {"request": "open"}))
    assert 'name="request"' not in main
    assert NOT_A_CHOICE not in main
    assert names_in(main) == names_in(main_of(client.get(LIST)))


def test_the_request_filter_takes_no_query_of_its_own(world, login, django_assert_num_queries):
    submit(world)
    client = login(world.users["director"])
    client.get(LIST, {"request": "open"})
    with django_assert_num_queries(11):  # the list's own queries (tests/pupils/test_list.py)
        client.get(LIST, {"request": "open"})
