"""The pupil list filtered on photo consent, a filter the consents app registers for it
(schoolprivacy.list_filters): the rule of consents/rules.py decides, for the pupils the
user may see, in constant queries."""

import uuid

import pytest
from django.urls import reverse
from django.utils.html import escape

from consents import services
from schoolprivacy.models import Membership, Role
from tests.factories import GuardianshipFactory, PupilFactory
from tests.pupils.test_list import LIST, NOT_A_CHOICE, main_of, names_in

from .conftest import make_purpose

pytestmark = pytest.mark.django_db


def decide(pupil, purpose, choice, parent):
    services.decision_record(
        pupil=pupil,
        purpose=purpose,
        version_id=purpose.versions.get().pk,
        choice=choice,
        acting_user=parent,
        submission=uuid.uuid4(),
    )


def listed(client, value) -> list[str]:
    return names_in(main_of(client.get(LIST, {"consent": value})))


def test_staff_find_the_pupils_with_and_without_consent_for_a_channel(world, login, purpose):
    decide(world.pupil, purpose, "given", world.users["parent"])
    client = login(world.users["director"])
    assert listed(client, f"given:{purpose.pk}") == [escape(world.pupil.full_name)]
    assert listed(client, f"missing:{purpose.pk}") == [escape(world.other_pupil.full_name)]


def test_a_withdrawn_consent_is_no_consent(world, login, purpose):
    parent = world.users["parent"]
    decide(world.pupil, purpose, "given", parent)
    decide(world.pupil, purpose, "withdrawn", parent)
    client = login(world.users["director"])
    assert listed(client, f"given:{purpose.pk}") == []
    assert escape(world.pupil.full_name) in listed(client, f"missing:{purpose.pk}")


def test_no_consent_for_one_or_more_channels(world, login, purpose):
    guide = make_purpose(world.pupil.school, "foto-schoolgids")
    decide(world.pupil, purpose, "given", world.users["parent"])
    other_parent = world.users["parent_other_child"]
    decide(world.other_pupil, purpose, "given", other_parent)
    decide(world.other_pupil, guide, "given", other_parent)
    client = login(world.users["director"])
    assert listed(client, "missing:any") == [escape(world.pupil.full_name)]
    assert listed(client, f"given:{guide.pk}") == [escape(world.other_pupil.full_name)]


def test_the_choices_name_each_channel_by_its_title(world, login, purpose):
    main = main_of(login(world.users["teacher"]).get(LIST))
    assert (
        '<label for="id_consent" class="utrecht-form-label">Toestemming foto&#x27;s</label>'
        in main
    )
    title = "Foto&#x27;s: foto-website"  # the text's title, never the code alone
    assert f'<option value="missing:{purpose.pk}">Geen toestemming: {title}</option>' in main
    assert f'<option value="given:{purpose.pk}">Toestemming: {title}</option>' in main
    assert "missing:any" not in main  # one channel: "one or more" says nothing more


def test_a_teacher_filtering_on_consent_sees_only_the_own_group(world, login, purpose):
    main = main_of(login(world.users["teacher"]).get(LIST, {"consent": f"missing:{purpose.pk}"}))
    assert names_in(main) == [escape(world.pupil.full_name)]
    assert escape(world.other_pupil.full_name) not in main


def test_a_pupil_whose_school_does_not_ask_a_channel_is_neither_with_nor_without(
    world, login, purpose
):
    director = world.users["director"]
    other_school = world.users["director_other_school"].memberships.get().school
    Membership.objects.create(user=director, school=other_school, role=Role.DIRECTOR)
    elsewhere = PupilFactory(school=other_school)
    client = login(director)
    assert escape(elsewhere.full_name) in names_in(main_of(client.get(LIST)))
    assert escape(elsewhere.full_name) not in listed(client, f"missing:{purpose.pk}")
    assert escape(elsewhere.full_name) not in listed(client, f"given:{purpose.pk}")


def test_a_channel_of_another_school_is_no_choice(world, login, purpose):
    other_school = world.users["director_other_school"].memberships.get().school
    theirs = make_purpose(other_school, "foto-andere-school")
    for value in (f"missing:{theirs.pk}", "missing:99999", "given:", "missing:any"):
        main = main_of(login(world.users["director"]).get(LIST, {"consent": value}))
        assert NOT_A_CHOICE in main, value
        assert len(names_in(main)) == 2, value


def test_the_list_links_to_the_class_overview_of_the_chosen_group(world, login, purpose):
    overview = reverse("consents:class_overview", args=[world.pupil.group_id])
    client = login(world.users["teacher"])
    assert overview not in main_of(client.get(LIST))
    main = main_of(client.get(LIST, {"group": world.pupil.group_id}))
    assert f'<a class="utrecht-link" href="{overview}">Wie mag op de foto:' in main


def test_the_consent_filter_takes_the_same_queries_for_few_and_many_pupils(
    world, login, purpose, django_assert_num_queries
):
    """The list (12 queries with a channel, tests/pupils/test_list.py), and the filter's
    three: the pupils, their holders of parental authority, their decisions."""
    make_purpose(world.pupil.school, "foto-schoolgids")
    decide(world.pupil, purpose, "given", world.users["parent"])
    client = login(world.users["director"])
    query = {"consent": "missing:any", "sort": "name"}
    client.get(LIST, query)
    with django_assert_num_queries(14):
        client.get(LIST, query)
    for _ in range(30):
        pupil = PupilFactory(school=world.pupil.school, group=world.other_pupil.group)
        decide(pupil, purpose, "given", GuardianshipFactory(pupil=pupil).parent)
    with django_assert_num_queries(14):
        main = main_of(client.get(LIST, query))
    assert len(names_in(main)) == 32
