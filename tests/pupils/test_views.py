"""The dossier as its users use it: recording, reading, bad input, parents, break-glass."""

import re

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from pupils import models
from pupils.models import (
    Agreement,
    EmergencyAccess,
    Guardianship,
    Invitation,
    Pupil,
    SpecialRecord,
)
from schoolprivacy.audit_entry import AuditEntry
from schoolprivacy.models import Membership, Role, User
from tests.factories import PupilFactory

from .conftest import _member

pytestmark = pytest.mark.django_db


def agreement_data(**overrides):
    return {
        "agreed_on": "2026-11-02",
        "participants": "moeder, leerkracht",
        "agreement": "Lotte leest elke dag tien minuten.",
        "source": "school",
        **overrides,
    }


def test_a_teacher_records_an_agreement_and_sees_it_on_the_pupil_page(world, login):
    client = login(world.users["teacher"])
    response = client.post(
        reverse("pupils:entry_add", args=[world.pupil.pk, "agreement"]), agreement_data()
    )
    assert response.status_code == 302
    agreement = Agreement.objects.get()
    assert agreement.author == world.users["teacher"]
    page = client.get(reverse("pupils:detail", args=[world.pupil.pk])).content.decode()
    assert "Lotte leest elke dag tien minuten." in page
    entry = AuditEntry.objects.get_for_object(agreement).get()
    assert entry.action == AuditEntry.Action.CREATE
    assert entry.actor == world.users["teacher"]
    assert entry.additional_data == {"pupil_id": world.pupil.pk}


