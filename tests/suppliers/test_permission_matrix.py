"""Every role against every supplier page that takes an object."""

import datetime

import pytest
from django.urls import reverse

from suppliers.models import FieldSet, Recipient, Supplier, SupplierUse
from tests.pupils.conftest import ROLES

pytestmark = pytest.mark.django_db

MANAGERS = {"administrator", "privacy_officer"}

MATRIX = {
    "edit": ("suppliers:edit", MANAGERS),
    "field_set_create": ("suppliers:field_set_create", MANAGERS),
    "recipient_edit": ("suppliers:recipient_edit", MANAGERS),
    "portal_child": ("suppliers:portal_child", {"parent"}),
}
# The breach pages are covered by test_breaches.py with every role.
# The breach and register pages are covered with every role in test_breaches.py and
# test_registers.py; public documents in test_registers.py.
COVERED_URL_NAMES = {name for name, _ in MATRIX.values()} | {
    "suppliers:breach",
    "suppliers:activity_edit",
    "suppliers:public_document",
    "suppliers:document",
}


def objects(world):
    supplier = Supplier.objects.create(board=world.pupil.board, name="Gynzy", category="other")
    SupplierUse.objects.create(
        supplier=supplier, school=world.pupil.school, since=datetime.date(2020, 1, 1)
    )
    recipient = Recipient.objects.create(
        board=world.pupil.board, name="DUO", legal_basis="WPO", fields=["bsn"]
    )
    return supplier, recipient


@pytest.mark.parametrize(
    ("page", "role"), [(p, r) for p in MATRIX for r in ROLES], ids=lambda v: str(v)
)
def test_supplier_matrix(world, login, page, role):
    supplier, recipient = objects(world)
    url_name, allowed = MATRIX[page]
    pk = {
        "edit": supplier.pk,
        "field_set_create": supplier.pk,
        "recipient_edit": recipient.pk,
        "portal_child": world.pupil.pk,
    }[page]
    client = login(world.users[role])
    response = client.get(reverse(url_name, args=[pk]))
    if role == "anonymous":
        assert response.status_code == 302
    elif role in allowed:
        assert response.status_code == 200
    else:
        assert response.status_code == 404
    if page == "field_set_create":
        client.post(
            reverse(url_name, args=[pk]),
            {"valid_from": "2026-01-01", "shared": ["first_name"]},
        )
        assert FieldSet.objects.exists() == (role in allowed)
