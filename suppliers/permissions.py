"""Who may see and maintain the supplier register.

The register is the board's, and its schools share most of it: a supplier's own data
(name, category, contact, leaflet, processor agreement), a legal recipient's own data,
the field sets and documents of the board. Each school has its own part: whether it
uses a supplier or a recipient, what a supplier receives from it (a field set of the
school) and its own documents. A school's administrator keeps the own school's part; a
board role keeps all of it (keeps()). The services ask the same question before they
write, so a change outside the user's part is refused however it arrives.

| what                                                 | who                                   |
|------------------------------------------------------|---------------------------------------|
| see the board's register, download its PDFs          | the keepers below, for their board    |
| a school's part: uses, field sets, documents         | its administrator; the board roles    |
| the board's part: a supplier's or recipient's own    | privacy officer, board administrator  |
| data, field sets and documents for every school      |                                       |
| add a supplier or recipient, for one's own schools   | all keepers; the processor agreement  |
|                                                      | only the board roles                  |
| a school's public supplier page                      | everyone, without logging in          |
| what a child's suppliers receive                     | a parent with parental authority      |
| the breach register and the processing register      | privacy officer                       |
"""

from django.db.models import Q, QuerySet

from pupils.models import Pupil
from pupils.permissions import PupilPolicy, sees_whole_dossier
from schoolprivacy.authorization import AccessPolicy, Action, grants_for, hidden
from schoolprivacy.capabilities import Capability, board_roles_with, school_roles_with
from schoolprivacy.models import Board, BoardRole, School

from .models import Breach, ProcessingActivity, Recipient, Supplier

#: Keep the part of one school: the school's own administrator.
SCHOOL_KEEPERS = school_roles_with(Capability.KEEP_SCHOOL_REGISTER)
#: Keep the whole register of the board, including what its schools share.
BOARD_KEEPERS = board_roles_with(Capability.KEEP_BOARD_REGISTER)


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def boards_to_manage(user) -> QuerySet[Board]:
    """Boards whose register *user* keeps, wholly (a board role) or for a school."""
    grants = grants_for(user)
    as_school = School.objects.filter(pk__in=grants.schools_with(*SCHOOL_KEEPERS)).values(
        "board_id"
    )
    return Board.objects.filter(Q(pk__in=as_school) | Q(pk__in=grants.boards_with(*BOARD_KEEPERS)))


def keeps_board(user, board_id: int) -> bool:
    """Whether *user* keeps the board's own part: what all its schools share."""
    return board_id in grants_for(user).boards_with(*BOARD_KEEPERS)


def keeps(user, *, board_id: int, school: School | None = None) -> bool:
    """Whether *user* keeps this part of the board's register: one school's part, or the
    board's own part (*school* None). The one rule every view, form and service asks."""
    if keeps_board(user, board_id):
        return school is None or school.board_id == board_id
    return (
        school is not None
        and school.board_id == board_id
        and grants_for(user).has_school_role(school.pk, *SCHOOL_KEEPERS)
    )


def schools_kept(user, board_id: int) -> QuerySet[School]:
    """The schools of the board whose part *user* keeps: all of them for a board role."""
    schools = School.objects.filter(board_id=board_id).order_by("name")
    if keeps_board(user, board_id):
        return schools
    return schools.filter(pk__in=grants_for(user).schools_with(*SCHOOL_KEEPERS))


def only_school(user) -> School | None:
    """The school of a user who keeps one school's part and no board's; else None."""
    grants = grants_for(user)
    ids = grants.schools_with(*SCHOOL_KEEPERS)
    if grants.boards_with(*BOARD_KEEPERS) or len(ids) != 1:
        return None
    return School.objects.filter(pk__in=ids).first()


class _RegisterPolicy(AccessPolicy):
    """A row of a board's register: every keeper of the board sees it and keeps their own
    schools' part of it (VIEW); its own data, which the schools share, is changed by a
    board role (CHANGE)."""

    def scope(self, user, action: str = Action.VIEW) -> QuerySet:
        if action == Action.VIEW:
            return self.model.objects.filter(board__in=boards_to_manage(user))
        if action == Action.CHANGE:
            return self.model.objects.filter(
                board_id__in=grants_for(user).boards_with(*BOARD_KEEPERS)
            )
        return self.model.objects.none()


class SupplierPolicy(_RegisterPolicy):
    model = Supplier


class RecipientPolicy(_RegisterPolicy):
    model = Recipient


SUPPLIERS = SupplierPolicy()
RECIPIENTS = RecipientPolicy()


def suppliers_to_manage(user) -> QuerySet[Supplier]:
    return SUPPLIERS.scope(user, Action.VIEW)


def supplier_to_manage(user, pk) -> Supplier:
    """A supplier of a board whose register *user* keeps (for a school or wholly); else 404."""
    return SUPPLIERS.get(user, _int(pk), Action.VIEW)


def recipient_to_manage(user, pk) -> Recipient:
    """A legal recipient of a board whose register *user* keeps; else 404."""
    return RECIPIENTS.get(user, _int(pk), Action.VIEW)


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
    activity = ProcessingActivity.objects.filter(
        pk=_int(pk), board__in=privacy_officer_boards(user)
    ).first()
    if activity is None:
        hidden()
    return activity


def public_document(school: School, pk):
    """A privacy document that applies to the school now (public); else 404."""
    from . import selectors

    document = next(
        (d for d in selectors.current_documents(school=school) if d.pk == _int(pk)),
        None,
    )
    if document is None:
        hidden()
    return document
