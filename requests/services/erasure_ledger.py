"""The erasure ledger, kept apart from the database (requests/ledger.py): an erasure
written to it once committed, and erased again after a backup is restored.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from pupils import selectors as pupil_selectors
from pupils.models import Pupil
from schoolprivacy.models import User

from .. import ledger
from ..models import ErasureRecord
from .erasing import _erase, _item_keys_of


def _ledger(record: ErasureRecord) -> None:
    """Write the erasure to the ledger file once it is committed (the sweep retries)."""
    transaction.on_commit(lambda: ledger_write(record_id=record.pk), robust=True)


def erasure_of_voluntary_data(*, pupil: Pupil, erased: dict, by: User | None) -> ErasureRecord:
    """Keep the erasure of data whose explicit consent ended (pupils.voluntary) in the
    ledger, so that a restored backup does not bring it back."""
    record = ErasureRecord.objects.create(
        pupil=pupil, source=ErasureRecord.Source.CONSENT, categories=[], erased=erased, by=by
    )
    _ledger(record)
    return record


def ledger_write(*, record_id: int) -> bool:
    """Append one erasure to the ledger file, once."""
    with transaction.atomic():
        record = (
            ErasureRecord.objects.select_for_update(of=("self",))
            .select_related("pupil")
            .filter(pk=record_id, ledgered_at__isnull=True)
            .first()
        )
        if record is None:
            return False
        ledger.append(record)
        record.ledgered_at = timezone.now()
        record.save(update_fields=["ledgered_at"])
    return True


def ledger_catch_up() -> int:
    """Write the erasures whose line is not in the ledger yet (a crash right after a commit)."""
    pending = ErasureRecord.objects.filter(ledgered_at__isnull=True).values_list("pk", flat=True)
    return sum(ledger_write(record_id=pk) for pk in pending)


@dataclass
class ReapplyReport:
    erased_again: int = 0
    already_applied: int = 0
    pupil_gone: int = 0
    held: int = 0
    dry_run: bool = False


def erasures_reapply(*, dry_run: bool = False) -> ReapplyReport:
    """After restoring a backup: erase again what the ledger says was erased after it.

    An erasure the database already knows (by its key) is skipped; one whose pupil is not
    in the restored database has nothing to erase; a legal hold in the restored data is
    reported and left for a person to decide.
    """
    report = ReapplyReport(dry_run=dry_run)
    known = {str(key) for key in ErasureRecord.objects.values_list("key", flat=True)}
    for entry in ledger.entries():
        if entry["key"] in known:
            report.already_applied += 1
            continue
        pupil = Pupil.objects.filter(pk=entry["pupil"], uid=entry["pupil_uid"]).first()
        if pupil is None:
            report.pupil_gone += 1
            continue
        if pupil_selectors.under_legal_hold(pupil):
            report.held += 1
            continue
        report.erased_again += 1
        if dry_run:
            continue
        with transaction.atomic():
            erased, _counts = _erase(
                pupil,
                set(entry["categories"]),
                None,
                item_keys=_item_keys_of(entry["erased"]),
            )
            ErasureRecord.objects.create(
                key=entry["key"],
                pupil=pupil,
                source=ErasureRecord.Source.REAPPLIED,
                categories=entry["categories"],
                erased=erased,
                ledgered_at=timezone.now(),  # its line is the one it came from
            )
        known.add(entry["key"])
    return report
