"""Who may see and record what of a pupil's dossier. Nothing else decides.

Built on schoolprivacy.authorization: roles from memberships, object grants
from django-guardian's direct foreign-key tables (a teacher on a group, a care
coordinator on a pupil), parents from the guardianship. Everything a user may
not see is a 404.

Staff (PupilPolicy.scope / actions):

| action           | teacher    | care coord.       | team leader | director | admin  |
|------------------|------------|-------------------|-------------|----------|--------|
| view pupil       | own groups | school + assigned | school      | school   | school |
| view dossier     | own groups | school + assigned | school      | school   | –      |
| record entries   | own groups | school + assigned | school      | school   | –      |
| correct anyone's | –          | school + assigned | –           | school   | –      |
| view BSN         | –          | –                 | –           | school   | school |
| edit pupil data  | –          | –                 | –           | school   | school |
| manage parents   | –          | –                 | –           | school   | school |
| parents' phones  | own groups | –                 | –           | school   | school |
| parents' address | –          | –                 | –           | school   | school |
| declarations     | –          | –                 | –           | school   | school |
| audit history    | –          | –                 | school      | school   | –      |
| emergency access | school     | school            | school      | school   | school |

Whoever may record corrects their own entries; CORRECT_ANY corrects anyone's
(EntryPolicy). The parents' phone numbers (VIEW_PHONES) go with the pupil's
emergency contacts, and MANAGE_PARENTS keeps both. The class emergency sheet
(GroupPolicy) is for the group's own teachers and the school's director.

The portal (PupilPolicy.own_child, portal_right) shows a pupil's dossier to:

* a parent with parental authority: everything it holds, and who looked;
* a parent with the information right only: the progress (entries), never special
  categories or the BSN;
* the pupil, from the own account (16+): everything, in their own words (je/jouw);
* from 18, when parental authority has ended (Civil Code 1:233, carried out by the
  adulthood sweep), a parent only while the pupil grants it: read only.

Never the staff pages, which show the other parent. A parent sees their own address
and phone numbers (ParentContact), never the other parent's.

A restriction or an objection (ProcessingHold, GDPR Art. 18 and 21) takes from
staff what touches the data it holds: the dossier (view, record) under
"dossier", the BSN, personal data and parents under "administration", the
special-category kinds under "special", and, for a hold on single items, those
items. The safety kinds (medical information and allergies, medication, protocols)
stay with the staff who need them: they rest on the child's vital interests
(GDPR Art. 6(1)(d), 9(2)(c)), which an objection (Art. 21) does not reach, and a
restriction allows their use to protect the child (Art. 18(2)). A restricted safety
record is *guarded*: it shows as restricted, and every look asks a reason, which is
kept (RestrictedAccess) and logged. Parents keep seeing everything. An anonymised
pupil (erased administration) is nobody's any more.

Special-category records, per kind (SPECIAL_KINDS_BY_ROLE): the care
coordinator sees all kinds; teachers see what they need for safety (medical,
medication, protocol) for their own groups; team leaders and directors the
safety kinds and custody arrangements of their school; a parent with
authority sees everything on their own child. Break-glass access opens the
safety kinds of one pupil to any member of staff of the school for an hour.
The privacy officer sees no dossier contents.
"""

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.utils import timezone

from schoolprivacy.authorization import AccessPolicy, Grants, grants_for, hidden
from schoolprivacy.models import Role
from schoolprivacy.selectors import rows_exist

from . import ages
from .models import (
    RESTRICTING_HOLDS,
    Agreement,
    DataCategory,
    EmergencyAccess,
    Group,
    GroupUserObjectPermission,
    Guardianship,
    Note,
    ParentDeclaration,
    ProcessingHold,
    Pupil,
    PupilUserObjectPermission,
    SpecialRecord,
    TestResult,
)


