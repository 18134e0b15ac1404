"""Every role against every dossier page and action, with real objects.

Allowed: the page opens (200), or the action saves and redirects (302).
Denied: 404, exactly as for a pupil that does not exist (the login page for
anonymous visitors), and nothing in the database changed.
"""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from pupils import models, services
from pupils.models import (
    Agreement,
    EmergencyAccess,
    GroupPlacement,
    Guardianship,
    Note,
    Pupil,
    SpecialRecord,
)
from schoolprivacy.models import User
from tests import documents

from .conftest import ROLES

STAFF_WHO_READ = {
    "teacher",
    "care_coordinator",
    "care_coordinator_assigned",
    "team_leader",
    "director",
}
CORRECTORS_OF_TEACHERS_ENTRY = {
    "teacher",
    "care_coordinator",
    "care_coordinator_assigned",
    "director",
}
PARENTS = {"parent", "parent_information_right", "parent_no_rights", "parent_other_child"}
SCHOOL_STAFF = {
    "teacher",
    "teacher_other_group",
    "care_coordinator",
    "team_leader",
    "director",
    "administrator",
}
TODAY = datetime.date(2026, 11, 2)
PDF = documents.pdf()


def life(world) -> dict:
    """The objects the pages of an entry's life open, made once per world: the teacher's
    agreement with a document, a medication with a protocol, the GP as emergency contact."""
    if "_life" not in world.__dict__:
        coordinator = world.users["care_coordinator"]
        agreement = services.agreement_record(
            pupil=world.pupil,
            acting_user=world.users["teacher"],
            agreed_on=TODAY,
            participants="moeder, leerkracht",
            agreement="Elke vrijdag lezen.",
        )
        medication = services.special_record_add(
            pupil=world.pupil, kind="medication", content="Puffer", acting_user=coordinator
        )
        world.__dict__["_life"] = {
            "agreement": agreement,
            "medication": medication,
            "protocol": services.attachment_add(
                entry=medication,
                file=SimpleUploadedFile("p.pdf", PDF),
                title="Protocol",
                acting_user=coordinator,
            ),
            "report": services.attachment_add(
                entry=agreement,
                file=SimpleUploadedFile("v.pdf", PDF),
                title="Verslag",
                acting_user=coordinator,
            ),
            "gp": services.emergency_contact_save(
                pupil=world.pupil,
                acting_user=world.users["director"],
                kind="gp",
                name="Huisarts",
                phone="030-7654321",
            ),
        }
    return world.__dict__["_life"]


def payload(name: str, world) -> dict:
    pupil = world.pupil
    return {
        "agreement": {
            "agreed_on": TODAY,
            "participants": "moeder, leerkracht",
            "agreement": "Extra leesoefening thuis.",
            "source": "school",
        },
        "test-result": {
            "test_name": "Rekenen M5",
            "taken_on": TODAY,
            "score": "41",
            "level": "B",
            "source": "school",
        },
        "note": {
            "kind": "note",
            "written_on": TODAY,
            "title": "Gesprek",
            "body": "Goed gesprek.",
            "source": "school",
        },
        "special_add": {"kind": "custody", "content": "Gezamenlijk gezag.", "source": "parent"},
        "edit": {
            "first_name": pupil.first_name,
            "name_prefix": "",
            "last_name": "Gewijzigd",
            "date_of_birth": pupil.date_of_birth,
            "gender": "",
            "bsn": pupil.bsn,
            "enrolled_on": pupil.enrolled_on,
            "left_on": "",
        },
        "change_group": {"group": world.other_pupil.group_id, "on": TODAY},
        "parent_add": {
            "full_name": "Nieuwe Ouder",
            "email": "nieuw@gezin.example",
            "relation": "guardian",
            "has_parental_authority": "on",
        },
        "guardianship": {"has_information_right": "on"},
        "emergency": {"reason": "Aanval op het schoolplein."},
        "entry_correct": {
            "agreed_on": TODAY,
            "participants": "moeder, leerkracht",
            "agreement": "Elke donderdag lezen.",
            "version": 1,
            "reason": "Dag was verkeerd.",
        },
        "document_add": {"title": "Verslag", "file": SimpleUploadedFile("a.pdf", PDF)},
        "special_end": {"ended_on": timezone.localdate().isoformat(), "end_reason": "Gestopt."},
        "special_replace": {"content": "Puffer 2x", "reason": "Dosis", "source": "school"},
        "parent_contact": {"phone_mobile": "06-12345678"},
        "emergency_contact": {"kind": "gp", "name": "Andere huisarts", "phone": "030-1111111"},
        "portal_contact": {"phone_mobile": "06-87654321"},
        "portal_emergency_contacts": {"kind": "hospital", "name": "UMC", "phone": "088-1111111"},
        "portal_emergency_contact": {"kind": "gp", "name": "Dokter", "phone": "030-2222222"},
        "declarations": {
            "parent": world.users["parent"].pk,
            "education_level": "pre_vocational",
            "nationality": "",
            "declared_on": TODAY,
        },
    }[name]


