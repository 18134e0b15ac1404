"""Who may import from the pupil administration, and see the imports: the school's
administrator and director. Everything else is a 404 (schoolprivacy/authorization.py)."""

from django.db.models import QuerySet

from schoolprivacy.authorization import grants_for, hidden
from schoolprivacy.capabilities import Capability, school_roles_with
from schoolprivacy.models import School

from .models import ChangeNotice, ImportRun

IMPORT_ROLES = school_roles_with(Capability.IMPORT)


def schools_for_import(user) -> QuerySet[School]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return School.objects.none()
    return School.objects.filter(pk__in=grants_for(user).schools_with(*IMPORT_ROLES))


def may_import(user, school: School) -> bool:
    return grants_for(user).has_school_role(school.pk, *IMPORT_ROLES)


def school_for_import(user, pk) -> School:
    school = schools_for_import(user).filter(pk=_int(pk)).first()
    if school is None:
        hidden()
    return school


def runs_for(user) -> QuerySet[ImportRun]:
    return ImportRun.objects.filter(school__in=schools_for_import(user))


def run_for(user, pk) -> ImportRun:
    run = runs_for(user).select_related("school", "uploaded_by").filter(pk=_int(pk)).first()
    if run is None:
        hidden()
    return run


def notice_for(user, pk) -> ChangeNotice:
    notice = ChangeNotice.objects.filter(run__in=runs_for(user), pk=_int(pk)).first()
    if notice is None:
        hidden()
    return notice


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