class PupilAction(StrEnum):
    VIEW = "view"
    VIEW_DOSSIER = "view_dossier"
    RECORD = "record"
    VIEW_BSN = "view_bsn"
    EDIT = "edit"
    MANAGE_PARENTS = "manage_parents"
    VIEW_HISTORY = "view_history"
    EMERGENCY = "emergency"
    DECLARATIONS = "declarations"
    VIEW_PHONES = "view_phones"  # the parents' phone numbers
    VIEW_ADDRESS = "view_address"  # the parents' addresses
    CORRECT_ANY = "correct_any"  # correct anyone's dossier entry (one's own: RECORD)


Kind = SpecialRecord.Kind
SAFETY_KINDS = frozenset({Kind.MEDICAL, Kind.MEDICATION, Kind.PROTOCOL})
ALL_KINDS = frozenset(Kind)

#: Special-category kinds each school role may read.
SPECIAL_KINDS_BY_ROLE = {
    Role.CARE_COORDINATOR: ALL_KINDS,
    Role.TEAM_LEADER: SAFETY_KINDS | {Kind.CUSTODY},
    Role.DIRECTOR: SAFETY_KINDS | {Kind.CUSTODY},
    Role.TEACHER: SAFETY_KINDS,
}
#: Special-category kinds each school role may record.
SPECIAL_KINDS_WRITABLE_BY_ROLE = {
    Role.CARE_COORDINATOR: ALL_KINDS,
    Role.DIRECTOR: frozenset({Kind.CUSTODY}),
}
#: How long a break-glass access stays open.
EMERGENCY_MINUTES = 60

# School-wide roles per action (teachers and assigned care coordinators come on top).
_SCHOOL_ROLES = {
    PupilAction.VIEW: (Role.CARE_COORDINATOR, Role.TEAM_LEADER, Role.DIRECTOR, Role.ADMINISTRATOR),
    PupilAction.VIEW_DOSSIER: (Role.CARE_COORDINATOR, Role.TEAM_LEADER, Role.DIRECTOR),
    PupilAction.RECORD: (Role.CARE_COORDINATOR, Role.TEAM_LEADER, Role.DIRECTOR),
    PupilAction.CORRECT_ANY: (Role.CARE_COORDINATOR, Role.DIRECTOR),
    PupilAction.VIEW_BSN: (Role.DIRECTOR, Role.ADMINISTRATOR),
    PupilAction.EDIT: (Role.DIRECTOR, Role.ADMINISTRATOR),
    PupilAction.MANAGE_PARENTS: (Role.DIRECTOR, Role.ADMINISTRATOR),
    PupilAction.VIEW_HISTORY: (Role.TEAM_LEADER, Role.DIRECTOR),
    PupilAction.EMERGENCY: tuple(Role),
    PupilAction.DECLARATIONS: (Role.DIRECTOR, Role.ADMINISTRATOR),
    PupilAction.VIEW_PHONES: (Role.DIRECTOR, Role.ADMINISTRATOR),
    PupilAction.VIEW_ADDRESS: (Role.DIRECTOR, Role.ADMINISTRATOR),
}
_ASSIGNED_ACTIONS = {
    PupilAction.VIEW,
    PupilAction.VIEW_DOSSIER,
    PupilAction.RECORD,
    PupilAction.CORRECT_ANY,
}
# The pupil's own teachers reach the parents by phone; the address is for the office.
_TEACHER_ACTIONS = {
    PupilAction.VIEW,
    PupilAction.VIEW_DOSSIER,
    PupilAction.RECORD,
    PupilAction.VIEW_PHONES,
}
#: The data an action touches: a restriction or objection on it takes the action away.
_ACTION_DATA = {
    PupilAction.VIEW_DOSSIER: DataCategory.DOSSIER,
    PupilAction.RECORD: DataCategory.DOSSIER,
    PupilAction.CORRECT_ANY: DataCategory.DOSSIER,
    PupilAction.VIEW_BSN: DataCategory.ADMINISTRATION,
    PupilAction.EDIT: DataCategory.ADMINISTRATION,
    PupilAction.MANAGE_PARENTS: DataCategory.ADMINISTRATION,
    PupilAction.VIEW_PHONES: DataCategory.ADMINISTRATION,
    PupilAction.VIEW_ADDRESS: DataCategory.ADMINISTRATION,
    PupilAction.DECLARATIONS: DataCategory.DECLARATION,
}


