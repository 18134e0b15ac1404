from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("requests", "0003_declarations_kept_apart"),
    ]

    operations = [
        migrations.AddField(
            model_name="erasurerecord",
            name="request_reference",
            field=models.CharField(
                blank=True, max_length=32, verbose_name="reference of the request"
            ),
        ),
    ]
