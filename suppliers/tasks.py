"""Celery tasks of the registers: thin wrappers over services."""

from celery import shared_task

from . import services


@shared_task
def sweep_breach_deadlines() -> None:
    services.breach_warnings_sweep()


@shared_task
def sweep_supplier_reminders() -> None:
    services.supplier_reminders_sweep()
