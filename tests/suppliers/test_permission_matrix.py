"""Every role against every supplier page that takes an object, and against every change of
the register.

A school's part (whether it uses a supplier or a recipient, what a supplier receives from
it, its own documents) is changed by that school's administrator or a board role; what the
board's schools share (a supplier's or recipient's own data, the board's field sets and
documents) by a board role only; the breach register by the privacy officer. A denied change
changes nothing: the rows, the audit log and both schools' public pages stay as they were.
"""

import datetime
import re
from dataclasses import dataclass

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from schoolprivacy.audit_entry import AuditEntry
from suppliers import permissions, services
from suppliers.models import (
    Breach,
    FieldSet,
    PrivacyDocument,
    Recipient,
    Supplier,
    SupplierUse,
)
from tests.pupils.conftest import ROLES

pytestmark = pytest.mark.django_db
D = datetime.date

BOARD_ROLES = {"privacy_officer", "board_administrator"}
MANAGERS = {"administrator", "administrator_other_school", *BOARD_ROLES}
EVERYONE = [*ROLES, "board_administrator", "administrator_other_school"]

MATRIX = {
    "edit": ("suppliers:edit", MANAGERS),
    "field_set_create": ("suppliers:field_set_create", MANAGERS),
    "recipient_edit": ("suppliers:recipient_edit", MANAGERS),
    "portal_child": ("suppliers:portal_child", {"parent"}),
}
# The breach and register pages are covered with every role in test_breaches.py and
# test_registers.py; public documents in test_registers.py; the changes below.
COVERED_URL_NAMES = {name for name, _ in MATRIX.values()} | {
    "suppliers:breach",
    "suppliers:activity_edit",
    "suppliers:public_document",
    "suppliers:document",
}


@dataclass
class Register:
    """Gynzy and DUO at both schools of the board (a: the pupil's, b: the other), a board
    field set and document, and a breach."""

    a: object
    b: object
    gynzy: Supplier
    duo: Recipient
    breach: Breach


def register(world) -> Register:
    board, a, b = world.pupil.board, world.pupil.school, world.other_school
    gynzy = Supplier.objects.create(
        board=board,
        name="Gynzy",
        category="learning_method",
        privacy_leaflet_url="https://www.gynzy.example/privacy",
        contact="privacy@gynzy.example",
    )
    for school in (a, b):
        SupplierUse.objects.create(supplier=gynzy, school=school, since=D(2020, 1, 1))
    FieldSet.objects.create(supplier=gynzy, valid_from=D(2020, 1, 1), fields=["first_name"])
    duo = Recipient.objects.create(
        board=board, name="DUO", legal_basis="WPO art. 178a", fields=["bsn"]
    )
    duo.schools.add(a, b)
    PrivacyDocument.objects.create(
        board=board, kind="social_media", version="1", valid_from=D(2024, 8, 1), text="Bestuur"
    )
    breach = services.breach_record(
        board=board,
        title="Lijst in de trein laten liggen",
        description="Een lijst met namen.",
        aware_at=timezone.now() - datetime.timedelta(hours=2),
        schools=[a],
        affected_pupils=3,
        acting_user=world.users["privacy_officer"],
    )
    return Register(a=a, b=b, gynzy=gynzy, duo=duo, breach=breach)


def public_main(brin: str) -> str:
    page = Client().get(reverse("suppliers:public_school", args=[brin])).content.decode()
    return re.search(r"<main.*</main>", page, re.S).group(0)


def state(r: Register) -> dict:
    """Everything a change of the register could touch."""
    models = (Supplier, SupplierUse, FieldSet, Recipient, PrivacyDocument, Breach)
    return {
        "rows": {m.__name__: list(m.objects.order_by("pk").values()) for m in models},
        "recipient schools": sorted(
            Recipient.schools.through.objects.values_list("recipient_id", "school_id")
        ),
        "audit": AuditEntry.objects.count(),
        "pages": {school.brin: public_main(school.brin) for school in (r.a, r.b)},
    }


