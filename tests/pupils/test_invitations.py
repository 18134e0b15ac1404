"""Inviting a parent on the pupil's page (issue 18): staff get the same answer whether or not
the address has an account, and nobody is linked to a child before saying yes."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils.html import escape

from pupils.models import Guardianship, Invitation
from schoolprivacy.models import User

pytestmark = pytest.mark.django_db

PASSWORD = "een-sterk-wachtwoord-voor-karin"


def invite(client, pupil, email, *, name="Karin de Vries", capture):
    with capture(execute=True):
        return client.post(
            reverse("pupils:parent_add", args=[pupil.pk]),
            {
                "full_name": name,
                "email": email,
                "relation": "foster_parent",
                "has_parental_authority": "on",
            },
            follow=True,
        )


def link_in(message) -> str:
    return re.search(r"https?://[^/\s]+(/portal/invitation/[^/\s]+/)", message.body).group(1)


def answer_shown(response, email: str) -> str:
    """The page staff get back, with the address typed and the day's dates taken out."""
    content = response.content.decode()
    start = content.index("<main")
    content = content[start : content.index("</main>")]
    content = content.replace(escape(email.lower()), "ADDRESS")
    content = re.sub(r'name="submission" value="[^"]+"', "", content)
    return content


def test_staff_get_the_same_answer_for_an_address_with_and_without_an_account(
    world, login, django_capture_on_commit_callbacks
):
    director = login(world.users["director"])
    existing = world.users["parent_other_child"]
    with_account = invite(
        director,
        world.pupil,
        existing.email.upper(),
        name="Karin de Vries",
        capture=django_capture_on_commit_callbacks,
    )
    Invitation.objects.all().delete()  # the same page, with one invitation in the list
    without_account = invite(
        director,
        world.pupil,
        "karin@gezin.example",
        name="Karin de Vries",
        capture=django_capture_on_commit_callbacks,
    )
    assert answer_shown(with_account, existing.email) == answer_shown(
        without_account, "karin@gezin.example"
    )
    assert "Er is een uitnodiging gestuurd naar" in without_account.content.decode()
    # Neither is linked yet; both got a mail.
    assert not Guardianship.objects.filter(pupil=world.pupil, parent=existing).exists()
    assert not Guardianship.objects.filter(
        pupil=world.pupil, parent__email="karin@gezin.example"
    ).exists()
    assert [m.to for m in mail.outbox] == [[existing.email], ["karin@gezin.example"]]


def test_a_new_parent_is_linked_on_choosing_a_password_and_the_link_works_once(
    world, login, client, django_capture_on_commit_callbacks
):
    invite(
        login(world.users["director"]),
        world.pupil,
        "Karin@Gezin.example",
        capture=django_capture_on_commit_callbacks,
    )
    parent = User.objects.get(email="karin@gezin.example")
    assert not parent.has_usable_password()
    link = link_in(mail.outbox[0])
    assert Invitation.objects.get().token_hash not in mail.outbox[0].body
    assert world.pupil.first_name not in mail.outbox[0].body  # the mail names no child

    client.logout()
    page = client.get(link).content.decode()
    assert escape(world.pupil.first_name) in page
    response = client.post(link, {"new_password1": PASSWORD, "new_password2": PASSWORD})
    assert response["Location"] == reverse("portal:home")
    parent.refresh_from_db()
    assert parent.check_password(PASSWORD)
    guardianship = Guardianship.objects.get(parent=parent, pupil=world.pupil)
    assert guardianship.relation == "foster_parent" and guardianship.has_parental_authority
    assert escape(world.pupil.full_name) in client.get(reverse("portal:home")).content.decode()

    client.logout()
    again = client.post(link, {"new_password1": "x" * 20, "new_password2": "x" * 20})
    assert again.status_code == 404
    parent.refresh_from_db()
    assert parent.check_password(PASSWORD)
    assert Guardianship.objects.filter(parent=parent).count() == 1


