from celery import shared_task

from . import services


@shared_task
def record_heartbeat() -> None:
    """Beat's proof of life, shown on /health/."""
    services.heartbeat_record(name="beat")
