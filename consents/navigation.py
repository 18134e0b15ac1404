"""Menu items of consents."""

from django.utils.translation import gettext_lazy as _

from schoolprivacy.capabilities import Capability, can
from schoolprivacy.navigation import CONSENT, PUPILS, NavItem, register


def _decides_or_sees(user, grants) -> bool:
    """Whoever has pupils in the consent portal (permissions.portal_pupils)."""
    from pupils.permissions import portal_standing

    standing = portal_standing(user)
    return standing.authority or standing.own_account


register(
    NavItem(_("Consents"), "consents:portal_index", _decides_or_sees, order=15),
    NavItem(
        _("Who may be in the photo"),
        "consents:class_index",
        lambda user, grants: can(grants, Capability.CLASS_CONSENTS),
        order=30,
        section=PUPILS,
    ),
    NavItem(
        _("Who has not answered"),
        "consents:campaign_index",
        lambda user, grants: can(grants, Capability.CLASS_CONSENTS),
        order=33,
        section=CONSENT,
    ),
    NavItem(
        _("Publications"),
        "consents:publication_index",
        lambda user, grants: can(grants, Capability.PUBLICATIONS),
        order=35,
        section=CONSENT,
    ),
    NavItem(
        _("Consent questions"),
        "consents:purpose_list",
        lambda user, grants: can(grants, Capability.MANAGE_PURPOSES),
        order=55,
        section=CONSENT,
    ),
    NavItem(
        _("Consent records"),
        "consents:proof_index",
        lambda user, grants: can(grants, Capability.CONSENT_RECORDS),
        order=60,
        section=CONSENT,
    ),
)
