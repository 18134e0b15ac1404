"""Menu items of the supplier register."""

from django.utils.translation import gettext_lazy as _

from schoolprivacy.capabilities import Capability, can
from schoolprivacy.navigation import REGISTER, NavItem, register

register(
    NavItem(
        _("Suppliers"),
        "suppliers:list",
        lambda user, grants: can(
            grants, Capability.KEEP_SCHOOL_REGISTER, Capability.KEEP_BOARD_REGISTER
        ),
        order=65,
        section=REGISTER,
    ),
    NavItem(
        _("Processing register"),
        "suppliers:register",
        lambda user, grants: can(grants, Capability.OVERSEE),
        order=68,
        section=REGISTER,
    ),
    NavItem(
        _("Data breaches"),
        "suppliers:breaches",
        lambda user, grants: can(grants, Capability.OVERSEE),
        order=70,
        section=REGISTER,
    ),
)
