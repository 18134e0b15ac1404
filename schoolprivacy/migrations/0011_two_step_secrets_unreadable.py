"""Two-step secrets kept unreadable: authenticator keys encrypted, recovery codes hashed.

django-otp's TOTPDevice and StaticToken kept them in plain text (and its admin showed
every staff member's key). The devices people have are moved into the project's own
models (schoolprivacy/models.py: Authenticator, RecoveryCodes) and removed from
django-otp's tables. Apps already set up keep working; a session verified with an old
device asks for a code once more.
"""

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import schoolprivacy.fields
import schoolprivacy.models


def move_devices(apps, schema_editor):
    from django.conf import settings as live_settings

    from schoolprivacy.encryption import encrypt
    from schoolprivacy.models import RecoveryCodes

    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT user_id, name, confirmed, key, step, t0, digits, tolerance, drift, last_t,"
            " created_at, last_used_at FROM otp_totp_totpdevice"
        )
        for row in cursor.fetchall():
            uid = uuid.uuid4()
            key = encrypt(row[3], context=f"schoolprivacy_authenticator.key.{uid}")
            cursor.execute(
                "INSERT INTO schoolprivacy_authenticator (user_id, name, confirmed, uid, key,"
                " step, t0, digits, tolerance, drift, last_t, created_at, last_used_at,"
                " throttling_failure_timestamp, throttling_failure_count)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, NULL, 0)",
                [row[0], row[1], row[2], uid, key, *row[4:]],
            )
        cursor.execute(
            "SELECT id, user_id, name, confirmed, created_at, last_used_at"
            " FROM otp_static_staticdevice"
        )
        for old_id, *device in cursor.fetchall():
            cursor.execute(
                "INSERT INTO schoolprivacy_recoverycodes (user_id, name, confirmed, created_at,"
                " last_used_at, throttling_failure_timestamp, throttling_failure_count)"
                " VALUES (%s, %s, %s, %s, %s, NULL, 0) RETURNING id",
                device,
            )
            (new_id,) = cursor.fetchone()
            cursor.execute(
                "SELECT token FROM otp_static_statictoken WHERE device_id = %s", [old_id]
            )
            for (token,) in cursor.fetchall():
                digest = RecoveryCodes.digest(token, secret=live_settings.SECRET_KEY)
                cursor.execute(
                    "INSERT INTO schoolprivacy_recoverycode (device_id, digest) VALUES (%s, %s)",
                    [new_id, digest],
                )
        cursor.execute("DELETE FROM otp_static_statictoken")
        cursor.execute("DELETE FROM otp_static_staticdevice")
        cursor.execute("DELETE FROM otp_totp_totpdevice")


class Migration(migrations.Migration):
    dependencies = [
        ("schoolprivacy", "0010_audit_mask_single_fields"),
        ("otp_totp", "0003_add_timestamps"),
        ("otp_static", "0003_add_timestamps"),
    ]

    operations = [
        migrations.CreateModel(
            name="Authenticator",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "name",
                    models.CharField(
                        help_text="The human-readable name of this device.", max_length=64
                    ),
                ),
                (
                    "confirmed",
                    models.BooleanField(default=True, help_text="Is this device ready for use?"),
                ),
                (
                    "throttling_failure_timestamp",
                    models.DateTimeField(
                        blank=True,
                        default=None,
                        help_text="A timestamp of the last failed verification attempt. Null if last attempt succeeded.",
                        null=True,
                    ),
                ),
                (
                    "throttling_failure_count",
                    models.PositiveIntegerField(
                        default=0, help_text="Number of successive failed attempts."
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(
                        auto_now_add=True,
                        help_text="The date and time when this device was initially created in the system.",
                        null=True,
                    ),
                ),
                (
                    "last_used_at",
                    models.DateTimeField(
                        blank=True,
                        help_text="The most recent date and time this device was used.",
                        null=True,
                    ),
                ),
                ("uid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                (
                    "key",
                    schoolprivacy.fields.EncryptedCharField(
                        default=schoolprivacy.models._new_totp_key,
                        max_length=80,
                        verbose_name="secret",
                    ),
                ),
                ("step", models.PositiveSmallIntegerField(default=30)),
                ("t0", models.BigIntegerField(default=0)),
                ("digits", models.PositiveSmallIntegerField(default=6)),
                ("tolerance", models.PositiveSmallIntegerField(default=1)),
                ("drift", models.SmallIntegerField(default=0)),
                ("last_t", models.BigIntegerField(default=-1)),
                (
                    "user",
                    models.ForeignKey(
                        help_text="The user that this device belongs to.",
                        on_delete=django.db.models.deletion.CASCADE,
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "authenticator app",
                "verbose_name_plural": "authenticator apps",
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="RecoveryCodes",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "name",
                    models.CharField(
                        help_text="The human-readable name of this device.", max_length=64
                    ),
                ),
                (
                    "confirmed",
                    models.BooleanField(default=True, help_text="Is this device ready for use?"),
                ),
                (
                    "throttling_failure_timestamp",
                    models.DateTimeField(
                        blank=True,
                        default=None,
                        help_text="A timestamp of the last failed verification attempt. Null if last attempt succeeded.",
                        null=True,
                    ),
                ),
                (
                    "throttling_failure_count",
                    models.PositiveIntegerField(
                        default=0, help_text="Number of successive failed attempts."
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(
                        auto_now_add=True,
                        help_text="The date and time when this device was initially created in the system.",
                        null=True,
                    ),
                ),
                (
                    "last_used_at",
                    models.DateTimeField(
                        blank=True,
                        help_text="The most recent date and time this device was used.",
                        null=True,
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        help_text="The user that this device belongs to.",
                        on_delete=django.db.models.deletion.CASCADE,
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "recovery codes",
                "verbose_name_plural": "recovery codes",
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="RecoveryCode",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("digest", models.CharField(db_index=True, max_length=64)),
                (
                    "device",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="codes",
                        to="schoolprivacy.recoverycodes",
                    ),
                ),
            ],
            options={
                "verbose_name": "recovery code",
                "verbose_name_plural": "recovery codes",
            },
        ),
        migrations.RunPython(move_devices, migrations.RunPython.noop, elidable=False),
    ]
