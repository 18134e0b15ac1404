"""Menu items of signing in through the board's identity provider."""

from django.utils.translation import gettext_lazy as _

from schoolprivacy.capabilities import Capability, can
from schoolprivacy.navigation import ADMINISTRATION, NavItem, register

register(
    NavItem(
        _("Sign-in"),
        "signin:providers",
        lambda user, grants: can(grants, Capability.SIGN_IN_SETTINGS),
        order=96,
        section=ADMINISTRATION,
    ),
    NavItem(
        _("Sign-ins"),
        "signin:attempts",
        lambda user, grants: can(grants, Capability.SIGN_IN_LOG),
        order=97,
        section=ADMINISTRATION,
    ),
)
