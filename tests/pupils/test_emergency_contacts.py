"""Contact and emergency details: a parent corrects their own number, the other parent sees it
only when the school recorded that both may know, emergency contacts in order with the GP
and hospital, break-glass shows whom to call, and the class emergency sheet."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from pupils import services
from pupils.models import EmergencyContact, ParentContact, ProcessingHold, SpecialRecord
from schoolprivacy.audit_entry import AuditEntry
from tests.factories import GuardianshipFactory, PupilFactory

pytestmark = pytest.mark.django_db

MOTHER_PHONE = "06-24681357"
GRANNY_PHONE = "030-1234567"


@pytest.fixture
def contacts(world):
    """The mother's own number, and the list: the mother, then grandmother, and the GP."""
    mother = world.users["parent"]
    services.parent_contact_update(parent=mother, acting_user=mother, phone_mobile=MOTHER_PHONE)
    director = world.users["director"]
    save = services.emergency_contact_save
    save(pupil=world.pupil, acting_user=director, parent_id=mother.pk)
    save(
        pupil=world.pupil,
        acting_user=director,
        name="Oma Jansen",
        relation="oma",
        phone=GRANNY_PHONE,
    )
    save(
        pupil=world.pupil,
        acting_user=director,
        kind="gp",
        name="Huisartspraktijk De Linde",
        phone="030-7654321",
    )
    return EmergencyContact.objects.filter(pupil=world.pupil)


# --- A parent's own details --------------------------------------------------------------------


def test_a_parent_corrects_their_own_phone_number_directly_and_it_is_audited(world, login):
    parent = world.users["parent"]
    response = login(parent).post(reverse("portal:contact"), {"phone_mobile": "06-11112222"})
    assert response.status_code == 302
    contact = ParentContact.objects.get(parent=parent)
    assert contact.phone_mobile == "06-11112222"
    entry = AuditEntry.objects.get_for_object(contact).get()
    assert entry.actor == parent
    assert "06-11112222" not in str(entry.changes)  # masked in the log


def test_a_wrong_phone_number_is_refused_and_nothing_changes(world, login, contacts):
    response = login(world.users["parent"]).post(
        reverse("portal:contact"), {"phone_mobile": "bel me maar"}
    )
    assert response.status_code == 200 and response.context["form"].errors
    assert ParentContact.objects.get(parent=world.users["parent"]).phone_mobile == MOTHER_PHONE


def test_the_director_enters_a_parents_details_and_a_teacher_cannot(world, login):
    guardianship = world.guardianships["parent_information_right"]
    url = reverse("pupils:parent_contact", args=[world.pupil.pk, guardianship.pk])
    assert (
        login(world.users["teacher"]).post(url, {"phone_home": "030-1111111"}).status_code == 404
    )
    assert not ParentContact.objects.exists()
    response = login(world.users["director"]).post(
        url,
        {
            "street": "Dorpsstraat 1",
            "postcode": "1234 AB",
            "city": "Utrecht",
            "phone_home": "030-1111111",
        },
    )
    assert response.status_code == 302
    contact = ParentContact.objects.get(parent=guardianship.parent)
    assert contact.address == "Dorpsstraat 1, 1234 AB Utrecht"
    assert AuditEntry.objects.get_for_object(contact).get().actor == world.users["director"]


def test_the_other_parent_does_not_see_a_phone_number_unless_both_may_know(world, login, contacts):
    father = login(world.users["parent_information_right"])
    url = reverse("portal:child", args=[world.pupil.pk])
    assert MOTHER_PHONE not in father.get(url).content.decode()
    # Nor through the emergency contacts: the father's portal has no such page.
    assert (
        father.get(reverse("portal:emergency_contacts", args=[world.pupil.pk])).status_code == 404
    )
    services.guardianship_update(
        guardianship=world.guardianships["parent"],
        has_parental_authority=True,
        has_information_right=False,
        contact_shared=True,
        acting_user=world.users["director"],
    )
    assert MOTHER_PHONE in father.get(url).content.decode()


