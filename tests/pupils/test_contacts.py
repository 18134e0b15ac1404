"""Parents' addresses and phone numbers: who sees what (the pupil policy's VIEW_PHONES and
VIEW_ADDRESS), the parent their own, and nobody else's parent."""

import pytest
from django.urls import reverse

from pupils import services
from pupils.models import ParentContact

pytestmark = pytest.mark.django_db

PHONE = "06-24681357"
STREET = "Lindelaan 8"


@pytest.fixture
def contact(world):
    """The mother's contact details, as an import sets them."""
    services.parent_contacts_set(
        school=world.pupil.school,
        acting_user=world.users["administrator"],
        contacts={
            world.users["parent"].email: {
                "street": STREET,
                "postcode": "3512 AB",
                "city": "Utrecht",
                "phone_mobile": PHONE,
            }
        },
    )
    return ParentContact.objects.get(parent=world.users["parent"])


@pytest.mark.parametrize(
    ("role", "phone", "address"),
    [
        ("director", True, True),
        ("administrator", True, True),
        ("teacher", True, False),  # the pupil's own teacher calls; the address is the office's
        ("care_coordinator", False, False),
        ("team_leader", False, False),
        ("care_coordinator_assigned", False, False),
    ],
)
def test_staff_see_the_parents_phone_and_address_as_their_role_needs(
    world, login, contact, role, phone, address
):
    page = login(world.users[role]).get(reverse("pupils:detail", args=[world.pupil.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert (PHONE in html) is phone
    assert (STREET in html) is address


def test_a_teacher_of_another_group_does_not_see_the_pupil_or_its_parents(world, login, contact):
    page = login(world.users["teacher_other_group"]).get(
        reverse("pupils:detail", args=[world.pupil.pk])
    )
    assert page.status_code == 404 and PHONE not in page.content.decode()


def test_the_parent_sees_their_own_details_and_the_other_parent_does_not(world, login, contact):
    own = login(world.users["parent"]).get(reverse("portal:home")).content.decode()
    assert PHONE in own and STREET in own and "3512 AB Utrecht" in own
    other = world.users["parent_information_right"]  # the father of the same child
    for path in (reverse("portal:home"), reverse("portal:child", args=[world.pupil.pk])):
        html = login(other).get(path).content.decode()
        assert PHONE not in html and STREET not in html


def test_a_restriction_on_the_administration_hides_the_details_from_staff(world, login, contact):
    services.hold_place(
        pupil=world.pupil,
        kind="restriction",
        categories=["administration"],
        reason="disputed",
        acting_user=world.users["director"],
    )
    html = (
        login(world.users["director"])
        .get(reverse("pupils:detail", args=[world.pupil.pk]))
        .content.decode()
    )
    assert PHONE not in html and STREET not in html


def test_only_the_schools_office_sets_contacts_and_a_refusal_changes_nothing(world):
    from django.core.exceptions import PermissionDenied, ValidationError

    with pytest.raises(PermissionDenied):
        services.parent_contacts_set(
            school=world.pupil.school,
            acting_user=world.users["teacher"],
            contacts={world.users["parent"].email: {"phone_mobile": PHONE}},
        )
    with pytest.raises(ValidationError):  # no parent of a pupil of the school
        services.parent_contacts_set(
            school=world.pupil.school,
            acting_user=world.users["administrator"],
            contacts={world.users["director_other_school"].email: {"phone_mobile": PHONE}},
        )
    with pytest.raises(ValidationError):
        services.parent_contacts_set(
            school=world.pupil.school,
            acting_user=world.users["administrator"],
            contacts={world.users["parent"].email: {"phone_mobile": "call me"}},
        )
    assert not ParentContact.objects.exists()
