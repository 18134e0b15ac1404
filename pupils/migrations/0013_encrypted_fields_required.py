import uuid

import django.core.validators
from django.db import migrations, models

import schoolprivacy.fields
import schoolprivacy.validators


class Migration(migrations.Migration):
    dependencies = [("pupils", "0012_encrypted_emergency_reason_and_sources")]

    operations = [
        migrations.AlterField(
            model_name="emergencyaccess",
            name="uid",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
        migrations.AlterField(
            model_name="emergencyaccess",
            name="reason",
            field=schoolprivacy.fields.EncryptedTextField(
                validators=[django.core.validators.MaxLengthValidator(1000)],
                verbose_name="reason",
            ),
        ),
        migrations.AlterField(
            model_name="specialrecord",
            name="source_detail",
            field=schoolprivacy.fields.EncryptedCharField(
                blank=True,
                max_length=200,
                validators=[schoolprivacy.validators.validate_one_line],
                verbose_name="source details",
            ),
        ),
    ]
