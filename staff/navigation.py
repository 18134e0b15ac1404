"""Menu item of staff management."""

from django.utils.translation import gettext_lazy as _

from schoolprivacy.navigation import ADMINISTRATION, NavItem, register

from .permissions import manages_anyone

register(NavItem(_("Staff"), "staff:index", manages_anyone, order=86, section=ADMINISTRATION))
