"""Menu item of the sync with the pupil administration."""

from django.utils.translation import gettext_lazy as _

from schoolprivacy.capabilities import Capability, can
from schoolprivacy.navigation import ADMINISTRATION, NavItem, register

register(
    NavItem(
        _("Pupil administration"),
        "sync:index",
        lambda user, grants: can(grants, Capability.IMPORT),
        order=87,
        section=ADMINISTRATION,
    ),
)
