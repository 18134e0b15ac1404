"""Who may see and handle data-subject requests. Built on schoolprivacy.authorization.

| what                                    | who                                               |
|-----------------------------------------|---------------------------------------------------|
| ask (portal)                            | a holder of parental authority; from 16 the pupil |
| see own requests and answers (portal)   | the person who asked, nobody else (a request is   |
|                                         | the requester's own data, also towards the other  |
|                                         | parent)                                           |
| download a copy                         | the person who asked, after logging in again,     |
|                                         | until it expires                                  |
| handle: decide, extend, answer, record  | the school's routed handlers (SchoolRouting:      |
| a paper request, see the contents       | director, team leader or both), and its director  |
| see the board's requests (oversight)    | the privacy officer: kinds, dates, status, course;|
|                                         | never the contents or the dossier                 |
| filter the pupil list on an open request| who sees requests (above), on the pupils they may |
|                                         | see anyway (the pupils policy)                    |
| routing of a school                     | director and administrator; the privacy officer   |
| extra holidays of the board             | the privacy officer                               |
| legal hold on a pupil                   | the school's director and team leader             |
| retention report                        | the privacy officer                               |

Everything else is a 404.
"""

from enum import StrEnum

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from consents.rules import pupil_decides
from pupils.models import Guardianship, Pupil
from pupils.permissions import PupilAction, PupilPolicy, acting_for, acts_for, own_record
from schoolprivacy.authorization import AccessPolicy, grants_for, hidden
from schoolprivacy.capabilities import Capability, school_roles_with
from schoolprivacy.models import Board, BoardRole, Role, School
from schoolprivacy.selectors import rows_exist

from .models import DEFAULT_HANDLER_ROLES, DataRequest, SchoolRouting


class RequestAction(StrEnum):
    VIEW = "view"
    HANDLE = "handle"


SETTINGS_ROLES = school_roles_with(Capability.REQUEST_SETTINGS)
HOLD_ROLES = school_roles_with(Capability.HANDLE_REQUESTS)


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def handler_roles_of(school_ids) -> dict[int, tuple[str, ...]]:
    """Per school, the roles that handle its requests (one query)."""
    routed = dict(
        SchoolRouting.objects.filter(school_id__in=list(school_ids)).values_list(
            "school_id", "handler_roles"
        )
    )
    return {sid: tuple(routed.get(sid) or DEFAULT_HANDLER_ROLES) for sid in school_ids}


def handler_schools(user) -> frozenset[int]:
    """Schools whose requests *user* handles: as routed handler, or as director. Cached."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, "_schoolprivacy_handler_schools", None)
    if cached is not None:
        return cached
    grants = grants_for(user)
    candidates = grants.schools_with(Role.DIRECTOR, Role.TEAM_LEADER)
    routing = handler_roles_of(candidates) if candidates else {}
    schools = frozenset(
        school_id
        for school_id in candidates
        if grants.has_school_role(school_id, Role.DIRECTOR, *routing[school_id])
    )
    user._schoolprivacy_handler_schools = schools
    return schools


class RequestPolicy(AccessPolicy[DataRequest]):
    """Staff access to requests: handlers of the school; the privacy officer reads the board's."""

    model = DataRequest

    def scope(self, user, action=RequestAction.VIEW) -> QuerySet[DataRequest]:
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return DataRequest.objects.none()
        # By the pupil's school now: a request follows a pupil who moves within the board.
        condition = Q(pupil__school_id__in=handler_schools(user))
        if action == RequestAction.VIEW:
            boards = grants_for(user).boards_with(BoardRole.PRIVACY_OFFICER)
            condition |= Q(board_id__in=boards)
        return DataRequest.objects.filter(condition)

    def actions(self, user, request: DataRequest) -> frozenset[RequestAction]:
        if request.pupil.school_id in handler_schools(user):
            return frozenset({RequestAction.VIEW, RequestAction.HANDLE})
        if request.board_id in grants_for(user).boards_with(BoardRole.PRIVACY_OFFICER):
            return frozenset({RequestAction.VIEW})
        return frozenset()

    def own(self, user, pk) -> DataRequest:
        """A request *user* made (portal); anyone else's is a 404."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            hidden()
        request = (
            DataRequest.objects.select_related("pupil", "school")
            .filter(pk=_int(pk), requester=user)
            .first()
        )
        if request is None:
            hidden()
        return request


def pupil_for_requester(user, pk) -> Pupil:
    """A pupil *user* may ask about: an own child with parental authority, or oneself (16+).

    A parent without authority, or anyone else, gets a 404.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        hidden()
    pupil = (
        Pupil.objects.select_related("school", "group", "account")
        .filter(
            Q(guardianships__parent=user, guardianships__has_parental_authority=True)
            | own_record(user),
            pk=_int(pk),
            anonymised_at__isnull=True,
        )
        .distinct()
        .first()
    )
    if pupil is None:
        hidden()
    return pupil


