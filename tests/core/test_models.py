"""Users, schools and roles, and their audit rows."""

import pytest
from django.db import IntegrityError

from schoolprivacy.audit_entry import AuditEntry
from schoolprivacy.models import Membership, Role, User
from tests.factories import MembershipFactory, SchoolFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_e_mail_addresses_are_stored_in_lower_case():
    user = User.objects.create_user(
        "Juf.Anna@School.EXAMPLE", "een-lang-wachtwoord", full_name="A"
    )
    assert user.email == "juf.anna@school.example"


def test_one_account_per_e_mail_address_whatever_the_case():
    UserFactory(email="ouder@gezin.example")
    with pytest.raises(IntegrityError):
        User.objects.create(email="Ouder@Gezin.example", full_name="Dubbel")


def test_a_role_is_held_once_per_school():
    membership = MembershipFactory(role=Role.TEACHER)
    with pytest.raises(IntegrityError):
        Membership.objects.create(
            user=membership.user, school=membership.school, role=Role.TEACHER
        )


def test_giving_someone_a_role_is_audited():
    school = SchoolFactory()
    user = UserFactory()
    membership = Membership.objects.create(user=user, school=school, role=Role.DIRECTOR)
    entry = AuditEntry.objects.get_for_object(membership).get()
    assert entry.action == AuditEntry.Action.CREATE
    assert entry.changes["role"] == ["None", "director"]
