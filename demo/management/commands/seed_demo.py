import base64

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo import data
from demo.services import demo_seed


class Command(BaseCommand):
    help = "Load the demo board, schools, staff, pupils, parents and suppliers (idempotent)."

    def handle(self, *args, **options):
        if not getattr(settings, "DEMO_DATA_ALLOWED", False):
            raise CommandError("Demo data is only for local and test databases.")
        report = demo_seed()
        created = ", ".join(f"{n} {kind}" for kind, n in report.created.items() if n)
        self.stdout.write(f"Demo data: {created or 'already complete, nothing created'}.")
        self.stdout.write(f"\nDemo logins (password for all: {data.DEMO_PASSWORD}):")
        width = max(len(email) for email, _, _ in report.logins)
        for email, name, what in report.logins:
            self.stdout.write(f"  {email.ljust(width)}  {name} – {what}")
        self.stdout.write(
            "\nStaff logins also ask for a code (two-step verification): add the key "
            f"{base64.b32encode(bytes.fromhex(data.DEMO_TOTP_KEY)).decode()} to an "
            "authenticator app, or run `.venv/bin/python manage.py demo_code`."
        )
        provider = data.OIDC_PROVIDER["name"]
        for username, password, email, _mfa in data.OIDC_ACCOUNTS:
            self.stdout.write(
                f'\nOr, on the login page, "Inloggen met {provider}" (the local provider '
                f"`make run` starts) as {username} / {password}: {email}, without a code."
            )