def test_the_other_parent_with_authority_sees_the_emergency_list_but_not_the_mothers_number(
    world, login, contacts
):
    other = world.guardianships["parent_information_right"]
    other.has_parental_authority, other.has_information_right = True, False
    other.save()
    html = login(other.parent).get(reverse("portal:child", args=[world.pupil.pk])).content.decode()
    assert GRANNY_PHONE in html
    assert MOTHER_PHONE not in html


# --- Emergency contacts ------------------------------------------------------------------------


def test_emergency_contacts_keep_their_order_and_move(world, login, contacts):
    people = list(contacts.filter(kind="person").order_by("position"))
    assert [c.position for c in people] == [1, 2]
    assert people[0].parent == world.users["parent"]
    response = login(world.users["director"]).post(
        reverse("pupils:emergency_contact", args=[world.pupil.pk, people[1].pk]), {"action": "up"}
    )
    assert response.status_code == 302
    first = EmergencyContact.objects.get(pupil=world.pupil, kind="person", position=1)
    assert first.name == "Oma Jansen"


@pytest.mark.parametrize(
    ("role", "sees", "manages"),
    [
        ("teacher", True, False),
        ("director", True, True),
        ("administrator", True, True),
        ("care_coordinator", False, False),
        ("team_leader", False, False),
        ("teacher_other_group", False, False),
        ("privacy_officer", False, False),
    ],
)
def test_who_sees_and_changes_the_emergency_contacts(world, login, contacts, role, sees, manages):
    client = login(world.users[role])
    url = reverse("pupils:emergency_contacts", args=[world.pupil.pk])
    page = client.get(url)
    assert page.status_code == (200 if sees else 404)
    if sees:
        html = page.content.decode()
        assert GRANNY_PHONE in html and MOTHER_PHONE in html
    before = EmergencyContact.objects.count()
    response = client.post(url, {"kind": "person", "name": "Buurvrouw", "phone": "0612345678"})
    assert EmergencyContact.objects.count() == before + (1 if manages else 0)
    if not manages:
        assert response.status_code == 404


def test_a_parent_with_authority_keeps_the_list(world, login, contacts):
    client = login(world.users["parent"])
    url = reverse("portal:emergency_contacts", args=[world.pupil.pk])
    response = client.post(
        url, {"kind": "hospital", "name": "UMC Utrecht", "phone": "088-7555555"}
    )
    assert response.status_code == 302
    assert EmergencyContact.objects.get(pupil=world.pupil, kind="hospital").name == "UMC Utrecht"
    # A second GP is refused, in words, and nothing changes.
    response = client.post(url, {"kind": "gp", "name": "Andere arts", "phone": "030-0000000"})
    assert response.status_code == 200 and response.context["form"].errors
    assert EmergencyContact.objects.filter(kind="gp").count() == 1


def test_break_glass_shows_whom_to_call_next_to_the_protocol(world, login, contacts):
    services.special_record_add(
        pupil=world.pupil,
        kind=SpecialRecord.Kind.PROTOCOL,
        content="Epipen in de tas",
        acting_user=world.users["care_coordinator"],
    )
    stranger = world.users["teacher_other_group"]
    services.emergency_access_open(
        pupil=world.pupil, reason="Allergische reactie", acting_user=stranger
    )
    html = login(stranger).get(reverse("pupils:special", args=[world.pupil.pk])).content.decode()
    assert "Epipen in de tas" in html
    assert GRANNY_PHONE in html and MOTHER_PHONE in html and "030-7654321" in html


# --- The class emergency sheet -----------------------------------------------------------------


@pytest.fixture
def records(world):
    coordinator = world.users["care_coordinator"]
    add = services.special_record_add
    medication = add(
        pupil=world.pupil, kind="medication", content="Puffer", acting_user=coordinator
    )
    add(pupil=world.pupil, kind="diagnosis", content="Dyslexie", acting_user=coordinator)
    stopped = add(
        pupil=world.pupil, kind="medication", content="Oude pillen", acting_user=coordinator
    )
    services.special_record_end(
        record=stopped, ended_on=timezone.localdate(), reason="gestopt", acting_user=coordinator
    )
    return medication


