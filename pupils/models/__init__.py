"""The digital pupil dossier: pupils, their groups, who holds authority over them,
what the school records about them, and the special categories of personal data.

Personal data stays in this app; other tables point to a pupil by id.

The models live in a module per area; this package names them all (``pupils.models.Pupil``).
"""

# The modules are imported in the order the models were declared in one module before: the
# app registry keeps that order, and with it the order of Django's cascades.
# isort: off
from .common import TEXT_MAX, Source, DataCategory  # noqa: F401
from .groups import Group, GroupUserObjectPermission  # noqa: F401
from .pupils import Pupil, PupilUserObjectPermission, GroupPlacement  # noqa: F401
from .guardianship import (  # noqa: F401
    Guardianship,
    ParentContact,
    AdulthoodNotice,
    Invitation,
)
from .entries import (  # noqa: F401
    DossierEntry,
    Agreement,
    TestResult,
    Note,
)
from .special import SpecialRecord  # noqa: F401
from .declarations import ParentDeclaration  # noqa: F401
from .access import EmergencyAccess, RestrictedAccess  # noqa: F401
from .holds import ProcessingHold, RESTRICTING_HOLDS  # noqa: F401
from .dossier import EntryRevision, Attachment  # noqa: F401
from .emergency_contacts import EmergencyContact  # noqa: F401
from .ask import QuestionContact  # noqa: F401
# isort: on
