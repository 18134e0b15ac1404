"""How long the audit log keeps its entries: whole months dropped by the retention sweep.

An entry is kept at least :data:`YEARS` years: the longest that any of a pupil's data is
kept after leaving (the enrolment and absence administration, requests/retention.py), so
that a question in that time about what happened to the data can be answered. Past that,
an entry that describes a pupil still on file (not anonymised) is kept as long as the
pupil's file: who looked at a dossier, and what was changed in it, is kept as long as the
dossier. An entry describes a pupil when it is about the pupil itself, names the pupil
(``additional_data.pupil_id``: the looks at special records, consents, restrictions), or
is about a row that the registry of personal data (schoolprivacy/personal_data.py)
holds about the pupil.

The log is partitioned by month (schoolprivacy/audit_partitions.py): a month goes as a
whole, when it ended at least YEARS years ago and not one of its entries describes a
pupil still on file. The oldest month goes first; the first month still needed ends the
run, as the months after it are as recent (they are looked at again the next night).
Inside the policy the log stays append-only: PostgreSQL refuses every DELETE.
"""

from __future__ import annotations

import datetime
import logging

from django.contrib.contenttypes.models import ContentType
from django.db.models import BigIntegerField, Q
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast

from pupils.models import Pupil
from schoolprivacy import audit, audit_partitions, personal_data
from schoolprivacy.audit_entry import AuditEntry

from .. import retention

logger = logging.getLogger(__name__)

#: The years every entry is kept at least (the longest retention after leaving).
YEARS = max(rule.years for rule in retention.RULES.values())


def expired_months(today: datetime.date) -> list[audit_partitions.Month]:
    """The months of the log that ended at least YEARS years before *today*, oldest first."""
    cutoff = audit_partitions.Month.of(retention.add_years(today, -YEARS))
    return [month for month in audit_partitions.existing() if month.end <= cutoff.first]


def describes_a_pupil_on_file(month: audit_partitions.Month) -> bool:
    """Whether any entry of *month* describes a pupil who is still on file (one query,
    within the month's partition only)."""
    on_file = Pupil.objects.filter(anonymised_at__isnull=True)
    condition = Q(
        content_type=ContentType.objects.get_for_model(Pupil),
        object_id__in=on_file.values("pk"),
    ) | Q(named_pupil__in=on_file.values("pk"))
    seen = set()
    for holding in personal_data.holdings():
        model = holding.model
        if holding.pupil is None or model is Pupil or model in seen:
            continue
        if not audit.registry.contains(model):
            continue
        seen.add(model)
        condition |= Q(
            content_type=ContentType.objects.get_for_model(model),
            object_id__in=model._default_manager.filter(
                **{f"{holding.pupil}__anonymised_at__isnull": True}
            ).values("pk"),
        )
    return (
        AuditEntry.objects.filter(
            timestamp__gte=audit_partitions.bound(month.first),
            timestamp__lt=audit_partitions.bound(month.end),
        )
        .annotate(
            named_pupil=Cast(KeyTextTransform("pupil_id", "additional_data"), BigIntegerField())
        )
        .filter(condition)
        .exists()
    )


def audit_log_prune(today: datetime.date) -> list[audit_partitions.Month]:
    """Drop the months of the audit log that the policy above lets go; the months dropped."""
    dropped = []
    for month in expired_months(today):
        if describes_a_pupil_on_file(month):
            logger.info("Audit log: %s is still needed (a pupil on file)", month.table)
            break
        audit_partitions.drop(month)
        dropped.append(month)
    return dropped
