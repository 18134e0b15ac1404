"""Reads of the dossier, already filtered by the access policy."""

from collections.abc import Mapping, Sequence

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from schoolprivacy import list_filters
from schoolprivacy.audit_entry import AuditEntry
from schoolprivacy.authorization import grants_for
from schoolprivacy.capabilities import Capability, school_roles_with
from schoolprivacy.models import Role, School, User

from . import history, permissions
from .models import (
    RESTRICTING_HOLDS,
    Agreement,
    Attachment,
    DataCategory,
    EmergencyAccess,
    EmergencyContact,
    EntryRevision,
    Group,
    Guardianship,
    Invitation,
    Note,
    ParentContact,
    ParentDeclaration,
    ProcessingHold,
    Pupil,
    RestrictedAccess,
    SpecialRecord,
    TestResult,
)
from .permissions import PupilAction, PupilPolicy

#: What the list of pupils shows of each: the name (nothing encrypted is read).
LIST_FIELDS = ("first_name", "name_prefix", "last_name", "anonymised_at")


def administered_schools(user: User) -> QuerySet[School]:
    """The schools where *user* keeps the pupil administration (enrols pupils)."""
    roles = school_roles_with(Capability.PUPIL_ADMINISTRATION)
    return School.objects.filter(pk__in=grants_for(user).schools_with(*roles))


#: The page of the pupil list in schoolprivacy.list_filters: other apps' filters on it.
LIST_PAGE = "pupils"

#: The orders of the pupil list, by the key its column headers send ("-key": reversed).
#: Each is its first column, then the ones that break ties; "school" only where the list
#: names the school (sees_several_schools).
LIST_ORDERS: dict[str, tuple[str, ...]] = {
    "name": ("last_name", "first_name"),
    "group": ("group_name", "last_name", "first_name"),
    "year_group": ("year_group", "group_name", "last_name", "first_name"),
    "school": ("school_name", "group_name", "last_name", "first_name"),
}


def pupil_list(
    *,
    user: User,
    search: str = "",
    group_id: int | None = None,
    year_group: int | None = None,
    chosen: Mapping[str, str] | None = None,
    sort: str = "",
) -> QuerySet[Pupil]:
    """The pupils *user* may see, as the list shows them (listed), found by *search*, of
    *group_id* and *year_group* where given, and kept by the filters other apps registered
    for the list (*chosen*: their values by name; list_filters.narrowed), in *sort*'s order.

    Every filter narrows the pupils the policy lets *user* see: none widens them.
    """
    pupils = PupilPolicy().scope(user, PupilAction.VIEW)
    for word in search.split()[:4]:
        pupils = pupils.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word))
    if group_id is not None:
        pupils = pupils.filter(group_id=group_id)
    if year_group is not None:
        pupils = pupils.filter(group__year_group=year_group)
    for list_filter in list_filters.filters_of(LIST_PAGE):
        value = (chosen or {}).get(list_filter.name)
        if value:
            pupils = list_filters.narrowed(list_filter, user, pupils, value)
    return listed(pupils, with_school=sees_several_schools(user), sort=sort)


def list_groups(*, user: User) -> QuerySet[Group]:
    """The groups of the pupils *user* may see (what the list filters on), with their
    school's name (``school_name``), by school, year group and name."""
    visible = PupilPolicy().scope(user, PupilAction.VIEW).order_by().values("group_id")
    return (
        Group.objects.filter(pk__in=visible)
        .annotate(school_name=F("school__name"))
        .only("name", "year_group", "school_id")
        .order_by("school_name", F("year_group").asc(nulls_last=True), "name", "pk")
    )


def list_filter_choices(*, user: User) -> list[tuple[list_filters.ListFilter, Sequence]]:
    """The filters other apps registered for the pupil list that *user* is offered, each
    with its choices (on the pupils *user* may see)."""
    visible = PupilPolicy().scope(user, PupilAction.VIEW)
    offered = []
    for list_filter in list_filters.filters_of(LIST_PAGE):
        choices = list_filter.choices(user, visible)
        if choices:
            offered.append((list_filter, choices))
    return offered


