"""Pupils of 16 and 18: from 16 a pupil has a portal of their own (their dossier, who looked,
who receives their data, their consents and requests, in "je/jouw"); at 18 parental
authority ends (Civil Code 1:233): the parents' access ends on the birthday unless the
pupil grants it, both are told beforehand, and a beat sweep carries it out."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from pupils import ages, services
from pupils.models import AdulthoodNotice, Guardianship, Pupil
from requests.models import DataRequest
from schoolprivacy.audit_entry import AuditEntry
from schoolprivacy.models import Notice
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def sixteen(world):
    """The world's pupil is 17, with an account of their own."""
    pupil = world.pupil
    pupil.date_of_birth = D(2009, 1, 15)
    pupil.account = UserFactory()
    pupil.save()
    world.users["pupil"] = pupil.account
    return pupil


PORTAL_PAGES = [
    ("portal:child", "jouw"),
    ("portal:access_history", "jouw dossier"),
    ("suppliers:portal_child", "over jou"),
    ("consents:portal", None),
    ("portal:parents_access", "je ouders"),
]


@pytest.mark.parametrize(("name", "voice"), PORTAL_PAGES)
def test_a_pupil_of_16_has_a_portal_of_their_own_in_their_own_words(
    world, sixteen, login, name, voice
):
    """Reproduced: leerling@horizon.example found "uw kind", a portal without a child and
    404s on the dossier, the suppliers and the access history."""
    client = login(world.users["pupil"])
    with translation.override("nl"):
        page = client.get(reverse(name, args=[sixteen.pk]))
    assert page.status_code == 200, name
    text = page.content.decode()
    assert "uw kind" not in text.lower()
    if voice:
        assert voice in text.lower(), name


def test_the_pupils_home_shows_their_own_data_not_an_empty_list_of_children(world, sixteen, login):
    text = login(world.users["pupil"]).get(reverse("portal:home")).content.decode()
    assert reverse("portal:child", args=[sixteen.pk]) in text
    assert "Er is geen kind" not in text and "No child is linked" not in text


def test_a_pupil_sees_nobody_elses_portal(world, sixteen, login):
    client = login(world.users["pupil"])
    for name in ("portal:child", "portal:access_history", "suppliers:portal_child"):
        assert client.get(reverse(name, args=[world.other_pupil.pk])).status_code == 404
    # The parents' access page is the pupil's own: a parent cannot open it.
    parent = login(world.users["parent"])
    assert parent.get(reverse("portal:parents_access", args=[sixteen.pk])).status_code == 404