def restricted(category: str, pupil_ref="pk") -> Exists:
    """True for a pupil whose whole *category* is held by a restriction or an objection."""
    return Exists(
        ProcessingHold.objects.filter(
            pupil_id=OuterRef(pupil_ref),
            kind__in=RESTRICTING_HOLDS,
            lifted_at__isnull=True,
            categories__contains=[category],
            items=[],
        )
    )


def taught_groups(user) -> list[int]:
    """Ids of the groups *user* teaches (django-guardian grants on Group).

    Read once and kept on the user object for the request, like the grants: a page
    asks it in several pupil queries, and a short list of ids is cheaper in each of
    them than the same subquery built and run again.
    """
    cached = getattr(user, "_schoolprivacy_taught_groups", None)
    if cached is None:
        cached = list(
            GroupUserObjectPermission.objects.filter(
                user=user, permission__codename="teach_group"
            ).values_list("content_object_id", flat=True)
        )
        user._schoolprivacy_taught_groups = cached
    return cached


def assigned_pupils(user) -> QuerySet:
    """Ids of the pupils assigned to *user* as care coordinator (grants on Pupil)."""
    return PupilUserObjectPermission.objects.filter(
        user=user, permission__codename="follow_pupil"
    ).values("content_object_id")


def assigned_pupil_ids(user) -> list[int]:
    """The ids of assigned_pupils(user), read once per request and kept on the user."""
    cached = getattr(user, "_schoolprivacy_assigned_pupils", None)
    if cached is None:
        cached = list(assigned_pupils(user).values_list("content_object_id", flat=True))
        user._schoolprivacy_assigned_pupils = cached
    return cached


@dataclass(frozen=True)
class PortalStanding:
    """What brings *user* to the parent portal, for the menus of every app."""

    guardian: bool  #: a parent or carer of some pupil (whatever the rights)
    authority: bool  #: holds parental authority over some pupil
    own_account: bool  #: a pupil with an account of their own (16+)


def portal_standing(user) -> PortalStanding:
    """*user*'s standing in the portal, in one query, kept on the user for the request."""
    standing = getattr(user, "_schoolprivacy_portal_standing", None)
    if standing is None:
        standing = PortalStanding(
            *rows_exist(
                (Guardianship, {"parent": user.pk}),
                (Guardianship, {"parent": user.pk, "has_parental_authority": True}),
                (Pupil, {"account": user.pk}),
            )
        )
        user._schoolprivacy_portal_standing = standing
    return standing


def guardians(pupil: Pupil) -> list[Guardianship]:
    """The pupil's parents and guardians with their accounts, in the order they were added,
    each with ``declared``: whether that parent made a declaration for the funding rules.

    Read once per pupil object and kept on it: the portal's own rule (guardianship), the
    pupil page and the sections other apps add to it share one read.
    """
    cached = getattr(pupil, "_schoolprivacy_guardians", None)
    if cached is None:
        cached = list(
            Guardianship.objects.filter(pupil=pupil)
            .select_related("parent")
            .annotate(
                declared=Exists(
                    ParentDeclaration.objects.filter(
                        pupil_id=OuterRef("pupil_id"), parent_id=OuterRef("parent_id")
                    )
                )
            )
            .order_by("pk")
        )
        pupil._schoolprivacy_guardians = cached
    return cached


def guardianship(user, pupil: Pupil) -> Guardianship | None:
    """*user*'s guardianship of *pupil*, or None (one of guardians: read once per pupil).

    Kept on the user by the pupil's key too, for the sections that read the pupil again.
    """
    known = user.__dict__.setdefault("_schoolprivacy_guardianships", {})
    if pupil.pk not in known:
        known[pupil.pk] = next((g for g in guardians(pupil) if g.parent_id == user.pk), None)
    return known[pupil.pk]


def holds_authority(user, pupil: Pupil) -> bool:
    """Whether *user* holds parental authority over *pupil*."""
    found = guardianship(user, pupil)
    return found is not None and found.has_parental_authority