def list_sort(sort: str, *, with_school: bool) -> str:
    """*sort* where the list knows it (a key of LIST_ORDERS, maybe reversed), else the
    list's own order: by (school,) group and name."""
    key = sort.removeprefix("-")
    if key in LIST_ORDERS and (key != "school" or with_school):
        return sort
    return "school" if with_school else "group"


def sees_several_schools(user: User) -> bool:
    """Whether *user* may see pupils of more than one school: the list then names the school.

    Every way to a pupil goes through a role at its school, except a care coordinator's
    assigned pupils, who may be anywhere.
    """
    grants = grants_for(user)
    return len(grants.schools_with()) > 1 or grants.has_any_role(Role.CARE_COORDINATOR)


def listed(pupils: QuerySet[Pupil], *, with_school: bool, sort: str = "") -> QuerySet[Pupil]:
    """*pupils* in the order *sort* (list_sort; by (school,) group and name where not
    given), with what the list shows of them.

    Beside each pupil's name come the names of its group (``group_name``), its year group
    (``year_group``) and, *with_school*, its school (``school_name``), not their rows: the
    list shows nothing else of them. A pupil without a group comes last either way.
    """
    pupils = pupils.only(*LIST_FIELDS).annotate(
        group_name=F("group__name"), year_group=F("group__year_group")
    )
    if with_school:
        pupils = pupils.annotate(school_name=F("school__name"))
    sort = list_sort(sort, with_school=with_school)
    first, *rest = LIST_ORDERS[sort.removeprefix("-")]
    if sort.startswith("-"):
        leading = F(first).desc(nulls_last=True)
    else:
        leading = F(first).asc(nulls_last=True)
    return pupils.order_by(leading, *(F(name).asc(nulls_last=True) for name in rest), "pk")


def emergency_candidates(*, user: User, search: str) -> QuerySet[Pupil]:
    """Pupils of the user's schools whose medical protocol may be opened in an emergency."""
    pupils = PupilPolicy().scope(user, PupilAction.EMERGENCY).select_related("group")
    words = search.split()[:4]
    if not words:
        return pupils.none()
    for word in words:
        pupils = pupils.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word))
    return pupils.order_by("last_name", "first_name")[:20]


def dossier_entry_querysets(
    *, pupil: Pupil, restricted: frozenset = frozenset(), items: frozenset = frozenset()
) -> dict[str, QuerySet]:
    """Every entry of one pupil's dossier, as querysets to refine; the caller checked VIEW_DOSSIER.

    Staff pass the *restricted* categories and *items* (keys of pupils.items): referral
    reports under a restriction or an objection, and entries restricted one by one, are
    then left out.
    """
    notes = Note.objects.filter(pupil=pupil)
    if DataCategory.REFERRAL in restricted:
        notes = notes.exclude(kind=Note.Kind.REFERRAL)
    entries = {
        "agreements": ("agreement", Agreement.objects.filter(pupil=pupil)),
        "test_results": ("test_result", TestResult.objects.filter(pupil=pupil)),
        "notes": ("note", notes),
    }
    return {
        key: queryset.exclude(pk__in=permissions.item_ids(items, target)) if items else queryset
        for key, (target, queryset) in entries.items()
    }


#: How many entries of each kind a pupil's page shows, newest first; the rest are on the
#: kind's own pages (ENTRY_LISTS), a page at a time.
LATEST_ENTRIES = 10
#: The kinds of entry by the slug of their pages, and the key their list has.
ENTRY_LISTS = {"agreement": "agreements", "test-result": "test_results", "note": "notes"}


def dossier_entries(
    *,
    pupil: Pupil,
    restricted: frozenset = frozenset(),
    items: frozenset = frozenset(),
    latest: int | None = None,
) -> dict:
    """dossier_entry_querysets read, each entry with its author's name (and its corrector's)
    and its ``documents`` (without their contents).

    With *latest*: only the newest that many of each kind, and under ``more`` whether a
    kind has more (one row more is read to know). The Art. 15 copy reads them all.
    """
    querysets = dossier_entry_querysets(pupil=pupil, restricted=restricted, items=items)
    entries = {
        key: list(queryset[: latest + 1] if latest else queryset)
        for key, queryset in querysets.items()
    }
    more = {}
    if latest:
        for key, rows in entries.items():
            more[key] = len(rows) > latest
            del rows[latest:]
    entries_complete(pupil=pupil, entries=entries)
    return {**entries, "more": more}


