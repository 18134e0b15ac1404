"""Every pupil field the system knows: what a supplier's or recipient's field set names.

A field set that names anything else is refused. The codes are stable: field
sets are stored by code, and the Art. 19 lookup (which recipients receive the
fields a correction or erasure touches) matches on them.
"""

from django.utils.translation import gettext_lazy as _

FIELDS: dict[str, object] = {
    "first_name": _("first name"),
    "name_prefix": _("prefix"),
    "last_name": _("last name"),
    "date_of_birth": _("date of birth"),
    "gender": _("gender"),
    "bsn": _("citizen service number (BSN)"),
    "school": _("school"),
    "group": _("group"),
    "year_group": _("year group"),
    "enrolment": _("enrolment and leave dates"),
    "parents_contact": _("parents' names and contact details"),
    "test_results": _("test results"),
    "agreements": _("agreements"),
    "reports": _("reports and notes"),
    "special_needs": _("special-needs information"),
    "medical": _("medical information"),
    "login_id": _("login name for learning materials"),
    "learning_results": _("results within the learning method"),
}


def label(code: str) -> str:
    return str(FIELDS.get(code, code))


def unknown(codes) -> list[str]:
    """The codes that are not in the catalogue."""
    return sorted(set(codes) - set(FIELDS))


def in_order(codes) -> list[str]:
    """*codes* in the catalogue's order; unknown codes last."""
    order = {code: index for index, code in enumerate(FIELDS)}
    return sorted(codes, key=lambda code: (order.get(code, len(order)), code))
