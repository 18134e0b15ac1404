"""The audit log's entries become a model of this app (schoolprivacy/audit_entry.py).

The table stays django-auditlog's ``auditlog_logentry``, made by its migrations and made
append-only by 0002, 0005 and 0010 here: this migration only tells Django's state that
``schoolprivacy.AuditEntry`` is that table, and changes nothing in the database. (A new
django-auditlog that alters its table needs the same change made to this model's state;
pyproject.toml keeps django-auditlog within its 3.4 releases for that reason.)
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("schoolprivacy", "0011_two_step_secrets_unreadable"),
        ("auditlog", "__latest__"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AuditEntry",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "object_pk",
                            models.CharField(
                                db_index=True, max_length=255, verbose_name="object pk"
                            ),
                        ),
                        (
                            "object_id",
                            models.BigIntegerField(
                                blank=True, db_index=True, null=True, verbose_name="object id"
                            ),
                        ),
                        ("object_repr", models.TextField(verbose_name="object representation")),
                        ("serialized_data", models.JSONField(null=True)),
                        (
                            "action",
                            models.PositiveSmallIntegerField(
                                choices=[
                                    (0, "create"),
                                    (1, "update"),
                                    (2, "delete"),
                                    (3, "access"),
                                ],
                                db_index=True,
                                verbose_name="action",
                            ),
                        ),
                        (
                            "changes_text",
                            models.TextField(blank=True, verbose_name="change message"),
                        ),
                        ("changes", models.JSONField(null=True, verbose_name="change message")),
                        (
                            "cid",
                            models.CharField(
                                blank=True,
                                db_index=True,
                                max_length=255,
                                null=True,
                                verbose_name="Correlation ID",
                            ),
                        ),
                        (
                            "remote_addr",
                            models.GenericIPAddressField(
                                blank=True, null=True, verbose_name="remote address"
                            ),
                        ),
                        (
                            "remote_port",
                            models.PositiveIntegerField(
                                blank=True, null=True, verbose_name="remote port"
                            ),
                        ),
                        (
                            "timestamp",
                            models.DateTimeField(
                                db_index=True,
                                default=django.utils.timezone.now,
                                verbose_name="timestamp",
                            ),
                        ),
                        (
                            "additional_data",
                            models.JSONField(
                                blank=True, null=True, verbose_name="additional data"
                            ),
                        ),
                        (
                            "actor_email",
                            models.CharField(
                                blank=True, max_length=254, null=True, verbose_name="actor email"
                            ),
                        ),
                        (
                            "actor",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="actor",
                            ),
                        ),
                        (
                            "content_type",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="contenttypes.contenttype",
                                verbose_name="content type",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "log entry",
                        "verbose_name_plural": "log entries",
                        "db_table": "auditlog_logentry",
                        "ordering": ["-timestamp"],
                        "get_latest_by": "timestamp",
                        "abstract": False,
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
