"""Settings shared by every environment. Values that differ come from the environment."""

from pathlib import Path
from typing import Any, Literal

import dj_database_url
from django.utils.translation import gettext_lazy as _

from .env import env_bool, env_int, env_keys, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = env_str("SECRET_KEY")
DEBUG = False
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=[])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.admin",
    "django.forms",
    "django.contrib.postgres",
    "guardian",
    "auditlog",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "django_prometheus",
    "schoolprivacy.apps.CoreConfig",
    "signin.apps.SigninConfig",
    "pupils.apps.PupilsConfig",
    "consents.apps.ConsentsConfig",
    "suppliers.apps.SuppliersConfig",
    "requests.apps.RequestsConfig",
    "sync.apps.SyncConfig",
    "staff.apps.StaffConfig",
    "demo.apps.DemoConfig",
]

MIDDLEWARE = [
    # Requests, answers and latencies for /metrics/ (schoolprivacy/metrics.py): first and last.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "schoolprivacy.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "schoolprivacy.middleware.DutchFirstLocaleMiddleware",
    # During a restore, every request is answered 503 until the erasures are applied again.
    "schoolprivacy.middleware.MaintenanceMiddleware",
    # A NUL or invalid text in the path or query: 400 before any view or query sees it.
    "schoolprivacy.middleware.BadTextMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "schoolprivacy.middleware.SessionLimitsMiddleware",
    "schoolprivacy.middleware.TwoStepMiddleware",
    # A request larger than its view takes: 413 before it is read (schoolprivacy/uploads.py).
    "schoolprivacy.uploads.UploadLimitMiddleware",
    # One submission, one effect: a form posted twice is run once (schoolprivacy/submissions.py).
    "schoolprivacy.submissions.OneSubmissionMiddleware",
    "schoolprivacy.middleware.NoStoreForUsersMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "schoolprivacy.urls"
WSGI_APPLICATION = "schoolprivacy.wsgi.application"
ASGI_APPLICATION = "schoolprivacy.asgi.application"

TEMPLATES: list[dict[str, Any]] = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "schoolprivacy.context_processors.navigation",
            ],
            "builtins": ["schoolprivacy.templatetags.submissions"],
        },
    },
]

# Project templates may override form templates (templates/django/forms/); labels start
# with a capital (schoolprivacy/forms.py).
FORM_RENDERER = "schoolprivacy.forms.FormRenderer"

# --- Database -------------------------------------------------------------
# Each process keeps its connection open between requests (DATABASE_CONN_MAX_AGE), or,
# with DATABASE_POOL_SIZE set, holds a psycopg pool of that many connections that its
# threads share (Django's own pool; then connections are never kept per thread).
# Behind PgBouncer in transaction pooling (DATABASE_BEHIND_PGBOUNCER, compose's web),
# a connection's server changes between transactions: no server-side cursors, and no
# prepared statements (Django's default already).
DATABASE_POOL_SIZE = env_int("DATABASE_POOL_SIZE", 0)
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL"),
        conn_max_age=0 if DATABASE_POOL_SIZE else env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=not DATABASE_POOL_SIZE,
        disable_server_side_cursors=env_bool("DATABASE_BEHIND_PGBOUNCER", False),
    )
}
if DATABASE_POOL_SIZE:
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": DATABASE_POOL_SIZE,
        "timeout": 10,  # seconds a request waits for a free connection before it fails
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis and Celery -----------------------------------------------------
REDIS_URL = env_str("REDIS_URL")

