from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from requests import ledger, services
from schoolprivacy import maintenance


class Command(BaseCommand):
    help = (
        "After restoring a backup: erase again what the erasure ledger says was erased "
        "after the backup was made, then open the site again (end maintenance). "
        "Before a restore: --begin checks that this can run here and closes the site."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count, change nothing.")
        parser.add_argument(
            "--check",
            action="store_true",
            help="Only check that the settings, the database and the ledger are usable here.",
        )
        parser.add_argument(
            "--begin",
            action="store_true",
            help="Before a restore: check as --check, then close the site (maintenance).",
        )

    def handle(self, *args, dry_run=False, check=False, begin=False, **options):
        # Loading the settings has already checked the environment (a missing REDIS_URL
        # or key stops before this line), and Django's system checks have run.
        if check or begin:
            self._check()
            if begin:
                flag = maintenance.close("restoring a backup")
                self.stdout.write(f"Site closed for the restore (maintenance flag {flag}).")
            return
        self.stdout.write(f"Erasure ledger: {ledger.path()}")
        report = services.erasures_reapply(dry_run=dry_run)
        verb = "would erase again" if dry_run else "erased again"
        self.stdout.write(
            f"{report.erased_again} {verb}, {report.already_applied} already applied, "
            f"{report.pupil_gone} pupils not in this database, {report.held} under a legal hold."
        )
        if report.held:
            self.stderr.write("Pupils under a legal hold were left as they are: decide by hand.")
        if dry_run:
            return
        ledger.references_keep()
        if maintenance.reopen():
            self.stdout.write("The erasures are applied again: the site is open again.")

    def _check(self):
        problems = []
        try:
            connection.ensure_connection()
        except Exception as error:  # any driver error: say what, not a traceback
            problems.append(f"the database cannot be reached ({type(error).__name__})")
        problems += ledger.problems()
        flag = maintenance.flag()
        if not _writable(flag.parent):
            problems.append(f"the maintenance flag {flag} cannot be written")
        if problems:
            raise CommandError("Not ready for a restore: " + "; ".join(problems) + ".")
        self.stdout.write(
            f"Ready for a restore: database, erasure ledger ({ledger.path()}), "
            f"maintenance flag ({flag})."
        )


def _writable(folder) -> bool:
    """*folder* can be written, or made where it does not exist yet."""
    import os

    while not folder.exists() and folder.parent != folder:
        folder = folder.parent
    return folder.is_dir() and os.access(folder, os.W_OK | os.X_OK)
