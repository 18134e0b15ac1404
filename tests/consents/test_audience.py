"""Questions only where they apply (consents/audience.py), and in the right voice: the parent
of an 8-year-old is never asked about "je stage", a pupil of 16 or older reads "je"."""

import datetime
from dataclasses import dataclass

import pytest
from auditlog import get_logentry_model
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from consents import selectors, services
from consents.audience import Audience, PupilFacts, is_for
from consents.models import ConsentRequest, Decision, Purpose, PurposePick, PurposeVersion
from pupils.models import Pupil
from schoolprivacy.models import Membership, Role, School, User
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


def born(years_ago: int) -> datetime.date:
    """A birthday that makes the pupil exactly *years_ago* old today."""
    return datetime.date(TODAY.year - years_ago, TODAY.month, 1)


# --- The rule ------------------------------------------------------------------------------


def facts(age: int, **kwargs) -> PupilFacts:
    return PupilFacts(date_of_birth=born(age), group_id=kwargs.pop("group_id", 1), **kwargs)


@pytest.mark.parametrize(
    ("audience", "pupil", "expected"),
    [
        (Audience("all"), facts(8), True),
        (Audience("all", departments=frozenset({"VSO"})), facts(15, department="VSO"), True),
        (Audience("all", departments=frozenset({"VSO"})), facts(8, department="SO"), False),
        (Audience("all", departments=frozenset({"VSO"})), facts(8), False),
        (Audience("all", group_ids=frozenset({1, 2})), facts(8, group_id=2), True),
        (Audience("all", group_ids=frozenset({1, 2})), facts(8, group_id=3), False),
        (Audience("all", group_ids=frozenset({1})), facts(8, group_id=None), False),
        (Audience("all", year_groups=frozenset({7, 8})), facts(11, year_group=8), True),
        (Audience("all", year_groups=frozenset({7, 8})), facts(11, year_group=6), False),
        (Audience("all", year_groups=frozenset({7, 8})), facts(11, year_group=None), False),
        # The bounds of an age range are included.
        (Audience("all", min_age=15), facts(15), True),
        (Audience("all", min_age=15), facts(14), False),
        (Audience("all", max_age=12), facts(12), True),
        (Audience("all", max_age=12), facts(13), False),
        # Every kind filled in must match.
        (
            Audience("all", departments=frozenset({"VSO"}), min_age=15),
            facts(14, department="VSO"),
            False,
        ),
        (
            Audience("all", departments=frozenset({"VSO"}), min_age=15),
            facts(15, department="VSO"),
            True,
        ),
        # Picked by the care coordinator: for the pupil whatever else holds.
        (Audience("all", picked_only=True), facts(8), False),
        (Audience("all", picked_only=True), facts(8, picked=True), True),
        (Audience("all", max_age=4), facts(8, picked=True), True),
        # A question that comes with an event: once that event happened for the pupil.
        (Audience("internship"), facts(16), False),
        (Audience("internship"), facts(16, events=frozenset({"specialist_support"})), False),
        (Audience("internship"), facts(16, events=frozenset({"internship"})), True),
        (
            Audience("internship", min_age=15),
            facts(14, events=frozenset({"internship"})),
            False,
        ),
    ],
)
def test_a_question_is_for_the_pupils_the_school_targets(audience, pupil, expected):
    assert is_for(audience, pupil, TODAY) is expected


def test_only_a_question_nothing_narrows_is_for_everyone():
    assert Audience("all").everyone
    assert not Audience("all", min_age=4).everyone
    assert not Audience("all", picked_only=True).everyone
    assert not Audience("internship").everyone


# --- A special-needs centre: SO and VSO ------------------------------------------------------


@dataclass
class Twijn:
    school: School
    photos: Purpose
    stage: Purpose
    epilepsy: Purpose
    young: Pupil  # 8, SO
    teen: Pupil  # 15, VSO
    adult: Pupil  # 17, VSO, own account
    young_parent: User
    teen_parent: User
    adult_account: User
    care_coordinator: User
    teacher: User
    director: User


def question(school, code, title_nl, **kwargs) -> Purpose:
    purpose = Purpose.objects.create(
        board=school.board, code=code, category=kwargs.pop("category", "other"), **kwargs
    )
    purpose.schools.add(school)
    PurposeVersion.objects.create(
        purpose=purpose,
        number=1,
        valid_from=datetime.date(2024, 8, 1),
        title_nl=title_nl,
        title_en=f"{code} (to parents)",
        text_nl=f"Wij vragen of {code} mag voor uw kind.",
        text_en=f"We ask whether {code} is fine for your child.",
        pupil_title_nl=f"{title_nl} (aan jou)",
        pupil_title_en=f"{code} (to you)",
        pupil_text_nl=f"Wij vragen of {code} mag voor jou.",
        pupil_text_en=f"We ask whether {code} is fine for you.",
    )
    return purpose


