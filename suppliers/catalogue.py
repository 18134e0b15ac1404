"""Every pupil field the system knows: what a supplier's or recipient's field set names.

A field set that names anything else is refused. The codes are stable: field
sets are stored by code, and the Art. 19 lookup (which recipients receive the
fields a correction or erasure touches) matches on them.
"""

from django.utils.translation import gettext_lazy as _

from pupils.models import DataCategory, SpecialRecord

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
    # The keys of the pupil administration (sync/): what access brokers such as Basispoort
    # receive to recognise a pupil, a group and a school without the BSN.
    "pupil_key": _("pupil key of the pupil administration (leerlingkey)"),
    "group_key": _("group key of the pupil administration (groepskey)"),
    "school_id": _("identification number of the school"),
    "basispoort_id": _("Basispoort identification number"),
    "eckid": _("ECK iD (pseudonym in the learning materials chain)"),
}

#: Pupil fields whose catalogue code is not their own name.
_PUPIL_FIELD_CODES = {"external_key": "pupil_key"}


def label(code: str) -> str:
    return str(FIELDS.get(code, code))


def unknown(codes) -> list[str]:
    """The codes that are not in the catalogue."""
    return sorted(set(codes) - set(FIELDS))


def in_order(codes) -> list[str]:
    """*codes* in the catalogue's order; unknown codes last."""
    order = {code: index for index, code in enumerate(FIELDS)}
    return sorted(codes, key=lambda code: (order.get(code, len(order)), code))


#: The catalogue codes that belong to each category of a pupil's data: what a
#: restriction, objection or erasure of that category takes from a supplier.
CATEGORY_FIELDS: dict[str, frozenset[str]] = {
    DataCategory.ADMINISTRATION: frozenset(
        {
            "first_name",
            "name_prefix",
            "last_name",
            "date_of_birth",
            "gender",
            "bsn",
            "school",
            "group",
            "year_group",
            "enrolment",
            "parents_contact",
            "login_id",
            "pupil_key",
            "group_key",
            "school_id",
            "basispoort_id",
            "eckid",
        }
    ),
    DataCategory.DOSSIER: frozenset({"test_results", "agreements", "reports", "learning_results"}),
    DataCategory.SPECIAL: frozenset({"special_needs", "medical"}),
    DataCategory.REFERRAL: frozenset({"reports", "special_needs"}),
}

_ENTRY_FIELDS = {"agreement": "agreements", "test_result": "test_results", "note": "reports"}
_SPECIAL_KIND_FIELDS: dict[str, str] = {
    SpecialRecord.Kind.MEDICAL: "medical",
    SpecialRecord.Kind.MEDICATION: "medical",
    SpecialRecord.Kind.PROTOCOL: "medical",
    SpecialRecord.Kind.DIAGNOSIS: "special_needs",
    SpecialRecord.Kind.WELLBEING: "special_needs",
}


def codes_for_categories(categories) -> set[str]:
    """Every catalogue code in the given categories of pupil data."""
    return set().union(*(CATEGORY_FIELDS.get(c, frozenset()) for c in categories))


def codes_for_correction(target: str, field: str, obj=None) -> set[str]:
    """The catalogue codes a correction of *field* of *target* (pupils.corrections) touches."""
    if target == "pupil":
        code = _PUPIL_FIELD_CODES.get(field, field)
        return {code} if code in FIELDS else set()
    if target == "special":
        kind_code = _SPECIAL_KIND_FIELDS.get(getattr(obj, "kind", ""))
        return {kind_code} if kind_code else set()
    entry_code = _ENTRY_FIELDS.get(target)
    return {entry_code} if entry_code else set()