def test_script_in_a_note_is_shown_as_text(world, login):
    client = login(world.users["teacher"])
    client.post(
        reverse("pupils:entry_add", args=[world.pupil.pk, "agreement"]),
        agreement_data(agreement="<script>alert('x')</script>"),
    )
    page = client.get(reverse("pupils:detail", args=[world.pupil.pk])).content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("agreement", "", "Dit veld is verplicht."),
        ("agreement", "x" * 5001, "niet meer dan 5000 tekens"),
        ("agreed_on", "31-02-2026", "Voer een geldige datum in."),
        ("participants", "", "Dit veld is verplicht."),
    ],
)
def test_bad_input_for_an_agreement_is_explained_and_saves_nothing(
    world, login, field, value, message
):
    client = login(world.users["teacher"])
    response = client.post(
        reverse("pupils:entry_add", args=[world.pupil.pk, "agreement"]),
        agreement_data(**{field: value}),
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Agreement.objects.exists()


def test_a_test_result_needs_a_score_or_a_level(world, login):
    client = login(world.users["teacher"])
    response = client.post(
        reverse("pupils:entry_add", args=[world.pupil.pk, "test-result"]),
        {
            "test_name": "Rekenen",
            "taken_on": "2026-11-02",
            "score": "",
            "level": "",
            "source": "school",
        },
    )
    assert "Vul een score, een niveau of allebei in." in response.content.decode()
    assert not models.TestResult.objects.exists()


def pupil_data(pupil, **overrides):
    return {
        "first_name": pupil.first_name,
        "name_prefix": "",
        "last_name": pupil.last_name,
        "date_of_birth": pupil.date_of_birth.isoformat(),
        "gender": "",
        "bsn": pupil.bsn,
        "enrolled_on": pupil.enrolled_on.isoformat(),
        "left_on": "",
        **overrides,
    }


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"bsn": "123456789"}, "Dit is geen geldig burgerservicenummer"),
        ({"bsn": "12345"}, "precies 9 cijfers"),
        ({"date_of_birth": "2099-01-01"}, "De geboortedatum ligt in de toekomst."),
        ({"date_of_birth": "1950-01-01"}, "Een leerling is tussen 2 en 21 jaar oud"),
        ({"last_name": ""}, "Dit veld is verplicht."),
        ({"last_name": "x" * 101}, "niet meer dan 100 tekens"),
    ],
)
def test_bad_personal_data_is_explained_and_changes_nothing(world, login, overrides, message):
    client = login(world.users["administrator"])
    before = Pupil.objects.values().get(pk=world.pupil.pk)
    response = client.post(
        reverse("pupils:edit", args=[world.pupil.pk]), pupil_data(world.pupil, **overrides)
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Pupil.objects.values().get(pk=world.pupil.pk) == before


def test_a_bsn_is_unique_within_the_board(world, login):
    client = login(world.users["administrator"])
    response = client.post(
        reverse("pupils:edit", args=[world.other_pupil.pk]),
        pupil_data(world.other_pupil, bsn=world.pupil.bsn),
    )
    assert "Een andere leerling van dit schoolbestuur heeft dit burgerservicenummer." in (
        response.content.decode()
    )
    world.other_pupil.refresh_from_db()
    assert world.other_pupil.bsn != world.pupil.bsn


def test_the_same_bsn_may_exist_in_another_board(world):
    twin = PupilFactory(bsn=world.pupil.bsn)
    assert twin.board_id != world.pupil.board_id


def test_the_bsn_is_shown_to_the_administrator_and_not_to_the_teacher(world, login):
    bsn = world.pupil.bsn
    assert (
        bsn
        in login(world.users["administrator"])
        .get(reverse("pupils:detail", args=[world.pupil.pk]))
        .content.decode()
    )
    assert (
        bsn
        not in login(world.users["teacher"])
        .get(reverse("pupils:detail", args=[world.pupil.pk]))
        .content.decode()
    )


def test_the_bsn_never_reaches_an_url_or_the_audit_log(world, login):
    client = login(world.users["administrator"])
    client.post(
        reverse("pupils:edit", args=[world.pupil.pk]),
        pupil_data(world.pupil, bsn="111222333"),
    )
    world.pupil.refresh_from_db()
    assert world.pupil.bsn == "111222333"
    for entry in AuditEntry.objects.all():
        assert "111222333" not in str(entry.changes) + str(entry.changes_text)
        assert world.pupil.bsn_index not in str(entry.changes)


# --- Special categories ------------------------------------------------------------------


def add_special(world, kind, content):
    return SpecialRecord.objects.create(
        pupil=world.pupil, kind=kind, content=content, author=world.users["care_coordinator"]
    )


def test_a_teacher_sees_the_safety_records_and_nothing_else(world, login):
    add_special(world, "protocol", "Bij een aanval: neusspray.")
    add_special(world, "diagnosis", "ADHD")
    page = login(world.users["teacher"]).get(reverse("pupils:special", args=[world.pupil.pk]))
    content = page.content.decode()
    assert "Bij een aanval: neusspray." in content
    assert "ADHD" not in content
    access = AuditEntry.objects.filter(action=AuditEntry.Action.ACCESS, object_id=world.pupil.pk)
    assert access.filter(actor=world.users["teacher"]).exists()


def test_the_care_coordinator_sees_every_kind(world, login):
    add_special(world, "protocol", "Bij een aanval: neusspray.")
    add_special(world, "diagnosis", "ADHD")
    content = (
        login(world.users["care_coordinator"])
        .get(reverse("pupils:special", args=[world.pupil.pk]))
        .content.decode()
    )
    assert "ADHD" in content
    assert "neusspray" in content


def test_break_glass_opens_the_protocol_for_an_hour_logs_it_and_tells_the_director(
    world, login, django_capture_on_commit_callbacks
):
    add_special(world, "protocol", "Bij een aanval: neusspray.")
    add_special(world, "diagnosis", "ADHD")
    client = login(world.users["teacher_other_group"])
    special = reverse("pupils:special", args=[world.pupil.pk])
    assert client.get(special).status_code == 404

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("pupils:emergency", args=[world.pupil.pk]), {"reason": "Aanval in de gym."}
        )
    assert response["Location"] == special
    content = client.get(special).content.decode()
    assert "neusspray" in content
    assert "ADHD" not in content
    assert EmergencyAccess.objects.get().reason == "Aanval in de gym."
    assert [m.to for m in mail.outbox] == [[world.users["director"].email]]
    # The mail says it happened and links to the history; the reason stays in the app.
    assert "Aanval in de gym." not in mail.outbox[0].body
    assert reverse("pupils:history", args=[world.pupil.pk]) in mail.outbox[0].body
    assert world.pupil.full_name not in mail.outbox[0].body


def test_break_glass_without_a_reason_opens_nothing(world, login):
    client = login(world.users["teacher_other_group"])
    response = client.post(reverse("pupils:emergency", args=[world.pupil.pk]), {"reason": " "})
    assert response.status_code == 200
    assert not EmergencyAccess.objects.exists()


# --- Parents -----------------------------------------------------------------------------


