"""The staff pupil list: filters by group and year group, sorting, pages, and bad input.

The filters other apps add (photo consent, open requests) are tested in their apps:
tests/consents/test_list_filter.py and tests/requests/test_list_filter.py.
"""

import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from pupils.models import Pupil
from schoolprivacy import list_filters
from tests.factories import GroupFactory, PupilFactory

pytestmark = pytest.mark.django_db

LIST = reverse("pupils:list")
NOT_A_CHOICE = "Deze keuze is er niet: de lijst staat hieronder zonder deze keuze."


def main_of(response) -> str:
    assert response.status_code == 200
    return response.content.decode().split("<main", 1)[1].split("</main>", 1)[0]


def names_in(html: str) -> list[str]:
    """The pupils' names in the list's rows, in their order."""
    return re.findall(r'<a class="utrecht-link" href="/pupils/\d+/">([^<]*)</a>', html)


def test_a_director_filters_the_list_by_group(world, login):
    group = world.other_pupil.group
    main = main_of(login(world.users["director"]).get(LIST, {"group": group.pk}))
    assert names_in(main) == [escape(world.other_pupil.full_name)]
    assert f'<option value="{group.pk}" selected>' in main
    assert "Filters wissen" in main


def test_a_teacher_cannot_see_pupils_of_another_group_through_the_filter(world, login):
    """The other group is not a choice: asking for it anyway is said, and the list stays the
    teacher's own group."""
    other_group = world.other_pupil.group
    main = main_of(login(world.users["teacher"]).get(LIST, {"group": other_group.pk}))
    assert NOT_A_CHOICE in main
    assert names_in(main) == [escape(world.pupil.full_name)]
    assert escape(world.other_pupil.full_name) not in main
    assert f'<option value="{other_group.pk}"' not in main
    assert escape(other_group.name) not in main


def test_a_group_of_another_school_is_no_choice_for_its_director(world, login):
    stranger = PupilFactory(school=world.users["director_other_school"].memberships.get().school)
    main = main_of(login(world.users["director"]).get(LIST, {"group": stranger.group_id}))
    assert NOT_A_CHOICE in main
    assert escape(stranger.full_name) not in main
    assert set(names_in(main)) == {
        escape(world.pupil.full_name),
        escape(world.other_pupil.full_name),
    }


def test_the_list_filters_by_year_group(world, login):
    seventh = PupilFactory(
        school=world.pupil.school, group=GroupFactory(school=world.pupil.school, year_group=7)
    )
    client = login(world.users["director"])
    main = main_of(client.get(LIST, {"year_group": 7}))
    assert names_in(main) == [escape(seventh.full_name)]
    main = main_of(client.get(LIST, {"year_group": 3}))  # no group of this year group
    assert NOT_A_CHOICE in main
    assert len(names_in(main)) == 3


def test_a_filter_combines_with_the_search(world, login):
    twin = PupilFactory(
        school=world.pupil.school, group=world.other_pupil.group, last_name="Zwaluw"
    )
    PupilFactory(school=world.pupil.school, group=world.pupil.group, last_name="Zwaluw")
    client = login(world.users["director"])
    main = main_of(client.get(LIST, {"q": "zwaluw", "group": world.other_pupil.group_id}))
    assert names_in(main) == [escape(twin.full_name)]


@pytest.mark.parametrize(
    "query",
    [
        {"group": "abc"},
        {"group": "9" * 5000},
        {"group": "-1"},
        {"year_group": "x"},
        {"sort": "password"},
        {"sort": "--name"},
        {"page": "abc"},
        {"page": "99999999999999999999"},
        {"consent": "yes"},
        {"request": "all"},
    ],
)
def test_bad_input_never_fails_and_never_shows_more(world, login, query):
    main = main_of(login(world.users["teacher"]).get(LIST, query))
    assert names_in(main) == [escape(world.pupil.full_name)]


