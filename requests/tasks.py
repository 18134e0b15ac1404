"""Celery tasks of requests: thin wrappers over services, taking ids only."""

import datetime

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from schoolprivacy.services import heartbeat_record, notices_deliver

from . import services


@shared_task
def build_copy(copy_id: int) -> None:
    """Make the complete copy of a child's data for an access request."""
    services.copy_build(copy_id=copy_id)


@shared_task
def send_recipient_notice(notice_id: int) -> None:
    """GDPR Art. 19: tell one supplier about a correction, deletion or restriction."""
    services.recipient_notice_send(notice_id=notice_id)


@shared_task
def sweep_request_deadlines() -> None:
    """Every few minutes (beat): reminders and escalations, then their e-mails; expired copies."""
    services.deadline_sweep()
    heartbeat_record(name="deadline-sweep")
    services.ledger_catch_up()
    services.copies_expire()
    notices_deliver()


@shared_task(soft_time_limit=10 * 60, time_limit=12 * 60)
def sweep_retention(day: int = 0, after: int = 0) -> None:
    """Daily (beat): delete or anonymise what is past its retention period.

    A board's thousands of leavers take longer than any one task may: each part works
    a few minutes (settings.RETENTION_PART_SECONDS) and queues the next, which goes on after the
    last pupil it handled, for the same day's report (*day*: its ordinal). It runs on a
    queue of its own ("sweeps", CELERY_TASK_ROUTES), so that copies and mail never wait
    behind it. A part whose worker dies is given out again (acks late, settings).
    """
    today = datetime.date.fromordinal(day) if day else timezone.localdate()
    sweep = services.retention_sweep(
        today=today, after=after, seconds=settings.RETENTION_PART_SECONDS
    )
    if sweep.resume_after is not None:
        sweep_retention.delay(today.toordinal(), sweep.resume_after)
        return
    heartbeat_record(name="retention-sweep")


@shared_task
def resume_stale_work() -> int:
    """Every minute (beat): copies and notices whose task was lost are done by the sweep."""
    done = services.stale_work_resume()
    heartbeat_record(name="stale-work")
    return done
