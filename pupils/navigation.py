"""Menu items of the dossier and the parent portal."""

from django.utils.translation import gettext_lazy as _

from schoolprivacy.capabilities import Capability, can
from schoolprivacy.navigation import ADMINISTRATION, PUPILS, NavItem, register


def _is_parent(user, grants) -> bool:
    from .permissions import portal_standing

    return portal_standing(user).guardian


def _is_pupil(user, grants) -> bool:
    """A pupil of 16+ with an own account (and no child of their own to look after)."""
    from .permissions import portal_standing

    standing = portal_standing(user)
    return standing.own_account and not standing.guardian


register(
    NavItem(_("My children"), "portal:home", _is_parent, order=10),
    NavItem(_("My data"), "portal:home", _is_pupil, order=10),
    NavItem(
        _("Pupils"),
        "pupils:list",
        lambda user, grants: can(grants, Capability.SEE_PUPILS),
        order=20,
        section=PUPILS,
    ),
    NavItem(
        _("Emergency sheets"),
        "pupils:emergency_sheets",
        lambda user, grants: can(grants, Capability.EMERGENCY_SHEETS),
        order=75,
        section=PUPILS,
    ),
    NavItem(
        _("Whom parents ask"),
        "pupils:question_contacts_index",
        lambda user, grants: can(grants, Capability.QUESTION_CONTACTS),
        order=87,
        section=ADMINISTRATION,
    ),
    NavItem(
        _("Emergency access"),
        "pupils:emergency_search",
        lambda user, grants: can(grants, Capability.SEE_PUPILS),
        order=80,
        section=PUPILS,
    ),
)
