"""The second step's secrets are unreadable at rest: the authenticator's key is encrypted,
recovery codes are kept as keyed hashes, and the technical admin sees neither."""

import pytest
from django.db import connection
from django.urls import reverse

from demo import data
from schoolprivacy.models import Authenticator, RecoveryCode, RecoveryCodes, User
from schoolprivacy.services import recovery_codes_issue, two_step_device_new
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def column(table: str, name: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {name} FROM {table}")  # noqa: S608 (constants)
        return [value for (value,) in cursor.fetchall()]


def test_the_authenticator_key_is_encrypted_at_rest():
    device = two_step_device_new(user=UserFactory())
    key = Authenticator.objects.get(pk=device.pk).key
    assert len(bytes.fromhex(key)) == 20
    stored = column("schoolprivacy_authenticator", "key")
    assert stored and key not in stored[0] and key.upper() not in stored[0]


def test_recovery_codes_are_stored_as_hashes_and_work_once():
    user = UserFactory()
    codes = recovery_codes_issue(user=user)
    assert len(set(codes)) == 10
    stored = " ".join(column("schoolprivacy_recoverycode", "digest"))
    for code in codes:
        assert code not in stored and code.replace("-", "") not in stored
    device = RecoveryCodes.objects.get(user=user)
    # Typed with capitals and without the dash, as people do.
    assert device.verify_token(codes[3].upper().replace("-", ""))
    assert not device.verify_token(codes[3])
    assert RecoveryCode.objects.filter(device=device).count() == 9


def test_new_codes_replace_the_old_ones():
    user = UserFactory()
    old = recovery_codes_issue(user=user)
    recovery_codes_issue(user=user)
    device = RecoveryCodes.objects.get(user=user)
    device.throttle_reset()
    assert not device.verify_token(old[0])


def test_the_technical_admin_sees_who_has_a_device_never_its_secret(client, demo):
    admin = User.objects.get(email=data.TECHNICAL_ADMIN[0])
    client.force_login(admin)
    teacher = Authenticator.objects.exclude(user=admin).select_related("user").first()
    listing = client.get(reverse("admin:schoolprivacy_authenticator_changelist"))
    assert listing.status_code == 200 and teacher.user.full_name in listing.content.decode()
    page = client.get(reverse("admin:schoolprivacy_authenticator_change", args=[teacher.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert teacher.key not in html and teacher.key.upper() not in html
    assert 'name="key"' not in html
    # django-otp's own pages, which showed every key, are gone.
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 404
    assert client.get("/admin/otp_static/staticdevice/").status_code == 404
