"""Pages of a list, counted only when the count is not known from the page itself.

Django's Paginator asks COUNT(*) first and the rows after: two queries on every page
of every list. Most lists here fit on one page (a teacher's class, a pupil's
requests), and a first page that is not full says how many there are. So the rows
come first, and the count is asked only of a list longer than one page.
"""

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet


def page_of(queryset: QuerySet, number, per_page: int, *, count: int | None = None) -> Page:
    """``Paginator(queryset, per_page).get_page(number)``, the first page read rows first.

    *count*: how many rows the list holds, where the caller knows it (then never counted).
    """
    paginator = Paginator(queryset, per_page)
    if count is not None:
        paginator.count = count
    try:
        number = int(number)
    except (TypeError, ValueError):
        number = 1  # as get_page: what is not a number is the first page
    if number != 1:
        return paginator.get_page(number)
    rows = list(queryset[:per_page])
    if len(rows) < per_page:
        paginator.count = len(rows)  # the whole list is on this page
    return Page(rows, 1, paginator)
