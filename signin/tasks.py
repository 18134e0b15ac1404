"""Celery tasks of signing in: thin wrappers over services."""

from celery import shared_task

from . import services


@shared_task
def forget_old_attempts() -> None:
    services.old_attempts_forget()
