"""A pupil with years of entries: its page shows the newest of each kind with a link to
all of them, a page at a time, for staff and in the portal; the pages read no more rows
than they show (issue 22: the page grew from 9 to 131 KB with 258 entries)."""

import datetime
import re

import pytest
from django.urls import reverse

from pupils import selectors
from pupils.models import Agreement, Note, ProcessingHold
from schoolprivacy.audit_entry import AuditEntry

pytestmark = pytest.mark.django_db
START = datetime.date(2020, 8, 20)


def agreements(world, n):
    for day in range(n):
        Agreement.objects.create(
            pupil=world.pupil,
            author=world.users["teacher"],
            agreed_on=START + datetime.timedelta(days=day),
            participants="moeder, leerkracht",
            agreement=f"Afspraak nummer {day:03}.",
        )


def shown(html: str) -> list[str]:
    return re.findall(r"Afspraak nummer (\d{3})\.", html)


def test_the_pupil_page_shows_the_newest_entries_and_links_to_all(world, login):
    agreements(world, 40)
    client = login(world.users["teacher"])
    page = client.get(reverse("pupils:detail", args=[world.pupil.pk])).content.decode()
    assert shown(page) == [f"{n:03}" for n in range(39, 29, -1)]  # the ten newest
    every = reverse("pupils:entries", args=[world.pupil.pk, "agreement"])
    assert f'href="{every}"' in page and "Alle afspraken" in page

    first = client.get(every).content.decode()
    assert shown(first) == [f"{n:03}" for n in range(39, 14, -1)]
    assert "40 in totaal" in first and "Pagina 1 van 2" in first
    second = client.get(every, {"page": 2}).content.decode()
    assert shown(second) == [f"{n:03}" for n in range(14, -1, -1)]


def test_a_short_dossier_has_no_link_to_more(world, login):
    agreements(world, 10)
    page = login(world.users["teacher"]).get(reverse("pupils:detail", args=[world.pupil.pk]))
    assert len(shown(page.content.decode())) == 10
    assert "Alle afspraken" not in page.content.decode()


def test_the_list_of_one_kind_is_a_look_at_the_dossier(world, login):
    agreements(world, 3)
    before = AuditEntry.objects.filter(action=AuditEntry.Action.ACCESS).count()
    login(world.users["teacher"]).get(
        reverse("pupils:entries", args=[world.pupil.pk, "agreement"])
    )
    assert AuditEntry.objects.filter(action=AuditEntry.Action.ACCESS).count() == before + 1


def test_an_entry_restricted_one_by_one_stays_off_the_list(world, login):
    agreements(world, 3)
    hidden = Agreement.objects.get(agreement="Afspraak nummer 001.")
    ProcessingHold.objects.create(
        pupil=world.pupil,
        kind=ProcessingHold.Kind.RESTRICTION,
        categories=["dossier"],
        items=[f"agreement:{hidden.pk}"],
        reason="De ouder betwist deze afspraak.",
        placed_by=world.users["director"],
    )
    html = (
        login(world.users["teacher"])
        .get(reverse("pupils:entries", args=[world.pupil.pk, "agreement"]))
        .content.decode()
    )
    assert shown(html) == ["002", "000"]


def test_the_parent_pages_through_every_note_in_the_portal(world, login):
    for day in range(30):
        Note.objects.create(
            pupil=world.pupil,
            author=world.users["teacher"],
            written_on=START + datetime.timedelta(days=day),
            title=f"Verslag {day:03}",
            body="Gesprek.",
        )
    client = login(world.users["parent"])
    child = client.get(reverse("portal:child", args=[world.pupil.pk])).content.decode()
    assert len(re.findall(r"Verslag \d{3}", child)) == 10
    every = reverse("portal:entries", args=[world.pupil.pk, "note"])
    assert f'href="{every}"' in child and "Alle verslagen en notities" in child
    first = client.get(every).content.decode()
    assert len(re.findall(r"Verslag \d{3}", first)) == 25
    assert "Terug naar de gegevens van uw kind" in first
    second = client.get(every, {"page": 2}).content.decode()
    assert re.findall(r"Verslag (\d{3})", second) == ["004", "003", "002", "001", "000"]


def test_another_parent_does_not_reach_the_list(world, login):
    from tests.factories import UserFactory

    response = login(UserFactory()).get(reverse("portal:entries", args=[world.pupil.pk, "note"]))
    assert response.status_code == 404


def test_an_unknown_kind_is_404(world, login):
    client = login(world.users["teacher"])
    assert client.get(reverse("pupils:entries", args=[world.pupil.pk, "bsn"])).status_code == 404


def test_the_pages_read_the_same_for_ten_or_a_hundred_entries(
    world, login, django_assert_max_num_queries
):
    client = login(world.users["teacher"])
    detail = reverse("pupils:detail", args=[world.pupil.pk])
    every = reverse("pupils:entries", args=[world.pupil.pk, "agreement"])
    agreements(world, 12)
    client.get(detail)
    with django_assert_max_num_queries(25) as few_detail:
        client.get(detail)
    with django_assert_max_num_queries(25) as few_list:
        client.get(every)
    agreements(world, 100)
    with django_assert_max_num_queries(25) as many_detail:
        client.get(detail)
    with django_assert_max_num_queries(25) as many_list:
        client.get(every, {"page": 3})
    assert len(many_detail.captured_queries) == len(few_detail.captured_queries)
    # The first page of a list longer than a page counts it once more.
    assert len(many_list.captured_queries) <= len(few_list.captured_queries) + 1
    # No page reads all the rows: the newest ten and one more, a page of 25.
    limits = [q["sql"] for q in many_detail.captured_queries if "pupils_agreement" in q["sql"]]
    assert any("LIMIT 11" in sql for sql in limits), limits


def test_the_copy_still_holds_every_entry(world):
    agreements(world, 40)
    assert len(selectors.dossier_entries(pupil=world.pupil)["agreements"]) == 40