def shown(client, url) -> dict | None:
    """What the browser posts back for the form on *url* as it is shown (None: no page)."""
    response = client.get(url)
    if response.status_code != 200:
        return None
    form = response.context["form"]
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value == "" or name.endswith("_document"):
            continue
        if isinstance(value, list | tuple):
            data[name] = [str(v) for v in value]
        elif isinstance(value, datetime.date):
            data[name] = value.isoformat()
        else:
            data[name] = str(value)
    return data


def supplier_payload(r: Register) -> dict:
    """The whole supplier form, as a board role posts it (for those who see no form)."""
    return {
        "name": r.gynzy.name,
        "category": r.gynzy.category,
        "processing_role": r.gynzy.processing_role,
        "agreement_status": r.gynzy.agreement_status,
        "storage_location": r.gynzy.storage_location,
        "contact": r.gynzy.contact,
        "schools": [str(r.a.pk), str(r.b.pk)],
        "since": "2026-08-20",
    }


def edit_supplier(client, r: Register, **changes):
    url = reverse("suppliers:edit", args=[r.gynzy.pk])
    data = shown(client, url) or supplier_payload(r)
    untick = changes.pop("untick", None)
    if untick is not None:
        data["schools"] = [pk for pk in data.get("schools", []) if pk != str(untick.pk)]
    client.post(url, {**data, **changes})


def edit_recipient(client, r: Register, **changes):
    url = reverse("suppliers:recipient_edit", args=[r.duo.pk])
    data = shown(client, url) or {
        "name": r.duo.name,
        "legal_basis": r.duo.legal_basis,
        "shared": list(r.duo.fields),
        "schools": [str(r.a.pk), str(r.b.pk)],
    }
    untick = changes.pop("untick", None)
    if untick is not None:
        data["schools"] = [pk for pk in data.get("schools", []) if pk != str(untick.pk)]
    client.post(url, {**data, **changes})


def field_set(client, r: Register, school):
    client.post(
        reverse("suppliers:field_set_create", args=[r.gynzy.pk]),
        {
            "school": school.pk if school else "",
            "valid_from": "2026-01-01",
            "shared": ["first_name", "group"],
        },
    )


def document(client, r: Register, school):
    client.post(
        reverse("suppliers:document_create"),
        {
            "school": school.pk if school else "",
            "kind": "social_media",
            "version": "2",
            "valid_from": "2025-08-01",
            "text": "Nieuw protocol",
        },
    )


def uses(r: Register, school) -> bool:
    return SupplierUse.objects.filter(supplier=r.gynzy, school=school).exists()


@dataclass(frozen=True)
class Change:
    allowed: frozenset
    post: object  # (client, register) -> None: the change, as the role's browser sends it
    happened: object  # (register) -> bool
    school: str | None = None  # the school it concerns ("a", "b"); None: the board's


