"""Audit helpers: which models django-auditlog follows, and ACCESS entries for reads.

Every personal-data model is registered here or in its app's ``apps.py`` with
:func:`register`, which masks encrypted fields completely and never logs
password hashes. Reads of dossiers and exports are logged with :func:`log_access`.
"""

from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.db import models

#: Field names that are never written to an audit diff, on any model.
NEVER_LOGGED = ("password", "last_login")

#: What a masked field shows in an audit diff, whatever its value.
MASK = "••••••••"


def register(
    model: type[models.Model],
    *,
    exclude: tuple[str, ...] = (),
    masked: tuple[str, ...] = (),
    m2m: tuple[str, ...] = (),
) -> None:
    """Follow *model* in the audit log; *masked* fields appear as changed, never with values."""
    if auditlog.contains(model):
        return
    auditlog.register(
        model,
        exclude_fields=[*NEVER_LOGGED, *exclude],
        mask_fields=list(masked),
        m2m_fields=set(m2m),
    )


def mask_completely(value) -> str:
    """The same fixed mask for every value, so no part of a masked field reaches the log."""
    return MASK


def log_access(*, actor, obj: models.Model, what: str = "") -> LogEntry:
    """Record that *actor* looked at *obj* (a dossier, a special-category record, an export)."""
    return LogEntry.objects.log_create(
        obj,
        force_log=True,
        action=LogEntry.Action.ACCESS,
        changes={"viewed": [what, ""]} if what else {},
        actor=actor,
    )


def register_core_models() -> None:
    from .models import Board, BoardMembership, Membership, School, User

    register(User)
    register(Board)
    register(School)
    register(Membership)
    register(BoardMembership)