def guardianships_in_portal(user, *, information_right: bool = True, day=None) -> QuerySet:
    """*user*'s guardianships that bring a child to the portal: parental authority, and (with
    *information_right*) the information right or, from 16, the pupil's grant.

    portal_right decides the same for one pupil in hand.
    """
    rights = Q(has_parental_authority=True)
    if information_right:
        deciding = ages.born_by(day or timezone.localdate(), ages.CONSENT_AGE)
        rights |= Q(has_information_right=True) | Q(
            access_granted_at__isnull=False, pupil__date_of_birth__lte=deciding
        )
    return Guardianship.objects.filter(rights, parent=user)


def children_of(user, *, information_right: bool = False) -> QuerySet:
    """Ids of *user*'s children: with parental authority, or also with the information right
    or the access an adult pupil grants (guardianships_in_portal)."""
    return guardianships_in_portal(user, information_right=information_right).values("pupil_id")


def own_record(user, day=None) -> Q:
    """The pupil whose own account *user* is, from 16 (before, the parents act for them)."""
    return Q(
        account=user,
        date_of_birth__lte=ages.born_by(day or timezone.localdate(), ages.CONSENT_AGE),
    )


class PortalRight(StrEnum):
    """Why *user* sees a pupil in the portal (portal_right)."""

    SELF = "self"  #: the pupil's own account (16+)
    #: a holder of parental authority over a pupil under 16, or over an adult pupil where the
    #: school recorded it again after 18 (a guardian appointed by the court)
    AUTHORITY = "authority"
    GRANTED = "granted"  #: a parent the pupil of 16+ lets see the whole dossier (read only)
    #: progress only: the information right, or parental authority over a pupil of 16 or 17
    #: who has not let this parent see the whole dossier
    INFORMATION = "information"


def portal_right(user, pupil: Pupil, day=None) -> PortalRight | None:
    """What brings *user* to *pupil* in the portal, or None (guardianships_in_portal and
    own_record decide the same as queries).

    From 16 the pupil exercises their own rights (UAVG art. 5), so the pupil decides which
    parent sees the whole dossier, who looked at it and who receives it: a parent with
    parental authority over a pupil of 16 or 17 sees the progress the school must tell
    parents, and the consents, and the rest only with the pupil's grant. At 18 parental
    authority ends (Civil Code 1:233) and only the grant is left.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    age = ages.age_on(pupil.date_of_birth, day or timezone.localdate())
    if pupil.account_id is not None and pupil.account_id == user.pk:
        return PortalRight.SELF if age >= ages.CONSENT_AGE else None
    found = guardianship(user, pupil)
    if found is None:
        return None
    pupil_decides = ages.CONSENT_AGE <= age < ages.ADULT_AGE
    if found.has_parental_authority and not pupil_decides:
        return PortalRight.AUTHORITY
    if found.access_granted_at is not None and age >= ages.CONSENT_AGE:
        return PortalRight.GRANTED
    if found.has_parental_authority or found.has_information_right:
        return PortalRight.INFORMATION
    return None


def acting_for(user, day=None) -> Q:
    """The pupils *user* acts for on *day*, as a query on Pupil (acts_for, for one pupil)."""
    day = day or timezone.localdate()
    under_16 = Q(date_of_birth__gt=ages.born_by(day, ages.CONSENT_AGE))
    return (Q(pk__in=children_of(user)) & under_16) | own_record(user, day)


def acts_for(user, pupil: Pupil, day=None) -> bool:
    """Whether *user* exercises the pupil's rights and decides on its consents on *day*: a
    holder of parental authority under 16, the pupil alone from 16 (UAVG art. 5)."""
    day = day or timezone.localdate()
    if ages.age_on(pupil.date_of_birth, day) >= ages.CONSENT_AGE:
        return pupil.account_id is not None and pupil.account_id == user.pk
    return holds_authority(user, pupil)


#: The portal rights that see the whole dossier, special categories and who looked.
WHOLE_DOSSIER = frozenset({PortalRight.SELF, PortalRight.AUTHORITY, PortalRight.GRANTED})


def sees_whole_dossier(user, pupil: Pupil) -> bool:
    return portal_right(user, pupil) in WHOLE_DOSSIER


def _signature(grants: Grants, action: PupilAction) -> tuple:
    """What decides *action* for this user: the schools, the teacher and care paths, the data.

    Actions with the same signature allow the same pupils (view_dossier and record, say).
    """
    return (
        grants.schools_with(*_SCHOOL_ROLES[action]),
        action in _TEACHER_ACTIONS and grants.has_any_role(Role.TEACHER),
        action in _ASSIGNED_ACTIONS and grants.has_any_role(Role.CARE_COORDINATOR),
        _ACTION_DATA.get(action),
    )


@dataclass(frozen=True)
class _Among:
    """The pupil's *field* is among some ids: *sql* gives them to a query, *ids()* in hand."""

    field: str
    sql: object
    ids: Callable[[], Collection[int]]