def url(name: str, world) -> str:
    pk = world.pupil.pk
    return {
        "detail": reverse("pupils:detail", args=[pk]),
        "agreement": reverse("pupils:entry_add", args=[pk, "agreement"]),
        "test-result": reverse("pupils:entry_add", args=[pk, "test-result"]),
        "note": reverse("pupils:entry_add", args=[pk, "note"]),
        "special": reverse("pupils:special", args=[pk]),
        "special_add": reverse("pupils:special_add", args=[pk]),
        "history": reverse("pupils:history", args=[pk]),
        "edit": reverse("pupils:edit", args=[pk]),
        "change_group": reverse("pupils:change_group", args=[pk]),
        "parent_add": reverse("pupils:parent_add", args=[pk]),
        "guardianship": reverse(
            "pupils:guardianship", args=[pk, world.guardianships["parent_no_rights"].pk]
        ),
        "emergency": reverse("pupils:emergency", args=[pk]),
        "declarations": reverse("pupils:declarations", args=[pk]),
        "portal_child": reverse("portal:child", args=[pk]),
        "portal_access": reverse("portal:access_history", args=[pk]),
        "entries": reverse("pupils:entries", args=[pk, "agreement"]),
        "portal_entries": reverse("portal:entries", args=[pk, "note"]),
        **_life_urls(name, world),
    }[name]


def _life_urls(name: str, world) -> dict:
    pk = world.pupil.pk
    if name not in LIFE_PAGES:
        return {}
    objects = life(world)
    agreement, medication = objects["agreement"].pk, objects["medication"].pk
    group = world.pupil.group_id
    return {
        "entry": reverse("pupils:entry", args=[pk, "agreement", agreement]),
        "entry_correct": reverse("pupils:entry_correct", args=[pk, "agreement", agreement]),
        "document_add": reverse("pupils:document_add", args=[pk, "agreement", agreement]),
        "document": reverse("pupils:document", args=[pk, objects["protocol"].uid]),
        "special_end": reverse("pupils:special_end", args=[pk, medication]),
        "special_replace": reverse("pupils:special_replace", args=[pk, medication]),
        "parent_contact": reverse(
            "pupils:parent_contact", args=[pk, world.guardianships["parent"].pk]
        ),
        "emergency_contacts": reverse("pupils:emergency_contacts", args=[pk]),
        "emergency_contact": reverse("pupils:emergency_contact", args=[pk, objects["gp"].pk]),
        "emergency_sheet": reverse("pupils:emergency_sheet", args=[group]),
        "portal_contact": reverse("portal:contact"),
        "portal_document": reverse("portal:document", args=[pk, objects["report"].uid]),
        "portal_emergency_contacts": reverse("portal:emergency_contacts", args=[pk]),
        "portal_emergency_contact": reverse(
            "portal:emergency_contact", args=[pk, objects["gp"].pk]
        ),
    }