def test_the_list_sorts_by_name_either_way_and_says_so_to_a_screen_reader(world, login):
    school, group = world.pupil.school, world.pupil.group
    for last_name in ("Bakker", "Aalders", "Claes"):
        PupilFactory(school=school, group=group, last_name=last_name, first_name="Sam")
    client = login(world.users["teacher"])
    main = main_of(client.get(LIST, {"sort": "name"}))
    rows = Pupil.objects.filter(group=group).order_by("last_name", "first_name", "pk")
    expected = [escape(p.full_name) for p in rows]
    assert names_in(main) == expected
    assert re.search(
        r'<th scope="col" [^>]*aria-sort="ascending"><a [^>]*href="\?sort=-name"', main
    )
    assert main.count("aria-sort") == 1
    main = main_of(client.get(LIST, {"sort": "-name"}))
    assert names_in(main) == expected[::-1]
    assert 'aria-sort="descending"><a class="utrecht-link" href="?sort=name">Naam' in main


def test_an_unknown_order_is_the_list_by_group(world, login):
    main = main_of(login(world.users["director"]).get(LIST, {"sort": "bsn"}))
    assert 'aria-sort="ascending"><a class="utrecht-link" href="?sort=-group">Groep' in main
    assert 'name="sort" value="group"' in main


def test_the_school_sorts_only_where_the_list_names_it(world, login):
    main = main_of(login(world.users["director"]).get(LIST, {"sort": "school"}))
    assert "sort=school" not in main  # one school: no column, no order by it
    main = main_of(login(world.users["care_coordinator"]).get(LIST, {"sort": "-school"}))
    assert 'aria-sort="descending"><a class="utrecht-link" href="?sort=school">School' in main


def test_the_pages_keep_the_search_the_filters_and_the_order(world, login):
    group = world.other_pupil.group
    for _ in range(51):
        PupilFactory(school=world.pupil.school, group=group, last_name="Zwaluw")
    client = login(world.users["director"])
    query = {"q": "zwaluw", "group": group.pk, "sort": "-name"}
    main = main_of(client.get(LIST, query))
    assert len(names_in(main)) == 50
    assert f'href="?q=zwaluw&amp;group={group.pk}&amp;sort=-name&amp;page=2"' in main
    main = main_of(client.get(LIST, {**query, "page": 2}))
    assert len(names_in(main)) == 1
    # The headers keep the search and the filters; clearing them keeps the order.
    assert f'href="?q=zwaluw&amp;group={group.pk}&amp;sort=name"' in main
    assert '<a class="utrecht-link" href="?sort=-name">Filters wissen</a>' in main


def test_the_list_unfiltered_offers_no_clearing(world, login):
    assert "Filters wissen" not in main_of(login(world.users["director"]).get(LIST))


def test_a_filter_of_another_app_never_widens_the_list(world, login, monkeypatch):
    """Whatever a registered filter answers, the list keeps only pupils the user may see."""
    monkeypatch.setattr(list_filters, "_filters", {})
    list_filters.register(
        "pupils",
        list_filters.ListFilter(
            name="everyone",
            label="Iedereen",
            choices=lambda user, pupils: [("all", "Alle leerlingen van het bestuur")],
            select=lambda user, pupils, value: Pupil.objects.values("pk"),
        ),
    )
    main = main_of(login(world.users["teacher"]).get(LIST, {"everyone": "all"}))
    assert names_in(main) == [escape(world.pupil.full_name)]


@pytest.mark.parametrize(
    "query",
    [{}, {"q": "a"}, {"group": "own"}, {"year_group": 5}, {"sort": "-name"}, {"page": 2}],
    ids=["plain", "search", "group", "year_group", "sort", "page 2"],
)
def test_the_list_takes_the_same_queries_with_each_filter_for_few_and_many_pupils(
    world, login, django_assert_num_queries, query
):
    """Session, user, second step, roles (one query), the groups taught, the groups of the
    filter, the photo channels (the schools of the pupils, the revision of the purposes kept in
    the process: consents.selectors.purposes_of_schools), the menu's portal standing and
    requests (2), the rows; page 2 counts the rows too."""
    query = {**query, "group": world.pupil.group_id} if "group" in query else query
    client = login(world.users["teacher"])
    client.get(LIST, query)
    expected = 12 if "page" in query else 11
    with django_assert_num_queries(expected):
        client.get(LIST, query)
    for _ in range(40):  # a page holds 50: a fuller first page is counted (paging.page_of)
        PupilFactory(school=world.pupil.school, group=world.pupil.group)
    with django_assert_num_queries(expected):
        client.get(LIST, query)
