"""Celery tasks of the dossier: thin wrappers over services, taking ids only."""

from celery import shared_task

from . import services


@shared_task
def send_invitation(invitation_id: int) -> None:
    services.invitation_send(invitation_id=invitation_id)


@shared_task
def report_emergency_access(access_id: int) -> None:
    services.emergency_access_report(access_id=access_id)


@shared_task
def sweep_adulthood() -> None:
    """Daily, just after midnight (beat): the 18th birthdays, told beforehand and carried out;
    and the pupils who turned 16, told that they decide now."""
    services.adulthood_sweep()
    services.sixteen_sweep()


@shared_task
def sweep_voluntary_data() -> None:
    """Daily (beat): religion whose explicit consent has ended goes."""
    services.voluntary_sweep()


@shared_task
def sweep_unsent() -> None:
    """Every few minutes (beat): invitations and break-glass reports whose task was lost."""
    services.unsent_sweep()
