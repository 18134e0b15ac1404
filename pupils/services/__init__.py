"""Writes to the pupil dossier. One transactional, audited function per use case, in a module
of its own per area; this package names them all, so that callers say
``services.pupil_create`` (or ``from pupils.services import ...``) whichever module holds it.

Views have already checked access through permissions.py; each service checks
again what it must not get wrong, so that an admin action or a command cannot
bypass the policy.
"""

# Tests catch services.PermissionDenied.
from django.core.exceptions import PermissionDenied, ValidationError  # noqa: F401

from .access import (  # noqa: F401 (re-exported)
    dossier_viewed,
    emergency_access_open,
    emergency_access_report,
    restricted_access_record,
)
from .adulthood import (  # noqa: F401 (re-exported)
    ADULTHOOD_NOTICE_DAYS,
    AdulthoodReport,
    adulthood_sweep,
    parent_access_set,
    sixteen_sweep,
)
from .ask import question_contacts_set  # noqa: F401 (re-exported)
from .common import REQUEST_ROLES  # noqa: F401 (re-exported)
from .contacts import (  # noqa: F401 (re-exported)
    emergency_contact_move,
    emergency_contact_remove,
    emergency_contact_save,
    emergency_sheet_printed,
    parent_contact_update,
)
from .declarations import (  # noqa: F401 (re-exported)
    declaration_basis,
    declaration_record,
)
from .dossier import (  # noqa: F401 (re-exported)
    attachment_add,
    attachment_bytes,
    attachment_content,
    entry_correct,
    revision_values,
    special_record_end,
    special_record_replace,
)
from .entries import (  # noqa: F401 (re-exported)
    agreement_record,
    note_record,
    special_record_add,
    test_result_record,
)
from .erasure import (  # noqa: F401 (re-exported)
    pupil_data_erase,
    voluntary_data_erase,
    voluntary_sweep,
)
from .grants import (  # noqa: F401 (re-exported)
    group_assign_teacher,
    group_unassign_teacher,
    pupil_assign_care_coordinator,
    teachers_take_on,
)
from .holds import hold_lift, hold_place  # noqa: F401 (re-exported)
from .invitations import (  # noqa: F401 (re-exported)
    INVITATION_DAYS,
    invitation_accept,
    invitation_create,
    invitation_decline,
    invitation_for_token,
    invitation_link_accept,
    invitation_send,
    invitations_send_pending,
    parent_invite,
)
from .parents import (  # noqa: F401 (re-exported)
    guardianship_update,
    parent_contacts_set,
    parent_link,
    parents_link_many,
)
from .pupils import (  # noqa: F401 (re-exported)
    _set_bsn_index,  # bench/imports.py (floor_rows) indexes the BSN as the services do
    pupil_change_group,
    pupil_create,
    pupil_update,
    pupils_enrol,
)
from .rectification import (  # noqa: F401 (re-exported)
    ChangedMeanwhile,
    correction_apply,
    statement_record,
)
from .unsent import (  # noqa: F401 (re-exported)
    UNSENT_AFTER,
    unsent_sweep,
)
