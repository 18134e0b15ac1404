"""Consents as parents, pupils, teachers and staff use them."""

import csv
import datetime
import io
import uuid

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from consents import selectors
from consents.models import ConsentEvent, ConsentRequest, Decision, PurposeVersion
from consents.rules import State
from schoolprivacy.audit_entry import AuditEntry
from schoolprivacy.models import Notice
from tests.factories import PupilFactory, UserFactory
from tests.utils import password_just_confirmed

from .conftest import make_purpose

pytestmark = pytest.mark.django_db


def decide(client, world, purpose, choice, *, version=None, submission=None):
    return client.post(
        reverse("consents:decide", args=[world.pupil.pk, purpose.pk]),
        {
            "version": version or purpose.versions.get().pk,
            "choice": choice,
            "submission": submission or uuid.uuid4(),
        },
    )


def state(world, purpose):
    return selectors.consent_state(pupil=world.pupil, purpose=purpose).outcome.state


def test_a_parent_gives_and_withdraws_in_one_step_each(world, login, purpose):
    client = login(world.users["parent"])
    page = client.get(reverse("consents:portal", args=[world.pupil.pk])).content.decode()
    assert "altijd" in page  # told beforehand that withdrawal is always possible
    assert state(world, purpose) == State.NO_DECISION

    decide(client, world, purpose, "given")
    assert state(world, purpose) == State.CONSENT
    page = client.get(reverse("consents:portal", args=[world.pupil.pk])).content.decode()
    assert "Toestemming intrekken" in page

    decide(client, world, purpose, "withdrawn")
    assert state(world, purpose) == State.WITHDRAWN
    assert list(Decision.objects.values_list("choice", flat=True)) == ["given", "withdrawn"]
    assert all(d.channel == "portal" for d in Decision.objects.all())


def test_every_decision_is_audited_with_who_decided(world, login, purpose):
    decide(login(world.users["parent"]), world, purpose, "given")
    decision = Decision.objects.get()
    entry = AuditEntry.objects.get_for_object(decision).get()
    assert entry.actor == world.users["parent"]
    assert entry.additional_data == {"pupil_id": world.pupil.pk}


def test_a_double_submit_records_one_decision(world, login, purpose):
    client = login(world.users["parent"])
    submission = uuid.uuid4()
    decide(client, world, purpose, "given", submission=submission)
    decide(client, world, purpose, "given", submission=submission)
    assert Decision.objects.count() == 1


def test_a_text_that_changed_meanwhile_asks_to_read_the_new_text(world, login, purpose):
    old = purpose.versions.get()
    PurposeVersion.objects.create(
        purpose=purpose,
        number=2,
        valid_from=datetime.date(2025, 1, 1),
        title_nl="Nieuw",
        title_en="New",
        text_nl="Nieuwe tekst",
        text_en="New text",
    )
    response = decide(login(world.users["parent"]), world, purpose, "given", version=old.pk)
    follow = response.client.get(response["Location"]).content.decode()
    assert "De tekst van deze toestemming is veranderd" in follow
    assert not Decision.objects.exists()


@pytest.mark.parametrize("who", ["parent_information_right", "parent_no_rights"])
def test_a_parent_without_authority_cannot_decide(world, login, purpose, who):
    client = login(world.users[who])
    response = decide(client, world, purpose, "given")
    assert response.status_code == 404
    assert not Decision.objects.exists()


def test_a_parent_cannot_decide_for_a_pupil_of_sixteen(world, login, purpose):
    world.pupil.date_of_birth = datetime.date(2008, 1, 1)
    world.pupil.save()
    client = login(world.users["parent"])
    page = client.get(reverse("consents:portal", args=[world.pupil.pk])).content.decode()
    assert "16 jaar of ouder" in page and "beslist zelf" in page
    response = decide(client, world, purpose, "given")
    assert "beslist zelf" in response.client.get(response["Location"]).content.decode()
    assert not Decision.objects.exists()


def test_a_pupil_of_sixteen_decides_alone(world, login, purpose):
    world.pupil.date_of_birth = datetime.date(2008, 1, 1)
    world.pupil.account = UserFactory()
    world.pupil.save()
    decide(login(world.pupil.account), world, purpose, "given")
    decision = Decision.objects.get()
    assert decision.decider_role == "pupil"
    assert state(world, purpose) == State.CONSENT


