"""GDPR Art. 19 for an import's corrections: the suppliers and recipients that receive a
corrected name (by their dated field sets) are told; the school records the others."""

import io

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from sync import notices, services
from sync.models import ChangeNotice, ImportRun

from .files import P, edexml

pytestmark = pytest.mark.django_db


def import_(world, pupil, last_name, django_capture_on_commit_callbacks):
    row = P(
        "K1",
        last_name,
        pupil.first_name,
        prefix=pupil.name_prefix,
        birth=pupil.date_of_birth.isoformat(),
        gender={"m": "1", "f": "2"}.get(pupil.gender, "0"),
        bsn=pupil.bsn or "",
        group="",
    )
    data = edexml([row], brin=pupil.school.brin)
    admin = world.users["administrator"]
    run = services.edexml_preview(
        school=pupil.school, stream=io.BytesIO(data), size=len(data), acting_user=admin
    )
    services.import_confirm(run=run, acting_user=admin, leavers_confirmed=True)
    with django_capture_on_commit_callbacks(execute=True):
        return services.import_apply(run_id=run.pk)


def test_a_corrected_name_is_told_to_those_who_receive_it(
    world, receivers, django_capture_on_commit_callbacks
):
    pupil = world.pupil
    old = pupil.last_name
    run = import_(world, pupil, old + "-Verbeterd", django_capture_on_commit_callbacks)
    assert run.status == ImportRun.Status.DONE
    told = {n.receiver_name: n for n in ChangeNotice.objects.filter(run=run)}
    # Gynzy and DUO receive the last name; SKOOL only the first name and group.
    assert set(told) == {"Gynzy", "DUO"}
    assert told["Gynzy"].status == ChangeNotice.Status.SENT and not told["Gynzy"].body
    [message] = mail.outbox
    assert message.to == ["privacy@gynzy.example"]
    assert old in message.body and f"{old}-Verbeterd" in message.body
    assert told["DUO"].status == ChangeNotice.Status.PENDING and told["DUO"].body


def test_the_school_records_how_a_recipient_without_address_was_told(
    world, receivers, login, django_capture_on_commit_callbacks
):
    run = import_(world, world.pupil, "Anders", django_capture_on_commit_callbacks)
    duo = ChangeNotice.objects.get(run=run, receiver_name="DUO")
    teacher = login(world.users["teacher"])
    response = teacher.post(reverse("sync:notice_settle", args=[duo.pk]), {"done": "1"})
    assert response.status_code == 404
    assert ChangeNotice.objects.get(pk=duo.pk).status == ChangeNotice.Status.PENDING
    with pytest.raises(ValidationError):
        notices.notice_settle(
            notice=duo, done=False, note=" ", acting_user=world.users["administrator"]
        )
    client = login(world.users["director"])
    page = client.get(reverse("sync:run", args=[run.pk])).content.decode()
    assert "DUO" in page
    client.post(reverse("sync:notice_settle", args=[duo.pk]), {"done": "1", "note": "Via BRON"})
    duo.refresh_from_db()
    assert duo.status == ChangeNotice.Status.DONE and duo.note == "Via BRON" and not duo.body
    assert duo.done_by == world.users["director"]
    with pytest.raises(PermissionDenied):
        notices.notice_settle(
            notice=duo, done=True, note="", acting_user=world.users["director_other_school"]
        )


def test_a_first_import_that_only_gives_keys_tells_nobody(
    world, receivers, django_capture_on_commit_callbacks
):
    import_(world, world.pupil, world.pupil.last_name, django_capture_on_commit_callbacks)
    assert not ChangeNotice.objects.exists()
    assert mail.outbox == []
