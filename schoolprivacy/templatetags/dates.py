"""``{{ value|isodate|date }}``: a date kept as ISO text (in JSON) shown as a date."""

import datetime

from django import template

register = template.Library()


@register.filter
def isodate(value):
    """The date in an ISO string ("2026-12-02"), or the value itself when it is not one."""
    if isinstance(value, str) and value:
        try:
            return datetime.date.fromisoformat(value[:10])
        except ValueError:
            return value
    return value
