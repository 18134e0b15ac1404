"""The Celery app. Broker: Redis. Settings: CELERY_* in Django settings.

Deadlines live in PostgreSQL; beat only starts short, idempotent sweeps.
Run exactly one beat. Tasks take ids only (see ``IdOnlyTask``).
"""

import logging
import os
import uuid
from datetime import timedelta

from celery import Celery, Task
from celery.schedules import crontab
from celery.signals import beat_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "schoolprivacy.settings.local")
logger = logging.getLogger(__name__)


class IdOnlyTask(Task):
    """Refuses arguments other than ids, so that personal data never sits in the broker.

    While a backup is restored (schoolprivacy/maintenance.py) no task runs: the database
    may be half restored, or hold what was erased until the ledger is applied again.
    Nothing is lost by skipping: every piece of work is a row in PostgreSQL that a beat
    sweep picks up once the site is open again (the daily ones on their next day).
    """

    _ALLOWED = (int, uuid.UUID)

    def __call__(self, *args, **kwargs):
        from schoolprivacy import maintenance

        if maintenance.is_on():
            logger.warning("%s skipped: the site is in maintenance (a restore)", self.name)
            return None
        return super().__call__(*args, **kwargs)

    def apply_async(self, args=None, kwargs=None, **options):
        for value in [*(args or ()), *(kwargs or {}).values()]:
            if isinstance(value, bool) or not isinstance(value, self._ALLOWED):
                raise TypeError(f"Task {self.name} takes ids only; got a {type(value).__name__}.")
        return super().apply_async(args, kwargs, **options)


app = Celery("schoolprivacy", task_cls=IdOnlyTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # One submission, one effect: the keys of posted forms are kept two days.
    "forget-submissions": {
        "task": "schoolprivacy.tasks.forget_submissions",
        "schedule": crontab(hour=3, minute=15),
        "options": {"expires": 12 * 60 * 60},
    },
    # The audit log is partitioned by month (schoolprivacy/audit_partitions.py): the
    # partitions of the coming months are made ahead.
    "audit-partitions": {
        "task": "schoolprivacy.tasks.make_audit_partitions",
        "schedule": crontab(hour=3, minute=5),
        "options": {"expires": 12 * 60 * 60},
    },
    "supplier-reminders": {
        "task": "suppliers.tasks.sweep_supplier_reminders",
        "schedule": crontab(hour=7, minute=0),
        "options": {"expires": 12 * 60 * 60},
    },
    # Art. 33: the privacy officer is warned 24 hours before and when 72 hours pass.
    "breach-deadlines": {
        "task": "suppliers.tasks.sweep_breach_deadlines",
        "schedule": timedelta(minutes=10),
        "options": {"expires": 9 * 60},
    },
    # The e-mail outbox of notices: queued in PostgreSQL, sent at least once.
    "notice-mail": {
        "task": "schoolprivacy.tasks.deliver_notice_mail",
        "schedule": timedelta(seconds=int(os.environ.get("NOTICE_MAIL_INTERVAL", "60"))),
        "options": {"expires": 50},
    },
    # Copies and notices whose task was lost (a killed worker, Redis emptied): made again
    # within three minutes (requests/services/stale_work.py: STALE_AFTER).
    "stale-work": {
        "task": "requests.tasks.resume_stale_work",
        "schedule": timedelta(seconds=60),
        "options": {"expires": 50},
    },
    # GDPR Art. 12(3): reminders 7 and 2 days before a request's due date, escalation when
    # overdue, a warning when an extension must be decided. Short, idempotent, catches up.
    "request-deadlines": {
        "task": "requests.tasks.sweep_request_deadlines",
        "schedule": timedelta(seconds=int(os.environ.get("REQUEST_SWEEP_INTERVAL", "300"))),
        "options": {"expires": 240},
    },
    # Retention (leave date + 2, 3 or 5 years), daily at night; a legal hold stops it.
    "retention": {
        "task": "requests.tasks.sweep_retention",
        "schedule": crontab(hour=2, minute=30),
        "options": {"expires": 12 * 60 * 60},
    },
    # At 18 parental authority ends (Civil Code 1:233): told 30 days before, carried out on
    # the birthday, early in the day; a run after an outage catches up.
    "adulthood": {
        "task": "pupils.tasks.sweep_adulthood",
        "schedule": crontab(hour=0, minute=5),
        "options": {"expires": 12 * 60 * 60},
    },
    # Religion only while explicit consent stands (GDPR Art. 9(2)(a)): a withdrawal deletes it
    # at once; this catches consent that ended otherwise (the pupil turned 16, a new text).
    "voluntary-data": {
        "task": "pupils.tasks.sweep_voluntary_data",
        "schedule": crontab(hour=2, minute=15),
        "options": {"expires": 12 * 60 * 60},
    },
    # Invitations and break-glass reports whose task was lost (a broker outage).
    "unsent": {
        "task": "pupils.tasks.sweep_unsent",
        "schedule": timedelta(minutes=5),
        "options": {"expires": 240},
    },
    # What was read for an import nobody confirmed is removed after two weeks.
    "stale-imports": {
        "task": "sync.tasks.sweep_stale_imports",
        "schedule": crontab(hour=3, minute=0),
        "options": {"expires": 12 * 60 * 60},
    },
    # Sign-ins through a board's provider are kept a year (signin/services.py), then go.
    "sign-in-attempts": {
        "task": "signin.tasks.forget_old_attempts",
        "schedule": crontab(hour=3, minute=30),
        "options": {"expires": 12 * 60 * 60},
    },
    "heartbeat": {
        "task": "schoolprivacy.tasks.record_heartbeat",
        "schedule": timedelta(seconds=int(os.environ.get("HEARTBEAT_INTERVAL", "30"))),
        # A missed heartbeat is not worth catching up on.
        "options": {"expires": 60},
    },
    "consent-requests": {
        "task": "consents.tasks.sweep_consent_requests",
        # Daily, in the morning (CELERY_TIMEZONE is Europe/Amsterdam). Idempotent: a run that
        # is missed or repeated asks nobody twice; the next one catches up.
        "schedule": crontab(hour=7, minute=30),
        "options": {"expires": 12 * 60 * 60},
    },
}


@beat_init.connect
def _first_heartbeat(sender, **kwargs):
    """Prove the whole chain (beat, broker, worker, database) at start, not one interval later."""
    app.send_task("schoolprivacy.tasks.record_heartbeat", expires=60)