def entries_complete(*, pupil: Pupil, entries: dict[str, list]) -> None:
    """Put on each entry of *entries* (lists by the keys of ENTRY_LISTS) its author's name,
    its corrector's and its documents.

    The authors of all three kinds are read in one query: joining the accounts into
    each of the three queries costs more to build than the query itself.
    """
    author_ids = {
        user_id
        for kind in entries.values()
        for entry in kind
        for user_id in (entry.author_id, entry.revised_by_id)
        if user_id
    }
    if author_ids:
        authors = User.objects.only("full_name").in_bulk(author_ids)
        for kind in entries.values():
            for entry in kind:
                entry.author = authors[entry.author_id]
                if entry.revised_by_id:
                    entry.revised_by = authors[entry.revised_by_id]
    documents = attachments_by_item(pupil=pupil) if any(entries.values()) else {}
    for key, target in (("agreements", "agreement"), ("test_results", "test_result")):
        attach_documents(entries.get(key, ()), target, documents)
    attach_documents(entries.get("notes", ()), "note", documents)


def attachments_by_item(*, pupil: Pupil) -> dict[str, list[Attachment]]:
    """The pupil's documents (without their contents), by the key of the entry or record
    they belong to ("note:12"). The caller shows only those of items it shows.

    Read once per pupil object and kept on it: the dossier's entries and its special
    records, on one page, share the read."""
    found = getattr(pupil, "_schoolprivacy_documents", None)
    if found is None:
        found = {}
        for attachment in Attachment.objects.filter(pupil=pupil).defer("content", "data_key"):
            target, pk = attachment.target
            found.setdefault(f"{target}:{pk}", []).append(attachment)
        pupil._schoolprivacy_documents = found
    return found


def attach_documents(items, target: str, documents: dict[str, list[Attachment]]) -> None:
    """Put its documents on each entry or record of *target* (attachments_by_item)."""
    for item in items:
        item.documents = documents.get(f"{target}:{item.pk}", [])


def revisions_of(*, entry) -> list[EntryRevision]:
    """The earlier versions of an entry, newest first, with who corrected it."""
    link = {EntryRevision.TARGETS[_target_of(entry)]: entry}
    return list(EntryRevision.objects.filter(**link).select_related("corrected_by"))


def _target_of(entry) -> str:
    return next(t for t, model in permissions.ENTRY_MODELS.items() if isinstance(entry, model))


def revisions_all(*, pupil: Pupil) -> list[EntryRevision]:
    """Every earlier version of the pupil's entries (for the parent's copy; caller checked)."""
    return list(
        EntryRevision.objects.filter(pupil=pupil).select_related("corrected_by").order_by("pk")
    )


def attachments_of(*, pupil: Pupil, content: bool = True) -> list[Attachment]:
    """Every document of the pupil, with its content unless not *content* (for the parent's
    copy; the caller checked)."""
    documents = Attachment.objects.filter(pupil=pupil).order_by("pk")
    if not content:
        documents = documents.defer("content", "data_key")
    return list(documents)


def attachment_of(*, pupil: Pupil, uid) -> Attachment | None:
    """The document *uid* of *pupil*, or None."""
    try:
        return Attachment.objects.filter(pupil=pupil, uid=uid).first()
    except (ValueError, ValidationError):
        return None


