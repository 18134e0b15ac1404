"""Reads of signing in through a provider."""

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from .models import IdentityProvider, SignInAttempt
from .permissions import ATTEMPTS, PROVIDERS


def providers_for_login() -> list[IdentityProvider]:
    """The providers in use, with their board's name, for the buttons of the login page."""
    return list(
        IdentityProvider.objects.filter(active=True)
        .select_related("board")
        .only("uid", "name", "board__name")
        .order_by("board__name", "name")
    )


def provider_in_use(uid) -> IdentityProvider | None:
    """The provider in use with this *uid*, or None (also for what is not a uid)."""
    if not uid:
        return None
    try:
        return IdentityProvider.objects.filter(uid=uid, active=True).first()
    except (ValueError, TypeError, ValidationError):
        return None


def providers_of(user) -> QuerySet[IdentityProvider]:
    """The providers *user* sets up, by board and name."""
    return PROVIDERS.scope(user, "change").select_related("board").order_by("board__name", "name")


def attempts_seen(user, *, refused_only: bool) -> QuerySet[SignInAttempt]:
    """The sign-ins through the providers of the boards *user* oversees, newest first."""
    attempts = ATTEMPTS.scope(user, "view").select_related("provider__board", "user")
    if refused_only:
        attempts = attempts.filter(outcome=SignInAttempt.Outcome.REFUSED)
    return attempts.order_by("-at", "-pk")