def _ways_in(user, grants: Grants, signature: tuple) -> list[tuple[_Among, ...]]:
    """The pupil rule, written once: the ways to a pupil for *signature*; a pupil is in
    when every condition of one way holds. _condition asks it of the database, _allows of
    the pupil in hand."""
    schools, teaches, assigned, _category = signature
    ways: list[tuple[_Among, ...]] = []
    if schools:
        ways.append((_Among("school_id", schools, lambda: schools),))
    if teaches:
        groups, teacher_schools = taught_groups(user), grants.schools_with(Role.TEACHER)
        ways.append(
            (
                _Among("group_id", groups, lambda: groups),
                _Among("school_id", teacher_schools, lambda: teacher_schools),
            )
        )
    if assigned:
        ways.append((_Among("pk", assigned_pupils(user), lambda: assigned_pupil_ids(user)),))
    return ways


def _condition(user, grants: Grants, signature: tuple) -> Q:
    condition = Q(pk__in=[])
    for way in _ways_in(user, grants, signature):
        condition |= Q(**{f"{among.field}__in": among.sql for among in way})
    condition &= Q(anonymised_at__isnull=True)
    category = signature[3]
    if category is not None:
        condition &= ~Q(restricted(category))
    return condition


def _allows(user, grants: Grants, signature: tuple, pupil: Pupil, restricted_data) -> bool:
    """_condition decided on the pupil in hand: the same ways in, without a query.

    *restricted_data* are the pupil's restricted categories (from its active holds).
    tests/pupils/test_permissions.py checks that both forms agree for every action.
    """
    category = signature[3]
    if pupil.anonymised_at is not None:
        return False
    if category is not None and category in restricted_data:
        return False
    return any(
        all(getattr(pupil, among.field) in among.ids() for among in way)
        for way in _ways_in(user, grants, signature)
    )


def _pupil_condition(user, grants: Grants, action: PupilAction) -> Q:
    """The pupils *user* may perform *action* on."""
    return _condition(user, grants, _signature(grants, action))