def emergency_contacts(
    *,
    pupils,
    for_parent: User | None = None,
    with_parents: bool = True,
    guardians: list[Guardianship] | None = None,
    held: dict[int, ParentContact] | None = None,
) -> dict[int, list[EmergencyContact]]:
    """The emergency contacts of *pupils* (ids), in order: first the people to call, then the
    GP and the hospital. A parent on the list gets ``numbers`` from their own contact
    details unless a number was given for them, ``display_name`` and ``relation_label``.
    Three queries for any number of pupils.

    Shown to a parent (*for_parent*, the portal), another parent's numbers are left out
    unless that parent let the others see them (Guardianship.contact_shared). A pupil with
    no person on its list gets its parents with parental authority, *with_parents*.

    *guardians*: every guardianship of *pupils*, where the caller read them already, and
    *held*: those parents' contact details (emergency_contacts_of)."""
    contacts = list(
        EmergencyContact.objects.filter(pupil_id__in=pupils).order_by(
            "pupil_id", "kind", "position", "pk"
        )
    )
    parent_ids = {c.parent_id for c in contacts if c.parent_id}
    if guardians is None and parent_ids:
        guardians = list(
            Guardianship.objects.filter(
                pupil_id__in=pupils, parent_id__in=parent_ids
            ).select_related("parent")
        )
    parents = {(g.pupil_id, g.parent_id): g for g in guardians or ()}
    if held is None:
        held = _contacts_of(parent_ids | {g.parent_id for g in guardians or ()})
    else:  # a parent on the list who is no longer a guardian
        held = held | _contacts_of(parent_ids - {g.parent_id for g in guardians or ()})
    order = {kind: i for i, kind in enumerate(EmergencyContact.Kind.values)}
    found: dict[int, list[EmergencyContact]] = {}
    for contact in sorted(contacts, key=lambda c: (order[c.kind], c.position, c.pk)):
        contact.numbers = [(_("phone"), contact.phone)] if contact.phone else []
        contact.display_name = contact.name
        contact.relation_label = contact.relation
        if contact.parent_id:
            guardianship = parents.get((contact.pupil_id, contact.parent_id))
            if guardianship is not None:
                contact.display_name = guardianship.parent.full_name
                contact.relation_label = guardianship.get_relation_display()
            if not contact.numbers and contact.parent_id in held:
                contact.numbers = held[contact.parent_id].phones
            if (
                for_parent is not None
                and contact.parent_id != for_parent.pk
                and not (guardianship is not None and guardianship.contact_shared)
            ):
                contact.numbers = []
                contact.withheld = True
        found.setdefault(contact.pupil_id, []).append(contact)
    if with_parents:
        _parents_as_contacts(pupils, found, for_parent, guardians, held)
    return found


def emergency_contacts_of(
    *, pupil: Pupil, for_parent: User | None = None, with_parents: bool = True
) -> list[EmergencyContact]:
    """The emergency contacts of one pupil (emergency_contacts), with the guardians and
    their contact details the page read already (guardians_of, parent_contacts_of)."""
    return emergency_contacts(
        pupils=[pupil.pk],
        for_parent=for_parent,
        with_parents=with_parents,
        guardians=guardians_of(pupil=pupil),
        held=parent_contacts_of(pupil=pupil),
    ).get(pupil.pk, [])


def parent_contacts_of(*, pupil: Pupil) -> dict[int, ParentContact]:
    """The contact details of the pupil's parents and guardians, by parent; read once per
    pupil object and kept on it, like guardians_of."""
    cached = getattr(pupil, "_schoolprivacy_parent_contacts", None)
    if cached is None:
        cached = _contacts_of({g.parent_id for g in guardians_of(pupil=pupil)})
        pupil._schoolprivacy_parent_contacts = cached
    return cached


def _contacts_of(parent_ids) -> dict[int, ParentContact]:
    """The contact details of the parents *parent_ids*, by parent (no query for none)."""
    if not parent_ids:
        return {}
    return {c.parent_id: c for c in ParentContact.objects.filter(parent_id__in=parent_ids)}


def _parents_as_contacts(pupils, found: dict, for_parent, guardians, held) -> None:
    """For a pupil with no person to call on its list, the parents with parental authority
    and the numbers they gave, in the order they were linked (``implied``: not on the list,
    nothing to change there). Two queries, none when every pupil has a list or the caller
    gave the *guardians* and their contact details (*held*)."""
    missing = [pk for pk in pupils if not any(c.kind == "person" for c in found.get(pk, []))]
    if not missing:
        return
    if guardians is None:
        authority = list(
            Guardianship.objects.filter(pupil_id__in=missing, has_parental_authority=True)
            .select_related("parent")
            .order_by("pk")
        )
        held = _contacts_of({g.parent_id for g in authority})
    else:
        authority = sorted(
            (g for g in guardians if g.pupil_id in missing and g.has_parental_authority),
            key=lambda g: g.pk,
        )
    for guardianship in reversed(authority):  # each goes to the front: the first stays first
        contact = EmergencyContact(pupil_id=guardianship.pupil_id, parent=guardianship.parent)
        contact.implied = True
        contact.display_name = guardianship.parent.full_name
        contact.relation_label = guardianship.get_relation_display()
        own = held.get(guardianship.parent_id)
        shown = (
            for_parent is None
            or guardianship.parent_id == for_parent.pk
            or (guardianship.contact_shared)
        )
        contact.numbers = own.phones if own and shown else []
        contact.withheld = bool(own) and not shown
        found.setdefault(guardianship.pupil_id, []).insert(0, contact)