def test_from_16_a_parent_sees_progress_and_consents_and_the_pupil_decides_the_rest(
    world, sixteen, login
):
    """Issue 18: a parent with parental authority over a pupil of 16+ saw the whole dossier and
    who looked at it, while from 16 the pupil exercises their own rights (UAVG art. 5)."""
    record = services.special_record_add(
        pupil=sixteen,
        kind="medical",
        content="Astma, puffer in de tas",
        source="parent",
        acting_user=world.users["care_coordinator"],
    )
    parent = login(world.users["parent"])
    page = parent.get(reverse("portal:child", args=[sixteen.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Astma" not in text
    assert reverse("portal:access_history", args=[sixteen.pk]) not in text
    for name in ("portal:access_history", "suppliers:portal_child"):
        assert parent.get(reverse(name, args=[sixteen.pk])).status_code == 404, name
    assert parent.get(reverse("consents:portal", args=[sixteen.pk])).status_code == 200
    # A parent with parental authority keeps the emergency contacts of a minor up to date.
    assert parent.get(reverse("portal:emergency_contacts", args=[sixteen.pk])).status_code == 200
    # Asking and deciding is the pupil's now: no correction or request links for the parent.
    assert reverse("requests:portal_correct", args=[sixteen.pk, "pupil", sixteen.pk]) not in text

    # The pupil lets this parent see the whole dossier: from now on, read only.
    granted = login(world.users["pupil"]).post(
        reverse("portal:parents_access", args=[sixteen.pk]),
        {"guardianship": world.guardianships["parent"].pk, "grant": "yes"},
    )
    assert granted.status_code == 302
    assert Guardianship.objects.get(pk=world.guardianships["parent"].pk).access_granted_at
    parent = login(world.users["parent"])
    text = parent.get(reverse("portal:child", args=[sixteen.pk])).content.decode()
    assert "Astma" in text and escape(record.get_kind_display().capitalize()) in text
    assert parent.get(reverse("portal:access_history", args=[sixteen.pk])).status_code == 200
    # Read only: a request the parent posts for the pupil is refused and nothing is stored.
    parent.post(
        reverse("requests:portal_new", args=[sixteen.pk, "access"]),
        {"explanation": "Graag een kopie", "submission": "0b3f6d0e-8f7e-4a53-9d55-3f1e2c4b5a61"},
    )
    assert not DataRequest.objects.filter(pupil=sixteen).exists()


def test_a_parent_sees_the_whole_dossier_of_a_pupil_under_16(world, login):
    parent = login(world.users["parent"])
    assert ages.age_on(world.pupil.date_of_birth, timezone.localdate()) < 16
    page = parent.get(reverse("portal:child", args=[world.pupil.pk]))
    assert reverse("portal:access_history", args=[world.pupil.pk]) in page.content.decode()
    assert parent.get(reverse("portal:access_history", args=[world.pupil.pk])).status_code == 200


def test_the_18th_birthday_is_computed_like_the_law_counts_it():
    assert ages.birthday(D(2008, 12, 24), 18) == D(2026, 12, 24)
    assert ages.birthday(D(2008, 2, 29), 18) == D(2026, 3, 1)
    assert ages.age_on(D(2008, 2, 29), D(2026, 2, 28)) == 17
    assert ages.age_on(D(2008, 2, 29), D(2026, 3, 1)) == 18
    assert ages.born_by(D(2026, 3, 1), 18) == D(2008, 3, 1)


def rights(pupil):
    return list(
        Guardianship.objects.filter(pupil=pupil)
        .order_by("pk")
        .values_list("has_parental_authority", "has_information_right", "authority_ended_on")
    )


def test_parents_and_pupil_are_told_beforehand_once(world, sixteen):
    sixteen.date_of_birth = D(2008, 12, 24)
    sixteen.save()
    before = rights(sixteen)
    services.adulthood_sweep(today=D(2026, 11, 20))  # 34 days before: nothing yet
    assert not AdulthoodNotice.objects.exists()
    report = services.adulthood_sweep(today=D(2026, 11, 25))
    assert report.told_beforehand == 1
    told = set(Notice.objects.values_list("user_id", flat=True))
    assert told == {
        world.users["parent"].pk,
        world.users["parent_information_right"].pk,
        world.users["pupil"].pk,
    }
    services.adulthood_sweep(today=D(2026, 11, 26))
    assert Notice.objects.count() == 3  # once
    assert rights(sixteen) == before  # nothing ends before the birthday


def test_on_the_birthday_parental_authority_ends_and_everyone_is_told(world, sixteen, login):
    sixteen.date_of_birth = D(2008, 12, 24)
    sixteen.save()
    services.adulthood_sweep(today=D(2026, 12, 23))
    assert Guardianship.objects.filter(pupil=sixteen, has_parental_authority=True).exists()
    Notice.objects.all().delete()

    report = services.adulthood_sweep(today=D(2026, 12, 24))
    assert report.ended == 2
    assert all(
        (authority, info) == (False, False) and ended in (None, D(2026, 12, 24))
        for authority, info, ended in rights(sixteen)
    )
    ended = Guardianship.objects.get(pk=world.guardianships["parent"].pk)
    assert ended.authority_ended_on == D(2026, 12, 24)
    change = AuditEntry.objects.get_for_object(ended).filter(action=AuditEntry.Action.UPDATE).get()
    assert change.changes["has_parental_authority"] == ["True", "False"]
    assert Notice.objects.filter(user=world.users["parent"]).exists()
    assert Notice.objects.filter(user=world.users["pupil"]).exists()

    parent = login(world.users["parent"])
    assert parent.get(reverse("portal:child", args=[sixteen.pk])).status_code == 404
    assert parent.get(reverse("suppliers:portal_child", args=[sixteen.pk])).status_code == 404
    # A second run changes and tells nothing more.
    Notice.objects.all().delete()
    assert services.adulthood_sweep(today=D(2026, 12, 25)).ended == 0
    assert not Notice.objects.exists()


def test_a_sweep_after_an_outage_catches_up(world, sixteen):
    sixteen.date_of_birth = D(2008, 11, 2)
    sixteen.save()
    report = services.adulthood_sweep(today=D(2026, 12, 2))  # a month late
    assert report.ended == 2
    assert AdulthoodNotice.objects.filter(pupil=sixteen, kind="done").exists()


def test_the_pupil_lets_a_parent_keep_seeing_the_dossier_read_only(world, sixteen, login):
    pupil_client = login(world.users["pupil"])
    guardianship = world.guardianships["parent"]
    response = pupil_client.post(
        reverse("portal:parents_access", args=[sixteen.pk]),
        {"guardianship": guardianship.pk, "grant": "yes"},
    )
    assert response.status_code == 302
    assert Guardianship.objects.get(pk=guardianship.pk).has_parental_authority
    today = timezone.localdate()
    sixteen.date_of_birth = ages.born_by(today, 18)  # 18 today
    sixteen.save()
    services.adulthood_sweep(today=today)

    parent = login(world.users["parent"])
    page = parent.get(reverse("portal:child", args=[sixteen.pk]))
    assert page.status_code == 200
    assert "lezen" in page.content.decode().lower() or "read only" in page.content.decode()
    assert parent.get(reverse("portal:access_history", args=[sixteen.pk])).status_code == 200
    # Read only: no request can be made for the adult pupil.
    new = reverse("requests:portal_new", args=[sixteen.pk, "access"])
    assert parent.get(new).status_code == 404
    # The other parent, not granted, sees nothing.
    other = login(world.users["parent_information_right"])
    assert other.get(reverse("portal:child", args=[sixteen.pk])).status_code == 404

    # The pupil takes it back: the parent sees nothing any more.
    login(world.users["pupil"]).post(
        reverse("portal:parents_access", args=[sixteen.pk]),
        {"guardianship": guardianship.pk, "grant": "no"},
    )
    assert (
        login(world.users["parent"]).get(reverse("portal:child", args=[sixteen.pk])).status_code
        == 404
    )


def test_from_16_the_pupils_grant_counts_for_every_linked_parent(world, sixteen, login):
    """From 16 the pupil decides who sees their whole dossier, so the grant counts at once,
    also for a parent with only the information right or with no right of their own."""
    info = login(world.users["parent_information_right"])
    assert info.get(reverse("portal:access_history", args=[sixteen.pk])).status_code == 404
    none = login(world.users["parent_no_rights"])
    assert none.get(reverse("portal:child", args=[sixteen.pk])).status_code == 404
    for key in ("parent_information_right", "parent_no_rights"):
        services.parent_access_set(
            pupil=sixteen,
            guardianship=world.guardianships[key],
            grant=True,
            acting_user=world.users["pupil"],
        )
    for key in ("parent_information_right", "parent_no_rights"):
        client = login(world.users[key])
        assert client.get(reverse("portal:child", args=[sixteen.pk])).status_code == 200, key
        assert client.get(reverse("portal:access_history", args=[sixteen.pk])).status_code == 200
        # Read only: nothing to change, and no emergency contacts to manage.
        assert (
            client.post(reverse("portal:emergency_contacts", args=[sixteen.pk]), {}).status_code
            == 404
        )


def test_a_pupil_under_16_grants_nothing(world, login):
    pupil = world.pupil
    pupil.account = UserFactory()
    pupil.save(update_fields=["account"])
    with pytest.raises(services.PermissionDenied):
        services.parent_access_set(
            pupil=pupil,
            guardianship=world.guardianships["parent_no_rights"],
            grant=True,
            acting_user=pupil.account,
        )
    assert not Guardianship.objects.filter(access_granted_at__isnull=False).exists()


def test_an_account_of_a_pupil_under_16_opens_no_portal(world, login):
    pupil = world.pupil
    pupil.account = UserFactory()
    pupil.save(update_fields=["account"])
    client = login(pupil.account)
    assert client.get(reverse("portal:child", args=[pupil.pk])).status_code == 404
    assert client.get(reverse("portal:access_history", args=[pupil.pk])).status_code == 404


def test_a_right_the_school_gives_again_after_18_is_left_alone(world, sixteen):
    """A parent appointed guardian of the adult pupil (curatele) keeps that right."""
    today = timezone.localdate()
    sixteen.date_of_birth = ages.born_by(today, 18)
    sixteen.save()
    services.adulthood_sweep(today=today)
    again = Guardianship.objects.get(pk=world.guardianships["parent"].pk)
    again.has_parental_authority = True
    again.save()
    services.adulthood_sweep(today=today + datetime.timedelta(days=1))
    assert Guardianship.objects.get(pk=again.pk).has_parental_authority


def test_nobody_but_the_pupil_can_grant_access(world, sixteen):
    for role in ("parent", "director", "care_coordinator"):
        with pytest.raises(services.PermissionDenied):
            services.parent_access_set(
                pupil=sixteen,
                guardianship=world.guardianships["parent"],
                grant=True,
                acting_user=world.users[role],
            )
    assert not Guardianship.objects.filter(access_granted_at__isnull=False).exists()


def test_a_younger_pupil_keeps_the_parents_portal(world, login):
    pupil = Pupil.objects.get(pk=world.pupil.pk)
    assert ages.age_on(pupil.date_of_birth, D(2026, 12, 2)) < 16
    assert services.adulthood_sweep(today=D(2026, 12, 2)).ended == 0
    page = login(world.users["parent"]).get(reverse("portal:child", args=[pupil.pk]))
    assert page.status_code == 200


def test_on_the_16th_birthday_the_pupil_and_the_parents_are_told_once(world, sixteen):
    """From 16 the parents' view narrows (portal_right): everyone is told, once, and a first
    run tells the pupils who are 16 already."""
    sixteen.date_of_birth = D(2010, 12, 24)
    sixteen.save()
    assert services.sixteen_sweep(today=D(2026, 12, 23)) == 0  # 15 still
    assert not Notice.objects.exists()
    assert services.sixteen_sweep(today=D(2026, 12, 24)) == 1
    told = set(Notice.objects.values_list("user_id", flat=True))
    assert told == {
        world.users["parent"].pk,
        world.users["parent_information_right"].pk,
        world.users["pupil"].pk,
    }
    assert services.sixteen_sweep(today=D(2026, 12, 25)) == 0
    assert Notice.objects.count() == 3  # once
    with translation.override("nl"):
        pupil_text = Notice.objects.get(user=world.users["pupil"]).message
    assert "16" in pupil_text and "2010" not in pupil_text
    # An adult pupil is not told that they are 16.
    Notice.objects.all().delete()
    AdulthoodNotice.objects.all().delete()
    sixteen.date_of_birth = D(2008, 12, 1)
    sixteen.save()
    assert services.sixteen_sweep(today=D(2026, 12, 24)) == 0
