"""The dossier's history reads like a history a director understands: who did what, in a
sentence, changed fields by their labels with old → new where the value may be shown,
grouped by day, filtered by person and kind, paged; the parent's "who looked" alike."""

import datetime
import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils.html import escape

from pupils import services
from pupils.models import SpecialRecord
from schoolprivacy.audit import MASK
from schoolprivacy.audit_entry import AuditEntry
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    """The page's text without tags and with single spaces, as a reader sees it."""
    html = response.content.decode()
    main = html[html.index("<main") :] if "<main" in html else html
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


@pytest.fixture
def agreement(world):
    return services.agreement_record(
        pupil=world.pupil,
        acting_user=world.users["teacher"],
        agreed_on=datetime.date(2026, 11, 2),
        participants="moeder, leerkracht",
        agreement="Lotte leest elke dag tien minuten.",
        source="school",
    )


def _history(login, user, pupil, **query):
    return login(user).get(reverse("pupils:history", args=[pupil.pk]), query)


def test_the_history_says_in_sentences_who_recorded_changed_and_looked(world, login, agreement):
    teacher, director = world.users["teacher"], world.users["director"]
    services.entry_correct(
        entry=agreement,
        acting_user=teacher,
        version=1,
        reason="Typfout",
        agreement="Lotte leest elke dag een kwartier.",
    )
    services.dossier_viewed(pupil=world.pupil, acting_user=director, part="dossier")
    text = _text(_history(login, director, world.pupil))
    teacher_name, director_name = escape(teacher.full_name), escape(director.full_name)
    assert f"{teacher_name} heeft een afspraak vastgelegd" in text
    assert f"{teacher_name} heeft een afspraak gewijzigd" in text
    assert f"{director_name} heeft het dossier bekeken" in text
    # The field by its label, old → new.
    old, new = "Lotte leest elke dag tien minuten.", "Lotte leest elke dag een kwartier."
    assert f"Wat is afgesproken: {old} → {new}" in text
    # No database words, no list of every field of a new row.
    for word in ("update", "create", "access", "agreed_on", "participants", "viewed"):
        assert not re.search(rf"\b{word}\b", text), word
    # Grouped by day: the day in words, as Dutch writes it.
    today = datetime.date.today()
    months = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus"]
    months += ["september", "oktober", "november", "december"]
    assert f"{today.day} {months[today.month - 1]} {today.year}" in text


