"""Celery tasks of requests: thin wrappers over services, taking ids only."""

from celery import shared_task

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


@shared_task
def sweep_retention() -> None:
    """Daily (beat): delete or anonymise what is past its retention period."""
    services.retention_sweep()
    heartbeat_record(name="retention-sweep")


@shared_task
def resume_stale_work() -> int:
    """Every minute (beat): copies and notices whose task was lost are done by the sweep."""
    done = services.stale_work_resume()
    heartbeat_record(name="stale-work")
    return done