def member(school, role) -> User:
    user = UserFactory()
    Membership.objects.create(user=user, school=school, role=role)
    return user


@pytest.fixture
def twijn(db) -> Twijn:
    school = SchoolFactory(board=BoardFactory(), kind=School.Kind.SPECIAL)
    so = GroupFactory(school=school, name="SO-midden", year_group=None, department="SO")
    vso = GroupFactory(school=school, name="VSO-2", year_group=None, department="VSO")
    photos = question(school, "foto", "Foto's op de website", order=1)
    stage = question(
        school, "stage", "Stage", category="internship", departments=["VSO"], min_age=15, order=2
    )
    epilepsy = question(
        school, "lwoe", "Epilepsienetwerk", category="care_partner", picked_only=True, order=3
    )
    young = PupilFactory(school=school, group=so, first_name="Noor", date_of_birth=born(8))
    teen = PupilFactory(school=school, group=vso, first_name="Sven", date_of_birth=born(15))
    adult_account = UserFactory(language="nl")
    adult = PupilFactory(
        school=school, group=vso, first_name="Ilse", date_of_birth=born(17), account=adult_account
    )
    young_parent = GuardianshipFactory(pupil=young).parent
    teen_parent = GuardianshipFactory(pupil=teen).parent
    GuardianshipFactory(pupil=adult)
    return Twijn(
        school=school,
        photos=photos,
        stage=stage,
        epilepsy=epilepsy,
        young=young,
        teen=teen,
        adult=adult,
        young_parent=young_parent,
        teen_parent=teen_parent,
        adult_account=adult_account,
        care_coordinator=member(school, Role.CARE_COORDINATOR),
        teacher=member(school, Role.TEACHER),
        director=member(school, Role.DIRECTOR),
    )


def portal(client, user, pupil) -> str:
    client.force_login(user)
    return client.get(reverse("consents:portal", args=[pupil.pk])).content.decode()


def test_a_parent_sees_only_the_questions_for_their_child(client, twijn):
    young = portal(client, twijn.young_parent, twijn.young)
    assert escape("Foto's op de website") in young
    assert "Stage" not in young
    assert "Epilepsienetwerk" not in young
    teen = portal(client, twijn.teen_parent, twijn.teen)
    assert escape("Foto's op de website") in teen
    assert "Stage" in teen
    assert "Epilepsienetwerk" not in teen


def test_a_parent_cannot_consent_to_a_question_not_for_their_child(client, twijn):
    client.force_login(twijn.young_parent)
    version = twijn.stage.versions.get()
    response = client.post(
        reverse("consents:decide", args=[twijn.young.pk, twijn.stage.pk]),
        {
            "version": version.pk,
            "choice": "given",
            "submission": "8c1a0000-0000-4000-8000-000000000001",
        },
        follow=True,
    )
    assert "De school stelt deze vraag niet voor Noor." in response.content.decode()
    assert not Decision.objects.exists()


def test_a_consent_given_before_the_question_was_narrowed_can_still_be_withdrawn(client, twijn):
    version = twijn.stage.versions.get()
    Purpose.objects.filter(pk=twijn.stage.pk).update(departments=[], min_age=None)
    services.decision_record(
        pupil=twijn.young,
        purpose=twijn.stage,
        version_id=version.pk,
        choice="given",
        acting_user=twijn.young_parent,
    )
    Purpose.objects.filter(pk=twijn.stage.pk).update(departments=["VSO"], min_age=15)
    page = portal(client, twijn.young_parent, twijn.young)
    assert "Stage" in page and "Toestemming intrekken" in page
    response = client.post(
        reverse("consents:decide", args=[twijn.young.pk, twijn.stage.pk]),
        {
            "version": version.pk,
            "choice": "withdrawn",
            "submission": "8c1a0000-0000-4000-8000-000000000002",
        },
    )
    assert response.status_code == 302
    assert not selectors.consent_state(pupil=twijn.young, purpose=twijn.stage).outcome.consent


def test_the_campaign_asks_only_the_pupils_a_question_is_for(twijn):
    services.consent_requests_sweep()
    asked = set(ConsentRequest.objects.values_list("pupil__first_name", "version__purpose__code"))
    assert asked == {
        ("Noor", "foto"),
        ("Sven", "foto"),
        ("Sven", "stage"),
        ("Ilse", "foto"),
        ("Ilse", "stage"),
    }
    to_noor = [m for m in mail.outbox if m.to == [twijn.young_parent.email]]
    assert len(to_noor) == 1
    assert "Stage" not in to_noor[0].body


