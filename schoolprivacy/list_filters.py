"""Filters that apps add to another app's list, without that app importing them.

The pupil list (pupils app) filters on a pupil's photo consent (consents app) and on
an open request (requests app): each of those apps registers a ``ListFilter`` for the
page "pupils" in its ``ready()``; the pupil list offers whatever is registered.
Arrows keep pointing down the app list, as with the sections (schoolprivacy/sections.py).

A filter never widens a list: it is given the rows the user may see (already scoped by
the list's access policy) and names the ones it keeps among them; ``narrowed`` keeps
only those of the rows it gave (``pk__in``), whatever the filter answers.
"""

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.functional import Promise

from .models import User

Label = str | Promise
#: The choices a filter offers *user* on the rows they may see: (value, label), …;
#: none where the filter is not for this user.
Choices = Callable[[User, QuerySet[Any]], Sequence[tuple[str, Label]]]
#: The keys of the rows a filter keeps among *rows* for a chosen *value*: ids, or a
#: queryset of one column of ids (``values("pk")``).
Select = Callable[[User, QuerySet[Any], str], Collection[int] | QuerySet[Any]]


@dataclass(frozen=True)
class ListFilter:
    """One filter of a list: *name* is its query parameter (one the list does not read
    itself: not "q", "page" or "sort", nor the name of the list's own filters), *label*
    its label."""

    name: str
    label: Label
    choices: Choices
    select: Select


_filters: dict[str, dict[str, ListFilter]] = {}


def register(page: str, list_filter: ListFilter) -> None:
    """Offer *list_filter* on the list *page* (once; registering again replaces it)."""
    _filters.setdefault(page, {})[list_filter.name] = list_filter


def filters_of(page: str) -> list[ListFilter]:
    """The filters registered for *page*, in the order they were registered."""
    return list(_filters.get(page, {}).values())


def narrowed(list_filter: ListFilter, user: User, rows: QuerySet, value: str) -> QuerySet:
    """*rows*, only those *list_filter* keeps for *value*: never a row that was not in *rows*."""
    return rows.filter(pk__in=list_filter.select(user, rows, value))