class PupilPolicy(AccessPolicy[Pupil]):
    model = Pupil

    def own_child(self, user, pk) -> Pupil:
        """A pupil *user* may see in the portal: an own child, or oneself. Read by its key,
        decided by portal_right from the guardians the portal reads anyway; the same answer
        as children_of and own_record (tests/pupils/test_portal_rule.py)."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            hidden()
        pupil = (
            Pupil.objects.select_related("school", "group")
            .filter(pk=_int_or_none(pk), anonymised_at__isnull=True)
            .first()
        )
        if pupil is None or portal_right(user, pupil) is None:
            hidden()
        return pupil

    def scope(self, user, action=PupilAction.VIEW) -> QuerySet[Pupil]:
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return Pupil.objects.none()
        return Pupil.objects.filter(_pupil_condition(user, grants_for(user), action))

    def get(self, user, pk, action=PupilAction.VIEW) -> Pupil:
        """The pupil with *pk*, with school and group, if *user* may perform *action*; else 404.

        Where the rule does not depend on the pupil's holds, the pupil is read by its key
        and the rule decided on it in Python (_allows): the same answer as scope(), for
        a query that is cheaper to build.
        """
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            hidden()
        grants = grants_for(user)
        signature = _signature(grants, action)
        pupils = Pupil.objects.select_related("school", "group")
        if signature[3] is not None:  # the rule reads the holds: let the database decide
            pupils = pupils.filter(_condition(user, grants, signature))
        try:
            pupil = pupils.get(pk=pk)
        except (Pupil.DoesNotExist, ValueError, TypeError):
            hidden()
        if signature[3] is None and not _allows(user, grants, signature, pupil, frozenset()):
            hidden()
        return pupil

    def actions(self, user, pupil: Pupil, *, restricted_data=None) -> frozenset[PupilAction]:
        """Every action *user* may perform on *pupil*, in one query.

        A page that has read the pupil's holds passes *restricted_data* (the restricted
        categories, selectors.restricted_categories): then no query is needed, the
        pupil in hand and the user's roles, groups and assigned pupils decide.
        """
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return frozenset()
        grants = grants_for(user)
        signatures = {action: _signature(grants, action) for action in PupilAction}
        if restricted_data is not None:
            return frozenset(
                action
                for action, signature in signatures.items()
                if _allows(user, grants, signature, pupil, restricted_data)
            )
        # One column per distinct condition; a condition with no way in is false unasked.
        columns: dict[tuple, str] = {}
        for signature in signatures.values():
            schools, teaches, assigned, _category = signature
            if (schools or teaches or assigned) and signature not in columns:
                columns[signature] = f"c{len(columns)}"
        if not columns:
            return frozenset()
        row: Mapping[str, Any] | None = (
            Pupil.objects.filter(pk=pupil.pk)
            .values(
                **{
                    name: _as_bool(_condition(user, grants, signature))
                    for signature, name in columns.items()
                }
            )
            .first()
        )
        if row is None:
            return frozenset()
        return frozenset(
            action
            for action, signature in signatures.items()
            if signature in columns and row[columns[signature]]
        )


def _as_bool(condition: Q):
    return ExpressionWrapper(condition, output_field=BooleanField())


def _relations(user, pupil: Pupil, wanted) -> dict[str, bool]:
    """Whether break-glass is open for *user* on *pupil*, and whether its special data is
    restricted (the *wanted* ones), in one query."""
    subqueries = {
        "emergency": lambda: Exists(
            EmergencyAccess.objects.filter(
                user=user, pupil_id=OuterRef("pk"), expires_at__gt=timezone.now()
            )
        ),
        "special_restricted": lambda: restricted(DataCategory.SPECIAL),
    }
    row: Mapping[str, Any] | None = (
        Pupil.objects.filter(pk=pupil.pk)
        .values(**{name: subqueries[name]() for name in wanted})
        .first()
    )
    return dict(row) if row else {}


def special_kinds(
    user,
    pupil: Pupil,
    *,
    writable: bool = False,
    as_parent: bool = False,
    restricted_data=None,
) -> frozenset[str]:
    """The kinds of special-category record *user* may read (or, with *writable*, record).

    Staff pages ask as staff; the parent portal asks *as_parent*, where a parent
    with parental authority reads every kind on their own child. *restricted_data*,
    when the caller has read the pupil's holds, saves asking for the restriction.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    if pupil.anonymised_at is not None:
        return frozenset()
    if not writable and as_parent and sees_whole_dossier(user, pupil):
        return frozenset(ALL_KINDS)  # every kind, restricted or not: nothing more to ask
    grants = grants_for(user)
    table = SPECIAL_KINDS_WRITABLE_BY_ROLE if writable else SPECIAL_KINDS_BY_ROLE
    kinds: set[str] = set()
    for role, role_kinds in table.items():
        if role != Role.TEACHER and grants.has_school_role(pupil.school_id, role):
            kinds |= role_kinds
    if grants.has_any_role(Role.CARE_COORDINATOR) and pupil.pk in assigned_pupil_ids(user):
        kinds |= ALL_KINDS
    if (
        not writable
        and grants.has_school_role(pupil.school_id, Role.TEACHER)
        and pupil.group_id in taught_groups(user)
    ):
        kinds |= SAFETY_KINDS  # a teacher, of the pupil's own group
    special_restricted = (
        None if restricted_data is None else DataCategory.SPECIAL in restricted_data
    )
    # Only what could change the answer is asked: a restriction only where there is
    # something to take, break-glass (it opens the safety kinds, restricted or not)
    # only where they are not open already.
    wanted = []
    if special_restricted is None and kinds:
        wanted.append("special_restricted")
    if (
        not writable
        and grants.has_school_role(pupil.school_id)
        and (special_restricted is not False or not kinds >= SAFETY_KINDS)
    ):
        wanted.append("emergency")
    relations = _relations(user, pupil, wanted) if wanted else {}
    if special_restricted or relations.get("special_restricted"):
        kinds &= SAFETY_KINDS  # restricted: staff keep only what the child's safety needs
    if relations.get("emergency"):
        kinds |= SAFETY_KINDS
    return frozenset(kinds)


