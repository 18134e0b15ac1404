"""Campaigns: the school asks for the decisions that are missing, once, and reminds once."""

import datetime
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from consents import services, tasks
from consents.models import ConsentRequest, Purpose, PurposeVersion
from consents.services import consent_requests_sweep, school_year_of
from pupils.models import Pupil
from schoolprivacy.celery import app
from schoolprivacy.models import User
from tests.factories import (
    BoardFactory,
    GroupFactory,
    GuardianshipFactory,
    PupilFactory,
    SchoolFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


# --- helpers ---------------------------------------------------------------------------------


def born(years_ago: int) -> datetime.date:
    return datetime.date(TODAY.year - years_ago, TODAY.month, 1)


def make_purpose(school, code, title_en, title_nl, **kwargs) -> Purpose:
    purpose = Purpose.objects.create(
        board=school.board, code=code, category=kwargs.pop("category", "images"), **kwargs
    )
    purpose.schools.add(school)
    PurposeVersion.objects.create(
        purpose=purpose,
        number=1,
        valid_from=datetime.date(2024, 8, 1),
        title_nl=title_nl,
        title_en=title_en,
        text_nl="Wij vragen uw toestemming.",
        text_en="We ask for your consent.",
    )
    return purpose


def new_version(purpose: Purpose, *, material: bool, valid_from=TODAY) -> PurposeVersion:
    current = purpose.versions.order_by("-number").first()
    return PurposeVersion.objects.create(
        purpose=purpose,
        number=current.number + 1,
        valid_from=valid_from,
        material_change=material,
        title_nl=current.title_nl + " (nieuw)",
        title_en=current.title_en + " (new)",
        text_nl="Nieuwe tekst.",
        text_en="New text.",
    )


def decide(pupil: Pupil, purpose: Purpose, user: User, choice: str = "given"):
    version = purpose.versions.order_by("-number").first()
    return services.decision_record(
        pupil=pupil, purpose=purpose, version_id=version.pk, choice=choice, acting_user=user
    )


def mails_to(user: User) -> list:
    return [m for m in mail.outbox if m.to == [user.email]]


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@dataclass
class Family:
    """One school: a mother of two (the father has no authority), and two pupils of 17."""

    website: Purpose
    newsletter: Purpose
    anna: Pupil
    ben: Pupil
    cas: Pupil
    dirk: Pupil
    mother: User
    father: User
    cas_parent: User
    cas_account: User
    dirk_parent: User


@pytest.fixture
def family(db) -> Family:
    school = SchoolFactory(board=BoardFactory())
    group = GroupFactory(school=school)
    website = make_purpose(
        school, "website", "Photos on the website", "Foto's op de website", order=1
    )
    newsletter = make_purpose(
        school,
        "newsletter",
        "Photos in the newsletter",
        "Foto's in de nieuwsbrief",
        order=2,
        category="other",
    )
    # Neither asked of every pupil nor active: never part of a campaign.
    make_purpose(school, "stage", "Internship", "Stage", trigger=Purpose.Trigger.INTERNSHIP)
    make_purpose(school, "oud", "Old", "Oud", active=False)

    mother = UserFactory(language="en")
    father = UserFactory(language="en")
    anna = PupilFactory(school=school, group=group, first_name="Anna", date_of_birth=born(9))
    ben = PupilFactory(school=school, group=group, first_name="Ben", date_of_birth=born(11))
    left = PupilFactory(
        school=school, group=group, first_name="Eva", left_on=TODAY - datetime.timedelta(days=1)
    )
    for child in (anna, ben, left):
        GuardianshipFactory(pupil=child, parent=mother)
    GuardianshipFactory(
        pupil=anna,
        parent=father,
        relation="father",
        has_parental_authority=False,
        has_information_right=True,
    )

    cas_account = UserFactory(language="nl")
    cas = PupilFactory(
        school=school, group=group, first_name="Cas", date_of_birth=born(17), account=cas_account
    )
    cas_parent = GuardianshipFactory(pupil=cas).parent
    dirk = PupilFactory(school=school, group=group, first_name="Dirk", date_of_birth=born(17))
    dirk_parent = GuardianshipFactory(pupil=dirk).parent
    return Family(
        website=website,
        newsletter=newsletter,
        anna=anna,
        ben=ben,
        cas=cas,
        dirk=dirk,
        mother=mother,
        father=father,
        cas_parent=cas_parent,
        cas_account=cas_account,
        dirk_parent=dirk_parent,
    )


# --- asking ----------------------------------------------------------------------------------


def test_each_decider_gets_one_email_listing_all_their_questions(family):
    report = consent_requests_sweep(today=TODAY)

    assert report.emails == 2
    assert report.asked == 6
    [to_mother] = mails_to(family.mother)
    assert to_mother.subject == "The school asks for your decision"
    body = to_mother.body
    for child in (family.anna, family.ben):
        assert f"- {child.full_name}: Photos on the website" in body
        assert f"- {child.full_name}: Photos in the newsletter" in body
    assert "Eva" not in body  # she has left school
    assert "Internship" not in body and "Old" not in body
    assert settings.SITE_URL + reverse("consents:portal_index") in body

    rows = ConsentRequest.objects.filter(recipient=family.mother)
    assert rows.count() == 4
    assert {r.school_year for r in rows} == {school_year_of(TODAY)}
    assert all(r.sent_at is not None and r.reminded_at is None for r in rows)


def test_a_pupil_of_16_with_an_account_is_asked_instead_of_the_parents(family):
    consent_requests_sweep(today=TODAY)

    [to_cas] = mails_to(family.cas_account)
    # In the pupil's own language.
    assert f"- {family.cas.full_name}: Foto's op de website" in to_cas.body
    assert f"- {family.cas.full_name}: Foto's in de nieuwsbrief" in to_cas.body
    assert mails_to(family.cas_parent) == []
    assert not ConsentRequest.objects.filter(recipient=family.cas_parent).exists()
    # A pupil of 16 without an account cannot be asked; the parents do not decide any more.
    assert mails_to(family.dirk_parent) == []
    assert not ConsentRequest.objects.filter(pupil=family.dirk).exists()


def test_a_parent_without_parental_authority_is_never_asked(family):
    consent_requests_sweep(today=TODAY)
    consent_requests_sweep(today=TODAY + datetime.timedelta(days=14))
    assert mails_to(family.father) == []
    assert not ConsentRequest.objects.filter(recipient=family.father).exists()


def test_a_second_run_the_same_day_sends_nothing(family):
    consent_requests_sweep(today=TODAY)
    sent, rows = len(mail.outbox), ConsentRequest.objects.count()

    report = consent_requests_sweep(today=TODAY)
    assert (report.emails, report.asked, report.reminded) == (0, 0, 0)
    assert len(mail.outbox) == sent
    assert ConsentRequest.objects.count() == rows


def test_nobody_is_asked_for_what_they_decided(family):
    for child in (family.anna, family.ben):
        decide(child, family.website, family.mother, "given")
        decide(child, family.newsletter, family.mother, "refused")
    decide(family.cas, family.website, family.cas_account, "given")
    decide(family.cas, family.newsletter, family.cas_account, "given")

    report = consent_requests_sweep(today=TODAY)
    assert report.emails == 0
    assert mail.outbox == []
    assert not ConsentRequest.objects.exists()


def test_an_open_question_is_reminded_once_after_14_days(family):
    consent_requests_sweep(today=TODAY)
    assert len(mail.outbox) == 2

    consent_requests_sweep(today=TODAY + datetime.timedelta(days=13))
    assert len(mail.outbox) == 2

    decide(family.anna, family.website, family.mother, "given")  # answered meanwhile
    report = consent_requests_sweep(today=TODAY + datetime.timedelta(days=14))
    assert (report.emails, report.reminded, report.asked) == (2, 5, 0)
    [_, reminder] = mails_to(family.mother)
    assert reminder.subject == "Reminder: the school asks for your decision"
    assert f"{family.anna.full_name}: Photos on the website" not in reminder.body
    assert f"{family.anna.full_name}: Photos in the newsletter" in reminder.body
    assert f"{family.ben.full_name}: Photos on the website" in reminder.body
    answered = ConsentRequest.objects.get(pupil=family.anna, version__purpose=family.website)
    assert answered.reminded_at is None
    assert ConsentRequest.objects.filter(reminded_at__isnull=False).count() == 5

    for days in (15, 28, 60):
        consent_requests_sweep(today=TODAY + datetime.timedelta(days=days))
    assert len(mail.outbox) == 4


def test_a_new_text_with_a_material_change_asks_again(family):
    for child in (family.anna, family.ben):
        decide(child, family.website, family.mother)
        decide(child, family.newsletter, family.mother)
    consent_requests_sweep(today=TODAY)
    assert mails_to(family.mother) == []

    v2 = new_version(family.website, material=True)
    new_version(family.newsletter, material=False)  # an editorial change keeps the consent
    consent_requests_sweep(today=TODAY)

    [to_mother] = mails_to(family.mother)
    assert f"- {family.anna.full_name}: Photos on the website (new)" in to_mother.body
    assert f"- {family.ben.full_name}: Photos on the website (new)" in to_mother.body
    assert "newsletter" not in to_mother.body
    assert set(
        ConsentRequest.objects.filter(recipient=family.mother).values_list("version", flat=True)
    ) == {v2.pk}


def test_a_new_school_year_asks_again_what_is_still_open(family):
    consent_requests_sweep(today=TODAY)
    next_year = datetime.date(school_year_of(TODAY) + 1, 8, 15)
    report = consent_requests_sweep(today=next_year)

    assert report.school_year == school_year_of(TODAY) + 1
    assert report.emails == 2
    assert len(mails_to(family.mother)) == 2
    assert (
        ConsentRequest.objects.filter(recipient=family.mother, school_year=report.school_year)
        .exclude(sent_at=None)
        .count()
        == 4
    )
    consent_requests_sweep(today=next_year)
    assert len(mail.outbox) == 4


def test_where_all_holders_must_consent_only_the_one_who_has_not_decided_is_asked(family):
    school = family.anna.school
    trip = make_purpose(
        school, "trip", "Photos of the trip", "Foto's van de reis", requires_all_holders=True
    )
    second = UserFactory(language="en")
    GuardianshipFactory(pupil=family.ben, parent=second, relation="father")
    decide(family.ben, trip, family.mother)

    consent_requests_sweep(today=TODAY)
    [to_second] = mails_to(second)
    assert f"- {family.ben.full_name}: Photos of the trip" in to_second.body
    [to_mother] = mails_to(family.mother)
    assert f"- {family.anna.full_name}: Photos of the trip" in to_mother.body
    assert f"- {family.ben.full_name}: Photos of the trip" not in to_mother.body


def test_the_sweep_takes_the_same_queries_for_few_and_many_pupils(
    family, django_assert_max_num_queries
):
    with django_assert_max_num_queries(40) as few:
        consent_requests_sweep(today=TODAY)
    ConsentRequest.objects.all().delete()
    mail.outbox.clear()

    school, group = family.anna.school, family.anna.group
    for _ in range(30):
        GuardianshipFactory(pupil=PupilFactory(school=school, group=group))
    with django_assert_max_num_queries(40) as many:
        report = consent_requests_sweep(today=TODAY)
    assert report.emails == 32
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_daily_task_runs_the_sweep(family, django_capture_on_commit_callbacks):
    schedule = app.conf.beat_schedule["consent-requests"]
    assert schedule["task"] == tasks.sweep_consent_requests.name
    with django_capture_on_commit_callbacks(execute=True):
        tasks.sweep_consent_requests.delay()
    assert len(mail.outbox) == 2


# --- the banner in the portal -----------------------------------------------------------------


def test_the_portal_shows_how_many_questions_wait_for_a_decision(family, client):
    client = english(client)
    client.force_login(family.mother)
    page = client.get(reverse("consents:portal_index")).content.decode()
    assert "The school asks for your decision on 4 questions." in page
    assert "2 questions wait for your decision" in page

    decide(family.anna, family.website, family.mother)
    page = client.get(reverse("consents:portal_index")).content.decode()
    assert "The school asks for your decision on 3 questions." in page
    page = client.get(reverse("consents:portal", args=[family.anna.pk])).content.decode()
    assert "The school asks for your decision on 1 question." in page

    decide(family.anna, family.newsletter, family.mother, "refused")
    page = client.get(reverse("consents:portal", args=[family.anna.pk])).content.decode()
    assert "The school asks for your decision on" not in page


def test_the_banner_is_for_whoever_decides(family, client):
    client = english(client)
    client.force_login(family.cas_account)
    page = client.get(reverse("consents:portal_index")).content.decode()
    assert "The school asks for your decision on 2 questions." in page
    assert escape(family.cas.full_name) in page

    client.force_login(family.cas_parent)
    page = client.get(reverse("consents:portal_index")).content.decode()
    assert escape(family.cas.full_name) in page  # may read, is not asked
    assert "The school asks for your decision on" not in page

    client.force_login(family.father)
    page = client.get(reverse("consents:portal_index")).content.decode()
    assert "The school asks for your decision on" not in page