def test_a_parent_with_authority_sees_everything_including_special_records(world, login):
    add_special(world, "diagnosis", "ADHD")
    Agreement.objects.create(
        pupil=world.pupil,
        author=world.users["teacher"],
        agreed_on="2026-10-01",
        participants="x",
        agreement="Extra rekenen",
    )
    content = (
        login(world.users["parent"])
        .get(reverse("portal:child", args=[world.pupil.pk]))
        .content.decode()
    )
    assert "ADHD" in content
    assert "Extra rekenen" in content
    assert world.pupil.bsn in content
    other_parent = world.users["parent_information_right"]
    assert escape(other_parent.full_name) not in content
    assert other_parent.email not in content


def test_a_parent_with_only_the_information_right_sees_progress_not_special_data(world, login):
    add_special(world, "diagnosis", "ADHD")
    Agreement.objects.create(
        pupil=world.pupil,
        author=world.users["teacher"],
        agreed_on="2026-10-01",
        participants="x",
        agreement="Extra rekenen",
    )
    client = login(world.users["parent_information_right"])
    content = client.get(reverse("portal:child", args=[world.pupil.pk])).content.decode()
    assert "Extra rekenen" in content
    assert "ADHD" not in content
    assert world.pupil.bsn not in content
    assert client.get(reverse("portal:access_history", args=[world.pupil.pk])).status_code == 404


def test_a_parent_sees_both_children_in_two_schools_of_the_board(world, login):
    parent = world.users["parent"]
    sibling = PupilFactory(school__board=world.pupil.board)
    Guardianship.objects.create(parent=parent, pupil=sibling, relation="mother")
    content = login(parent).get(reverse("portal:home")).content.decode()
    assert escape(world.pupil.full_name) in content
    assert escape(sibling.full_name) in content
    assert escape(world.other_pupil.full_name) not in content


def test_the_access_history_shows_staff_looks_but_not_parents(world, login):
    login(world.users["teacher"]).get(reverse("pupils:detail", args=[world.pupil.pk]))
    login(world.users["parent_information_right"]).get(
        reverse("portal:child", args=[world.pupil.pk])
    )
    content = (
        login(world.users["parent"])
        .get(reverse("portal:access_history", args=[world.pupil.pk]))
        .content.decode()
    )
    teacher = escape(world.users["teacher"].full_name)
    assert f"{teacher} (leerkracht) heeft het dossier bekeken" in content
    assert escape(world.users["parent_information_right"].full_name) not in content


def invitation_link(message) -> str:
    return re.search(r"https?://[^/\s]+(/portal/invitation/[^/\s]+/)", message.body).group(1)


def test_a_change_of_custody_is_kept_in_the_audit_log(world, login):
    guardianship = world.guardianships["parent_no_rights"]
    login(world.users["director"]).post(
        reverse("pupils:guardianship", args=[world.pupil.pk, guardianship.pk]),
        {"has_information_right": "on"},
    )
    guardianship.refresh_from_db()
    assert guardianship.has_information_right
    entry = AuditEntry.objects.get_for_object(guardianship).latest("timestamp")
    assert entry.changes["has_information_right"] == ["False", "True"]
    assert entry.actor == world.users["director"]


# --- History and speed -----------------------------------------------------------------------


def test_the_director_sees_the_history_of_the_dossier(world, login):
    login(world.users["teacher"]).post(
        reverse("pupils:entry_add", args=[world.pupil.pk, "agreement"]), agreement_data()
    )
    content = (
        login(world.users["director"])
        .get(reverse("pupils:history", args=[world.pupil.pk]))
        .content.decode()
    )
    assert f"{escape(world.users['teacher'].full_name)} heeft een afspraak vastgelegd" in content


def test_the_pupil_list_takes_the_same_queries_for_few_and_many_pupils(
    world, login, django_assert_max_num_queries
):
    client = login(world.users["director"])
    client.get(reverse("pupils:list"))
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("pupils:list"))
    for _ in range(25):
        PupilFactory(school=world.pupil.school, group=world.pupil.group)
    with django_assert_max_num_queries(12) as many:
        client.get(reverse("pupils:list"))
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_pupil_page_takes_the_same_queries_for_few_and_many_entries(
    world, login, django_assert_max_num_queries
):
    client = login(world.users["teacher"])
    address = reverse("pupils:detail", args=[world.pupil.pk])
    # One entry: its author's name is read once for all entries (none: nothing to read).
    Agreement.objects.create(
        pupil=world.pupil,
        author=world.users["director"],
        agreed_on="2026-09-01",
        participants="x",
        agreement="eerste afspraak",
    )
    client.get(address)
    with django_assert_max_num_queries(25) as few:
        client.get(address)
    for number in range(10):
        Agreement.objects.create(
            pupil=world.pupil,
            author=world.users["teacher"],
            agreed_on="2026-10-01",
            participants="x",
            agreement=f"afspraak {number}",
        )
        models.TestResult.objects.create(
            pupil=world.pupil,
            author=world.users["care_coordinator"],
            test_name="Rekenen",
            taken_on="2026-10-01",
            level="B",
        )
    with django_assert_max_num_queries(25) as many:
        client.get(address)
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_teacher_list_shows_only_the_own_group(world, login):
    content = login(world.users["teacher"]).get(reverse("pupils:list")).content.decode()
    assert escape(world.pupil.full_name) in content
    assert escape(world.other_pupil.full_name) not in content