def test_the_teacher_opens_the_class_emergency_sheet_and_it_is_logged(
    world, login, contacts, records
):
    teacher = world.users["teacher"]
    group = world.pupil.group
    response = login(teacher).get(reverse("pupils:emergency_sheet", args=[group.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert escape(world.pupil.full_name) in html
    assert escape(world.other_pupil.full_name) not in html
    assert GRANNY_PHONE in html and MOTHER_PHONE in html
    assert "Puffer" in html  # a current safety record
    assert "Dyslexie" not in html  # not a safety record
    assert "Oude pillen" not in html  # ended
    assert "data-print" in html
    logged = AuditEntry.objects.filter(
        action=AuditEntry.Action.ACCESS,
        actor=teacher,
        content_type=ContentType.objects.get_for_model(group),
        object_pk=str(group.pk),
    )
    assert logged.get().changes_dict["viewed"][0] == "emergency_sheet"
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.ACCESS, actor=teacher, object_pk=str(world.pupil.pk)
    ).exists()


def test_a_restricted_record_is_named_on_the_sheet_not_shown(world, login, records):
    ProcessingHold.objects.create(
        pupil=world.pupil,
        kind=ProcessingHold.Kind.RESTRICTION,
        categories=["special"],
        reason="verzoek",
        placed_by=world.users["director"],
    )
    html = (
        login(world.users["teacher"])
        .get(reverse("pupils:emergency_sheet", args=[world.pupil.group.pk]))
        .content.decode()
    )
    assert "Puffer" not in html


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("teacher", 200),
        ("director", 200),
        ("teacher_other_group", 404),
        ("care_coordinator", 404),
        ("team_leader", 404),
        ("administrator", 404),
        ("parent", 404),
        ("director_other_school", 404),
    ],
)
def test_who_opens_the_class_emergency_sheet(world, login, role, status):
    client = login(world.users[role])
    assert (
        client.get(reverse("pupils:emergency_sheet", args=[world.pupil.group.pk])).status_code
        == status
    )
    assert (
        not AuditEntry.objects.filter(
            action=AuditEntry.Action.ACCESS, actor=world.users[role]
        ).exists()
        or status == 200
    )


def test_the_sheet_takes_the_same_queries_for_a_small_and_a_large_group(
    world, login, contacts, records, django_assert_max_num_queries
):
    client = login(world.users["teacher"])
    url = reverse("pupils:emergency_sheet", args=[world.pupil.group.pk])
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(6):
        pupil = PupilFactory(school=world.pupil.school, group=world.pupil.group)
        guardianship = GuardianshipFactory(pupil=pupil)
        services.emergency_contact_save(
            pupil=pupil, acting_user=world.users["director"], parent_id=guardianship.parent_id
        )
        services.special_record_add(
            pupil=pupil,
            kind="medical",
            content=f"Allergie {n}",
            acting_user=world.users["care_coordinator"],
        )
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    # Each pupil on the sheet writes its one look to the audit log; reading does not grow.
    reads = lambda ctx: [q for q in ctx.captured_queries if not q["sql"].startswith("INSERT")]  # noqa: E731
    assert len(reads(many)) == len(reads(few))


def test_without_a_list_the_sheet_names_the_parents_with_authority(world, login):
    mother, father = world.users["parent"], world.users["parent_information_right"]
    services.parent_contact_update(parent=mother, acting_user=mother, phone_mobile=MOTHER_PHONE)
    services.parent_contact_update(parent=father, acting_user=father, phone_mobile="06-99990000")
    html = (
        login(world.users["teacher"])
        .get(reverse("pupils:emergency_sheet", args=[world.pupil.group.pk]))
        .content.decode()
    )
    assert MOTHER_PHONE in html
    assert "06-99990000" not in html  # no parental authority: not the one to call
    assert not EmergencyContact.objects.exists()  # shown, not recorded