def test_who_a_question_is_for_takes_constant_queries(twijn, django_assert_num_queries):
    pupils = list(Pupil.objects.filter(school=twijn.school))
    purposes = list(selectors.purposes_of_school(school_id=twijn.school.pk))
    with CaptureQueriesContext(connection) as few:
        selectors.questions_for(pupils=pupils[:1], purposes=purposes)
    for _ in range(20):
        PupilFactory(school=twijn.school, group=twijn.teen.group, date_of_birth=born(15))
    pupils = list(Pupil.objects.filter(school=twijn.school))
    with django_assert_num_queries(len(few)):
        pairs = selectors.questions_for(pupils=pupils, purposes=purposes)
    assert (twijn.teen.pk, twijn.stage.pk) in pairs
    assert (twijn.young.pk, twijn.stage.pk) not in pairs


# --- The care coordinator puts a question to one pupil --------------------------------------


def test_the_care_coordinator_puts_a_question_to_a_pupil_and_the_parents_are_asked(
    client, twijn, django_capture_on_commit_callbacks
):
    client.force_login(twijn.care_coordinator)
    page = client.get(reverse("pupils:detail", args=[twijn.young.pk])).content.decode()
    assert "Vragen aan deze leerling" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("consents:purpose_pick", args=[twijn.young.pk]),
            {"purpose": twijn.epilepsy.pk},
        )
    assert response.status_code == 302
    pick = PurposePick.objects.get()
    assert (pick.pupil, pick.purpose, pick.picked_by) == (
        twijn.young,
        twijn.epilepsy,
        twijn.care_coordinator,
    )
    entry = get_logentry_model().objects.get_for_object(pick).get()
    assert entry.actor == twijn.care_coordinator
    assert [m.to for m in mail.outbox] == [[twijn.young_parent.email]]
    assert "Epilepsienetwerk" in mail.outbox[0].body
    assert "Epilepsienetwerk" in portal(client, twijn.young_parent, twijn.young)
    assert "Epilepsienetwerk" not in portal(client, twijn.teen_parent, twijn.teen)


def test_a_teacher_cannot_put_a_question_to_a_pupil(client, twijn):
    client.force_login(twijn.teacher)
    response = client.post(
        reverse("consents:purpose_pick", args=[twijn.young.pk]), {"purpose": twijn.epilepsy.pk}
    )
    assert response.status_code == 404
    assert not PurposePick.objects.exists()
    assert mail.outbox == []


def test_a_question_for_everyone_cannot_be_put_to_one_pupil(client, twijn):
    client.force_login(twijn.care_coordinator)
    response = client.post(
        reverse("consents:purpose_pick", args=[twijn.young.pk]),
        {"purpose": twijn.photos.pk},
        follow=True,
    )
    assert "Kies een van de vragen uit de lijst." in response.content.decode()
    assert not PurposePick.objects.exists()


def test_a_question_no_longer_put_keeps_the_decisions_made_on_it(client, twijn):
    pick = PurposePick.objects.create(
        purpose=twijn.epilepsy, pupil=twijn.young, picked_by=twijn.care_coordinator
    )
    services.decision_record(
        pupil=twijn.young,
        purpose=twijn.epilepsy,
        version_id=twijn.epilepsy.versions.get().pk,
        choice="given",
        acting_user=twijn.young_parent,
    )
    client.force_login(twijn.care_coordinator)
    response = client.post(
        reverse("consents:purpose_unpick", args=[twijn.young.pk, pick.pk]), follow=True
    )
    assert "Besluiten over deze vraag blijven gelden." in response.content.decode()
    assert not PurposePick.objects.exists()
    assert selectors.consent_state(pupil=twijn.young, purpose=twijn.epilepsy).outcome.consent
    assert "Epilepsienetwerk" in portal(client, twijn.young_parent, twijn.young)


def test_a_pick_goes_with_the_pupils_consents(twijn):
    PurposePick.objects.create(
        purpose=twijn.epilepsy, pupil=twijn.young, picked_by=twijn.care_coordinator
    )
    erased = services.pupil_consents_erase(pupil=twijn.young, acting_user=twijn.director)
    assert erased[PurposePick._meta.label]
    assert not PurposePick.objects.exists()


# --- The director chooses whom a question is for --------------------------------------------


