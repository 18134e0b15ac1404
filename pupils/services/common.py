"""What every service of the dossier checks and does, whatever its use case: the
policy asked again, the row validated before it is saved, and who decides on a parent's
request."""

from django.core.exceptions import PermissionDenied

from schoolprivacy.authorization import grants_for
from schoolprivacy.capabilities import Capability, school_roles_with
from schoolprivacy.models import User

from ..models import Pupil
from ..permissions import PupilAction, PupilPolicy


def _require(user, pupil: Pupil, action: PupilAction) -> None:
    if action not in PupilPolicy().actions(user, pupil):
        raise PermissionDenied


def _save(instance) -> None:
    instance.full_clean()
    instance.save()


#: Who keeps the pupil administration: enrols, changes details, links parents, invites.
ADMINISTRATION_ROLES = school_roles_with(Capability.PUPIL_ADMINISTRATION)

#: Who writes a decision on a parent's request into the dossier: the school's handlers.
REQUEST_ROLES = school_roles_with(Capability.HANDLE_REQUESTS)


def _require_request_role(user: User, pupil: Pupil) -> None:
    if not grants_for(user).has_school_role(pupil.school_id, *REQUEST_ROLES):
        raise PermissionDenied