def test_an_existing_account_is_linked_only_when_its_owner_accepts_signed_in(
    world, login, client, django_capture_on_commit_callbacks
):
    existing = world.users["parent_other_child"]
    invite(
        login(world.users["administrator"]),
        world.pupil,
        existing.email,
        capture=django_capture_on_commit_callbacks,
    )
    link = link_in(mail.outbox[0])
    client.logout()
    # The link alone neither links nor sets a password: the owner signs in first.
    response = client.post(link, {"new_password1": "x" * 20, "new_password2": "x" * 20})
    assert response.status_code == 302 and reverse("login") in response["Location"]
    assert not Guardianship.objects.filter(parent=existing, pupil=world.pupil).exists()
    existing.refresh_from_db()
    assert not existing.check_password("x" * 20)
    # Another account signed in cannot answer for the owner.
    login(world.users["parent"])
    assert client.post(link, {"answer": "accept"}).status_code == 403
    assert not Guardianship.objects.filter(parent=existing, pupil=world.pupil).exists()

    login(existing)
    assert escape(world.pupil.first_name) in client.get(link).content.decode()
    response = client.post(link, {"answer": "accept"})
    assert response["Location"] == reverse("portal:home")
    guardianship = Guardianship.objects.get(parent=existing, pupil=world.pupil)
    assert guardianship.relation == "foster_parent"
    assert User.objects.filter(email=existing.email).count() == 1
    assert client.post(link, {"answer": "accept"}).status_code == 404  # once


def test_a_declined_invitation_links_nothing_and_staff_see_it_declined(
    world, login, client, django_capture_on_commit_callbacks
):
    existing = world.users["parent_other_child"]
    director = login(world.users["director"])
    invite(director, world.pupil, existing.email, capture=django_capture_on_commit_callbacks)
    invite(
        director, world.pupil, "nieuw@gezin.example", capture=django_capture_on_commit_callbacks
    )
    existing_link, new_link = (link_in(m) for m in mail.outbox)

    login(existing)
    assert client.post(existing_link, {"answer": "decline"}).status_code == 200
    client.logout()
    response = client.post(new_link, {"answer": "decline"})
    assert "Uitnodiging afgewezen" in response.content.decode()
    assert not Guardianship.objects.filter(pupil=world.pupil, parent=existing).exists()
    assert not Guardianship.objects.filter(pupil=world.pupil, parent__email="nieuw@gezin.example")
    assert not User.objects.get(email="nieuw@gezin.example").has_usable_password()
    page = login(world.users["director"]).get(reverse("pupils:detail", args=[world.pupil.pk]))
    assert page.content.decode().count("Afgewezen op") == 2
    # A declined link cannot be accepted afterwards.
    client.logout()
    response = client.post(new_link, {"new_password1": PASSWORD, "new_password2": PASSWORD})
    assert response.status_code == 404
    assert not Guardianship.objects.filter(pupil=world.pupil, parent__email="nieuw@gezin.example")


def test_a_waiting_invitation_is_not_sent_twice_and_others_see_no_invitations(
    world, login, django_capture_on_commit_callbacks
):
    director = login(world.users["director"])
    invite(
        director, world.pupil, "karin@gezin.example", capture=django_capture_on_commit_callbacks
    )
    again = invite(
        director, world.pupil, "karin@gezin.example", capture=django_capture_on_commit_callbacks
    )
    assert "wacht al op een antwoord" in again.content.decode()
    assert Invitation.objects.count() == 1 and len(mail.outbox) == 1
    shown = director.get(reverse("pupils:detail", args=[world.pupil.pk])).content.decode()
    assert "karin@gezin.example" in shown and "wacht op een antwoord tot" in shown
    teacher_view = login(world.users["teacher"]).get(
        reverse("pupils:detail", args=[world.pupil.pk])
    )
    assert "karin@gezin.example" not in teacher_view.content.decode()


def test_a_parent_already_linked_is_told_so_and_nothing_is_sent(
    world, login, django_capture_on_commit_callbacks
):
    linked = world.users["parent"]
    response = invite(
        login(world.users["director"]),
        world.pupil,
        linked.email,
        capture=django_capture_on_commit_callbacks,
    )
    assert "is al aan deze leerling gekoppeld" in response.content.decode()
    assert not Invitation.objects.exists() and mail.outbox == []


def test_an_account_invitation_cannot_reset_a_password_chosen_since(
    world, client, django_capture_on_commit_callbacks
):
    """An invitation to choose a password (no child named) is void once the account has one,
    chosen through a password reset say: its link sets nothing, even signed out."""
    from pupils import services

    parent = User.objects.create(email="nieuw@gezin.example", full_name="Nieuwe Ouder")
    parent.set_unusable_password()
    parent.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_create(parent=parent, acting_user=world.users["director"])
    link = link_in(mail.outbox[0])
    parent.set_password(PASSWORD)
    parent.save()

    response = client.post(link, {"new_password1": "x" * 20, "new_password2": "x" * 20})
    assert response.status_code == 404
    parent.refresh_from_db()
    assert parent.check_password(PASSWORD)