def guarded(record: SpecialRecord, *, restricted_data, restricted_items) -> bool:
    """Whether a look at *record* by staff asks a reason first: a safety record under a
    restriction or objection (of the special categories, or of this record).

    *restricted_data* and *restricted_items* are the pupil's restricted categories and
    items (pupils.selectors.restricted_categories and restricted_items).
    """
    return record.kind in SAFETY_KINDS and (
        DataCategory.SPECIAL in restricted_data or record_key(record) in restricted_items
    )


def record_key(record: SpecialRecord) -> str:
    """The key of a special-category record as an item (pupils.items)."""
    return f"special:{record.pk}"


def item_ids(keys, target: str) -> list[int]:
    """The ids of the rows of *target* among item keys (pupils.items): "note:12" → 12."""
    found = []
    for key in keys:
        kind, _sep, rest = key.partition(":")
        pk, _sep, field_name = rest.partition(":")
        if kind == target and not field_name and pk.isdigit():
            found.append(int(pk))
    return found


class SpecialRecordPolicy(AccessPolicy[SpecialRecord]):
    """Special-category records are opened per pupil, by kind (see special_kinds)."""

    model = SpecialRecord

    def records(
        self, user, pupil: Pupil, *, as_parent: bool = False, restricted_items=None
    ) -> QuerySet[SpecialRecord]:
        """The records *user* may read. Staff lose a restricted record that is not a safety
        record; *restricted_items*, when the caller has read the holds, saves the query.
        """
        kinds = special_kinds(user, pupil, as_parent=as_parent)
        records = SpecialRecord.objects.filter(pupil=pupil, kind__in=kinds)
        if as_parent and sees_whole_dossier(user, pupil):
            return records
        if restricted_items is None:
            restricted_items = {
                key
                for items in ProcessingHold.objects.filter(
                    pupil=pupil, kind__in=RESTRICTING_HOLDS, lifted_at__isnull=True
                ).values_list("items", flat=True)
                for key in items
            }
        held = item_ids(restricted_items, "special")
        if held:
            records = records.exclude(Q(pk__in=held) & ~Q(kind__in=SAFETY_KINDS))
        return records

    def readable(self, user, pupil: Pupil) -> tuple[list[SpecialRecord], list[SpecialRecord]]:
        """The records *user* may read on *pupil* now, with their authors; and of those the
        guarded ones, which open for one look with a reason (or within an open break-glass).
        """
        holds = list(
            ProcessingHold.objects.filter(
                pupil=pupil, kind__in=RESTRICTING_HOLDS, lifted_at__isnull=True
            )
        )
        restricted_data = {c for hold in holds if not hold.items for c in hold.categories}
        held = {key for hold in holds for key in hold.items}
        records = list(self.records(user, pupil, restricted_items=held).select_related("author"))
        return records, [
            record
            for record in records
            if guarded(record, restricted_data=restricted_data, restricted_items=held)
        ]

    def in_emergency(self, user, pupil: Pupil) -> bool:
        """Whether *user* opened the pupil's safety records by break-glass within the hour."""
        return bool(_relations(user, pupil, ["emergency"]).get("emergency"))

    def scope(self, user, action=PupilAction.VIEW):
        raise NotImplementedError("special-category records are opened per pupil: records()")

    def pupil(self, user, pk, *, writable: bool = False) -> tuple[Pupil, frozenset[str]]:
        """The pupil with *pk* and the kinds *user* may read (or record) there; 404 if none."""
        pupil = Pupil.objects.select_related("school", "group").filter(pk=_int_or_none(pk)).first()
        if pupil is None:
            hidden()
        kinds = special_kinds(user, pupil, writable=writable)
        if not kinds:
            hidden()
        return pupil, kinds

    def get(self, user, pk, action=PupilAction.VIEW) -> SpecialRecord:
        record = SpecialRecord.objects.select_related("pupil").filter(pk=_int_or_none(pk)).first()
        writable = action == PupilAction.RECORD
        if record is None or record.kind not in special_kinds(
            user, record.pupil, writable=writable
        ):
            hidden()
        return record


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def entries_scope(model, user) -> QuerySet:
    """Agreements, test results or notes of the pupils whose dossier *user* may view."""
    allowed = PupilPolicy().scope(user, PupilAction.VIEW_DOSSIER)
    return model.objects.filter(pupil__in=allowed)


