"""Notice mail survives restores and poison: Message-IDs never repeat, a mail sent before a
restore is not sent again, and one mail that can never go is set aside, not first in line
forever."""

import smtplib

import pytest
from django.core import mail

from schoolprivacy import selectors
from schoolprivacy.models import Notice
from schoolprivacy.services import notice_message_id, notice_queue, notices_deliver
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def queue(user, subject="Een melding", message="Er is iets nieuws."):
    return notice_queue(user=user, subject=subject, message=message, path="/")


def test_a_school_name_with_a_line_break_sets_its_mail_aside_and_the_next_mail_still_goes():
    director = UserFactory(email="directeur@school.example")
    parent = UserFactory(email="ouder@school.example")
    poison = queue(director, subject="Nieuw verzoek bij De Regenboog\r\nBcc: iedereen@example.org")
    good = queue(parent)

    assert notices_deliver() == 1

    poison.refresh_from_db()
    good.refresh_from_db()
    assert [m.to for m in mail.outbox] == [["ouder@school.example"]]
    assert good.mailed_at is not None and not good.mail_pending
    assert not poison.mail_pending and poison.mailed_at is None
    assert poison.mail_failed_at is not None
    assert poison.mail_failure.startswith("BadHeaderError")
    assert "iedereen@example.org" not in poison.mail_failure  # the header is named, not quoted
    assert selectors.mail_set_aside_count() == 1
    # Never tried again: the next sweeps send nothing and keep it aside.
    assert notices_deliver() == 0
    poison.refresh_from_db()
    assert poison.mail_attempts == 1 and len(mail.outbox) == 1


def test_an_address_the_mail_server_refuses_for_good_is_set_aside(monkeypatch):
    from django.core.mail.backends.locmem import EmailBackend

    real = EmailBackend.send_messages

    def refuse(self, messages):
        if any(m.to == ["weg@school.example"] for m in messages):
            raise smtplib.SMTPRecipientsRefused({"weg@school.example": (550, b"no such user")})
        return real(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", refuse)
    gone = queue(UserFactory(email="weg@school.example"))
    queue(UserFactory(email="er@school.example"))

    assert notices_deliver() == 1
    gone.refresh_from_db()
    assert gone.mail_failed_at is not None and not gone.mail_pending
    assert gone.mail_failure == "SMTPRecipientsRefused: 550"


def test_a_network_failure_is_tried_again_and_never_set_aside(monkeypatch):
    from django.core.mail.backends.locmem import EmailBackend

    real = EmailBackend.send_messages
    down = {"yes": True}

    def flaky(self, messages):
        if down["yes"]:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return real(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", flaky)
    notices = [queue(UserFactory()) for _ in range(3)]
    for _ in range(10):  # ten minutes of a mail server that hangs up
        assert notices_deliver() == 0
    assert Notice.objects.filter(mail_pending=True).count() == 3
    assert selectors.mail_set_aside_count() == 0

    down["yes"] = False
    assert notices_deliver() == 3
    assert {m.to[0] for m in mail.outbox} == {n.user.email for n in notices}


def test_message_ids_never_repeat_when_a_restore_hands_out_the_same_row_id_again():
    user, other = UserFactory(), UserFactory()
    before = queue(user)
    first = notice_message_id(before)
    assert notice_message_id(Notice.objects.get(pk=before.pk)) == first  # stable per notice
    pk = before.pk
    before.delete()
    # The restored sequence gives the next notice the same id: another person, another mail.
    again = Notice.objects.create(
        pk=pk, user=other, message="Iets anders.", mail_subject="Anders", mail_pending=True
    )
    assert notice_message_id(again) != first


def test_a_mail_sent_before_a_restore_is_not_sent_again_after_it():
    notice = queue(UserFactory())
    assert notices_deliver() == 1
    assert len(mail.outbox) == 1
    # The backup was made before the mail went: the restore brings the notice back waiting.
    Notice.objects.filter(pk=notice.pk).update(mail_pending=True, mailed_at=None)

    assert notices_deliver() == 0
    notice.refresh_from_db()
    assert len(mail.outbox) == 1
    assert not notice.mail_pending and notice.mailed_at is not None


def test_no_mail_goes_out_while_a_backup_is_restored(settings, tmp_path):
    from schoolprivacy import maintenance

    settings.MAINTENANCE_FLAG_PATH = str(tmp_path / "maintenance")
    notice = queue(UserFactory())
    maintenance.close("test")
    assert notices_deliver() == 0
    maintenance.reopen()
    assert notices_deliver() == 1
    notice.refresh_from_db()
    assert notice.mailed_at is not None


def test_the_technical_administrator_sees_the_set_aside_mails_and_cannot_change_them(client):
    admin = UserFactory(email="admin@school.example", is_staff=True, is_superuser=True)
    admin.save()
    poison = queue(UserFactory(), subject="Kapot\nBcc: x@example.org")
    fine = queue(UserFactory())
    notices_deliver()
    client.force_login(admin)

    listing = client.get("/admin/schoolprivacy/notice/")
    assert listing.status_code == 200
    assert list(listing.context["cl"].queryset) == [Notice.objects.get(pk=poison.pk)]
    assert client.get(f"/admin/schoolprivacy/notice/{fine.pk}/change/").status_code in (302, 404)
    detail = client.get(f"/admin/schoolprivacy/notice/{poison.pk}/change/")
    assert detail.status_code == 200 and b'name="mail_subject"' not in detail.content  # read-only
    assert client.get("/admin/schoolprivacy/notice/add/").status_code == 403
    deleted = client.post(f"/admin/schoolprivacy/notice/{poison.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 403 and Notice.objects.filter(pk=poison.pk).exists()


def test_a_mail_server_that_refuses_every_mail_sets_aside_three_at_most_per_sweep(monkeypatch):
    from django.core.mail.backends.locmem import EmailBackend

    def refuse_all(self, messages):
        raise smtplib.SMTPDataError(550, b"daily sending quota exceeded")

    monkeypatch.setattr(EmailBackend, "send_messages", refuse_all)
    for _ in range(6):
        queue(UserFactory())

    assert notices_deliver() == 0
    assert selectors.mail_set_aside_count() == 3
    assert Notice.objects.filter(mail_pending=True).count() == 3
    assert Notice.objects.filter(mail_failure="SMTPDataError: 550 daily sending quota exceeded")
