"""The publication log and takedown tasks, as the school's staff use them."""

import datetime

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from consents import services
from consents.models import Publication, Purpose, PurposeVersion, Takedown
from pupils.models import Pupil
from schoolprivacy.audit_entry import AuditEntry
from tests.factories import GroupFactory, GuardianshipFactory, PupilFactory, SchoolFactory

pytestmark = pytest.mark.django_db


# --- helpers ---------------------------------------------------------------------------------


def channel(school, code="website", *, category=Purpose.Category.IMAGES) -> Purpose:
    """A purpose the school asks, with one text valid since August 2024."""
    purpose = Purpose.objects.create(board=school.board, code=code, category=category)
    purpose.schools.add(school)
    PurposeVersion.objects.create(
        purpose=purpose,
        number=1,
        valid_from=datetime.date(2024, 8, 1),
        title_nl=f"Beeld: {code}",
        title_en=f"Images: {code}",
        text_nl="Wij plaatsen foto's en video's.",
        text_en="We publish photos and videos.",
    )
    return purpose


def decide(pupil: Pupil, purpose: Purpose, parent, choice="given"):
    version = purpose.versions.order_by("-number").first()
    return services.decision_record(
        pupil=pupil, purpose=purpose, version_id=version.pk, choice=choice, acting_user=parent
    )


def with_consent(school, group, purpose, **kwargs) -> Pupil:
    """A new pupil of *school* whose parent consented to *purpose*."""
    pupil = PupilFactory(school=school, group=group, **kwargs)
    guardianship = GuardianshipFactory(pupil=pupil)
    decide(pupil, purpose, guardianship.parent)
    return pupil


def publish(world, purpose, pupils, title="Sportdag groep 5") -> Publication:
    return services.publication_record(
        school=world.pupil.school,
        purpose=purpose,
        title=title,
        published_on=datetime.date(2026, 10, 1),
        pupils=pupils,
        acting_user=world.users["teacher"],
        location="https://school.example/nieuws/sportdag",
    )


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def form_data(purpose, pupils, **overrides):
    return {
        "purpose": purpose.pk,
        "title": "Sportdag groep 5",
        "location": "https://school.example/nieuws/sportdag",
        "published_on": "2026-10-01",
        "pupils": [p.pk for p in pupils],
        **overrides,
    }


def urls(school, takedown=None) -> dict[str, str]:
    found = {
        "list": reverse("consents:publication_list", args=[school.pk]),
        "new": reverse("consents:publication_create", args=[school.pk]),
        "takedowns": reverse("consents:takedown_list", args=[school.pk]),
    }
    if takedown is not None:
        found["done"] = reverse("consents:takedown_done", args=[school.pk, takedown.pk])
    return found


@pytest.fixture
def website(world):
    return channel(world.pupil.school)


@pytest.fixture
def consented(world, website):
    """world.pupil with the mother's consent for the website; other_pupil has none."""
    decide(world.pupil, website, world.users["parent"])
    return world.pupil


# --- recording -------------------------------------------------------------------------------


