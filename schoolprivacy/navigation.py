"""Role-aware navigation. Apps add their menu items in their own ``navigation.py``.

An item is shown when its ``visible`` rule says so for the user's grants, so a
menu never offers a page that would answer 404.

Items of one :class:`Section` share one entry in the menu bar, which leads to the first
of them; on a page of the section its items are a row below the bar. A section of
which the user sees one item only is that item.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .authorization import Grants, grants_for
from .models import User


@dataclass(frozen=True)
class Section:
    """A group of menu items (see the module's docstring)."""

    label: Promise | str


PUPILS = Section(_("Pupils"))
CONSENT = Section(_("Consent"))
REQUESTS = Section(_("Requests"))
REGISTER = Section(pgettext_lazy("menu section", "Register"))
ADMINISTRATION = Section(_("Administration"))


@dataclass(frozen=True)
class NavItem:
    label: Promise | str
    url_name: str
    visible: Callable[[User, Grants], bool]
    order: int = 100
    section: Section | None = None


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
            entries.append(
                {"label": item.label, "url": url, "current": current, "section": item.section}
            )
    return entries


def menu_of(items: list[dict]) -> list[dict]:
    """The menu bar of *items* (items_for): an item without a section as it is, the items
    of a section as one entry with its ``children``, in the order of their first item."""
    entries: list[dict] = []
    groups: dict[Section, dict] = {}
    for item in items:
        section = item["section"]
        if section is None:
            entries.append(item)
            continue
        group = groups.get(section)
        if group is None:
            group = groups[section] = {
                "label": section.label,
                "url": item["url"],
                "current": False,
                "children": [],
            }
            entries.append(group)
        group["children"].append(item)
        group["current"] = group["current"] or item["current"]
    return [
        entry["children"][0] if len(entry.get("children", ())) == 1 else entry for entry in entries
    ]


register(
    NavItem(_("Overview"), "home", lambda user, grants: True, order=0),
    NavItem(_("My account"), "account", lambda user, grants: True, order=900),
    NavItem(_("Technical admin"), "admin:index", lambda user, grants: user.is_staff, order=950),
)