def test_the_history_is_in_english_for_an_english_reader(world, login, agreement):
    client = login(world.users["director"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    text = _text(client.get(reverse("pupils:history", args=[world.pupil.pk])))
    assert f"{escape(world.users['teacher'].full_name)} recorded an agreement" in text
    assert "heeft" not in text


def test_an_encrypted_field_is_named_but_its_values_are_never_shown(world, login):
    coordinator = world.users["care_coordinator"]
    record = services.special_record_add(
        pupil=world.pupil,
        kind=SpecialRecord.Kind.MEDICATION,
        content="Ritalin 10 mg om 12:00",
        acting_user=coordinator,
    )
    services.special_record_end(
        record=record,
        ended_on=datetime.date.today(),
        reason="Gestopt op advies van de arts",
        acting_user=coordinator,
    )
    text = _text(_history(login, world.users["director"], world.pupil))
    assert f"{escape(coordinator.full_name)} heeft een bijzonder persoonsgegeven gewijzigd" in text
    assert "Ritalin" not in text and "Gestopt" not in text and MASK not in text
    # The encrypted reason by its label only; the date it ended, old → new.
    assert "Waarom het eindigde" in text
    assert f"Beëindigd op: — → {datetime.date.today().day}" in text


def test_the_history_is_filtered_by_person_and_by_kind(world, login, agreement):
    director, teacher = world.users["director"], world.users["teacher"]
    services.dossier_viewed(pupil=world.pupil, acting_user=director, part="dossier")
    teacher_name, director_name = escape(teacher.full_name), escape(director.full_name)

    only_teacher = _text(_history(login, director, world.pupil, who=teacher.pk))
    assert f"{teacher_name} heeft een afspraak vastgelegd" in only_teacher
    assert f"{director_name} heeft" not in only_teacher

    only_looks = _text(_history(login, director, world.pupil, kind="viewed"))
    assert f"{director_name} heeft het dossier bekeken" in only_looks
    assert "vastgelegd" not in only_looks


def test_a_filter_that_is_not_one_of_the_choices_says_so_and_shows_everything(
    world, login, agreement
):
    response = _history(login, world.users["director"], world.pupil, who="abc", kind="x")
    assert response.status_code == 200
    text = _text(response)
    assert "Selecteer een geldige keuze" in text
    assert f"{escape(world.users['teacher'].full_name)} heeft een afspraak vastgelegd" in text


def test_the_history_is_paged_and_the_next_page_keeps_the_filter(world, login):
    director = world.users["director"]
    for _ in range(55):
        services.dossier_viewed(pupil=world.pupil, acting_user=director, part="dossier")
    html = _history(login, director, world.pupil, kind="viewed").content.decode()
    assert html.count("heeft het dossier bekeken") == 50
    assert "kind=viewed&amp;page=2" in html
    second = _history(login, director, world.pupil, kind="viewed", page=2).content.decode()
    assert second.count("heeft het dossier bekeken") == 5


def test_the_history_page_takes_the_same_queries_for_few_and_many_events(
    world, login, django_assert_max_num_queries
):
    director = world.users["director"]
    client = login(director)
    url = reverse("pupils:history", args=[world.pupil.pk])
    services.dossier_viewed(pupil=world.pupil, acting_user=director, part="dossier")
    client.get(url)
    with django_assert_max_num_queries(30) as few:
        client.get(url)
    for person in ("teacher", "care_coordinator", "team_leader"):
        for _ in range(5):
            services.dossier_viewed(pupil=world.pupil, acting_user=world.users[person], part="x")
    with django_assert_max_num_queries(30) as many:
        client.get(url)
    # Each look at the page itself is an entry: the count grows, the queries do not.
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_parent_reads_who_looked_as_sentences_with_the_role(world, login, agreement):
    teacher = world.users["teacher"]
    services.dossier_viewed(pupil=world.pupil, acting_user=teacher, part="dossier")
    response = login(world.users["parent"]).get(
        reverse("portal:access_history", args=[world.pupil.pk])
    )
    text = _text(response)
    assert f"{escape(teacher.full_name)} (leerkracht) heeft het dossier bekeken" in text
    # Only looks: not what the school recorded.
    assert "heeft een afspraak vastgelegd" not in text
    assert AuditEntry.objects.filter(action=AuditEntry.Action.ACCESS).exists()


def test_a_teacher_does_not_see_the_history_and_nothing_is_logged_for_it(world, login):
    before = AuditEntry.objects.count()
    response = _history(login, world.users["teacher"], world.pupil)
    assert response.status_code == 404
    assert AuditEntry.objects.count() == before


def _looks(login, user, pupil, **query):
    url = reverse("portal:access_history", args=[pupil.pk])
    return login(user).get(url, query)


def test_the_parent_pages_through_every_look_with_the_total(world, login):
    teacher = world.users["teacher"]
    for _ in range(120):
        services.dossier_viewed(pupil=world.pupil, acting_user=teacher, part="dossier")
    first = _text(_looks(login, world.users["parent"], world.pupil))
    assert first.count("(leerkracht) heeft het dossier bekeken") == 50
    assert "120 keer bekeken" in first
    assert "Pagina 1 van 3" in first
    last = _text(_looks(login, world.users["parent"], world.pupil, page=3))
    assert last.count("(leerkracht) heeft het dossier bekeken") == 20


def test_a_look_by_someone_who_has_left_the_school_is_still_shown(world, login):
    leaver = world.users["care_coordinator"]
    services.dossier_viewed(pupil=world.pupil, acting_user=leaver, part="special")
    leaver.memberships.all().delete()
    text = _text(_looks(login, world.users["parent"], world.pupil))
    assert f"{escape(leaver.full_name)} (niet meer op school)" in text


def test_a_look_by_the_technical_administrator_is_named_as_such(world, login):
    """Not "no longer at the school": the technical administrator never had a school role."""
    administrator = UserFactory(is_superuser=True, is_staff=True)
    services.dossier_viewed(pupil=world.pupil, acting_user=administrator, part="dossier")
    text = _text(_looks(login, world.users["parent"], world.pupil))
    assert f"{escape(administrator.full_name)} (technisch beheerder)" in text
    assert "niet meer op school" not in text


def test_the_parents_own_looks_are_not_the_school_s(world, login):
    services.dossier_viewed(pupil=world.pupil, acting_user=world.users["parent"], part="portal")
    text = _text(_looks(login, world.users["parent"], world.pupil))
    assert "Nog niemand van de school heeft het dossier geopend" in text


def test_who_looked_takes_the_same_queries_for_few_and_many_looks(
    world, login, django_assert_max_num_queries
):
    client = login(world.users["parent"])
    url = reverse("portal:access_history", args=[world.pupil.pk])
    services.dossier_viewed(pupil=world.pupil, acting_user=world.users["teacher"], part="x")
    client.get(url)
    with django_assert_max_num_queries(30) as few:
        client.get(url)
    for person in ("teacher", "care_coordinator", "team_leader", "director"):
        for _ in range(20):
            services.dossier_viewed(pupil=world.pupil, acting_user=world.users[person], part="x")
    with django_assert_max_num_queries(30) as many:
        client.get(url)
    # One more: the count of a list longer than a page.
    assert len(many.captured_queries) <= len(few.captured_queries) + 1


def test_the_history_says_when_it_shows_only_the_latest_emergency_openings(world, login):
    from django.utils import timezone

    from pupils.models import EmergencyAccess

    for number in range(52):
        EmergencyAccess.objects.create(
            pupil=world.pupil,
            user=world.users["teacher"],
            reason=f"Allergische reactie {number:02}",
            expires_at=timezone.now(),
        )
    text = _text(_history(login, world.users["director"], world.pupil))
    assert "De laatste 50 van 52 keer geopend" in text
    assert text.count("Allergische reactie") == 50
