"""Re-encrypt encrypted fields with the current key.

The procedure: put the new key first in FIELD_ENCRYPTION_KEYS, keep the old key
second, and deploy that to every process (web, worker, beat); then run this
command until it reports that every value uses the current key; only then remove
the old key (and keep it for as long as a backup sealed with it may be restored).
"""

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from schoolprivacy.services import encryption_rotate


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted field value that is still sealed with an older key "
        "with the first key of FIELD_ENCRYPTION_KEYS. Safe to stop and run again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size",
            type=int,
            default=500,
            help="Rows per transaction (default 500).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Only count what would be re-encrypted; change nothing.",
        )

    def handle(self, *args, batch_size: int, dry_run: bool, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        try:
            report = encryption_rotate(batch_size=batch_size, dry_run=dry_run)
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc

        suffix = " (dry run: nothing is changed)" if dry_run else ""
        self.stdout.write(f"Current key: {report.key_id}{suffix}")
        if not report.fields:
            self.stdout.write("No installed model has encrypted fields.")
        for row in report.fields:
            name = f"{row.model}.{row.field}"
            if dry_run:
                self.stdout.write(
                    f"{name}: {row.remaining} to re-encrypt, {row.already_current} already current"
                )
                continue
            line = f"{name}: {row.reencrypted} re-encrypted, {row.already_current} already current"
            if row.remaining:
                line += f", {row.remaining} still on an older key"
            self.stdout.write(line)

        for item in report.unreadable:
            self.stderr.write(f"Could not decrypt {item}; it keeps its old key.")
        if report.unreadable:
            raise CommandError(
                f"{len(report.unreadable)} value(s) could not be decrypted (altered, or sealed "
                "with a key that is not configured). Keep the older keys until they are resolved."
            )
        if dry_run:
            return
        if report.complete:
            self.stdout.write(
                self.style.SUCCESS(
                    "Every encrypted value uses the current key. Older keys may be removed from "
                    "FIELD_ENCRYPTION_KEYS once no backup you might restore still needs them."
                )
            )
        else:
            self.stdout.write(
                self.style.WARNING(
                    "Some values are still on an older key (their rows were busy). "
                    "Run the command again before removing any key."
                )
            )