# page -> (URL name, the roles that may open it, whether it takes a POST)
MATRIX = {
    "detail": ("pupils:detail", STAFF_WHO_READ | {"administrator"}, False),
    "agreement": ("pupils:entry_add", STAFF_WHO_READ, True),
    "test-result": ("pupils:entry_add", STAFF_WHO_READ, True),
    "note": ("pupils:entry_add", STAFF_WHO_READ, True),
    "special": ("pupils:special", STAFF_WHO_READ, False),
    "special_add": (
        "pupils:special_add",
        {"care_coordinator", "care_coordinator_assigned", "director"},
        True,
    ),
    "history": ("pupils:history", {"team_leader", "director"}, False),
    "edit": ("pupils:edit", {"director", "administrator"}, True),
    "change_group": ("pupils:change_group", {"director", "administrator"}, True),
    "parent_add": ("pupils:parent_add", {"director", "administrator"}, True),
    "guardianship": ("pupils:guardianship", {"director", "administrator"}, True),
    "emergency": ("pupils:emergency", SCHOOL_STAFF, True),
    "declarations": ("pupils:declarations", {"director", "administrator"}, True),
    "portal_child": ("portal:child", {"parent", "parent_information_right"}, False),
    "portal_access": ("portal:access_history", {"parent"}, False),
    # Every entry of one kind, a page at a time (the pupil's page shows the newest).
    "entries": ("pupils:entries", STAFF_WHO_READ, False),
    "portal_entries": ("portal:entries", {"parent", "parent_information_right"}, False),
    # The life of entries and records (issue 16).
    "entry": ("pupils:entry", STAFF_WHO_READ, False),
    "entry_correct": ("pupils:entry_correct", CORRECTORS_OF_TEACHERS_ENTRY, True),
    "document_add": ("pupils:document_add", CORRECTORS_OF_TEACHERS_ENTRY, True),
    "document": ("pupils:document", STAFF_WHO_READ, False),
    "special_end": ("pupils:special_end", {"care_coordinator", "care_coordinator_assigned"}, True),
    "special_replace": (
        "pupils:special_replace",
        {"care_coordinator", "care_coordinator_assigned"},
        True,
    ),
    "parent_contact": ("pupils:parent_contact", {"director", "administrator"}, True),
    # Seeing the list; adding to it is the managers' (tests/pupils/test_emergency_contacts.py).
    "emergency_contacts": (
        "pupils:emergency_contacts",
        {"teacher", "director", "administrator"},
        False,
    ),
    "emergency_contact": ("pupils:emergency_contact", {"director", "administrator"}, True),
    "emergency_sheet": ("pupils:emergency_sheet", {"teacher", "director"}, False),
    "portal_contact": ("portal:contact", PARENTS, True),
    "portal_document": ("portal:document", {"parent", "parent_information_right"}, False),
    "portal_emergency_contacts": ("portal:emergency_contacts", {"parent"}, True),
    "portal_emergency_contact": ("portal:emergency_contact", {"parent"}, True),
}
LIFE_PAGES = set(list(MATRIX)[list(MATRIX).index("entry") :])

#: Every URL name of the dossier that takes a pupil; the route matrix checks it is complete.
COVERED_URL_NAMES = {url_name for url_name, _, _ in MATRIX.values()} | {
    "portal:parents_access",
    "pupils:question_contacts",  # every role in test_whom_to_ask.py
}


def snapshot(world) -> dict:
    pupil = Pupil.objects.get(pk=world.pupil.pk)
    return {
        "agreements": Agreement.objects.count(),
        "test_results": models.TestResult.objects.count(),
        "notes": Note.objects.count(),
        "special": SpecialRecord.objects.count(),
        "guardianships": list(
            Guardianship.objects.order_by("pk").values_list(
                "pk", "has_parental_authority", "has_information_right"
            )
        ),
        "placements": GroupPlacement.objects.count(),
        "entries": list(Agreement.objects.order_by("pk").values_list("agreement", "version")),
        "revisions": models.EntryRevision.objects.count(),
        "documents": models.Attachment.objects.count(),
        "ended": list(SpecialRecord.objects.order_by("pk").values_list("ended_on", flat=True)),
        "contacts": sorted(
            (c.parent_id, c.phone_mobile) for c in models.ParentContact.objects.all()
        ),
        "emergency_contacts": sorted(
            (c.kind, c.name, c.phone) for c in models.EmergencyContact.objects.all()
        ),
        "emergencies": EmergencyAccess.objects.count(),
        "declarations": list(
            models.ParentDeclaration.objects.values_list("parent", "education_level")
        ),
        "users": User.objects.count(),
        "pupil": (pupil.last_name, pupil.group_id, pupil.bsn),
    }


CASES = [(page, role) for page in MATRIX for role in ROLES]