def test_the_class_overview_shows_a_change_at_once_and_the_teacher_gets_a_notice(
    world, login, purpose, django_capture_on_commit_callbacks
):
    teacher = login(world.users["teacher"])
    overview = reverse("consents:class_overview", args=[world.pupil.group_id])
    row = f"{escape(world.pupil.full_name)}</th>"
    content = teacher.get(overview).content.decode()
    assert row + '\n          \n            <td class="utrecht-table__cell sp-no">' in content

    with django_capture_on_commit_callbacks(execute=True):
        decide(login(world.users["parent"]), world, purpose, "given")

    content = login(world.users["teacher"]).get(overview).content.decode()
    assert row + '\n          \n            <td class="utrecht-table__cell sp-yes">' in content
    notice = Notice.objects.get(user=world.users["teacher"])
    assert world.pupil.first_name in notice.message
    assert [m.to for m in mail.outbox] == [[world.users["teacher"].email]]
    assert not Notice.objects.filter(user=world.users["teacher_other_group"]).exists()


def test_the_class_overview_takes_the_same_queries_for_a_small_and_a_big_class(
    world, login, purpose, django_assert_max_num_queries
):
    make_purpose(world.pupil.school, "foto-nieuwsbrief")
    client = login(world.users["teacher"])
    overview = reverse("consents:class_overview", args=[world.pupil.group_id])
    client.get(overview)
    with django_assert_max_num_queries(20) as small:
        client.get(overview)
    for _ in range(29):
        PupilFactory(school=world.pupil.school, group=world.pupil.group)
    with django_assert_max_num_queries(20) as big:
        client.get(overview)
    assert len(big.captured_queries) == len(small.captured_queries)


def paper(client, world, purpose, **overrides):
    return client.post(
        reverse("consents:paper_form", args=[world.pupil.pk]),
        {
            "purpose": purpose.pk,
            "choice": "given",
            "decided_by": world.users["parent"].pk,
            "form_date": "2026-09-01",
            "submission": uuid.uuid4(),
            **overrides,
        },
    )


def test_staff_record_a_paper_form_with_its_date(world, login, purpose):
    response = paper(login(world.users["administrator"]), world, purpose)
    assert response.status_code == 302
    decision = Decision.objects.get()
    assert decision.channel == "paper"
    assert decision.decided_by == world.users["parent"]
    assert decision.recorded_by == world.users["administrator"]
    assert timezone.localtime(decision.decided_at).date() == datetime.date(2026, 9, 1)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"form_date": "2099-01-01"}, "De datum op het formulier ligt in de toekomst."),
        ({"form_date": ""}, "Dit veld is verplicht."),
        ({"choice": "maybe"}, "Selecteer een geldige keuze."),
    ],
)
def test_a_bad_paper_form_is_explained_and_saves_nothing(
    world, login, purpose, overrides, message
):
    response = paper(login(world.users["administrator"]), world, purpose, **overrides)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Decision.objects.exists()


def test_a_paper_form_signed_by_a_parent_without_authority_is_refused(world, login, purpose):
    response = paper(
        login(world.users["administrator"]),
        world,
        purpose,
        decided_by=world.users["parent_information_right"].pk,
    )
    assert response.status_code == 200
    assert not Decision.objects.exists()


def test_the_pupil_page_shows_the_consents(world, login, purpose):
    content = (
        login(world.users["teacher"])
        .get(reverse("pupils:detail", args=[world.pupil.pk]))
        .content.decode()
    )
    assert "Toestemmingen" in content
    assert "Geen besluit (dus geen toestemming)" in content


def test_the_proof_export_shows_who_decided_what_on_which_text_and_defuses_formulas(
    world, login, purpose
):
    world.pupil.first_name = '=HYPERLINK("http://evil.example")'
    world.pupil.save()
    decide(login(world.users["parent"]), world, purpose, "given")
    client = login(world.users["director"])
    password_just_confirmed(client)
    response = client.get(
        reverse("consents:school_proof", args=[world.pupil.school_id]) + "?format=csv"
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:5] == ["pupil", "purpose", "version", "text", "decision"]
    assert rows[1][0].startswith("'=HYPERLINK")
    assert rows[1][2] == "v1"
    assert rows[1][5] == world.users["parent"].full_name

    officer = login(world.users["privacy_officer"])
    assert (
        officer.get(reverse("consents:school_proof", args=[world.pupil.school_id])).status_code
        == 200
    )


