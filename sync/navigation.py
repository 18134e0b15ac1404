"""Menu item of the sync with the pupil administration."""

from django.utils.translation import gettext_lazy as _

from schoolprivacy.navigation import NavItem, register

from .permissions import IMPORT_ROLES

register(
    NavItem(
        _("Pupil administration"),
        "sync:index",
        lambda user, grants: grants.has_any_role(*IMPORT_ROLES),
        order=87,
    ),
)
