# A field set or a privacy document of one school, beside those of the whole board.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("schoolprivacy", "0003_notices"),
        ("suppliers", "0003_plausible_text_and_dates"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="fieldset",
            name="field_set_one_per_day",
        ),
        migrations.RemoveConstraint(
            model_name="privacydocument",
            name="privacy_document_version_unique",
        ),
        migrations.AddField(
            model_name="fieldset",
            name="school",
            field=models.ForeignKey(
                blank=True,
                help_text="Empty: for every school of the school board.",
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="schoolprivacy.school",
                verbose_name="school",
            ),
        ),
        migrations.AddField(
            model_name="privacydocument",
            name="school",
            field=models.ForeignKey(
                blank=True,
                help_text="Empty: for every school of the school board.",
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="schoolprivacy.school",
                verbose_name="school",
            ),
        ),
        migrations.AddConstraint(
            model_name="fieldset",
            constraint=models.UniqueConstraint(
                condition=models.Q(("school__isnull", True)),
                fields=("supplier", "valid_from"),
                name="field_set_one_per_day",
                violation_error_message="There is already a field set from this date.",
            ),
        ),
        migrations.AddConstraint(
            model_name="fieldset",
            constraint=models.UniqueConstraint(
                condition=models.Q(("school__isnull", False)),
                fields=("supplier", "school", "valid_from"),
                name="field_set_one_per_day_per_school",
                violation_error_message="There is already a field set from this date.",
            ),
        ),
        migrations.AddConstraint(
            model_name="privacydocument",
            constraint=models.UniqueConstraint(
                condition=models.Q(("school__isnull", True)),
                fields=("board", "kind", "version"),
                name="privacy_document_version_unique",
                violation_error_message="This version of the document has been published before.",
            ),
        ),
        migrations.AddConstraint(
            model_name="privacydocument",
            constraint=models.UniqueConstraint(
                condition=models.Q(("school__isnull", False)),
                fields=("school", "kind", "version"),
                name="privacy_document_version_unique_per_school",
                violation_error_message="This version of the document has been published before.",
            ),
        ),
    ]
