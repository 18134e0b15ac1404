"""Menu items of the supplier register."""

from django.utils.translation import gettext_lazy as _

from schoolprivacy.models import BoardRole
from schoolprivacy.navigation import NavItem, register

from .permissions import BOARD_KEEPERS, SCHOOL_KEEPERS

register(
    NavItem(
        _("Suppliers"),
        "suppliers:list",
        lambda user, grants: grants.has_any_role(*SCHOOL_KEEPERS, *BOARD_KEEPERS),
        order=65,
    ),
    NavItem(
        _("Processing register"),
        "suppliers:register",
        lambda user, grants: grants.has_any_role(BoardRole.PRIVACY_OFFICER),
        order=68,
    ),
    NavItem(
        _("Data breaches"),
        "suppliers:breaches",
        lambda user, grants: grants.has_any_role(BoardRole.PRIVACY_OFFICER),
        order=70,
    ),
)
