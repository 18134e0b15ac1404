import logging
import time

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from . import services

logger = logging.getLogger(__name__)


#: After the broker failed, this process leaves the hand-over to the sweeps for this long, so
#: that no later page waits on a broker that is down or frozen (the circuit is open).
BROKER_PAUSE_SECONDS = 30
_broker_down_until = 0.0


def enqueue(task, *ids) -> bool:
    """Hand *task* to a worker now; with the broker down, its sweep does the work later.

    Every piece of work a task does is also found in PostgreSQL by a beat sweep (the
    notice outbox, unsent invitations and reports, copies not made, notices not sent),
    so a lost message delays the work and never loses it; the page the user is on
    never fails for it. The broker's connect and read timeouts are short
    (settings: CELERY_BROKER_TRANSPORT_OPTIONS), and after one failure this process does
    not try again for BROKER_PAUSE_SECONDS: a page waits on a broken broker at most once.
    """
    global _broker_down_until
    if time.monotonic() < _broker_down_until:
        logger.info("Broker paused: %s is left to its sweep", task.name)
        return False
    try:
        task.apply_async(args=ids, retry=False)
    except Exception:
        _broker_down_until = time.monotonic() + BROKER_PAUSE_SECONDS
        logger.warning("Broker unavailable: %s is left to its sweep", task.name, exc_info=True)
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


@shared_task
def forget_submissions() -> int:
    """Daily: the keys of forms posted more than two days ago are forgotten."""
    from .submissions import forget_old

    return forget_old()


@shared_task
def make_audit_partitions() -> int:
    """Daily: the audit log's partitions of this month and the next ones exist."""
    from . import audit_partitions

    return len(audit_partitions.ensure(timezone.localdate()))
