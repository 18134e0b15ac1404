"""An index for a pupil's dossier history: audit entries carry the pupil's id."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("pupils", "0001_pupil_dossier"),
        ("auditlog", "__latest__"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX auditlog_logentry_pupil_idx "
            "ON auditlog_logentry ((additional_data -> 'pupil_id'));",
            "DROP INDEX IF EXISTS auditlog_logentry_pupil_idx;",
        )
    ]
