import base64

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp

from demo import data


class Command(BaseCommand):
    help = "Print the code of the demo authenticator (the second step of every demo staff login)."

    def handle(self, *args, **options):
        if not getattr(settings, "DEMO_DATA_ALLOWED", False):
            raise CommandError("Demo data is only for local and test databases.")
        key = bytes.fromhex(data.DEMO_TOTP_KEY)
        self.stdout.write(f"{totp(key):06d}")
        self.stdout.write(
            f"(valid for 30 seconds; the key for an app: {base64.b32encode(key).decode()})"
        )
