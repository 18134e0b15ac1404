"""Who may see and record consents. Built on the pupils policy and the core's roles.

| what                          | who                                                            |
|-------------------------------|----------------------------------------------------------------|
| a pupil's consents (staff)    | whoever may see the pupil (pupils.permissions, VIEW)           |
| filter the pupil list on them | the same: only among the pupils the list shows                 |
| record a paper form           | director, team leader, administrator of the pupil's school     |
| class overview of a group     | its teachers; care coordinator, team leader, director, admin   |
| decide in the portal          | a holder of parental authority (pupil under 16); the pupil 16+ |
| see in the portal             | the same, and a holder of authority of a pupil of 16+ (read)   |
| publications and takedowns    | staff of the school                                            |
| proof export of a school      | its director; the privacy officer of the board                 |
| proof export of a pupil       | the pupil's director; the privacy officer of the board         |
| the scan of a paper form      | paper-form recorders of the school; director; privacy officer  |

Everything else is a 404.
"""

from django.db.models import Q, QuerySet

from pupils.models import Group, Pupil
from pupils.permissions import (
    PortalRight,
    PupilAction,
    PupilPolicy,
    children_of,
    holds_authority,
    own_record,
    portal_right,
    taught_groups,
)
from schoolprivacy.authorization import grants_for, hidden
from schoolprivacy.capabilities import Capability, school_roles_with
from schoolprivacy.models import BoardRole, Role, School

from .models import Decision, Purpose, Takedown

PAPER_ROLES = school_roles_with(Capability.PAPER_CONSENTS)
OVERVIEW_ROLES = school_roles_with(Capability.ALL_GROUPS_CONSENTS)
PUBLICATION_ROLES = school_roles_with(Capability.PUBLICATIONS)


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def pupil_for_staff(user, pk, *, record: bool = False) -> Pupil:
    """A pupil whose consents *user* may see as staff (or, with *record*, record a paper form)."""
    pupil = PupilPolicy().get(user, pk, PupilAction.VIEW)
    if record and not grants_for(user).has_school_role(pupil.school_id, *PAPER_ROLES):
        hidden()
    return pupil


def can_record_paper(user, pupil: Pupil) -> bool:
    return grants_for(user).has_school_role(pupil.school_id, *PAPER_ROLES)


def groups_for_overview(user) -> QuerySet[Group]:
    """The groups whose class overview *user* may open."""
    grants = grants_for(user)
    schools = grants.schools_with(*OVERVIEW_ROLES)
    groups = Group.objects.filter(school_id__in=schools)
    if grants.has_any_role(Role.TEACHER):
        groups = groups | Group.objects.filter(
            pk__in=taught_groups(user), school_id__in=grants.schools_with(Role.TEACHER)
        )
    return groups.select_related("school").distinct()


def may_see_overview(user, group: Group) -> bool:
    """groups_for_overview decided on the group in hand (the same rule, no query)."""
    grants = grants_for(user)
    if grants.has_school_role(group.school_id, *OVERVIEW_ROLES):
        return True
    teaches = grants.has_school_role(group.school_id, Role.TEACHER)
    return teaches and group.pk in taught_groups(user)


def group_for_overview(user, pk) -> Group:
    """The group whose class overview *user* opens, with its school; else 404."""
    group = Group.objects.select_related("school").filter(pk=_int(pk)).first()
    if group is None or not may_see_overview(user, group):
        hidden()
    return group


def pupil_for_portal(user, pk) -> Pupil:
    """A pupil whose consents *user* sees in the portal: own child with authority, or oneself."""
    if not getattr(user, "is_authenticated", False):
        hidden()
    pupil = (
        Pupil.objects.select_related("school", "account")
        .filter(Q(pk__in=children_of(user)) | own_record(user), pk=_int(pk))
        .first()
    )
    if pupil is None:
        hidden()
    return pupil


def sees_consents(user, pupil: Pupil) -> bool:
    """Whether *user* sees the pupil's consents in the portal (pupil_for_portal, for one pupil
    in hand): a holder of parental authority, or the pupil from 16 (who decides them)."""
    right = portal_right(user, pupil)
    return right == PortalRight.SELF or (right is not None and holds_authority(user, pupil))


