"""Who may see and maintain the supplier register.

| what                                        | who                                           |
|---------------------------------------------|-----------------------------------------------|
| maintain suppliers, field sets, recipients  | administrators of the board; privacy officer  |
| a school's public supplier page             | everyone, without logging in                  |
| what a child's suppliers receive            | a parent with parental authority (portal)     |
"""

from django.db.models import QuerySet

from pupils.models import Pupil
from pupils.permissions import PupilPolicy, sees_whole_dossier
from schoolprivacy.authorization import grants_for, hidden
from schoolprivacy.models import Board, BoardRole, Role, School

from .models import Recipient, Supplier


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def boards_to_manage(user) -> QuerySet[Board]:
    """Boards whose register *user* maintains: as administrator of a school, or privacy officer."""
    grants = grants_for(user)
    as_admin = School.objects.filter(pk__in=grants.schools_with(Role.ADMINISTRATOR)).values(
        "board_id"
    )
    return Board.objects.filter(pk__in=as_admin) | Board.objects.filter(
        pk__in=grants.boards_with(BoardRole.PRIVACY_OFFICER)
    )


def suppliers_to_manage(user) -> QuerySet[Supplier]:
    return Supplier.objects.filter(board__in=boards_to_manage(user))


def supplier_to_manage(user, pk) -> Supplier:
    supplier = suppliers_to_manage(user).filter(pk=_int(pk)).first()
    if supplier is None:
        hidden()
    return supplier


def recipient_to_manage(user, pk) -> Recipient:
    recipient = Recipient.objects.filter(board__in=boards_to_manage(user), pk=_int(pk)).first()
    if recipient is None:
        hidden()
    return recipient


def public_school(brin: str) -> School:
    school = School.objects.filter(brin__iexact=brin).select_related("board").first()
    if school is None:
        hidden()
    return school


def child_for_portal(user, pk) -> Pupil:
    """A pupil whose whole dossier *user* sees in the portal (a child with parental authority,
    or oneself from 16); else 404."""
    pupil = PupilPolicy().own_child(user, pk)
    if not sees_whole_dossier(user, pupil):
        hidden()
    return pupil


def breaches_for(user) -> QuerySet:
    """The breach register of the boards where *user* is the privacy officer."""
    from .models import Breach

    return Breach.objects.filter(
        board_id__in=grants_for(user).boards_with(BoardRole.PRIVACY_OFFICER)
    )


def breach_for(user, pk):
    breach = breaches_for(user).filter(pk=_int(pk)).first()
    if breach is None:
        hidden()
    return breach


def privacy_officer_boards(user) -> QuerySet[Board]:
    return Board.objects.filter(pk__in=grants_for(user).boards_with(BoardRole.PRIVACY_OFFICER))


def activity_to_manage(user, pk):
    """A processing activity of the privacy officer's board; else 404."""
    from .models import ProcessingActivity

    activity = ProcessingActivity.objects.filter(
        pk=_int(pk), board__in=privacy_officer_boards(user)
    ).first()
    if activity is None:
        hidden()
    return activity


def public_document(school: School, pk):
    """A privacy document of the school's board that applies now (public); else 404."""
    from . import selectors

    document = next(
        (d for d in selectors.current_documents(board_id=school.board_id) if d.pk == _int(pk)),
        None,
    )
    if document is None:
        hidden()
    return document
