from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("schoolprivacy", "0003_notices"),
    ]

    operations = [
        migrations.AddField(
            model_name="notice",
            name="mail_attempts",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="attempts to e-mail"),
        ),
        migrations.AddField(
            model_name="notice",
            name="mail_pending",
            field=models.BooleanField(default=False, verbose_name="e-mail waiting to be sent"),
        ),
        migrations.AddField(
            model_name="notice",
            name="mail_subject",
            field=models.CharField(blank=True, max_length=200, verbose_name="e-mail subject"),
        ),
        migrations.AddField(
            model_name="notice",
            name="mailed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="e-mailed at"),
        ),
        migrations.AddIndex(
            model_name="notice",
            index=models.Index(
                condition=models.Q(("mail_pending", True)),
                fields=["id"],
                name="notice_mail_pending_idx",
            ),
        ),
    ]
