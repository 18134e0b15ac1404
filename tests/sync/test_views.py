"""The import in the pages: upload, see the difference line by line, confirm, done."""

import io

import pytest
from django.urls import reverse

from pupils.models import Pupil
from sync.models import ImportRun

from .files import P, edexml

pytestmark = pytest.mark.django_db


def upload(client, world, data: bytes):
    file = io.BytesIO(data)
    file.name = "EDEX.XML"
    return client.post(
        reverse("sync:index"),
        {"school": world.pupil.school.pk, "file": file, "export_date": "2026-11-30"},
    )


def test_upload_preview_confirm_and_the_pupils_are_there(
    world, login, django_capture_on_commit_callbacks
):
    client = login(world.users["administrator"])
    data = edexml(
        [P("L1", "Jansen", "Noor"), P("L2", "Dijk", "Sem", prefix="van")],
        brin=world.pupil.school.brin,
    )
    response = upload(client, world, data)
    assert response.status_code == 302
    run = ImportRun.objects.get()
    page = client.get(response["Location"]).content.decode()
    assert "Noor Jansen" in page and "Sem van Dijk" in page
    assert not Pupil.objects.filter(external_key="L1").exists()  # nothing before confirming
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("sync:confirm", args=[run.pk]), {"leavers_confirmed": "on"})
    run.refresh_from_db()
    assert run.status == ImportRun.Status.DONE
    assert Pupil.objects.filter(external_key__in=["L1", "L2"]).count() == 2


def test_a_refused_file_says_why_in_the_page(world, login):
    client = login(world.users["administrator"])
    response = upload(client, world, b"<html><body>geen export</body></html>")
    page = client.get(response["Location"])
    assert ImportRun.objects.get().status == ImportRun.Status.REFUSED
    assert "EDEXML" in page.content.decode()


def test_confirming_without_the_leavers_confirmation_changes_nothing(world, login):
    client = login(world.users["administrator"])
    upload(client, world, edexml([P("L1", "Jansen", "Noor")], brin=world.pupil.school.brin))
    run = ImportRun.objects.get()
    assert run.leavers_guarded  # the world's two pupils would leave
    response = client.post(reverse("sync:confirm", args=[run.pk]), {})
    assert response.status_code == 200
    assert ImportRun.objects.get().status == ImportRun.Status.PREVIEW
    assert not Pupil.objects.filter(external_key="L1").exists()


def test_the_preview_page_takes_the_same_queries_for_a_small_and_a_large_export(
    world, login, django_assert_max_num_queries
):
    client = login(world.users["administrator"])
    counts = []
    for size in (60, 240):  # both more than one page: the count is asked once
        pupils = [P(f"L{size}-{i}", f"Naam{i}", "Kind") for i in range(size)]
        upload(client, world, edexml(pupils, brin=world.pupil.school.brin))
        run = ImportRun.objects.latest("pk")
        with django_assert_max_num_queries(40) as captured:
            page = client.get(reverse("sync:run", args=[run.pk]))
        assert page.status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]


def test_the_preview_says_how_many_pages_without_counting_its_lines(
    world, login, django_assert_max_num_queries
):
    """A board's preview holds tens of thousands of lines: the run keeps how many of each
    kind it wrote, and its pages read only the rows they show."""
    client = login(world.users["administrator"])
    pupils = [P(f"L{i}", f"Naam{i}", "Kind") for i in range(120)]
    upload(client, world, edexml(pupils, brin=world.pupil.school.brin))
    run = ImportRun.objects.latest("pk")
    written = run.lines.count()
    assert run.lines_written() == written > 100
    new = run.lines.filter(kind="new").count()
    assert run.lines_written("new") == new >= 120  # the pupils, and their group and teacher
    assert run.lines_written("moved") == 0
    for query, pages in (("", -(-written // 50)), ("?kind=new", 3), ("?kind=new&page=3", 3)):
        with django_assert_max_num_queries(40) as captured:
            page = client.get(reverse("sync:run", args=[run.pk]) + query)
        assert f"of {pages}" in page.content.decode() or f"van {pages}" in page.content.decode()
        assert not [q for q in captured.captured_queries if "COUNT(" in q["sql"]]
