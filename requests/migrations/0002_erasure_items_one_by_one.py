"""An erasure request names what should go one unit at a time: a category, or one item.

Existing decisions were per category: their key is their category. A request not decided
yet gets its asked categories as units to decide.
"""

import django.contrib.postgres.fields
from django.db import migrations, models


def keys_from_categories(apps, schema_editor):
    """Decided units are keyed by their category; a request still to decide gets its asked
    categories as units (they used to be made at the decision)."""
    ErasureItem = apps.get_model("requests", "ErasureItem")
    DataRequest = apps.get_model("requests", "DataRequest")
    for item in ErasureItem.objects.filter(key=""):
        item.key = item.category
        item.save(update_fields=["key"])
    undecided = DataRequest.objects.filter(
        kind="erasure", status__in=["received", "in_progress"], erasure_items__isnull=True
    )
    for request in undecided:
        for category in request.categories:
            ErasureItem.objects.create(request=request, key=category, category=category)


def nothing(apps, schema_editor):
    """Going back, the key column goes with its rows' meaning: nothing to undo."""


class Migration(migrations.Migration):
    dependencies = [
        ("requests", "0001_data_subject_requests"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="erasureitem", name="erasure_item_once"),
        migrations.RemoveConstraint(model_name="erasureitem", name="erasure_keeping_has_reason"),
        migrations.AddField(
            model_name="erasureitem",
            name="key",
            field=models.CharField(
                default="",
                help_text="A category of data, or one item of it (never its contents).",
                max_length=64,
                verbose_name="what",
            ),
            preserve_default=False,
        ),
        migrations.RunPython(keys_from_categories, nothing),
        migrations.AddField(
            model_name="erasureitem",
            name="item_kind",
            field=models.CharField(blank=True, max_length=32, verbose_name="kind of item"),
        ),
        migrations.AddField(
            model_name="erasureitem",
            name="item_date",
            field=models.DateField(blank=True, null=True, verbose_name="date of the item"),
        ),
        migrations.AddField(
            model_name="erasureitem",
            name="asked",
            field=models.BooleanField(
                default=True,
                help_text="Off for an item the handler decided on within a category asked for.",
                verbose_name="asked by the requester",
            ),
        ),
        migrations.AlterField(
            model_name="erasureitem",
            name="outcome",
            field=models.CharField(
                choices=[
                    ("pending", "to decide"),
                    ("erase", "delete"),
                    ("restrict", "keep, restricted: only stored"),
                    ("keep", "keep (refused)"),
                    ("per_item", "decided item by item"),
                ],
                default="pending",
                max_length=16,
                verbose_name="decision",
            ),
        ),
        migrations.AddConstraint(
            model_name="erasureitem",
            constraint=models.UniqueConstraint(
                fields=("request", "key"), name="erasure_item_once"
            ),
        ),
        migrations.AddConstraint(
            model_name="erasureitem",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("outcome__in", ["pending", "erase", "per_item"]),
                    models.Q(("reason", ""), _negated=True),
                    _connector="OR",
                ),
                name="erasure_keeping_has_reason",
            ),
        ),
        migrations.AddField(
            model_name="recipientnotice",
            name="items",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.CharField(max_length=64),
                blank=True,
                default=list,
                size=None,
                verbose_name="items concerned",
            ),
        ),
    ]
