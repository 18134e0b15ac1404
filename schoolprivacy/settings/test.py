"""Settings for the test suite: real PostgreSQL and Redis, fixed throw-away keys."""

import os
import tempfile
from pathlib import Path

# Test-only values, never used outside the suite. Real deployments get theirs
# from the environment (production.py refuses to start without them).
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-any-real-deployment-0123456789")
os.environ.setdefault(
    "FIELD_ENCRYPTION_KEYS",
    "dGVzdC1vbmx5LWZpZWxkLWtleS0xLTMyYnl0ZXMhISE=,dGVzdC1vbmx5LWZpZWxkLWtleS0yLTMyYnl0ZXMhISE=",
)
os.environ.setdefault("BSN_HMAC_KEY", "dGVzdC1vbmx5LWhtYWMta2V5LTMyLWJ5dGVzLWxvbmc=")

from .base import *  # noqa: F403

DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# A test that runs a real worker process points its e-mail at an SMTP server of its own.
if os.environ.get("TEST_SMTP_PORT"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = "127.0.0.1"
    EMAIL_PORT = int(os.environ["TEST_SMTP_PORT"])
    EMAIL_USE_TLS = False
    EMAIL_TIMEOUT = 120
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DEMO_DATA_ALLOWED = True
# A school board's identity provider may be plain http on this machine: the demo
# provider of `make run` and the tests' (signin/outbound.py).
SIGNIN_LOOPBACK_HTTP = True
# Each run writes its own erasure ledger (the restore test reads it).
ERASURE_LEDGER_PATH = (
    Path(os.environ.get("ERASURE_LEDGER_PATH") or tempfile.mkdtemp(prefix="ledger-"))
    / "erasures.jsonl"
)
# A test-only app with a model that uses the encrypted fields (tables made by syncdb).
INSTALLED_APPS = [*INSTALLED_APPS, "tests.encryption"]  # noqa: F405

# Tasks run in the test process; tests/core/test_celery.py switches this off to
# prove the round trip through Redis and a real worker.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
# A worker a test starts may sweep one pupil a part (tests/requests/test_retention_worker.py).
RETENTION_PART_SECONDS = int(os.environ.get("RETENTION_PART_SECONDS", 4 * 60))
