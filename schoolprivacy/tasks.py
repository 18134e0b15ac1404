from celery import shared_task

from . import services


@shared_task
def record_heartbeat() -> None:
    """Beat's proof of life, shown on /health/."""
    services.heartbeat_record(name="beat")


@shared_task
def deliver_notice_mail() -> None:
    """Send the e-mails of queued notices (after a commit, and every minute to catch up)."""
    services.notices_deliver()
