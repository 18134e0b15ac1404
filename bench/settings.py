"""Settings for the benchmark: the production middleware and URLs, plus the floor views.

Throw-away keys as in the test settings (the data is synthetic and dropped on the
next run); tasks run in the process (the bench calls them directly); e-mail stays
in memory. Everything else, above all MIDDLEWARE, is what production runs.
"""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-any-real-deployment-0123456789")
os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "YmVuY2gtb25seS1maWVsZC1rZXktMzItYnl0ZXMhISE=")
os.environ.setdefault("BSN_HMAC_KEY", "YmVuY2gtb25seS1obWFjLWtleS0zMi1ieXRlcyEhISE=")

from schoolprivacy.settings.base import *  # noqa: F403
from schoolprivacy.settings.base import BASE_DIR, TEMPLATES

DEBUG = False
# testserver for the test client, the loopback address for gunicorn (bench/throughput.py).
ALLOWED_HOSTS = ["testserver", "127.0.0.1"]
# The production URLs with the floor views of the bench in front (bench/urls.py):
# the floor views exist only here, never in schoolprivacy.urls.
ROOT_URLCONF = "bench.urls"
TEMPLATES[0]["DIRS"] = [*TEMPLATES[0]["DIRS"], BASE_DIR / "bench" / "templates"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
_SCRATCH = Path(tempfile.mkdtemp(prefix="schoolprivacy-bench-"))
MEDIA_ROOT = _SCRATCH / "media"
ERASURE_LEDGER_PATH = _SCRATCH / "ledger" / "erasures.jsonl"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
