"""Menu items of consents."""

from django.utils.translation import gettext_lazy as _

from schoolprivacy.models import BoardRole, Role
from schoolprivacy.navigation import NavItem, register


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
        lambda user, grants: grants.has_any_role(*Role),
        order=30,
    ),
    NavItem(
        _("Publications"),
        "consents:publication_index",
        lambda user, grants: grants.has_any_role(*Role),
        order=35,
    ),
    NavItem(
        _("Consent questions"),
        "consents:purpose_list",
        lambda user, grants: grants.has_any_role(
            Role.DIRECTOR, Role.ADMINISTRATOR, BoardRole.PRIVACY_OFFICER
        ),
        order=55,
    ),
    NavItem(
        _("Consent records"),
        "consents:proof_index",
        lambda user, grants: grants.has_any_role(Role.DIRECTOR, BoardRole.PRIVACY_OFFICER),
        order=60,
    ),
)
