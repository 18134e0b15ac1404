"""Reads of the core."""

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import connections, models, router
from django.db.models import QuerySet
from django.utils import timezone

from .models import Heartbeat, Membership, Notice, User


def heartbeat_last_seen(*, name: str) -> datetime | None:
    return Heartbeat.objects.filter(name=name).values_list("last_seen", flat=True).first()


def memberships_of(*, user: User):
    """The user's own roles, with school and board, for their account page."""
    return (
        Membership.objects.filter(user=user)
        .select_related("school__board")
        .order_by("school__name", "role")
    )


def board_memberships_of(*, user: User):
    return user.board_memberships.select_related("board").order_by("board__name", "role")


def unread_notices(*, user: User, limit: int = 20):
    """The user's unread notices, newest first."""
    return Notice.objects.filter(user=user, read_at__isnull=True).order_by("-created_at")[:limit]


def two_step_of(*, user: User) -> dict:
    """Whether *user* has an authenticator, and how many recovery codes are left."""
    from .models import Authenticator, RecoveryCode

    return {
        "on": Authenticator.objects.filter(user=user, confirmed=True).exists(),
        "codes_left": RecoveryCode.objects.filter(device__user=user).count(),
    }


def mail_outbox_oldest_seconds() -> float:
    """How long the oldest notice mail has waited to be sent (0 when none waits)."""
    oldest = (
        Notice.objects.filter(mail_pending=True)
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    return (timezone.now() - oldest).total_seconds() if oldest else 0.0


def last_runs() -> dict[str, float]:
    """When each periodic job (and beat's heartbeat) last ran, as Unix time, by name."""
    runs = Heartbeat.objects.values_list("name", "last_seen")
    return {name: seen.timestamp() for name, seen in runs}


def mail_set_aside_count() -> int:
    """Notice mails set aside after a failure that is not the network's (dead letters)."""
    return Notice.objects.filter(mail_failed_at__isnull=False).count()


#: One question for :func:`rows_exist`: a model and the values its fields must equal.
Question = tuple[type[models.Model], dict[str, Any]]


def rows_exist(*questions: Question) -> tuple[bool, ...]:
    """Whether *model* has a row whose fields equal *values*, for each question, in one
    statement: ``rows_exist((Guardianship, {"parent": user.pk}), ...)``.

    For what every page asks (the menu: is this user a parent, a pupil, a requester?).
    The ORM's Exists() took about 1 ms of Python to build such a query, four times what
    running it takes (``make bench``, bench/FINDINGS.md); this statement is built once
    per shape, from the models' own table and column names.
    """
    shape = tuple((model, tuple(values)) for model, values in questions)
    params: list[Any] = [value for _, values in questions for value in values.values()]
    model = questions[0][0]
    with connections[router.db_for_read(model)].cursor() as cursor:
        cursor.execute(_rows_exist_sql(shape), params)
        return tuple(bool(answer) for answer in cursor.fetchone())


def querysets_have_rows(querysets: Sequence[QuerySet]) -> tuple[bool, ...]:
    """Whether each of *querysets* has a row, in one statement: for code that would
    otherwise read a dozen tables to find most of them empty (an erasure)."""
    if not querysets:
        return ()
    parts: list[str] = []
    params: list[Any] = []
    for queryset in querysets:
        sql, part_params = queryset.values("pk")[:1].query.sql_with_params()
        parts.append(f"EXISTS ({sql})")
        params.extend(part_params)
    with connections[router.db_for_read(querysets[0].model)].cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        return tuple(bool(answer) for answer in cursor.fetchone())


@functools.cache
def _rows_exist_sql(shape: Sequence[tuple[type[models.Model], tuple[str, ...]]]) -> str:
    quote = connections[router.db_for_read(shape[0][0])].ops.quote_name
    answers = []
    for model, names in shape:
        where = " AND ".join(f"{quote(_column(model, name))} = %s" for name in names)
        table = quote(model._meta.db_table)
        answers.append(f"EXISTS (SELECT 1 FROM {table} WHERE {where})")  # noqa: S608 (names)
    return "SELECT " + ", ".join(answers)


def _column(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field) or not field.column:
        raise TypeError(f"{model._meta.label}.{name} is not a column of its table")
    return field.column