CELERY_BROKER_URL = REDIS_URL
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_IGNORE_RESULT = True
# Reliability (docs/architecture.md, "Deadlines live in PostgreSQL"): a task is
# acknowledged after it ran, and given back to the queue when the worker running it
# dies; one task at a time per process.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
# Long sweeps have a queue and a worker of their own (docker-compose.yml: sweeper), so that
# copies and mail never wait behind them; everything else goes to the default "celery".
CELERY_TASK_ROUTES = {"requests.tasks.sweep_retention": {"queue": "sweeps"}}
# One part of the retention sweep works this long, then queues the next (requests/tasks.py).
RETENTION_PART_SECONDS = 4 * 60
# Longer than the longest task (the 30-minute hard limit), so that Redis does not hand a
# running task to a second worker; a message caught by a worker that was killed is given
# out again after it. A parent's copy does not wait for that: the stale-work sweep makes it
# within three minutes (requests/services/stale_work.py: STALE_AFTER). Short connect and read
# timeouts: a page that hands work over never waits long on a broker that is down or
# frozen (schoolprivacy/tasks.py: enqueue); the read timeout stays above the worker's
# one-second BRPOP.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 35 * 60,
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "Europe/Amsterdam"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- Authentication -------------------------------------------------------
AUTH_USER_MODEL = "schoolprivacy.User"
# Argon2id first; a PBKDF2 hash is still checked, and kept again with Argon2id at the
# next login (schoolprivacy/hashers.py).
PASSWORD_HASHERS = [
    "schoolprivacy.hashers.Argon2idHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTHENTICATION_BACKENDS = [
    # First: refuses a login while the account (or this address) is locked out.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# django-guardian: no anonymous user row; anonymous visitors never hold object
# permissions here.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False
GUARDIAN_RENDER_403 = False

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24
# Mails with a link to choose a new password (services.password_reset_request), counted in
# Redis (schoolprivacy/throttle.py): at most so many per address, and so many requests per
# client (network address, as django-axes sees it), in a window of an hour. Over a limit
# the answer is the same and no mail goes.
PASSWORD_RESET_MAILS_PER_ADDRESS = 3
PASSWORD_RESET_REQUESTS_PER_CLIENT = 10
PASSWORD_RESET_WINDOW = 60 * 60

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "schoolprivacy.validators.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Login protection (django-axes) and two-step verification (django-otp) ------
# Five wrong passwords for one e-mail address from one network address lock that
# combination for 15 minutes (behind the TLS proxy: the account, for 15 minutes).
AXES_FAILURE_LIMIT = 5
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_COOLOFF_TIME = 0.25  # hours
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "schoolprivacy.security.login_username"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
OTP_TOTP_ISSUER = "schoolprivacy"
# Staff must verify a second step before any page; an idle staff session ends, and every
# session ends after an absolute limit (SessionLimitsMiddleware).
STAFF_IDLE_SECONDS = env_int("STAFF_IDLE_SECONDS", 30 * 60)
SESSION_ABSOLUTE_SECONDS = env_int("SESSION_ABSOLUTE_SECONDS", 10 * 60 * 60)

# --- Sessions and cookies -------------------------------------------------
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 8
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SAMESITE: Literal["Lax", "Strict", "None"] = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# --- Language and time ----------------------------------------------------
LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Amsterdam"
# One date format per kind of place, day first in both languages (schoolprivacy/formats/).
FORMAT_MODULE_PATH = ["schoolprivacy.formats"]
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files --------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# Uploads (processor agreements, leaflets, consent forms) live outside the
# static root and are only served through views that check permission.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / ".local" / "media")))
# The erasure ledger lives apart from the database (and from its backups): see requests/ledger.py.
ERASURE_LEDGER_PATH = Path(
    env_str("ERASURE_LEDGER_PATH", str(BASE_DIR / ".local" / "ledger" / "erasures.jsonl"))
)
# Beside the ledger by default (empty): the flag that closes the site during a restore
# (schoolprivacy.middleware.MaintenanceMiddleware), and the log of every notice mail sent
# (services.notices_deliver), so a restored backup neither opens the site before its
# erasures are applied again nor sends a mail a second time.
MAINTENANCE_FLAG_PATH = env_str("MAINTENANCE_FLAG_PATH", "")
SENT_MAIL_LOG_DIR = env_str("SENT_MAIL_LOG_DIR", "")
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# Every upload is counted as it streams in: at the chunk that passes its view's limit the
# request is no longer read, and nothing is stored (schoolprivacy/uploads.py).
FILE_UPLOAD_HANDLERS = [
    "schoolprivacy.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- E-mail ---------------------------------------------------------------
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "schoolprivacy <noreply@schoolprivacy.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_SUBJECT_PREFIX = "[schoolprivacy] "
# The address of this site as people reach it, for links in e-mails.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# --- Encryption at rest ---------------------------------------------------
# Keys for encrypted model fields: the first encrypts, all decrypt.
FIELD_ENCRYPTION_KEYS = env_keys("FIELD_ENCRYPTION_KEYS")
# A separate key for the BSN blind index (HMAC), never used to encrypt.
BSN_HMAC_KEY = env_keys("BSN_HMAC_KEY")[0]

# --- Audit log ------------------------------------------------------------
AUDITLOG_INCLUDE_ALL_MODELS = False
# The entries are django-auditlog's, written in one place (schoolprivacy/audit_entry.py).
AUDITLOG_LOGENTRY_MODEL = "schoolprivacy.AuditEntry"
AUDITLOG_DISABLE_REMOTE_ADDR = False
AUDITLOG_MASK_CALLABLE = "schoolprivacy.audit.mask_completely"
# Changes as text, auditlog's default; schoolprivacy/audit.py writes its entries the same way.
AUDITLOG_STORE_JSON_CHANGES = False

# --- Health ---------------------------------------------------------------
# The beat heartbeat counts as fresh for this long (the beat sends one every
# HEARTBEAT_INTERVAL seconds).
HEARTBEAT_INTERVAL = env_int("HEARTBEAT_INTERVAL", 30)
HEARTBEAT_MAX_AGE = env_int("HEARTBEAT_MAX_AGE", 120)
# The bearer token that shows the details of /health/ (empty: anyone gets only the status).
HEALTH_TOKEN = env_str("HEALTH_TOKEN", "")
# Seconds between beat's deadline sweeps of requests and sends of queued e-mail (read by
# schoolprivacy/celery.py from the same variables, for the beat schedule).
REQUEST_SWEEP_INTERVAL = env_int("REQUEST_SWEEP_INTERVAL", 300)
NOTICE_MAIL_INTERVAL = env_int("NOTICE_MAIL_INTERVAL", 60)

# --- Logging --------------------------------------------------------------
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Request logs can carry query strings; keep them at warnings.
        "django.request": {"level": "WARNING"},
        # A failed login is counted in the database (django-axes), not written to the log.
        "axes": {"level": "WARNING"},
        # The identity provider's addresses carry one-time codes and states (signin/).
        "httpx2": {"level": "WARNING"},
        "httpcore2": {"level": "WARNING"},
        "django.server": {"level": "WARNING" if not env_bool("LOG_REQUESTS", False) else "INFO"},
    },
}
