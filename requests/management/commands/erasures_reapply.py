from django.core.management.base import BaseCommand

from requests import ledger, services


class Command(BaseCommand):
    help = (
        "After restoring a backup: erase again what the erasure ledger says was erased "
        "after the backup was made."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count, change nothing.")

    def handle(self, *args, dry_run=False, **options):
        self.stdout.write(f"Erasure ledger: {ledger.path()}")
        report = services.erasures_reapply(dry_run=dry_run)
        verb = "would erase again" if dry_run else "erased again"
        self.stdout.write(
            f"{report.erased_again} {verb}, {report.already_applied} already applied, "
            f"{report.pupil_gone} pupils not in this database, {report.held} under a legal hold."
        )
        if report.held:
            self.stderr.write("Pupils under a legal hold were left as they are: decide by hand.")