def version_data(**overrides):
    return {
        "valid_from": "2026-11-01",
        "material_change": "on",
        "title_nl": "Foto's op de website en Instagram",
        "text_nl": "Nu ook op Instagram.",
        "title_en": "Photos on the website and Instagram",
        "text_en": "Now on Instagram too.",
        **overrides,
    }


def test_a_material_new_text_asks_everyone_again(world, login, purpose):
    decide(login(world.users["parent"]), world, purpose, "given")
    assert state(world, purpose) == State.CONSENT
    response = login(world.users["director"]).post(
        reverse("consents:version_create", args=[purpose.pk]), version_data()
    )
    assert response.status_code == 302
    assert purpose.versions.count() == 2
    assert state(world, purpose) == State.RENEWAL_NEEDED
    page = login(world.users["parent"]).get(reverse("consents:portal", args=[world.pupil.pk]))
    assert "Nu ook op Instagram." in page.content.decode()


def test_an_editorial_new_text_keeps_the_consent(world, login, purpose):
    decide(login(world.users["parent"]), world, purpose, "given")
    data = version_data()
    del data["material_change"]
    login(world.users["administrator"]).post(
        reverse("consents:version_create", args=[purpose.pk]), data
    )
    assert state(world, purpose) == State.CONSENT


def test_a_new_text_cannot_apply_before_the_current_one(world, login, purpose):
    response = login(world.users["director"]).post(
        reverse("consents:version_create", args=[purpose.pk]),
        version_data(valid_from="2020-01-01"),
    )
    assert response.status_code == 200
    assert "De nieuwe tekst kan niet eerder gelden dan de huidige" in response.content.decode()
    assert purpose.versions.count() == 1


def test_a_director_adds_a_question_that_parents_see_at_once(world, login, purpose):
    data = {
        "purpose-school": world.pupil.school_id,
        "purpose-category": "other",
        "purpose-trigger": "all",
        **{f"text-{k}": v for k, v in version_data(valid_from="2026-01-01").items()},
    }
    response = login(world.users["director"]).post(reverse("consents:purpose_create"), data)
    assert response.status_code == 302
    page = login(world.users["parent"]).get(reverse("consents:portal", args=[world.pupil.pk]))
    assert "Nu ook op Instagram." in page.content.decode()

    again = login(world.users["director"]).post(reverse("consents:purpose_create"), data)
    assert "Dit schoolbestuur heeft al een vraag met deze titel." in again.content.decode()


def test_an_event_asks_the_parents_its_questions_now(
    world, login, django_capture_on_commit_callbacks
):
    make_purpose(
        world.pupil.school, "zorg-lwoe", category="care_partner", trigger="specialist_support"
    )
    make_purpose(world.pupil.school, "stage", category="internship", trigger="internship")
    client = login(world.users["care_coordinator"])
    page = client.get(reverse("pupils:detail", args=[world.pupil.pk])).content.decode()
    assert "Vastleggen en vragen" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("consents:event_start", args=[world.pupil.pk]),
            {"trigger": "specialist_support", "started_on": "2026-11-20"},
        )
    assert response.status_code == 302
    event = ConsentEvent.objects.get()
    assert event.started_by == world.users["care_coordinator"]
    assert [m.to for m in mail.outbox] == [[world.users["parent"].email]]
    assert "zorg-lwoe" in mail.outbox[0].body
    assert "stage" not in mail.outbox[0].body
    asked = ConsentRequest.objects.get()
    assert asked.recipient == world.users["parent"]


def test_a_teacher_cannot_record_an_event(world, login):
    make_purpose(world.pupil.school, "stage", category="internship", trigger="internship")
    response = login(world.users["teacher"]).post(
        reverse("consents:event_start", args=[world.pupil.pk]),
        {"trigger": "internship", "started_on": "2026-11-20"},
    )
    assert response.status_code == 404
    assert not ConsentEvent.objects.exists()
    assert mail.outbox == []