def portal_pupils(user) -> QuerySet[Pupil]:
    """The pupils whose consents *user* sees in the portal, with school."""
    # One list of ids (a union), not "child OR own account": PostgreSQL answers that OR
    # by reading every pupil, and the menu asks it on every page.
    own = Pupil.objects.filter(own_record(user)).order_by().values("pk")
    return (
        Pupil.objects.filter(pk__in=children_of(user).union(own))
        .select_related("school")
        .order_by("date_of_birth")
    )


def school_for_publications(user, pk) -> School:
    school = School.objects.filter(
        pk=_int(pk), pk__in=grants_for(user).schools_with(*PUBLICATION_ROLES)
    ).first()
    if school is None:
        hidden()
    return school


def schools_for_proof(user) -> QuerySet[School]:
    """Schools whose consent proof *user* may export: as director, or as privacy officer."""
    grants = grants_for(user)
    as_director = School.objects.filter(pk__in=grants.schools_with(Role.DIRECTOR))
    as_officer = School.objects.filter(board_id__in=grants.boards_with(BoardRole.PRIVACY_OFFICER))
    return as_director | as_officer


def school_for_proof(user, pk) -> School:
    school = schools_for_proof(user).filter(pk=_int(pk)).first()
    if school is None:
        hidden()
    return school


def pupil_for_proof(user, pk) -> Pupil:
    pupil = (
        Pupil.objects.select_related("school")
        .filter(pk=_int(pk), school__in=schools_for_proof(user))
        .first()
    )
    if pupil is None:
        hidden()
    return pupil


def purpose_of_school(school_id: int, pk) -> Purpose:
    purpose = Purpose.objects.filter(pk=_int(pk), schools=school_id, active=True).first()
    if purpose is None:
        hidden()
    return purpose


def takedown_of_school(user, school: School, pk) -> Takedown:
    """A takedown task of *school*'s publications, for its staff; else 404."""
    school = school_for_publications(user, school.pk)
    takedown = Takedown.objects.filter(pk=_int(pk), publication__school=school).first()
    if takedown is None:
        hidden()
    return takedown


def publication_pupils_for(user) -> QuerySet[Pupil]:
    """The pupils *user* may name in a publication: those they may see (pupils policy)."""
    return PupilPolicy().scope(user, PupilAction.VIEW)


MANAGE_ROLES = school_roles_with(Capability.MANAGE_PURPOSES)


def schools_for_purposes(user) -> QuerySet[School]:
    """Schools whose consent questions *user* manages: director, administrator, privacy officer."""
    grants = grants_for(user)
    by_role = School.objects.filter(pk__in=grants.schools_with(*MANAGE_ROLES))
    by_board = School.objects.filter(board_id__in=grants.boards_with(BoardRole.PRIVACY_OFFICER))
    return (by_role | by_board).distinct()


def purposes_to_manage(user) -> QuerySet[Purpose]:
    return Purpose.objects.filter(schools__in=schools_for_purposes(user)).distinct()


def purpose_to_manage(user, pk) -> Purpose:
    purpose = purposes_to_manage(user).filter(pk=_int(pk)).first()
    if purpose is None:
        hidden()
    return purpose


EVENT_ROLES = school_roles_with(Capability.CONSENT_EVENTS)


def can_start_events(user, pupil: Pupil) -> bool:
    return grants_for(user).has_school_role(pupil.school_id, *EVENT_ROLES)


def pupil_for_event(user, pk) -> Pupil:
    """A pupil for whom *user* may record an event that brings consent questions; else 404."""
    pupil = PupilPolicy().get(user, pk, PupilAction.VIEW)
    if not can_start_events(user, pupil):
        hidden()
    return pupil


def decision_with_scan(user, pk) -> Decision:
    """A decision recorded from a scanned paper form, for its pupil's paper-form keepers
    (director, team leader, administrator) or the proof keepers (director, privacy officer)."""
    decision = (
        Decision.objects.select_related("pupil").filter(pk=_int(pk)).exclude(scan="").first()
    )
    if decision is None or not (
        can_record_paper(user, decision.pupil)
        or schools_for_proof(user).filter(pk=decision.pupil.school_id).exists()
    ):
        hidden()
    return decision