def shared_contacts(*, pupil: Pupil, user: User) -> list[Guardianship]:
    """The pupil's other parents who let the school show *user* their contact details
    (Guardianship.contact_shared), each with ``contact``."""
    others = [g for g in guardians_of(pupil=pupil) if g.parent_id != user.pk and g.contact_shared]
    held = parent_contacts_of(pupil=pupil)
    for guardianship in others:
        guardianship.contact = held.get(guardianship.parent_id)
    return [g for g in others if g.contact is not None]


def emergency_sheet(*, group, user: User) -> list[dict]:
    """Per pupil of *group* (the caller checked GroupPolicy): the emergency contacts and the
    current safety records (medical information, medication, protocols). A record restricted
    at the parents' request is named, not shown: it opens in the dossier with a reason.
    The same number of queries for any size of group."""
    pupils = list(
        Pupil.objects.filter(group=group, anonymised_at__isnull=True)
        .filter(Q(left_on__isnull=True) | Q(left_on__gte=timezone.localdate()))
        .only(*LIST_FIELDS, "date_of_birth", "group_id", "school_id")
        .order_by("last_name", "first_name")
    )
    ids = [p.pk for p in pupils]
    contacts = emergency_contacts(pupils=ids)
    today = timezone.localdate()
    records: dict[int, list[SpecialRecord]] = {}
    for record in SpecialRecord.objects.filter(
        pupil_id__in=ids, kind__in=permissions.SAFETY_KINDS
    ).filter(Q(ended_on__isnull=True) | Q(ended_on__gt=today)):
        records.setdefault(record.pupil_id, []).append(record)
    holds: dict[int, list[ProcessingHold]] = {}
    for hold in ProcessingHold.objects.filter(
        pupil_id__in=ids, kind__in=RESTRICTING_HOLDS, lifted_at__isnull=True
    ):
        holds.setdefault(hold.pupil_id, []).append(hold)
    rows = []
    for pupil in pupils:
        restricted_data = {
            c for hold in holds.get(pupil.pk, []) if not hold.items for c in hold.categories
        }
        held = {key for hold in holds.get(pupil.pk, []) for key in hold.items}
        shown: list[SpecialRecord] = []
        guarded: list[SpecialRecord] = []
        for record in records.get(pupil.pk, []):
            is_guarded = permissions.guarded(
                record, restricted_data=restricted_data, restricted_items=held
            )
            (guarded if is_guarded else shown).append(record)
        rows.append(
            {
                "pupil": pupil,
                "contacts": contacts.get(pupil.pk, []),
                "records": shown,
                "guarded": guarded,
            }
        )
    return rows


def under_legal_hold(pupil: Pupil) -> bool:
    """Whether a legal hold on the pupil's data is in force (nothing of it is erased)."""
    return ProcessingHold.objects.filter(
        pupil=pupil, kind=ProcessingHold.Kind.LEGAL_HOLD, lifted_at__isnull=True
    ).exists()


def active_holds(*, pupil: Pupil) -> QuerySet[ProcessingHold]:
    """The restrictions, objections and legal holds on the pupil's data now, newest first."""
    return ProcessingHold.objects.filter(pupil=pupil, lifted_at__isnull=True).order_by(
        "-placed_at", "-pk"
    )


def holds_of(*, pupil: Pupil) -> QuerySet[ProcessingHold]:
    """Every hold on the pupil's data, lifted ones too, oldest first."""
    return ProcessingHold.objects.filter(pupil=pupil).order_by("placed_at", "pk")


def _restricting(pupil: Pupil, holds):
    if holds is None:
        holds = ProcessingHold.objects.filter(
            pupil=pupil, kind__in=RESTRICTING_HOLDS, lifted_at__isnull=True
        )
    return [hold for hold in holds if hold.kind in RESTRICTING_HOLDS]


