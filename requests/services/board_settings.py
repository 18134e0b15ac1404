"""A board's and a school's settings: who handles the requests, extra holidays."""

import datetime

from auditlog.context import set_actor
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from schoolprivacy.models import User

from ..models import BoardHoliday, SchoolRouting


@transaction.atomic
def routing_save(*, school, roles, acting_user: User) -> SchoolRouting:
    """Set who handles the school's requests (director, team leader, or both)."""
    roles = sorted(set(roles))
    allowed = {value for value, _label in SchoolRouting.HANDLER_ROLES}
    if not roles or set(roles) - allowed:
        raise ValidationError({"roles": _("Choose who handles the requests.")})
    with set_actor(acting_user):
        routing, _created = SchoolRouting.objects.update_or_create(
            school=school, defaults={"handler_roles": roles}
        )
    return routing


@transaction.atomic
def holiday_add(*, board, day: datetime.date, name: str, acting_user: User) -> BoardHoliday:
    """A day the board adds to the holidays; requests received later count it."""
    if BoardHoliday.objects.filter(board=board, day=day).exists():
        raise ValidationError({"day": _("This day is already a holiday of the board.")})
    with set_actor(acting_user):
        return BoardHoliday.objects.create(board=board, day=day, name=name.strip())


@transaction.atomic
def holiday_remove(*, holiday: BoardHoliday, acting_user: User) -> None:
    """Take a day off the board's holidays; deadlines already set stay as they are."""
    with set_actor(acting_user):
        holiday.delete()
