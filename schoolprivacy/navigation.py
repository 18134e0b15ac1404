"""Role-aware navigation. Apps add their menu items in their own ``navigation.py``.

An item is shown when its ``visible`` rule says so for the user's grants, so a
menu never offers a page that would answer 404.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .authorization import Grants, grants_for
from .models import User


@dataclass(frozen=True)
class NavItem:
    label: Promise | str
    url_name: str
    visible: Callable[[User, Grants], bool]
    order: int = 100


_items: list[NavItem] = []


def register(*items: NavItem) -> None:
    for item in items:
        if item not in _items:
            _items.append(item)
    _items.sort(key=lambda item: item.order)


def items_for(user, current_path: str = "") -> list[dict]:
    """The menu for *user*, each entry with its URL and whether it is the current page."""
    if not user.is_authenticated:
        return []
    grants = grants_for(user)
    entries = []
    for item in _items:
        if item.visible(user, grants):
            url = reverse(item.url_name)
            current = current_path == url or (url != "/" and current_path.startswith(url))
            entries.append({"label": item.label, "url": url, "current": current})
    return entries


register(
    NavItem(_("Overview"), "home", lambda user, grants: True, order=0),
    NavItem(_("My account"), "account", lambda user, grants: True, order=900),
    NavItem(_("Technical admin"), "admin:index", lambda user, grants: user.is_staff, order=950),
)