def restricted_categories(*, pupil: Pupil, holds=None) -> frozenset[str]:
    """The data of the pupil that staff may neither see nor share (restriction, objection),
    as whole categories. *holds*, when given, are the pupil's active holds already read.
    """
    return frozenset(
        c
        for hold in _restricting(pupil, holds)
        if hold.holds_whole_categories
        for c in hold.categories
    )


def restricted_items(*, pupil: Pupil, holds=None) -> frozenset[str]:
    """The single items of the pupil's data (keys of pupils.items) under a restriction or
    objection of their own: staff neither see nor share them (a safety record is guarded).
    """
    return frozenset(key for hold in _restricting(pupil, holds) for key in hold.items)


def restricted_looks_of(*, pupil: Pupil) -> QuerySet[RestrictedAccess]:
    """Every look at the pupil's restricted safety records, with who and why, newest first."""
    return RestrictedAccess.objects.filter(pupil=pupil).select_related("user")


def special_records_of(*, pupil: Pupil) -> QuerySet[SpecialRecord]:
    """Every special-category record of the pupil (for the parent's copy; caller checked)."""
    return SpecialRecord.objects.filter(pupil=pupil).select_related("author")


def emergency_accesses_of(*, pupil: Pupil) -> QuerySet[EmergencyAccess]:
    """Every break-glass opening of the pupil's medical protocol, newest first."""
    return EmergencyAccess.objects.filter(pupil=pupil).select_related("user")


def category_counts(*, pupil: Pupil, items) -> dict[str, int]:
    """How many items each category of the pupil's data holds now (for an erasure
    decision): its *items* (pupils.items.items_of) per category, the administration as
    one, and the parents' declarations (which are not items of their own)."""
    counts: dict[str, int] = {}
    for item in items:
        counts[item.category] = counts.get(item.category, 0) + 1
    counts[DataCategory.ADMINISTRATION] = 0 if pupil.anonymised_at else 1
    counts[DataCategory.DECLARATION] = ParentDeclaration.objects.filter(pupil=pupil).count()
    return counts


def guardians_of(*, pupil: Pupil) -> list[Guardianship]:
    """The pupil's parents and guardians with their accounts, in the order they were added
    (read once per pupil object: permissions.guardians)."""
    return permissions.guardians(pupil)


def own_record(*, user: User) -> Pupil | None:
    """The pupil whose own account *user* is (16+), with school and group; or None."""
    return (
        Pupil.objects.filter(permissions.own_record(user), anonymised_at__isnull=True)
        .select_related("school", "group")
        .first()
    )


def children_of_parent(*, user: User) -> QuerySet[Guardianship]:
    """The children *user* sees in the portal (permissions.guardianships_in_portal), with
    school and group."""
    return (
        permissions.guardianships_in_portal(user)
        .select_related("pupil__school", "pupil__group")
        .order_by("pupil__date_of_birth")
    )


#: What a look was at, by the first part of the ACCESS entry's "viewed" value.
VIEWED_PARTS = {
    "dossier": _("the dossier"),
    "special": _("special-category data"),
    "emergency": _("emergency access to the medical protocol"),
    "portal": _("the dossier (parent portal)"),
    "copy": _("a complete copy of the data, for a parent's request"),
    "request": _("a parent's request (the data it is about)"),
    "restricted": _("restricted safety data, with a reason"),
    "declarations": _("the parents' declarations for the funding rules"),
    "emergency_sheet": _("the class emergency sheet"),
    "document": _("a document in the dossier"),
}


def viewed_part(entry: AuditEntry):
    viewed = ((entry.changes or {}).get("viewed") or [""])[0]
    return VIEWED_PARTS.get(viewed.split(":")[0], viewed)


def dossier_history(
    *, pupil: Pupil, actor_id: int | None = None, kind: str = ""
) -> QuerySet[AuditEntry]:
    """Every audit entry about the pupil and its dossier: changes and looks, newest first;
    only those of *actor_id* and of *kind* (pupils/history.py: KINDS) where given."""
    pupil_type = ContentType.objects.get_for_model(Pupil)
    entries = AuditEntry.objects.filter(
        Q(content_type=pupil_type, object_id=pupil.pk) | Q(additional_data__pupil_id=pupil.pk)
    )
    if actor_id is not None:
        entries = entries.filter(actor_id=actor_id)
    if kind:
        entries = entries.filter(action=history.ACTION_OF_KIND[kind])
    return entries.select_related("actor", "content_type").order_by("-timestamp", "-pk")


