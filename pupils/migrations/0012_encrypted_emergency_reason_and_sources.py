"""The break-glass reason and a special-category record's source are encrypted.

Both held health facts in plain text ("an epileptic seizure", "the paediatric
neurologist"). Existing rows are encrypted here, bound to their row as the field
binds them (schoolprivacy/fields.py), and the values the audit log copied are masked.
"""

import uuid

from django.db import migrations, models

MASK = "••••••••"  # schoolprivacy/audit.py: MASK
TEXTS = (  # table, column, the model's label for the audit log
    ("pupils_emergencyaccess", "reason", "emergencyaccess"),
    ("pupils_specialrecord", "source_detail", "specialrecord"),
)


def encrypt_existing(apps, schema_editor):
    from schoolprivacy.encryption import encrypt

    with schema_editor.connection.cursor() as cursor:
        # Masking single values in the append-only log (schoolprivacy/migrations/0010).
        cursor.execute("SET LOCAL schoolprivacy.audit_scrub = 'on'")
        cursor.execute("SELECT id FROM pupils_emergencyaccess WHERE uid IS NULL")
        for (pk,) in cursor.fetchall():
            cursor.execute(
                "UPDATE pupils_emergencyaccess SET uid = %s WHERE id = %s", [uuid.uuid4(), pk]
            )
        for table, column, model in TEXTS:
            cursor.execute(f"SELECT id, uid, {column} FROM {table}")  # noqa: S608 (constants)
            for pk, uid, plaintext in cursor.fetchall():
                token = encrypt(plaintext or "", context=f"{table}.{column}.{uid}")
                cursor.execute(f"UPDATE {table} SET {column} = %s WHERE id = %s", [token, pk])  # noqa: S608
            cursor.execute(
                """
                UPDATE auditlog_logentry SET changes = jsonb_set(changes, %s, %s::jsonb)
                 WHERE content_type_id = (SELECT id FROM django_content_type
                                           WHERE app_label = 'pupils' AND model = %s)
                   AND changes ? %s
                """,
                [[column], f'["{MASK}", "{MASK}"]', model, column],
            )
        cursor.execute("SET LOCAL schoolprivacy.audit_scrub = 'off'")


class Migration(migrations.Migration):
    """Adds the uid and encrypts; 0013 then makes the uid required (PostgreSQL refuses
    to alter a table in the transaction that updated its rows)."""

    dependencies = [
        ("pupils", "0011_plausible_text_and_dates"),
        ("auditlog", "0015_alter_logentry_changes"),
        ("schoolprivacy", "0010_audit_mask_single_fields"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AddField(
            model_name="emergencyaccess",
            name="uid",
            field=models.UUIDField(null=True, editable=False),
        ),
        migrations.RunPython(encrypt_existing, migrations.RunPython.noop, elidable=False),
    ]
