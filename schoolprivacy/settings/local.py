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

DEBUG = True
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEMO_DATA_ALLOWED = True