def test_a_publication_with_a_pupil_without_consent_is_refused_and_nothing_is_saved(
    world, login, website, consented
):
    client = english(login(world.users["director"]))
    response = client.post(
        urls(world.pupil.school)["new"], form_data(website, [consented, world.other_pupil])
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "No consent for this channel" in page
    assert escape(world.other_pupil.full_name) in page
    assert Publication.objects.count() == 0
    assert not AuditEntry.objects.filter(content_type__model="publication").exists()


def test_a_publication_where_everyone_has_consent_is_saved_and_audited(
    world, login, website, consented
):
    client = english(login(world.users["teacher"]))
    response = client.post(urls(world.pupil.school)["new"], form_data(website, [consented]))
    assert response.status_code == 302
    assert response["Location"] == urls(world.pupil.school)["list"]
    publication = Publication.objects.get()
    assert list(publication.pupils.all()) == [consented]
    assert publication.recorded_by == world.users["teacher"]
    assert publication.school == world.pupil.school
    entry = AuditEntry.objects.get_for_object(publication).get(action=AuditEntry.Action.CREATE)
    assert entry.actor == world.users["teacher"]

    page = client.get(urls(world.pupil.school)["list"]).content.decode()
    assert "Sportdag groep 5" in page
    assert "Images: website" in page


def test_the_form_offers_the_schools_photo_channels_and_current_pupils_by_group(
    world, login, website
):
    school = world.pupil.school
    channel(school, "zorgpartner", category=Purpose.Category.CARE_PARTNER)
    other_school = SchoolFactory(board=school.board)
    channel(other_school, "andere-school")
    stranger = PupilFactory(school=other_school)
    left = PupilFactory(
        school=school,
        group=world.pupil.group,
        left_on=timezone.localdate(),
        last_name="Vertrokken",
    )

    page = english(login(world.users["director"])).get(urls(school)["new"]).content.decode()
    assert "Images: website" in page
    assert "zorgpartner" not in page
    assert "andere-school" not in page
    assert "<legend" in page and escape(str(world.pupil.group)) in page
    assert escape(str(world.other_pupil.group)) in page
    assert escape(world.pupil.full_name) in page
    assert escape(world.other_pupil.full_name) in page
    assert escape(stranger.full_name) not in page
    assert escape(left.full_name) not in page


def test_a_pupil_or_channel_of_another_school_cannot_be_posted(world, login, website, consented):
    other_school = SchoolFactory(board=world.pupil.school.board)
    foreign_channel = channel(other_school, "andere-school")
    stranger = PupilFactory(school=other_school)
    client = login(world.users["teacher"])
    new = urls(world.pupil.school)["new"]

    assert client.post(new, form_data(website, [consented, stranger])).status_code == 200
    assert client.post(new, form_data(foreign_channel, [consented])).status_code == 200
    assert client.post(new, form_data(website, [])).status_code == 200
    assert Publication.objects.count() == 0


# --- takedowns -------------------------------------------------------------------------------


def test_a_withdrawal_creates_a_takedown_task_that_the_staff_see_on_the_list(
    world, login, website, consented
):
    publication = publish(world, website, [consented])
    decide(consented, website, world.users["parent"], "withdrawn")

    takedown = Takedown.objects.get()
    assert takedown.publication == publication
    assert takedown.pupil == consented
    assert takedown.done_at is None

    client = english(login(world.users["administrator"]))
    page = client.get(urls(world.pupil.school)["list"]).content.decode()
    assert "Open takedown tasks" in page
    assert '<span class="sp-count">1</span>' in page
    assert "1 publication shows a pupil who no longer has consent" in page
    assert escape(consented.full_name) in page

    page = client.get(urls(world.pupil.school)["takedowns"]).content.decode()
    assert "1 takedown task is open." in page
    assert urls(world.pupil.school, takedown)["done"] in page


def test_marking_a_takedown_done_records_who_and_when_and_is_audited(
    world, login, website, consented
):
    publish(world, website, [consented])
    decide(consented, website, world.users["parent"], "withdrawn")
    takedown = Takedown.objects.get()
    client = english(login(world.users["teacher"]))
    done = urls(world.pupil.school, takedown)["done"]

    before = timezone.now()
    response = client.post(done, {"note": "Foto van de website gehaald."})
    assert response.status_code == 302
    takedown.refresh_from_db()
    assert takedown.done_by == world.users["teacher"]
    assert before <= takedown.done_at <= timezone.now()
    assert takedown.note == "Foto van de website gehaald."
    entry = AuditEntry.objects.get_for_object(takedown).get(action=AuditEntry.Action.UPDATE)
    assert entry.actor == world.users["teacher"]
    assert "done_at" in entry.changes_dict

    # Marking it again changes nothing.
    first_done_at = takedown.done_at
    client = login(world.users["director"])
    client.post(done, {"note": "nogmaals"})
    takedown.refresh_from_db()
    assert (takedown.done_at, takedown.done_by, takedown.note) == (
        first_done_at,
        world.users["teacher"],
        "Foto van de website gehaald.",
    )

    page = english(client).get(urls(world.pupil.school)["list"]).content.decode()
    assert "There are no open takedown tasks." in page
    page = client.get(urls(world.pupil.school)["takedowns"]).content.decode()
    assert "Foto van de website gehaald." in page


def test_a_note_that_is_too_long_marks_nothing(world, login, website, consented):
    publish(world, website, [consented])
    decide(consented, website, world.users["parent"], "withdrawn")
    takedown = Takedown.objects.get()
    login(world.users["teacher"]).post(
        urls(world.pupil.school, takedown)["done"], {"note": "x" * 501}
    )
    takedown.refresh_from_db()
    assert takedown.done_at is None


def test_open_takedown_tasks_come_first(world, login, website, consented):
    first = publish(world, website, [consented], title="Eerste")
    second = publish(world, website, [consented], title="Tweede")
    decide(consented, website, world.users["parent"], "withdrawn")
    done = Takedown.objects.get(publication=first)
    services.takedown_complete(takedown=done, acting_user=world.users["teacher"])
    page = login(world.users["teacher"]).get(urls(world.pupil.school)["takedowns"])
    content = page.content.decode()
    assert content.index(f'id="takedown-{Takedown.objects.get(publication=second).pk}"') < (
        content.index(f'id="takedown-{done.pk}"')
    )


# --- who may --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role",
    ["director_other_school", "care_coordinator_other_school", "parent", "privacy_officer"],
)
def test_others_get_404_and_change_nothing(world, login, website, consented, role):
    publish(world, website, [consented])
    decide(consented, website, world.users["parent"], "withdrawn")
    takedown = Takedown.objects.get()
    client = login(world.users[role])
    pages = urls(world.pupil.school, takedown)

    for name in ("list", "new", "takedowns"):
        assert client.get(pages[name]).status_code == 404, name
    assert client.post(pages["new"], form_data(website, [consented])).status_code == 404
    assert client.post(pages["done"], {"note": "weg"}).status_code == 404
    assert Publication.objects.count() == 1
    takedown.refresh_from_db()
    assert takedown.done_at is None