def test_the_director_narrows_a_question_to_a_department_and_an_age(client, twijn):
    client.force_login(twijn.director)
    url = reverse("consents:purpose_audience", args=[twijn.photos.pk])
    page = client.get(url).content.decode()
    assert "Afdelingen" in page and "VSO" in page
    response = client.post(url, {"departments": ["SO"], "max_age": "12"})
    assert response.status_code == 302
    twijn.photos.refresh_from_db()
    assert (twijn.photos.departments, twijn.photos.min_age, twijn.photos.max_age) == (
        ["SO"],
        None,
        12,
    )
    assert get_logentry_model().objects.get_for_object(twijn.photos).exists()
    listed = client.get(reverse("consents:purpose_list")).content.decode()
    assert "Afdeling SO; 12 jaar of jonger" in listed
    assert escape("Foto's op de website") not in portal(client, twijn.teen_parent, twijn.teen)


def test_a_wrong_age_range_is_refused_and_changes_nothing(client, twijn):
    client.force_login(twijn.director)
    url = reverse("consents:purpose_audience", args=[twijn.photos.pk])
    response = client.post(url, {"min_age": "15", "max_age": "12"})
    assert response.status_code == 200
    assert "De hoogste leeftijd is lager dan de laagste." in response.content.decode()
    twijn.photos.refresh_from_db()
    assert (twijn.photos.min_age, twijn.photos.max_age) == (None, None)


def test_a_teacher_cannot_choose_whom_a_question_is_for(client, twijn):
    client.force_login(twijn.teacher)
    response = client.post(
        reverse("consents:purpose_audience", args=[twijn.photos.pk]), {"max_age": "4"}
    )
    assert response.status_code in (403, 404)
    twijn.photos.refresh_from_db()
    assert twijn.photos.max_age is None


def test_another_schools_groups_cannot_be_chosen(client, twijn):
    other = GroupFactory(school=SchoolFactory(board=twijn.school.board))
    client.force_login(twijn.director)
    response = client.post(
        reverse("consents:purpose_audience", args=[twijn.photos.pk]), {"groups": [other.pk]}
    )
    assert response.status_code == 200
    assert not twijn.photos.groups.exists()


# --- The right voice -----------------------------------------------------------------------


def test_a_pupil_of_16_or_older_is_asked_in_their_own_words(client, twijn):
    own = portal(client, twijn.adult_account, twijn.adult)
    assert "Wij vragen of foto mag voor jou." in own
    assert "uw kind" not in own
    assert "Je beslist per vraag." in own
    parent = portal(client, twijn.teen_parent, twijn.teen)
    assert "Wij vragen of foto mag voor uw kind." in parent
    assert "U beslist per vraag." in parent


def test_the_e_mail_to_a_pupil_uses_the_question_put_to_them(twijn):
    services.consent_requests_sweep()
    (to_pupil,) = [m for m in mail.outbox if m.to == [twijn.adult_account.email]]
    assert "Stage (aan jou)" in to_pupil.body
    (to_parent,) = [m for m in mail.outbox if m.to == [twijn.teen_parent.email]]
    assert "Stage (aan jou)" not in to_parent.body and "Stage" in to_parent.body


def test_a_question_of_a_school_with_pupils_of_16_needs_the_words_to_the_pupil(client, twijn):
    client.force_login(twijn.director)
    data = {
        "purpose-school": twijn.school.pk,
        "purpose-category": "other",
        "purpose-trigger": "all",
        "text-valid_from": TODAY.isoformat(),
        "text-material_change": "on",
        "text-title_nl": "Schoolfotograaf",
        "text-text_nl": "De schoolfotograaf maakt een foto van uw kind.",
        "text-title_en": "School photographer",
        "text-text_en": "The school photographer takes a photo of your child.",
    }
    response = client.post(reverse("consents:purpose_create"), data)
    assert response.status_code == 200
    assert "schrijf de vraag ook aan hen" in response.content.decode()
    assert not Purpose.objects.filter(code="schoolfotograaf").exists()
    # Up to 12 it is never put to a pupil who decides: the words to parents are enough.
    response = client.post(reverse("consents:purpose_create"), {**data, "audience-max_age": "12"})
    assert response.status_code == 302
    assert Purpose.objects.get(code="schoolfotograaf").max_age == 12


def test_the_service_itself_refuses_whom_a_question_is_for_from_a_teacher(twijn):
    from django.core.exceptions import PermissionDenied

    audience = {"departments": [], "year_groups": [], "min_age": None, "max_age": 4}
    with pytest.raises(PermissionDenied):
        services.purpose_audience_set(
            purpose=twijn.photos, acting_user=twijn.teacher, groups=[], **audience
        )
    twijn.photos.refresh_from_db()
    assert twijn.photos.max_age is None
