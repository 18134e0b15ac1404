"""Celery tasks of the sync: thin wrappers over services, taking ids only."""

from celery import shared_task

from . import services


@shared_task
def apply_import(run_id: int) -> None:
    services.import_apply(run_id=run_id)


@shared_task
def sweep_stale_imports() -> int:
    return services.stale_imports_sweep()
