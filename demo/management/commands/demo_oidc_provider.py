from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo import data
from demo.oidc_provider import Provider


class Command(BaseCommand):
    help = (
        "Run the demo board's local OpenID Connect provider (demo/oidc_provider.py) with "
        "the demo accounts; `make run` starts it. Development only."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument(
            "--app-url", required=True, help="where the app runs: http://127.0.0.1:8000"
        )

    def handle(self, *args, port, app_url, **options):
        if not getattr(settings, "DEMO_DATA_ALLOWED", False):
            raise CommandError("The demo provider is only for local and test databases.")
        app_url = app_url.rstrip("/")
        settings_ = data.OIDC_PROVIDER
        users = [
            {
                "username": username,
                "password": password,
                "sub": f"demo-{username}",
                "email": email,
                "email_verified": True,
                "name": username.capitalize(),
                "mfa": mfa,
            }
            for username, password, email, mfa in data.OIDC_ACCOUNTS
        ]
        clients = [
            {
                "client_id": settings_["client_id"],
                "client_secret": settings_["client_secret"],
                "redirect_uris": [f"{app_url}/sign-in/callback/"],
                "post_logout_redirect_uris": [f"{app_url}/account/login/"],
            }
        ]
        # Not the address itself: `make run` announces the app's address as the one
        # http://127.0.0.1:PORT on its output (README.md).
        Provider(users=users, clients=clients, port=port).serve_forever(
            announce="The demo board's OpenID Connect provider listens on port {port}."
        )
