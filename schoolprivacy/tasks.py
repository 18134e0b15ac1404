import logging

from celery import shared_task
from django.db import transaction
from kombu.exceptions import OperationalError

from . import services

logger = logging.getLogger(__name__)


def enqueue(task, *ids) -> bool:
    """Hand *task* to a worker now; with the broker down, its sweep does the work later.

    Every piece of work a task does is also found in PostgreSQL by a beat sweep (the
    notice outbox, unsent invitations and reports, copies not made, notices not sent),
    so a lost message delays the work and never loses it; the page the user is on
    never fails for it.
    """
    try:
        task.apply_async(args=ids, retry=False)
    except (OperationalError, ConnectionError, OSError):
        logger.warning("Broker unavailable: %s is left to its sweep", task.name)
        return False
    return True


def enqueue_on_commit(task, *ids) -> None:
    """:func:`enqueue` once the current transaction commits (nothing if it rolls back)."""
    transaction.on_commit(lambda: enqueue(task, *ids), robust=True)


@shared_task
def record_heartbeat() -> None:
    """Beat's proof of life, shown on /health/."""
    services.heartbeat_record(name="beat")


@shared_task
def deliver_notice_mail() -> None:
    """Send the e-mails of queued notices (after a commit, and every minute to catch up)."""
    services.notices_deliver()