#: The dossier entries staff correct, by item kind (pupils.items).
ENTRY_MODELS = {"agreement": Agreement, "test_result": TestResult, "note": Note}


class EntryPolicy:
    """A dossier entry, opened through its pupil: seen with VIEW_DOSSIER (less what a
    restriction holds), corrected by its author with RECORD or by anyone with CORRECT_ANY."""

    def get(self, user, pupil_pk, target: str, pk, *, correct: bool = False):
        """(pupil, entry, actions) if *user* may see (with *correct*: correct) it; else 404."""
        model = ENTRY_MODELS.get(target)
        if model is None:
            hidden()
        pupil = PupilPolicy().get(user, pupil_pk, PupilAction.VIEW_DOSSIER)
        holds = list(
            ProcessingHold.objects.filter(
                pupil=pupil, kind__in=RESTRICTING_HOLDS, lifted_at__isnull=True
            )
        )
        restricted_data = frozenset(c for hold in holds if not hold.items for c in hold.categories)
        held = {key for hold in holds for key in hold.items}
        entry = model._default_manager.filter(pupil=pupil, pk=_int_or_none(pk)).first()
        if entry is None or f"{target}:{entry.pk}" in held:
            hidden()
        referral = isinstance(entry, Note) and entry.kind == Note.Kind.REFERRAL
        if referral and DataCategory.REFERRAL in restricted_data:
            hidden()
        actions = PupilPolicy().actions(user, pupil, restricted_data=restricted_data)
        if correct and not self.may_correct(user, entry, actions):
            hidden()
        return pupil, entry, actions

    @staticmethod
    def may_correct(user, entry, actions) -> bool:
        """Whether *user*, with *actions* on the entry's pupil, may correct *entry*."""
        if PupilAction.CORRECT_ANY in actions:
            return True
        return PupilAction.RECORD in actions and entry.author_id == user.pk


class GroupAction(StrEnum):
    EMERGENCY_SHEET = "emergency_sheet"


class GroupPolicy(AccessPolicy[Group]):
    """Groups as a whole: the class emergency sheet is for the group's own teachers and the
    school's director."""

    model = Group

    def scope(self, user, action=GroupAction.EMERGENCY_SHEET) -> QuerySet[Group]:
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return Group.objects.none()
        grants = grants_for(user)
        condition = Q(school_id__in=grants.schools_with(Role.DIRECTOR))
        if grants.has_any_role(Role.TEACHER):
            condition |= Q(
                pk__in=taught_groups(user), school_id__in=grants.schools_with(Role.TEACHER)
            )
        return Group.objects.filter(condition).select_related("school")
