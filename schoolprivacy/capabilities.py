"""What each role may do, in one table: role → capability.

Views (``@require_capability``), the menu (``can``) and the apps' role constants ask
for a capability, never for a list of role names, so a new role or a changed duty
touches this table and its tests (tests/core/test_capabilities.py, the route matrix
and the permission matrices), not every app. Which pupils, schools or records a
capability reaches is still each app's access policy (its ``permissions.py``).
"""

from enum import StrEnum

from .authorization import Grants, require_roles
from .models import BoardRole, Role


class Capability(StrEnum):
    SEE_PUPILS = "see_pupils"  # the pupil list, the dossier (as the policy allows), break-glass
    # The pupil administration: enrol a pupil by hand, change its details, its parents and
    # their invitations, the teachers' access.
    PUPIL_ADMINISTRATION = "pupil_administration"
    EMERGENCY_SHEETS = "emergency_sheets"  # the printed sheets of a group's medical data
    CLASS_CONSENTS = "class_consents"  # who may be in the photo, per group
    ALL_GROUPS_CONSENTS = "all_groups_consents"  # that, for every group of the school
    PAPER_CONSENTS = "paper_consents"  # record the answers a parent gave on paper
    CONSENT_EVENTS = "consent_events"  # record an event that asks a question again
    PUBLICATIONS = "publications"  # record where photos and videos were published
    MANAGE_PURPOSES = "manage_purposes"  # the consent questions and their texts
    QUESTION_CONTACTS = "question_contacts"  # whom parents and pupils ask about what
    CONSENT_RECORDS = "consent_records"  # the proof of every consent decision
    HANDLE_REQUESTS = "handle_requests"  # data-subject requests (handling as routing says)
    REQUEST_SETTINGS = "request_settings"  # who handles, extra holidays
    RETENTION_REPORT = "retention_report"  # the retention sweep's reports, legal holds
    IMPORT = "import"  # the import from the pupil administration
    MANAGE_STAFF = "manage_staff"  # staff and groups of a school
    MANAGE_BOARD_STAFF = "manage_board_staff"  # staff with a role at the board
    KEEP_SCHOOL_REGISTER = "keep_school_register"  # the suppliers a school uses
    KEEP_BOARD_REGISTER = "keep_board_register"  # the board's supplier register
    OVERSEE = "oversee"  # the breach and processing registers (Art. 30, 33)
    SIGN_IN_SETTINGS = "sign_in_settings"  # the board's identity providers for staff
    SIGN_IN_LOG = "sign_in_log"  # the sign-ins through them, failed ones first


_EVERY_SCHOOL_ROLE = frozenset(Role)

CAPABILITIES: dict[Capability, frozenset[str]] = {
    Capability.SEE_PUPILS: _EVERY_SCHOOL_ROLE,
    Capability.PUPIL_ADMINISTRATION: frozenset({Role.DIRECTOR, Role.ADMINISTRATOR}),
    Capability.EMERGENCY_SHEETS: frozenset({Role.TEACHER, Role.DIRECTOR}),
    Capability.CLASS_CONSENTS: _EVERY_SCHOOL_ROLE,
    Capability.ALL_GROUPS_CONSENTS: frozenset(
        {Role.CARE_COORDINATOR, Role.TEAM_LEADER, Role.DIRECTOR, Role.ADMINISTRATOR}
    ),
    Capability.PAPER_CONSENTS: frozenset({Role.DIRECTOR, Role.TEAM_LEADER, Role.ADMINISTRATOR}),
    Capability.CONSENT_EVENTS: frozenset(
        {Role.CARE_COORDINATOR, Role.TEAM_LEADER, Role.DIRECTOR, Role.ADMINISTRATOR}
    ),
    Capability.PUBLICATIONS: _EVERY_SCHOOL_ROLE,
    Capability.MANAGE_PURPOSES: frozenset(
        {Role.DIRECTOR, Role.ADMINISTRATOR, BoardRole.PRIVACY_OFFICER}
    ),
    Capability.QUESTION_CONTACTS: frozenset({Role.DIRECTOR, Role.ADMINISTRATOR}),
    Capability.CONSENT_RECORDS: frozenset({Role.DIRECTOR, BoardRole.PRIVACY_OFFICER}),
    Capability.HANDLE_REQUESTS: frozenset(
        {Role.DIRECTOR, Role.TEAM_LEADER, BoardRole.PRIVACY_OFFICER}
    ),
    Capability.REQUEST_SETTINGS: frozenset(
        {Role.DIRECTOR, Role.ADMINISTRATOR, BoardRole.PRIVACY_OFFICER}
    ),
    Capability.RETENTION_REPORT: frozenset({BoardRole.PRIVACY_OFFICER}),
    Capability.IMPORT: frozenset({Role.ADMINISTRATOR, Role.DIRECTOR}),
    Capability.MANAGE_STAFF: frozenset(
        {Role.ADMINISTRATOR, Role.DIRECTOR, BoardRole.BOARD_ADMINISTRATOR}
    ),
    Capability.MANAGE_BOARD_STAFF: frozenset({BoardRole.BOARD_ADMINISTRATOR}),
    Capability.KEEP_SCHOOL_REGISTER: frozenset({Role.ADMINISTRATOR}),
    Capability.KEEP_BOARD_REGISTER: frozenset(
        {BoardRole.PRIVACY_OFFICER, BoardRole.BOARD_ADMINISTRATOR}
    ),
    Capability.OVERSEE: frozenset({BoardRole.PRIVACY_OFFICER}),
    Capability.SIGN_IN_SETTINGS: frozenset({BoardRole.BOARD_ADMINISTRATOR}),
    Capability.SIGN_IN_LOG: frozenset({BoardRole.PRIVACY_OFFICER, BoardRole.BOARD_ADMINISTRATOR}),
}


def roles_with(*capabilities: Capability) -> frozenset[str]:
    """Every role that has one of *capabilities*."""
    return frozenset().union(*(CAPABILITIES[c] for c in capabilities))


def school_roles_with(*capabilities: Capability) -> tuple[str, ...]:
    """The school roles (not the board roles) with one of *capabilities*, in Role's order."""
    roles = roles_with(*capabilities)
    return tuple(role for role in Role if role in roles)


def board_roles_with(*capabilities: Capability) -> tuple[str, ...]:
    """The board roles with one of *capabilities*, in BoardRole's order."""
    roles = roles_with(*capabilities)
    return tuple(role for role in BoardRole if role in roles)


def can(grants: Grants, *capabilities: Capability) -> bool:
    """Whether the holder of *grants* has one of *capabilities* somewhere."""
    return grants.has_any_role(*roles_with(*capabilities))


def require_capability(*capabilities: Capability):
    """A view decorator: logged in, with one of *capabilities* somewhere; others get 404."""
    roles = roles_with(*capabilities)
    return require_roles(
        *(r for r in roles if r in Role.values),
        board_roles=[r for r in roles if r not in Role.values],
    )