@pytest.mark.parametrize(("page", "role"), CASES, ids=[f"{p}-{r}" for p, r in CASES])
def test_dossier_matrix(world, login, page, role):
    _, allowed_roles, takes_post = MATRIX[page]
    client = login(world.users[role])
    address = url(page, world)
    before = snapshot(world)

    response = client.get(address)
    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    elif role in allowed_roles:
        assert response.status_code == 200, response.content[:500]
    else:
        assert response.status_code == 404

    if takes_post:
        response = client.post(address, payload(page, world))
        if role in allowed_roles:
            assert response.status_code == 302, (
                response.context and response.context.get("form").errors
            )
            assert snapshot(world) != before
        else:
            assert response.status_code in (302, 404) if role == "anonymous" else 404
            assert snapshot(world) == before
    elif role not in allowed_roles:
        assert snapshot(world) == before


@pytest.mark.parametrize("role", [*ROLES, "pupil_self"])
def test_the_parents_access_page_is_the_pupils_own(world, login, role):
    """Only the pupil, from the own account, decides who sees the data after 18."""
    from tests.factories import UserFactory

    pupil = world.pupil
    pupil.account = UserFactory()
    pupil.date_of_birth = datetime.date(2009, 3, 14)  # 17: the pupil has a portal of their own
    pupil.save(update_fields=["account", "date_of_birth"])
    user = pupil.account if role == "pupil_self" else world.users[role]
    client = login(user)
    address = reverse("portal:parents_access", args=[pupil.pk])
    grant = {"guardianship": world.guardianships["parent"].pk, "grant": "yes"}

    def granted():
        return list(Guardianship.objects.filter(access_granted_at__isnull=False))

    if role == "pupil_self":
        assert client.get(address).status_code == 200
        assert client.post(address, grant).status_code == 302
        assert granted() == [world.guardianships["parent"]]
        return
    expected = 302 if role == "anonymous" else 404
    assert client.get(address).status_code == expected
    assert client.post(address, grant).status_code == expected
    assert granted() == []


#: The portal of a pupil of 17 (permissions.portal_right): page -> who opens it, without
#: and with the pupil's grant to every linked parent. Parents with parental authority keep
#: progress, consents and the emergency contacts; the rest is the pupil's to share.
PORTAL_OF_17 = {
    "portal:child": (
        {"pupil_self", "parent", "parent_information_right"},
        {"pupil_self", "parent", "parent_information_right", "parent_no_rights"},
    ),
    "portal:access_history": (
        {"pupil_self"},
        {"pupil_self", "parent", "parent_information_right", "parent_no_rights"},
    ),
    "suppliers:portal_child": (
        {"pupil_self"},
        {"pupil_self", "parent", "parent_information_right", "parent_no_rights"},
    ),
    "consents:portal": ({"pupil_self", "parent"}, {"pupil_self", "parent"}),
    "portal:emergency_contacts": (
        {"pupil_self", "parent"},
        {"pupil_self", "parent", "parent_information_right", "parent_no_rights"},
    ),
}
PORTAL_CASES = [
    (name, granted, role)
    for name in PORTAL_OF_17
    for granted in (False, True)
    for role in [*sorted(PARENTS), "pupil_self", "teacher", "director"]
]


@pytest.mark.parametrize(
    ("name", "granted", "role"),
    PORTAL_CASES,
    ids=[f"{n}-{'granted' if g else 'not-granted'}-{r}" for n, g, r in PORTAL_CASES],
)
def test_the_portal_of_a_pupil_of_17(world, login, name, granted, role):
    from tests.factories import UserFactory

    pupil = world.pupil
    pupil.account = UserFactory()
    pupil.date_of_birth = datetime.date(2009, 3, 14)
    pupil.save(update_fields=["account", "date_of_birth"])
    if granted:
        Guardianship.objects.filter(pupil=pupil).update(access_granted_at=timezone.now())
    user = pupil.account if role == "pupil_self" else world.users[role]
    response = login(user).get(reverse(name, args=[pupil.pk]))
    allowed = PORTAL_OF_17[name][granted]
    assert response.status_code == (200 if role in allowed else 404)


def test_a_pupil_that_does_not_exist_answers_the_same_404(world, login):
    client = login(world.users["director"])
    missing = Pupil.objects.order_by("-pk").first().pk + 1000
    for page in set(MATRIX) - {"emergency_sheet", "portal_contact"}:  # not of one pupil
        address = url(page, world).replace(f"/{world.pupil.pk}/", f"/{missing}/")
        assert client.get(address).status_code == 404, page
