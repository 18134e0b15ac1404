"""A NUL byte or text that is not UTF-8 in a path or a query answers 400 or 404, never 500:
every GET route of the route matrix, fuzzed in its path and its query."""

import pytest
from django.urls import reverse

from tests.factories import UserFactory
from tests.test_route_matrix import ROUTES

pytestmark = pytest.mark.django_db

BAD = ["%00", "%C3%28", "a%00b", "%0D%0ABcc:x", "%FF%FE"]
GET_ROUTES = sorted(name for name, route in ROUTES.items() if route.method == "get")


@pytest.fixture
def visitor(client):
    client.raise_request_exception = False  # a 500 is an answer here, not an exception
    client.force_login(UserFactory())
    return client


@pytest.mark.parametrize("name", GET_ROUTES)
def test_bad_text_in_the_query_is_refused_in_words(visitor, name):
    url = reverse(name, kwargs=dict(ROUTES[name].kwargs))
    for bad in BAD:
        response = visitor.get(f"{url}?q={bad}&page={bad}&{bad}=1")
        assert response.status_code == 400, (name, bad, response.status_code)


@pytest.mark.parametrize("name", GET_ROUTES)
def test_bad_text_in_the_path_never_fails(visitor, name):
    url = reverse(name, kwargs=dict(ROUTES[name].kwargs))
    stem = url.rstrip("/").rsplit("/", 1)[0]
    for bad in BAD:
        for path in (f"{stem}/{bad}/", f"{url}{bad}", f"/{bad}{url}"):
            response = visitor.get(path)
            assert response.status_code in (400, 404), (path, response.status_code)


def test_the_answer_is_a_page_in_the_visitors_language(visitor):
    response = visitor.get("/pupils/?q=%00")
    assert response.status_code == 400
    assert "Dit adres" in response.content.decode() or "This address" in response.content.decode()