CHANGES = {
    "stop using Gynzy at school a": Change(
        frozenset({"administrator", *BOARD_ROLES}),
        lambda c, r: edit_supplier(c, r, untick=r.a),
        lambda r: not uses(r, r.a),
        "a",
    ),
    "stop using Gynzy at school b": Change(
        frozenset({"administrator_other_school", *BOARD_ROLES}),
        lambda c, r: edit_supplier(c, r, untick=r.b),
        lambda r: not uses(r, r.b),
        "b",
    ),
    "change Gynzy's own data and agreement": Change(
        frozenset(BOARD_ROLES),
        lambda c, r: edit_supplier(
            c,
            r,
            name="Gynzy Leren",
            category="communication",
            contact="fg@gynzy.example",
            agreement_status="signed",
            agreement_signed_on="2026-06-01",
        ),
        lambda r: Supplier.objects.filter(
            name="Gynzy Leren", category="communication", agreement_status="signed"
        ).exists(),
    ),
    "add a supplier for school b": Change(
        frozenset({"administrator_other_school", *BOARD_ROLES}),
        lambda c, r: c.post(
            reverse("suppliers:create"),
            {
                "name": "Rekentuin",
                "category": "learning_method",
                "processing_role": "processor",
                "agreement_status": "none",
                "storage_location": "eu",
                "schools": [r.b.pk],
                "since": "2026-08-20",
            },
        ),
        lambda r: SupplierUse.objects.filter(supplier__name="Rekentuin", school=r.b).exists(),
        "b",
    ),
    "record what Gynzy receives from school a": Change(
        frozenset({"administrator", *BOARD_ROLES}),
        lambda c, r: field_set(c, r, r.a),
        lambda r: FieldSet.objects.filter(school=r.a).exists(),
        "a",
    ),
    "record what Gynzy receives from every school": Change(
        frozenset(BOARD_ROLES),
        lambda c, r: field_set(c, r, None),
        lambda r: FieldSet.objects.filter(school=None, valid_from=D(2026, 1, 1)).exists(),
    ),
    "publish a document of school b": Change(
        frozenset({"administrator_other_school", *BOARD_ROLES}),
        lambda c, r: document(c, r, r.b),
        lambda r: PrivacyDocument.objects.filter(school=r.b).exists(),
        "b",
    ),
    "publish a document of the board": Change(
        frozenset(BOARD_ROLES),
        lambda c, r: document(c, r, None),
        lambda r: PrivacyDocument.objects.filter(school=None, version="2").exists(),
    ),
    "DUO stops receiving from school a": Change(
        frozenset({"administrator", *BOARD_ROLES}),
        lambda c, r: edit_recipient(c, r, untick=r.a),
        lambda r: not r.duo.schools.filter(pk=r.a.pk).exists(),
        "a",
    ),
    "change DUO's own data": Change(
        frozenset(BOARD_ROLES),
        lambda c, r: edit_recipient(c, r, legal_basis="WEC art. 164a", shared=["bsn", "gender"]),
        lambda r: Recipient.objects.filter(
            legal_basis="WEC art. 164a", fields=["bsn", "gender"]
        ).exists(),
    ),
    "record the notification of a breach": Change(
        frozenset({"privacy_officer"}),
        lambda c, r: c.post(
            reverse("suppliers:breach", args=[r.breach.pk]),
            {"not_notified_reason": "Geen risico: de lijst is teruggevonden."},
        ),
        lambda r: Breach.objects.exclude(not_notified_reason="").exists(),
    ),
}


@pytest.mark.parametrize(
    ("page", "role"), [(p, r) for p in MATRIX for r in EVERYONE], ids=lambda v: str(v)
)
def test_supplier_matrix(keepers, login, page, role):
    world = keepers
    r = register(world)
    url_name, allowed = MATRIX[page]
    pk = {
        "edit": r.gynzy.pk,
        "field_set_create": r.gynzy.pk,
        "recipient_edit": r.duo.pk,
        "portal_child": world.pupil.pk,
    }[page]
    response = login(world.users[role]).get(reverse(url_name, args=[pk]))
    if role == "anonymous":
        assert response.status_code == 302
    elif role in allowed:
        assert response.status_code == 200
    else:
        assert response.status_code == 404


@pytest.mark.parametrize(
    ("change", "role"), [(c, r) for c in CHANGES for r in EVERYONE], ids=lambda v: str(v)
)
def test_each_change_of_the_register_by_each_role(keepers, login, change, role):
    """Allowed: it happens, audited, and the other school's page stays as it was. Denied:
    nothing changes at all."""
    world = keepers
    r = register(world)
    spec = CHANGES[change]
    user = world.users[role]
    before = state(r)
    audited_before = AuditEntry.objects.filter(actor=user).count() if user else 0

    spec.post(login(user), r)

    if role in spec.allowed:
        assert spec.happened(r)
        assert AuditEntry.objects.filter(actor=user).count() > audited_before
        if spec.school is not None:
            other = r.b if spec.school == "a" else r.a
            assert public_main(other.brin) == before["pages"][other.brin]
    else:
        assert not spec.happened(r)
        assert state(r) == before


