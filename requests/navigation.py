"""Menu items of data-subject requests."""

from django.utils.translation import gettext_lazy as _

from schoolprivacy.capabilities import Capability, can
from schoolprivacy.navigation import REQUESTS, NavItem, register


def _may_ask(user, grants) -> bool:
    """A holder of parental authority, a pupil with an account, or someone who asked before."""
    from pupils.permissions import portal_standing

    standing = portal_standing(user)
    if standing.authority or standing.own_account:
        return True
    cached = getattr(user, "_schoolprivacy_asked_before", None)
    if cached is None:
        from .permissions import asked_before

        cached = user._schoolprivacy_asked_before = asked_before(user)
    return cached


def _handles(user, grants) -> bool:
    from .permissions import handler_schools

    return bool(handler_schools(user)) or can(grants, Capability.OVERSEE)


register(
    NavItem(_("My requests"), "requests:portal_index", _may_ask, order=17),
    NavItem(
        _("Requests"),
        "requests:dashboard",
        _handles,
        order=40,
        section=REQUESTS,
    ),
    NavItem(
        _("Request settings"),
        "requests:settings",
        lambda user, grants: can(grants, Capability.REQUEST_SETTINGS),
        order=85,
        section=REQUESTS,
    ),
    NavItem(
        _("Retention"),
        "requests:retention",
        lambda user, grants: can(grants, Capability.RETENTION_REPORT),
        order=72,
        section=REQUESTS,
    ),
)
