"""page_of gives the pages Django's Paginator gives, counting only a list longer than a page."""

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from schoolprivacy.models import School
from schoolprivacy.paging import page_of
from tests.factories import BoardFactory, SchoolFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def schools():
    board = BoardFactory()
    for number in range(7):
        SchoolFactory(board=board, name=f"School {number}")
    return School.objects.filter(board=board).order_by("name")


def _same_as_django(schools, number, per_page):
    ours = page_of(schools, number, per_page)
    theirs = Paginator(schools, per_page).get_page(number)
    assert [s.name for s in ours.object_list] == [s.name for s in theirs.object_list]
    assert (ours.number, ours.paginator.count, ours.paginator.num_pages) == (
        theirs.number,
        theirs.paginator.count,
        theirs.paginator.num_pages,
    )
    return ours


@pytest.mark.parametrize("number", [1, 2, 3, 4, 99, 0, -1, "abc", None, "2"])
@pytest.mark.parametrize("per_page", [3, 7, 10])
def test_every_page_is_the_page_paginator_gives(schools, number, per_page):
    _same_as_django(schools, number, per_page)


def test_a_list_that_fits_on_one_page_is_read_in_one_query(schools):
    with CaptureQueriesContext(connection) as captured:
        page = page_of(schools, 1, 10)
        assert page.paginator.num_pages == 1 and not page.has_next()
    assert len(captured) == 1 and "COUNT" not in captured[0]["sql"]


def test_a_longer_list_is_counted(schools):
    with CaptureQueriesContext(connection) as captured:
        page = page_of(schools, 1, 3)
        assert (page.paginator.count, page.paginator.num_pages) == (7, 3)
    assert len(captured) == 2


def test_an_empty_list_is_one_empty_page():
    page = page_of(School.objects.none(), 1, 10)
    assert list(page.object_list) == [] and page.paginator.count == 0
    assert page.paginator.num_pages == 1