def history_people(*, pupil: Pupil) -> list[tuple[int, str]]:
    """(id, name) of everyone in the pupil's history, by name: whom it can be filtered by."""
    actors = dossier_history(pupil=pupil).exclude(actor=None).order_by().values("actor_id")
    return list(
        User.objects.filter(pk__in=actors).order_by("full_name").values_list("pk", "full_name")
    )


def declarations_of(*, pupil: Pupil, parent: User | None = None) -> list[ParentDeclaration]:
    """The parents' declarations for the funding rules: every one (the caller checked
    DECLARATIONS), or, with *parent*, only that parent's own."""
    declarations = ParentDeclaration.objects.filter(pupil=pupil).select_related("parent")
    if parent is not None:
        declarations = declarations.filter(parent=parent)
    return list(declarations.order_by("pk"))


def contacts_shown(*, pupil: Pupil, phones: bool, address: bool) -> list[Guardianship]:
    """The pupil's guardians (guardians_of), each with what the viewer may see of its
    parent's contact details: ``phones`` ((label, number), …) and ``address`` (one line),
    empty where not allowed (the pupil policy's VIEW_PHONES and VIEW_ADDRESS decide).
    The contact details are read once (parent_contacts_of), not at all if neither."""
    guardians = guardians_of(pupil=pupil)
    held = parent_contacts_of(pupil=pupil) if phones or address else {}
    for guardianship in guardians:
        contact = held.get(guardianship.parent_id)
        guardianship.phones = contact.phones if contact and phones else []
        guardianship.address = contact.address if contact and address else ""
    return guardians


def own_contact(*, user) -> ParentContact | None:
    """The contact details the school holds of *user* (a parent), to show to themselves."""
    return ParentContact.objects.filter(parent=user).first()


def guardians_parent(*, pupil: Pupil, parent_id: int) -> User | None:
    """The account of the pupil's parent *parent_id*, or None for anyone else."""
    found = next((g for g in guardians_of(pupil=pupil) if g.parent_id == parent_id), None)
    return found.parent if found else None


def guardianship_of_pupil(*, pupil: Pupil, pk) -> Guardianship | None:
    """One guardianship of *pupil* (the caller checked MANAGE_PARENTS on the pupil)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return Guardianship.objects.select_related("parent").filter(pk=pk, pupil=pupil).first()


def placements_of(*, pupil: Pupil):
    """The groups a pupil was in, newest first."""
    return pupil.placements.select_related("group")


def uninvited_parents(school) -> QuerySet[User]:
    """Parents of the school's current pupils without an account (no password) and without an
    open invitation: the parents an import linked and nobody has invited yet."""
    open_invitation = Invitation.objects.filter(
        parent=OuterRef("pk"), used_at__isnull=True, expires_at__gt=timezone.now()
    )
    return (
        User.objects.filter(
            is_active=True,
            password__startswith=UNUSABLE_PASSWORD_PREFIX,
            pk__in=Guardianship.objects.filter(
                pupil__school=school, pupil__left_on__isnull=True
            ).values("parent_id"),
        )
        .exclude(Exists(open_invitation))
        .order_by("pk")
    )


def invitations_of(*, pupil: Pupil) -> list[Invitation]:
    """The links proposed for *pupil* that are not made (waiting, declined or expired), the
    latest per address, newest first. What staff see of each is what they typed."""
    linked = Guardianship.objects.filter(pupil=pupil).values("parent_id")
    latest = (
        Invitation.objects.filter(pupil=pupil, used_at__isnull=True)
        .exclude(parent_id__in=linked)
        .select_related("parent")
        .order_by("parent_id", "-created_at")
        .distinct("parent_id")
    )
    return sorted(latest, key=lambda invitation: invitation.created_at, reverse=True)


def emergency_contact_of(*, pupil: Pupil, pk) -> EmergencyContact | None:
    """The emergency contact *pk* of *pupil*, or None."""
    try:
        return EmergencyContact.objects.filter(pupil=pupil, pk=int(pk)).first()
    except (TypeError, ValueError):
        return None
