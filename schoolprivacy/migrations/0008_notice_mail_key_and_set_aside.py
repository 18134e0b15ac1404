"""Notice mails get a key of their own for the Message-ID (a restored backup repeats row
ids), and a mail that fails for a reason other than the network is set aside."""

import uuid

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("schoolprivacy", "0007_form_submissions"),
    ]

    operations = [
        migrations.AddField(
            model_name="notice",
            name="mail_key",
            field=models.UUIDField(editable=False, null=True, verbose_name="e-mail key"),
        ),
        # One statement however many notices there are (gen_random_uuid: PostgreSQL 13+).
        migrations.RunSQL(
            "UPDATE schoolprivacy_notice SET mail_key = gen_random_uuid() WHERE mail_key IS NULL",
            migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name="notice",
            name="mail_key",
            field=models.UUIDField(
                default=uuid.uuid4, editable=False, unique=True, verbose_name="e-mail key"
            ),
        ),
        migrations.AddField(
            model_name="notice",
            name="mail_failed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="e-mail set aside at"),
        ),
        migrations.AddField(
            model_name="notice",
            name="mail_failure",
            field=models.CharField(
                blank=True, max_length=300, verbose_name="why the e-mail failed"
            ),
        ),
        migrations.AddIndex(
            model_name="notice",
            index=models.Index(
                condition=models.Q(("mail_failed_at__isnull", False)),
                fields=["mail_failed_at"],
                name="notice_mail_set_aside_idx",
            ),
        ),
    ]
