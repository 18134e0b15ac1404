"""Celery tasks of the sync: thin wrappers over services, taking ids only."""

from celery import shared_task

from . import notices, services


@shared_task
def apply_import(run_id: int) -> None:
    services.import_apply(run_id=run_id)


@shared_task
def sweep_stale_imports() -> int:
    return services.stale_imports_sweep()


@shared_task
def send_change_notice(notice_id: int) -> None:
    """GDPR Art. 19: tell one supplier about a correction an import made."""
    notices.change_notice_send(notice_id=notice_id)
