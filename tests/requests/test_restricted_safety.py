"""A restriction or an objection never puts a child at risk: the records a child's safety
needs (medical information, medication, protocols) stay with the staff who need them,
marked restricted, and every look asks a reason that is kept and logged (GDPR Art. 18(2),
6(1)(d), 9(2)(c)); everything else the hold covers stays hidden."""

import pytest
from django.urls import reverse

from pupils.models import RestrictedAccess, SpecialRecord
from requests import services
from requests.models import DataRequest, ErasureItem
from requests.services import CategoryDecision
from schoolprivacy.audit_entry import AuditEntry

from .conftest import submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(world):
    author = world.users["care_coordinator"]
    return {
        "protocol": SpecialRecord.objects.create(
            pupil=world.pupil,
            author=author,
            kind=SpecialRecord.Kind.PROTOCOL,
            content="Epilepsieprotocol: bij een aanval van meer dan 5 minuten 112 bellen.",
        ),
        "diagnosis": SpecialRecord.objects.create(
            pupil=world.pupil,
            author=author,
            kind=SpecialRecord.Kind.DIAGNOSIS,
            content="Diagnose dyslexie.",
        ),
    }


def special_page(client, pupil, **post):
    url = reverse("pupils:special", args=[pupil.pk])
    return client.post(url, post) if post else client.get(url)


def looks(pupil):
    return list(
        AuditEntry.objects.filter(
            object_id=pupil.pk,
            action=AuditEntry.Action.ACCESS,
            changes__viewed__0__startswith="restricted",
        )
    )


@pytest.mark.parametrize("kind", ["objection", "restriction"])
def test_the_teacher_still_opens_the_protocol_with_a_reason_during_a_hold(
    world, records, login, kind
):
    """Reproduced: after an objection to the special categories the teacher got a 404 on the
    pupil's epilepsy protocol."""
    submit(world, kind, categories=["special"])
    teacher = login(world.users["teacher"])

    page = special_page(teacher, world.pupil)
    assert page.status_code == 200
    text = page.content.decode()
    assert "sp-restricted" in text  # the banner, with the form that asks why
    assert "112 bellen" not in text  # not without a reason
    assert "dyslexie" not in text  # not a safety record: hidden while the hold lasts
    assert looks(world.pupil) == []

    opened = special_page(teacher, world.pupil, reason="Daan heeft nu een aanval in de klas.")
    text = opened.content.decode()
    assert "112 bellen" in text and "sp-badge--restricted" in text
    assert "dyslexie" not in text
    look = RestrictedAccess.objects.get()
    assert (look.user, look.pupil, look.kinds) == (
        world.users["teacher"],
        world.pupil,
        ["protocol"],
    )
    assert look.reason == "Daan heeft nu een aanval in de klas."
    assert len(looks(world.pupil)) == 1

    # The next look asks again.
    assert "112 bellen" not in special_page(teacher, world.pupil).content.decode()


def test_a_look_without_a_reason_opens_nothing_and_records_nothing(world, records, login):
    submit(world, "objection", categories=["special"])
    teacher = login(world.users["teacher"])
    page = special_page(teacher, world.pupil, reason="  ")
    assert "112 bellen" not in page.content.decode()
    assert RestrictedAccess.objects.count() == 0 and looks(world.pupil) == []


def test_the_reason_is_stored_encrypted(world, records, login):
    from django.db import connection

    submit(world, "restriction", categories=["special"])
    special_page(login(world.users["teacher"]), world.pupil, reason="Aanval in de gymzaal.")
    with connection.cursor() as cursor:
        cursor.execute("SELECT reason FROM pupils_restrictedaccess")
        (stored,) = cursor.fetchone()
    assert "gymzaal" not in stored


def test_without_a_hold_the_teacher_reads_the_protocol_at_once(world, records, login):
    text = special_page(login(world.users["teacher"]), world.pupil).content.decode()
    assert "112 bellen" in text and "sp-restricted" not in text


def test_the_care_coordinator_keeps_only_the_safety_records_during_a_restriction(
    world, records, login
):
    submit(world, "restriction", categories=["special"])
    client = login(world.users["care_coordinator"])
    text = special_page(client, world.pupil, reason="Medicatie controleren.").content.decode()
    assert "112 bellen" in text
    assert "dyslexie" not in text
    # Recording: a new safety record still can be made (a medication changes), nothing else.
    form = client.get(reverse("pupils:special_add", args=[world.pupil.pk])).content.decode()
    assert 'value="medication"' in form and 'value="diagnosis"' not in form


def test_the_parent_is_told_before_submitting_what_stays_visible(world, login):
    client = login(world.users["parent"])
    for kind in ("objection", "restriction"):
        page = client.get(reverse("requests:portal_new", args=[world.pupil.pk, kind]))
        text = page.content.decode()
        assert "sp-stays-visible" in text, kind


def test_a_safety_record_kept_restricted_at_an_erasure_is_guarded_not_hidden(
    world, records, login
):
    """The director keeps the protocol restricted instead of deleting it: teachers still
    open it with a reason; the diagnosis, restricted the same way, is hidden."""
    request = submit(
        world,
        "erasure",
        item_keys=[f"special:{records['protocol'].pk}", f"special:{records['diagnosis'].pk}"],
    )
    keep = "Het protocol is nodig voor de veiligheid van het kind."
    services.erasure_decide(
        data_request=request,
        decisions={
            f"special:{records['protocol'].pk}": CategoryDecision(
                ErasureItem.Outcome.RESTRICT, keep
            ),
            f"special:{records['diagnosis'].pk}": CategoryDecision(
                ErasureItem.Outcome.RESTRICT, "We bewaren dit tot het einde van het jaar."
            ),
        },
        acting_user=world.users["director"],
    )
    assert DataRequest.objects.get(pk=request.pk).status != DataRequest.Status.REFUSED
    care = login(world.users["care_coordinator"])
    text = special_page(care, world.pupil).content.decode()
    assert "sp-restricted" in text and "112 bellen" not in text and "dyslexie" not in text
    text = special_page(care, world.pupil, reason="Controle van het protocol.").content.decode()
    assert "112 bellen" in text and "dyslexie" not in text
    # The parent still sees both.
    parent = login(world.users["parent"]).get(reverse("portal:child", args=[world.pupil.pk]))
    assert "112 bellen" in parent.content.decode() and "dyslexie" in parent.content.decode()