# --- The services refuse what is outside the acting user's part, whatever the form did ----

KEEPERS = [*sorted(MANAGERS), "director", "teacher"]


def _renamed(r: Register) -> Supplier:
    supplier = Supplier.objects.get(pk=r.gynzy.pk)
    supplier.name = "Gynzy Leren"
    return supplier


def _rebased(r: Register) -> Recipient:
    recipient = Recipient.objects.get(pk=r.duo.pk)
    recipient.legal_basis = "WEC art. 164a"
    return recipient


def _kept(user, r: Register) -> list:
    return list(permissions.schools_kept(user, r.gynzy.board_id))


SERVICE_CHANGES = {
    "tick school b for Gynzy": (
        {"administrator_other_school", *BOARD_ROLES},
        lambda u, r: services.supplier_save(
            supplier=r.gynzy, schools=[r.b], since=D(2026, 8, 20), acting_user=u
        ),
    ),
    "rename Gynzy": (
        BOARD_ROLES,
        lambda u, r: services.supplier_save(
            supplier=_renamed(r), schools=_kept(u, r), since=D(2026, 8, 20), acting_user=u
        ),
    ),
    "add a supplier with a signed agreement": (
        BOARD_ROLES,
        lambda u, r: services.supplier_save(
            supplier=Supplier(
                board=r.gynzy.board,
                name="Rekentuin",
                category="learning_method",
                agreement_status="signed",
            ),
            schools=_kept(u, r),
            since=D(2026, 8, 20),
            acting_user=u,
        ),
    ),
    "a field set of school a": (
        {"administrator", *BOARD_ROLES},
        lambda u, r: services.field_set_add(
            supplier=r.gynzy,
            school=r.a,
            valid_from=D(2026, 1, 1),
            fields=["group"],
            not_shared="",
            acting_user=u,
        ),
    ),
    "a field set of the board": (
        BOARD_ROLES,
        lambda u, r: services.field_set_add(
            supplier=r.gynzy,
            valid_from=D(2026, 1, 1),
            fields=["group"],
            not_shared="",
            acting_user=u,
        ),
    ),
    "a document of school b": (
        {"administrator_other_school", *BOARD_ROLES},
        lambda u, r: services.document_publish(
            document=PrivacyDocument(
                board=r.gynzy.board,
                school=r.b,
                kind="social_media",
                version="2",
                valid_from=D(2025, 8, 1),
                text="Nieuw",
            ),
            acting_user=u,
        ),
    ),
    "a document of the board": (
        BOARD_ROLES,
        lambda u, r: services.document_publish(
            document=PrivacyDocument(
                board=r.gynzy.board,
                kind="social_media",
                version="2",
                valid_from=D(2025, 8, 1),
                text="Nieuw",
            ),
            acting_user=u,
        ),
    ),
    "DUO receives from school a only": (
        {"administrator", *BOARD_ROLES},
        lambda u, r: services.recipient_save(recipient=r.duo, schools=[r.a], acting_user=u),
    ),
    "DUO's legal basis": (
        BOARD_ROLES,
        lambda u, r: services.recipient_save(
            recipient=_rebased(r),
            schools=_kept(u, r),
            acting_user=u,
        ),
    ),
    "a breach's follow-up": (
        {"privacy_officer"},
        lambda u, r: services.breach_follow_up(
            breach=r.breach, acting_user=u, authority_reference="AP-1"
        ),
    ),
}


@pytest.mark.parametrize(
    ("change", "role"),
    [(c, r) for c in SERVICE_CHANGES for r in KEEPERS],
    ids=lambda v: str(v),
)
def test_each_service_refuses_a_change_outside_the_acting_users_part(keepers, change, role):
    world = keepers
    r = register(world)
    allowed, call = SERVICE_CHANGES[change]
    before = state(r)
    if role in allowed:
        call(world.users[role], r)
    else:
        with pytest.raises(PermissionDenied):
            call(world.users[role], r)
        assert state(r) == before