def may_ask_about(user, pupil: Pupil) -> bool:
    """Whether *user* may ask about *pupil* now (as requesters_pupils, for one pupil in hand):
    a holder of parental authority under 16, the pupil from 16."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if pupil.anonymised_at is not None:
        return False
    return acts_for(user, pupil)


def requesters_pupils(user) -> QuerySet[Pupil]:
    """Every pupil *user* may ask about now, for the portal (acts_for, as a query)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Pupil.objects.none()
    return (
        Pupil.objects.filter(acting_for(user), anonymised_at__isnull=True)
        .select_related("school")
        .distinct()
        .order_by("date_of_birth", "pk")
    )


def asked_before(user) -> bool:
    """Whether *user* made a request (the menu shows it to a former parent too)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return rows_exist((DataRequest, {"requester": user.pk}))[0]


def requester_role(pupil: Pupil, person, day=None) -> str:
    """In which role *person* exercises the pupil's rights; ValidationError if they may not.

    GDPR Art. 8 and UAVG art. 5: under 16 the holders of parental authority act for
    the child; from 16 the pupil exercises the rights alone.
    """
    day = day or timezone.localdate()
    if pupil_decides(pupil.date_of_birth, day):
        if pupil.account_id and person.pk == pupil.account_id:
            return DataRequest.RequesterRole.PUPIL
        raise ValidationError(
            _(
                "%(name)s is 16 or older and exercises these rights alone: %(name)s can ask "
                "the school, in the portal or in person."
            )
            % {"name": pupil.first_name},
            code="pupil_decides",
        )
    if Guardianship.objects.filter(
        pupil=pupil, parent=person, has_parental_authority=True
    ).exists():
        return DataRequest.RequesterRole.PARENT
    raise ValidationError(
        _("Only a parent with parental authority can ask this for the child."),
        code="no_authority",
    )


def pupil_for_intake(user, pk) -> Pupil:
    """A pupil for whom *user* may record a request that came on paper or by e-mail."""
    pupil = PupilPolicy().get(user, pk, PupilAction.VIEW)
    if pupil.school_id not in handler_schools(user):
        hidden()
    return pupil


def can_record(user, pupil: Pupil) -> bool:
    return pupil.school_id in handler_schools(user)


def schools_for_settings(user) -> QuerySet[School]:
    """Schools whose routing *user* sets: director or administrator, or the privacy officer."""
    grants = grants_for(user)
    by_role = School.objects.filter(pk__in=grants.schools_with(*SETTINGS_ROLES))
    by_board = School.objects.filter(board_id__in=grants.boards_with(BoardRole.PRIVACY_OFFICER))
    return (by_role | by_board).distinct()


def school_for_settings(user, pk) -> School:
    school = schools_for_settings(user).filter(pk=_int(pk)).first()
    if school is None:
        hidden()
    return school


def boards_for_settings(user) -> QuerySet[Board]:
    """Boards whose extra holidays *user* keeps: the privacy officer (they count board-wide)."""
    return Board.objects.filter(pk__in=grants_for(user).boards_with(BoardRole.PRIVACY_OFFICER))


def board_for_settings(user, pk) -> Board:
    board = boards_for_settings(user).filter(pk=_int(pk)).first()
    if board is None:
        hidden()
    return board


def pupil_for_hold(user, pk) -> Pupil:
    """A pupil on whose data *user* may place or lift a legal hold: director, team leader."""
    pupil = PupilPolicy().get(user, pk, PupilAction.VIEW)
    if not grants_for(user).has_school_role(pupil.school_id, *HOLD_ROLES):
        hidden()
    return pupil


def can_hold(user, pupil: Pupil) -> bool:
    return grants_for(user).has_school_role(pupil.school_id, *HOLD_ROLES)


def officer_boards(user) -> QuerySet[Board]:
    return Board.objects.filter(pk__in=grants_for(user).boards_with(BoardRole.PRIVACY_OFFICER))