def test_a_takedown_of_another_school_is_404_even_for_staff_of_a_school(
    world, login, website, consented
):
    publish(world, website, [consented])
    decide(consented, website, world.users["parent"], "withdrawn")
    takedown = Takedown.objects.get()
    director = world.users["director_other_school"]
    other_school = director.memberships.get().school
    response = login(director).post(
        reverse("consents:takedown_done", args=[other_school.pk, takedown.pk]), {"note": "x"}
    )
    assert response.status_code == 404
    takedown.refresh_from_db()
    assert takedown.done_at is None


def test_anonymous_visitors_are_sent_to_the_login_page(world, client, website):
    response = client.get(urls(world.pupil.school)["list"])
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", ["teacher", "care_coordinator", "administrator", "director"])
def test_every_member_of_staff_of_the_school_may_record(world, login, website, consented, role):
    response = login(world.users[role]).post(
        urls(world.pupil.school)["new"], form_data(website, [consented])
    )
    assert response.status_code == 302
    assert Publication.objects.get().recorded_by == world.users[role]


def test_the_menu_offers_publications_to_staff_only(world, login):
    index = reverse("consents:publication_index")
    page = login(world.users["teacher"]).get(reverse("home")).content.decode()
    assert f'href="{index}"' in page
    page = login(world.users["parent"]).get(reverse("home")).content.decode()
    assert f'href="{index}"' not in page
    assert login(world.users["parent"]).get(index).status_code == 404
    assert login(world.users["privacy_officer"]).get(index).status_code == 404


