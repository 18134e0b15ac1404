"""Views of the dossier: check access through permissions.py, validate, call one service.

The views live in a module per area; this package names those the URLconfs route to
(urls.py, portal_urls.py).
"""

from .administration import (  # noqa: F401 (re-exported)
    declarations,
    guardianship_edit,
    parent_add,
    pupil_change_group,
    pupil_create,
    pupil_edit,
    question_contacts,
    question_contacts_index,
)
from .contacts import (  # noqa: F401 (re-exported)
    emergency_contact_edit,
    emergency_contacts,
    emergency_sheet,
    emergency_sheets,
    parent_contact_edit,
)
from .dossier import (  # noqa: F401 (re-exported)
    entry_add,
    pupil_detail,
    pupil_entries,
    pupil_history,
    pupil_list,
)
from .entries import (  # noqa: F401 (re-exported)
    document_add,
    document_download,
    entry_correct,
    entry_detail,
    special_end,
    special_replace,
)
from .invitations import (  # noqa: F401 (re-exported)
    accept_invitation,
)
from .portal import (  # noqa: F401 (re-exported)
    portal_access_history,
    portal_child,
    portal_contact,
    portal_document,
    portal_entries,
    portal_home,
    portal_parents_access,
)
from .special import (  # noqa: F401 (re-exported)
    emergency_open,
    emergency_search,
    special_add,
    special_list,
)
