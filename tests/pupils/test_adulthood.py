"""Pupils of 16 and 18: from 16 a pupil has a portal of their own (their dossier, who looked,
who receives their data, their consents and requests, in "je/jouw"); at 18 parental
authority ends (Civil Code 1:233): the parents' access ends on the birthday unless the
pupil grants it, both are told beforehand, and a beat sweep carries it out."""

import datetime

import pytest
from auditlog.models import LogEntry
from django.urls import reverse
from django.utils import timezone, translation

from pupils import ages, services
from pupils.models import AdulthoodNotice, Guardianship, Pupil
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


def test_until_18_the_parents_see_the_dossier_and_the_pupil_decides(world, sixteen, login):
    parent = login(world.users["parent"])
    page = parent.get(reverse("portal:child", args=[sixteen.pk]))
    assert page.status_code == 200
    assert reverse("portal:access_history", args=[sixteen.pk]) in page.content.decode()
    # Asking and deciding is the pupil's now: no correction or request links for the parent.
    assert reverse("requests:portal_correct", args=[sixteen.pk, "pupil", sixteen.pk]) not in (
        page.content.decode()
    )


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
    change = LogEntry.objects.get_for_object(ended).filter(action=LogEntry.Action.UPDATE).get()
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
    # Nothing changes for the parent before the 18th birthday (they hold authority anyway).
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


def test_a_grant_before_18_opens_nothing_for_a_parent_without_rights(world, sixteen, login):
    """The pupil's grant counts from 18: before, a parent without authority sees no more than
    the law gives them."""
    info = world.guardianships["parent_information_right"]
    services.parent_access_set(
        pupil=sixteen, guardianship=info, grant=True, acting_user=world.users["pupil"]
    )
    client = login(world.users["parent_information_right"])
    page = client.get(reverse("portal:child", args=[sixteen.pk]))
    assert page.status_code == 200  # the information right: progress only
    assert client.get(reverse("portal:access_history", args=[sixteen.pk])).status_code == 404
    assert client.get(reverse("suppliers:portal_child", args=[sixteen.pk])).status_code == 404
    none = world.guardianships["parent_no_rights"]
    services.parent_access_set(
        pupil=sixteen, guardianship=none, grant=True, acting_user=world.users["pupil"]
    )
    other = login(world.users["parent_no_rights"])
    assert other.get(reverse("portal:child", args=[sixteen.pk])).status_code == 404


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
