"""Reads of the core."""

from datetime import datetime

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