def test_the_list_names_the_school_only_for_who_sees_several(world, login):
    def main_of(response) -> str:
        return response.content.decode().split("<main", 1)[1]

    director = world.users["director"]
    main = main_of(login(director).get(reverse("pupils:list")))
    assert escape(world.pupil.full_name) in main
    assert escape(world.pupil.school.name) not in main  # one school: no column repeating it
    other_school = world.users["director_other_school"].memberships.get().school
    Membership.objects.create(user=director, school=other_school, role=Role.DIRECTOR)
    other = PupilFactory(school=other_school)
    main = main_of(login(director).get(reverse("pupils:list")))
    assert escape(other.full_name) in main
    assert escape(world.pupil.school.name) in main and escape(other_school.name) in main


def test_staff_of_another_school_of_the_board_see_no_pupils_of_this_school(world, login):
    content = login(world.users["director_other_school"]).get(reverse("pupils:list")).content
    assert escape(world.pupil.full_name) not in content.decode()


def test_a_teacher_can_only_be_given_a_group_of_the_own_school(world):
    from django.core.exceptions import ValidationError

    from pupils import services

    stranger = _member(world.other_pupil.school, "teacher")
    other_board_group = PupilFactory().group
    with pytest.raises(ValidationError):
        services.group_assign_teacher(group=other_board_group, teacher=stranger)


def test_an_expired_invitation_sets_no_password(world, client):
    from datetime import timedelta

    from django.utils import timezone

    from pupils import services

    parent = world.users["parent_no_rights"]
    parent.set_unusable_password()
    parent.save()
    invitation = services.invitation_create(parent=parent, acting_user=world.users["director"])
    services.invitation_send(invitation_id=invitation.pk)
    link = invitation_link(mail.outbox[-1])
    assert services.invitation_send(invitation_id=invitation.pk) is False  # sent once
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    response = client.post(link, {"new_password1": "x" * 20, "new_password2": "x" * 20})
    assert response.status_code == 404
    assert "Deze link werkt niet meer" in response.content.decode()
    parent.refresh_from_db()
    assert not parent.has_usable_password()


def test_a_director_of_another_board_cannot_link_a_parent_to_this_pupil(world, login):
    stranger = _member(PupilFactory().school, "director")
    before = Guardianship.objects.count()
    response = login(stranger).post(
        reverse("pupils:parent_add", args=[world.pupil.pk]),
        {
            "full_name": "Iemand",
            "email": "iemand@elders.example",
            "relation": "father",
            "has_parental_authority": "on",
        },
    )
    assert response.status_code == 404
    assert Guardianship.objects.count() == before
    assert not User.objects.filter(email="iemand@elders.example").exists()


def test_the_parents_child_page_reads_guardians_contacts_and_documents_once(demo, login):
    """The portal's own rule, the emergency contacts, the shared contacts and the special
    records with their documents all need the same few rows: one read each."""
    parent = User.objects.get(email="ouder@ouders.example")
    pupil = next(
        g.pupil
        for g in Guardianship.objects.filter(parent=parent).select_related("pupil")
        if SpecialRecord.objects.filter(pupil=g.pupil).exists()
    )
    client = login(parent)
    address = reverse("portal:child", args=[pupil.pk])
    client.get(address)
    with CaptureQueriesContext(connection) as page:
        response = client.get(address)
    assert response.status_code == 200
    assert b"<h2" in response.content
    tables = ("pupils_guardianship", "pupils_parentcontact", "pupils_attachment")
    reads = [
        table
        for query in page.captured_queries
        for table in tables
        if query["sql"].startswith(f'SELECT "{table}".')
    ]
    assert sorted(reads) == sorted(tables)
