"""Who may see and change what of signing in through a provider: a board's administrator
sets up its providers; the privacy officer and the board administrator see the sign-ins
through them. Built on the core's AccessPolicy (schoolprivacy/authorization.py)."""

from django.db.models import QuerySet

from schoolprivacy.authorization import AccessPolicy, grants_for
from schoolprivacy.capabilities import Capability, board_roles_with
from schoolprivacy.models import Board

from .models import IdentityProvider, SignInAttempt


def _boards(user, capability: Capability) -> frozenset[int]:
    if not (getattr(user, "is_authenticated", False) and user.is_active):
        return frozenset()
    return grants_for(user).boards_with(*board_roles_with(capability))


def boards_to_set_up(user) -> QuerySet[Board]:
    """The boards whose providers *user* sets up."""
    return Board.objects.filter(pk__in=_boards(user, Capability.SIGN_IN_SETTINGS))


class ProviderPolicy(AccessPolicy[IdentityProvider]):
    """A board's providers, for its board administrator."""

    model = IdentityProvider

    def scope(self, user, action: str) -> QuerySet[IdentityProvider]:
        return IdentityProvider.objects.filter(
            board_id__in=_boards(user, Capability.SIGN_IN_SETTINGS)
        )


class AttemptPolicy(AccessPolicy[SignInAttempt]):
    """The sign-ins through a board's providers, for its privacy officer and administrator."""

    model = SignInAttempt

    def scope(self, user, action: str) -> QuerySet[SignInAttempt]:
        return SignInAttempt.objects.filter(
            provider__board_id__in=_boards(user, Capability.SIGN_IN_LOG)
        )


PROVIDERS = ProviderPolicy()
ATTEMPTS = AttemptPolicy()
