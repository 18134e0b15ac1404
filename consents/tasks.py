"""Celery tasks of consents: thin wrappers over services, taking ids only."""

from celery import shared_task

from . import services


@shared_task
def notify_teachers(decision_id: int) -> None:
    services.teachers_notify(decision_id=decision_id)


@shared_task
def sweep_consent_requests() -> None:
    """Daily (beat): ask for the decisions still missing, and remind once; and the questions
    of recent events whose own task was lost."""
    services.consent_requests_sweep()
    services.events_catch_up()


@shared_task
def ask_for_event(event_id: int) -> None:
    services.event_consent_ask(event_id=event_id)


@shared_task
def ask_for_pick(pick_id: int) -> None:
    services.pick_consent_ask(pick_id=pick_id)
