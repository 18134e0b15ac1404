"""Import a school's pupils, groups and teachers from its EDEXML export, or its parents.

    python manage.py import_pupils EDEX.XML --school 99RB [--dry-run]
    python manage.py import_pupils verzorgers.csv --parents --school 99RB [--dry-run]

With --parents the file is the administration's CSV export of the parents and guardians,
read with the columns the school set in the pages (or, the first time, the columns whose
names are recognised). Imported parents are not invited: that is done in the pages.

Reads the export, reports what it would change, and (without --dry-run) applies it.
Ends with one line: created N, updated N, unchanged N, left N, errors N (pupils).
--dry-run always reads to the end, reports everything, changes nothing, and exits 0
unless the file itself cannot be used.
"""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from schoolprivacy.models import Membership, Role, School, User
from sync import selectors, services
from sync.models import ImportLine, ImportRun


class _DryRun(Exception):
    pass


class Command(BaseCommand):
    help = "Import pupils, groups and teachers from an EDEXML export (EDEX.XML)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="The EDEXML export.")
        parser.add_argument("--school", required=True, help="The school's BRIN code.")
        parser.add_argument("--dry-run", action="store_true", help="Report, change nothing.")
        parser.add_argument(
            "--parents", action="store_true", help="The file is the parents export (CSV)."
        )
        parser.add_argument(
            "--user",
            help="The e-mail of who imports (audit log); default: the school's administrator.",
        )
        parser.add_argument(
            "--confirm-leavers",
            action="store_true",
            help="Apply even when more than 10%% of the pupils would leave at once.",
        )
        parser.add_argument(
            "--apply-valid-rest",
            action="store_true",
            help="Apply the valid lines when some lines cannot be used.",
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path} is not a file.")
        school = School.objects.filter(brin__iexact=options["school"]).first()
        if school is None:
            raise CommandError(f"No school with BRIN code {options['school']}.")
        user = self._user(school, options["user"])
        try:
            with transaction.atomic():
                with path.open("rb") as stream:
                    run = self._preview(school, stream, path.stat().st_size, user, options)
                self._report(run)
                if options["dry_run"]:
                    raise _DryRun
        except _DryRun:
            if run.status == ImportRun.Status.REFUSED:
                raise CommandError(run.refused_reason) from None
            self.stdout.write(self._summary(run) + " (dry run: nothing changed)")
            return
        if run.status == ImportRun.Status.REFUSED:
            raise CommandError(run.refused_reason)
        try:
            services.import_confirm(
                run=run,
                acting_user=user,
                leavers_confirmed=options["confirm_leavers"],
                errors_confirmed=options["apply_valid_rest"],
            )
        except ValidationError as error:
            run.delete()
            raise CommandError(" ".join(error.messages)) from None
        run = services.import_apply(run_id=run.pk)
        self.stdout.write(self._summary(run))

    def _preview(self, school, stream, size, user, options) -> ImportRun:
        if not options["parents"]:
            return services.edexml_preview(
                school=school, stream=stream, size=size, acting_user=user
            )
        run = services.parents_upload(school=school, stream=stream, size=size, acting_user=user)
        if run.status != ImportRun.Status.MAPPING:
            return run
        header = services.pending_header(run)
        try:
            return services.column_mapping_save(
                run=run, mapping=selectors.proposed_mapping(run, header), acting_user=user
            )
        except ValidationError as error:
            absent = ", ".join(sorted(error.message_dict))
            raise CommandError(
                f"Which column holds {absent} is not known: set the columns once in the pages "
                "(Pupil administration → Parents and guardians)."
            ) from None

    def _user(self, school, email) -> User:
        if email:
            user = User.objects.filter(email__iexact=email, is_active=True).first()
            if user is None:
                raise CommandError(f"No active account {email}.")
            return user
        for role in (Role.ADMINISTRATOR, Role.DIRECTOR):
            membership = (
                Membership.objects.filter(school=school, role=role, user__is_active=True)
                .select_related("user")
                .order_by("pk")
                .first()
            )
            if membership is not None:
                return membership.user
        raise CommandError("The school has no administrator or director: give --user.")

    def _report(self, run) -> None:
        if run.status == ImportRun.Status.REFUSED:
            self.stderr.write(run.refused_reason)
            return
        counts = run.counts
        self.stdout.write(
            f"groups: new {counts.get('groups_new', 0)}, changed {counts.get('groups_changed', 0)}"
        )
        self.stdout.write(
            f"teachers: new {counts.get('teachers_new', 0)}, "
            f"changed {counts.get('teachers_changed', 0)}"
        )
        for line in run.lines.filter(kind=ImportLine.Kind.ERROR).order_by("line"):
            self.stdout.write(f"line {line.line}: {line.message}")
        if run.leavers_guarded:
            self.stdout.write(
                f"{counts['leaving']} of {run.current_pupils} pupils would leave at once: "
                "the import stops unless --confirm-leavers is given."
            )

    def _summary(self, run) -> str:
        counts = run.counts
        return (
            f"created {counts.get('new', 0)}, "
            f"updated {counts.get('updated', counts.get('changed', 0))}, "
            f"unchanged {counts.get('unchanged', 0)}, left {counts.get('leaving', 0)}, "
            f"errors {counts.get('errors', 0)}"
        )
