"""Settings for `make run` on a developer's machine.

Secrets come from the ignored `.env` that `make run` generates on first start;
the addresses of the embedded PostgreSQL and Redis from `.local/services.env`,
which the stack writes while it runs.
"""

from pathlib import Path

from .env import load_env_file

_ROOT = Path(__file__).resolve().parent.parent.parent
load_env_file(_ROOT / ".env")
load_env_file(_ROOT / ".local" / "services.env")

from .base import *  # noqa: E402, F403
from .base import MIDDLEWARE  # noqa: E402

# The demo shows the product as it is: its own error pages (templates/404.html, in the
# visitor's language), never Django's debug pages. A server error is still written to
# the console with its traceback (LOGGING: django.request).
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

# Static files: as in production (production.py), WhiteNoise in the application serves
# them, here straight from the apps and static/ (no collectstatic, changes seen at once),
# since runserver serves none without DEBUG.
_AFTER_SECURITY = MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1
MIDDLEWARE = [
    *MIDDLEWARE[:_AFTER_SECURITY],
    "whitenoise.middleware.WhiteNoiseMiddleware",
    *MIDDLEWARE[_AFTER_SECURITY:],
]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEMO_DATA_ALLOWED = True
# A school board's identity provider may be plain http on this machine: the demo
# provider of `make run` and the tests' (signin/outbound.py).
SIGNIN_LOOPBACK_HTTP = True