def test_the_menu_leads_staff_of_one_school_to_its_publications(world, login):
    response = login(world.users["teacher"]).get(reverse("consents:publication_index"))
    assert response.status_code == 302
    assert response["Location"] == urls(world.pupil.school)["list"]


# --- queries ---------------------------------------------------------------------------------


def test_the_lists_take_the_same_queries_for_few_and_many_rows(
    world, login, website, consented, django_assert_max_num_queries
):
    school, group = world.pupil.school, world.pupil.group
    client = login(world.users["teacher"])
    pages = urls(school)

    def measure() -> dict[str, int]:
        counts = {}
        for name, url in pages.items():
            client.get(url)  # warm the session and caches
            with django_assert_max_num_queries(30) as captured:
                assert client.get(url).status_code == 200
            counts[name] = len(captured.captured_queries)
        return counts

    def add_withdrawn_publications(count: int) -> None:
        for n in range(count):
            pupils = [with_consent(school, group, website) for _ in range(2)]
            publish(world, website, [consented, *pupils], title=f"Publicatie {n}")
            parent = pupils[0].guardianships.get().parent
            decide(pupils[0], website, parent, "withdrawn")

    add_withdrawn_publications(2)
    few = measure()
    add_withdrawn_publications(15)
    other_group = GroupFactory(school=school)
    for _ in range(20):
        PupilFactory(school=school, group=other_group)
    done = Takedown.objects.order_by("pk")[:5]
    for takedown in done:
        services.takedown_complete(takedown=takedown, acting_user=world.users["teacher"])
    many = measure()
    assert many == few
    assert Takedown.objects.filter(done_at__isnull=True).count() == 12


def test_a_teacher_names_only_pupils_of_the_own_groups(world, login, website, consented):
    client = english(login(world.users["teacher"]))
    page = client.get(urls(world.pupil.school)["new"]).content.decode()
    assert escape(world.pupil.full_name) in page
    assert escape(world.other_pupil.full_name) not in page
    response = client.post(
        urls(world.pupil.school)["new"], form_data(website, [world.other_pupil])
    )
    assert response.status_code == 200
    assert Publication.objects.count() == 0


# --- takedowns follow the final state (issue 17) ---------------------------------------------


def test_consent_given_again_ends_the_open_takedown_task_and_a_new_withdrawal_opens_one(
    world, website, consented
):
    publish(world, website, [consented])
    parent = world.users["parent"]
    decide(consented, website, parent, "withdrawn")
    assert Takedown.objects.filter(done_at__isnull=True).count() == 1

    decide(consented, website, parent, "given")
    assert not Takedown.objects.filter(done_at__isnull=True).exists()
    ended = AuditEntry.objects.filter(
        content_type__model="takedown", action=AuditEntry.Action.DELETE
    )
    assert ended.count() == 1 and ended.get().actor == parent

    decide(consented, website, parent, "withdrawn")
    assert Takedown.objects.filter(done_at__isnull=True).count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("last", ["given", "withdrawn"])
def test_many_give_and_withdraw_clicks_at_once_leave_the_takedowns_of_the_final_state(
    world, website, last
):
    import threading

    from django.db import connection

    from consents import selectors

    parent = world.users["parent"]
    decide(world.pupil, website, parent)
    publish(world, website, [world.pupil])
    clicks = ["withdrawn", "given"] * 12
    barrier = threading.Barrier(len(clicks))

    def click(choice):
        try:
            barrier.wait()
            decide(Pupil.objects.get(pk=world.pupil.pk), website, parent, choice)
        finally:
            connection.close()

    threads = [threading.Thread(target=click, args=(choice,)) for choice in clicks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    decide(world.pupil, website, parent, last)  # the final click, after all of them

    state = selectors.consent_state(pupil=world.pupil, purpose=website).outcome
    open_tasks = Takedown.objects.filter(done_at__isnull=True).count()
    assert state.consent == (last == "given")
    assert open_tasks == (0 if state.consent else 1)
