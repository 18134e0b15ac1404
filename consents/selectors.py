"""Reads of consents. The state of a consent is always computed by consents.rules."""

import pickle
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pupils import selectors as pupil_selectors
from pupils.models import Group, Guardianship, Pupil, SpecialRecord
from schoolprivacy.authorization import grants_for
from schoolprivacy.models import School, User

from .audience import PupilFacts, is_for
from .models import (
    ConsentEvent,
    Decision,
    Publication,
    Purpose,
    PurposePick,
    PurposeVersion,
    Takedown,
)
from .permissions import PUBLICATION_ROLES
from .rules import (
    DecisionFacts,
    Outcome,
    State,
    VersionFacts,
    effective_consent,
    pupil_decides,
    renewal_boundary,
)

#: How each state of consents.rules is said to people.
STATE_LABELS = {
    State.CONSENT: _("consent"),
    State.REFUSED: _("refused"),
    State.WITHDRAWN: _("withdrawn"),
    State.RENEWAL_NEEDED: _("needs to be asked again"),
    State.AWAITING_OTHERS: _("waiting for the other parent"),
    State.NO_DECISION: _("no decision (so no consent)"),
}


@dataclass(frozen=True)
class ConsentView:
    """One pupil's consent for one purpose, as shown to people."""

    purpose: Purpose
    version: PurposeVersion | None
    outcome: Outcome


def purposes_of_school(*, school_id: int, category: str | None = None) -> QuerySet[Purpose]:
    """The active purposes a school asks, with their versions (newest first)."""
    purposes = Purpose.objects.filter(schools=school_id, active=True).prefetch_related(
        Prefetch("versions", queryset=PurposeVersion.objects.order_by("-number")),
        Prefetch("groups", queryset=Group.objects.only("pk")),
    )
    if category:
        purposes = purposes.filter(category=category)
    return purposes.order_by("order", "code")


#: The purposes of each school, as (revision of the texts, the purposes pickled), kept in
#: this process: plain bytes, so that no request shares or changes another's objects.
_KEPT: dict[tuple[int, str | None], tuple[uuid.UUID, bytes]] = {}


def school_purposes(*, school_id: int, category: str | None = None) -> list[Purpose]:
    """purposes_of_school, kept between requests for as long as no purpose changes.

    The pupil page, the class overview and the portal read a school's purposes on
    every request; they change a few times a year. PostgreSQL gives every change a
    new random revision (TextsRevision), read here in one small query: the same
    revision means the same purposes and texts. What is kept is the pickled purposes
    with their versions; each call gets objects of its own.
    """
    return purposes_of_schools(school_ids=[school_id], category=category)[school_id]


def purposes_of_schools(
    *, school_ids: Iterable[int], category: str | None = None
) -> dict[int, list[Purpose]]:
    """school_purposes for several schools, with one read of the revision."""
    revision = _texts_revision()
    found = {}
    for school_id in school_ids:
        key = (school_id, category)
        kept = _KEPT.get(key)
        if revision is not None and kept is not None and kept[0] == revision:
            found[school_id] = pickle.loads(kept[1])  # noqa: S301 (bytes this process pickled)
            continue
        purposes = list(purposes_of_school(school_id=school_id, category=category))
        if revision is not None:
            if len(_KEPT) > 10_000:
                _KEPT.clear()
            _KEPT[key] = (revision, pickle.dumps(purposes))
        found[school_id] = purposes
    return found


def _texts_revision() -> uuid.UUID | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT revision FROM consents_textsrevision WHERE id = 1")
        row = cursor.fetchone()
    return row[0] if row else None


def current_version(purpose: Purpose, day=None) -> PurposeVersion | None:
    """The newest version valid today, from the prefetched versions."""
    return _newest_valid(purpose.versions.all(), day or timezone.localdate())


def _newest_valid(versions, day) -> PurposeVersion | None:
    return max((v for v in versions if v.valid_from <= day), key=lambda v: v.number, default=None)


def entitled_deciders(pupil: Pupil, holders: set[int], day) -> tuple[set[int], bool]:
    """Who decides for *pupil* on *day*: the pupil from 16, else the holders of authority."""
    if pupil_decides(pupil.date_of_birth, day):
        return ({pupil.account_id} if pupil.account_id else set()), True
    return holders, False


def holders_of(pupil_ids: list[int]) -> dict[int, set[int]]:
    """Per pupil, the ids of the people who hold parental authority now (one query)."""
    holders: dict[int, set[int]] = defaultdict(set)
    for pupil_id, parent_id in Guardianship.objects.filter(
        pupil_id__in=pupil_ids, has_parental_authority=True
    ).values_list("pupil_id", "parent_id"):
        holders[pupil_id].add(parent_id)
    return holders


def holders_of_pupil(pupil: Pupil) -> dict[int, set[int]]:
    """holders_of for one pupil, from the guardians its page has read already."""
    return {
        pupil.pk: {
            g.parent_id
            for g in pupil_selectors.guardians_of(pupil=pupil)
            if g.has_parental_authority
        }
    }


def consent_states(
    *, pupils: list[Pupil], purposes: list[Purpose], day=None, holders=None
) -> dict[tuple[int, int], ConsentView]:
    """Every (pupil, purpose) state, in three queries whatever the number of pupils.

    *holders*, when the caller has them (holders_of_pupil), saves one of the three.
    """
    day = day or timezone.localdate()
    pupil_ids = [p.pk for p in pupils]
    purpose_ids = [p.pk for p in purposes]
    if holders is None:
        holders = holders_of(pupil_ids)
    holders = defaultdict(set, holders)
    versions_of = {purpose.pk: list(purpose.versions.all()) for purpose in purposes}
    # The numbers of the versions come with the purposes: no join in the decisions' query.
    numbers = {v.pk: v.number for versions in versions_of.values() for v in versions}
    rows = list(
        Decision.objects.filter(pupil_id__in=pupil_ids, purpose_id__in=purpose_ids).values_list(
            "pupil_id", "purpose_id", "decided_by_id", "choice", "version_id", "decided_at"
        )
    )
    unknown = {row[4] for row in rows} - numbers.keys()
    if unknown:  # a text published since the purposes were read, and decided on already
        numbers.update(PurposeVersion.objects.filter(pk__in=unknown).values_list("pk", "number"))
    decisions: dict[tuple[int, int], list[DecisionFacts]] = defaultdict(list)
    for row in rows:
        decisions[(row[0], row[1])].append(DecisionFacts(row[2], row[3], numbers[row[4]], row[5]))
    states = {}
    for purpose in purposes:
        versions = [
            VersionFacts(v.number, v.valid_from, v.material_change)
            for v in versions_of[purpose.pk]
        ]
        current = _newest_valid(versions_of[purpose.pk], day)
        for pupil in pupils:
            entitled, by_pupil = entitled_deciders(pupil, holders[pupil.pk], day)
            outcome = effective_consent(
                decisions=decisions[(pupil.pk, purpose.pk)],
                versions=versions,
                entitled=entitled,
                requires_all=purpose.requires_all_holders,
                day=day,
                pupil_decides=by_pupil,
            )
            states[(pupil.pk, purpose.pk)] = ConsentView(purpose, current, outcome)
    return states


# --- Whom each question is for (consents/audience.py) -------------------------------------


def school_year_of(day) -> int:
    """The school year of *day*: the calendar year in which 1 August last fell."""
    return day.year if (day.month, day.day) >= (8, 1) else day.year - 1


def questions_for(
    *, pupils: list[Pupil], purposes: list[Purpose], day=None
) -> set[tuple[int, int]]:
    """The (pupil, purpose) pairs the school asks, as audience.is_for decides them.

    No query where every question is for everyone; else at most three (the pupils'
    groups, the picks, the events), whatever the number of pupils.
    """
    day = day or timezone.localdate()
    audiences = {purpose.pk: purpose.audience for purpose in purposes}
    if all(audience.everyone for audience in audiences.values()):
        return {(pupil.pk, purpose.pk) for pupil in pupils for purpose in purposes}
    pupil_ids = [pupil.pk for pupil in pupils]
    narrowed = [pk for pk, audience in audiences.items() if not audience.everyone]
    picked = set(
        PurposePick.objects.filter(pupil_id__in=pupil_ids, purpose_id__in=narrowed).values_list(
            "pupil_id", "purpose_id"
        )
    )
    groups: dict[int, tuple[str, int | None]] = {}
    if any(a.departments or a.year_groups for a in audiences.values()):
        group_ids = {pupil.group_id for pupil in pupils if pupil.group_id}
        groups = {
            pk: (department, year_group)
            for pk, department, year_group in Group.objects.filter(pk__in=group_ids).values_list(
                "pk", "department", "year_group"
            )
        }
    events: dict[int, set[str]] = defaultdict(set)
    if any(audiences[pk].trigger != Purpose.Trigger.ALL for pk in narrowed):
        for pupil_id, trigger in ConsentEvent.objects.filter(pupil_id__in=pupil_ids).values_list(
            "pupil_id", "trigger"
        ):
            events[pupil_id].add(trigger)
    pairs = set()
    for pupil in pupils:
        department, year_group = groups.get(pupil.group_id or 0, ("", None))
        for purpose in purposes:
            facts = PupilFacts(
                date_of_birth=pupil.date_of_birth,
                group_id=pupil.group_id,
                department=department,
                year_group=year_group,
                picked=(pupil.pk, purpose.pk) in picked,
                events=frozenset(events[pupil.pk]),
            )
            if is_for(audiences[purpose.pk], facts, day):
                pairs.add((pupil.pk, purpose.pk))
    return pairs


def shown_purposes(
    pupil: Pupil, purposes: list[Purpose], states: dict[tuple[int, int], ConsentView], day=None
) -> list[Purpose]:
    """The questions shown for *pupil*: those on which a decision counts now (a consent
    can always be withdrawn, audience.py), and those asked of it. Whom a question is for
    is read only for the questions without such a decision."""
    undecided = {
        purpose.pk
        for purpose in purposes
        if states[(pupil.pk, purpose.pk)].outcome.state == State.NO_DECISION
    }
    asked = questions_for(
        pupils=[pupil], purposes=[p for p in purposes if p.pk in undecided], day=day
    )
    return [
        purpose
        for purpose in purposes
        if purpose.pk not in undecided or (pupil.pk, purpose.pk) in asked
    ]


def audience_groups(*, school_ids, purpose: Purpose | None = None) -> QuerySet[Group]:
    """The groups a question can be narrowed to: those of *school_ids* in this school year
    and later, and the ones it is narrowed to already."""
    groups = Q(school_id__in=school_ids, school_year__gte=school_year_of(timezone.localdate()))
    if purpose is not None and purpose.pk:
        groups |= Q(pk__in=purpose.groups.values("pk"))
    return (
        Group.objects.filter(groups)
        .select_related("school")
        .order_by("school__name", "school_year", "year_group", "name")
    )


def picks_of(*, pupil: Pupil) -> QuerySet[PurposePick]:
    """The questions the care coordinator put to *pupil*, with who did."""
    return (
        PurposePick.objects.filter(pupil=pupil)
        .select_related("purpose", "picked_by")
        .prefetch_related(
            Prefetch("purpose__versions", queryset=PurposeVersion.objects.order_by("-number"))
        )
        .order_by("purpose__order", "pk")
    )


def consent_state(*, pupil: Pupil, purpose: Purpose, day=None) -> ConsentView:
    return consent_states(pupils=[pupil], purposes=[purpose], day=day)[(pupil.pk, purpose.pk)]


def explicit_consent(pupil: Pupil, kind: str) -> bool:
    """Whether the school may hold a voluntary kind of data (religion) on *pupil* now: the
    person who decides for the child gave consent on a question of that category of the
    pupil's school, and nobody entitled withdrew or refused it since (rules.py)."""
    purposes = school_purposes(school_id=pupil.school_id, category=VOLUNTARY_CATEGORY[kind])
    if not purposes:
        return False
    states = consent_states(pupils=[pupil], purposes=purposes)
    return any(states[(pupil.pk, purpose.pk)].outcome.consent for purpose in purposes)


#: The consent question that covers each voluntary kind of special-category data.
VOLUNTARY_CATEGORY: dict[str, str] = {SpecialRecord.Kind.RELIGION: Purpose.Category.RELIGION}


def decision_history(*, pupil: Pupil, purpose: Purpose | None = None) -> QuerySet[Decision]:
    """Every decision on a pupil's consents, oldest first, with who and which text."""
    decisions = Decision.objects.filter(pupil=pupil).select_related(
        "purpose", "version", "decided_by", "recorded_by"
    )
    if purpose is not None:
        decisions = decisions.filter(purpose=purpose)
    return decisions.order_by("decided_at", "pk")


def school_decisions(*, school_id: int) -> QuerySet[Decision]:
    """Every decision on pupils of a school, for the proof export."""
    return (
        Decision.objects.filter(pupil__school_id=school_id)
        .select_related("pupil", "purpose", "version", "decided_by", "recorded_by")
        .order_by(
            "pupil__last_name", "pupil__first_name", "pupil_id", "purpose__order", "decided_at"
        )
    )


# --- Publications and takedowns ------------------------------------------------------------


def channel_title(purpose: Purpose) -> str:
    """How a channel is named: the title of its current text (versions prefetched)."""
    version = current_version(purpose)
    return version.title if version else purpose.untitled


def _open_takedowns_of_schools() -> Count:
    return Count(
        "publications__takedowns",
        filter=Q(publications__takedowns__done_at__isnull=True),
    )


def publication_schools(user) -> QuerySet[School]:
    """The schools whose publication log *user* may open, with their open takedown tasks."""
    return (
        School.objects.filter(pk__in=grants_for(user).schools_with(*PUBLICATION_ROLES))
        .annotate(open_takedowns=_open_takedowns_of_schools())
        .order_by("name")
    )


def school_publications(*, school_id: int) -> QuerySet[Publication]:
    """A school's publications, newest first, with how many pupils and open takedown tasks."""
    return (
        Publication.objects.filter(school_id=school_id)
        .select_related("purpose", "recorded_by")
        .prefetch_related(
            Prefetch("purpose__versions", queryset=PurposeVersion.objects.order_by("-number"))
        )
        .annotate(
            pupil_count=Count("pupils", distinct=True),
            open_takedowns=Count(
                "takedowns", filter=Q(takedowns__done_at__isnull=True), distinct=True
            ),
        )
        .order_by("-published_on", "-pk")
    )


def school_takedowns(*, school_id: int, open_only: bool = False) -> QuerySet[Takedown]:
    """Takedown tasks of a school's publications: open ones first (oldest first), then done."""
    takedowns = (
        Takedown.objects.filter(publication__school_id=school_id)
        .select_related("publication__purpose", "pupil", "decision", "done_by")
        .prefetch_related(
            Prefetch(
                "publication__purpose__versions",
                queryset=PurposeVersion.objects.order_by("-number"),
            )
        )
        .order_by(F("done_at").desc(nulls_first=True), "created_at", "pk")
    )
    if open_only:
        takedowns = takedowns.filter(done_at__isnull=True)
    return takedowns


def current_pupils(*, school_id: int, day=None) -> QuerySet[Pupil]:
    """The pupils at a school on *day*: enrolled, and not yet left."""
    day = day or timezone.localdate()
    return Pupil.objects.filter(school_id=school_id, enrolled_on__lte=day).filter(
        Q(left_on__isnull=True) | Q(left_on__gt=day)
    )


def publication_pupils(*, school_id: int, visible: QuerySet[Pupil]) -> QuerySet[Pupil]:
    """The school's current pupils among *visible*, by group and name, for a publication."""
    return (
        current_pupils(school_id=school_id)
        .filter(pk__in=visible.values("pk"))
        .select_related("group")
        .order_by(
            F("group__school_year").desc(nulls_last=True),
            F("group__year_group").asc(nulls_last=True),
            "group__name",
            "group_id",
            "last_name",
            "first_name",
            "pk",
        )
    )


# --- The pupil list: filtering on photo consent (schoolprivacy.list_filters) ----------------


@dataclass(frozen=True)
class Channel:
    """A photo and video purpose, with the schools that ask it among those of a list."""

    purpose: Purpose
    school_ids: frozenset[int]


def image_channels_seen(*, user: User, pupils: QuerySet[Pupil]) -> list[Channel]:
    """The active photo and video purposes of the schools of *pupils* (the pupils *user*
    sees on the list), each with its versions and the schools among those that ask it.

    Two small queries (the schools, the revision of the purposes kept by
    purposes_of_schools), kept on the user for the request: the list's choices and its
    filter share them.
    """
    kept = user.__dict__.get("_schoolprivacy_image_channels")
    if kept is None:
        school_ids = sorted(set(pupils.order_by().values_list("school_id", flat=True).distinct()))
        seen: dict[int, tuple[Purpose, set[int]]] = {}
        by_school = purposes_of_schools(school_ids=school_ids, category=Purpose.Category.IMAGES)
        for school_id, purposes in by_school.items():
            for purpose in purposes:
                seen.setdefault(purpose.pk, (purpose, set()))[1].add(school_id)
        ordered = sorted(
            seen.values(), key=lambda found: (found[0].order, found[0].code, found[0].pk)
        )
        kept = [Channel(purpose, frozenset(ids)) for purpose, ids in ordered]
        user.__dict__["_schoolprivacy_image_channels"] = kept
    return kept


#: The photo-consent filter's value for "no consent for at least one photo channel".
ANY_CHANNEL = "missing:any"


def photo_consent_choices(user: User, pupils: QuerySet[Pupil]) -> list[tuple[str, str]]:
    """What the pupil list filters on for photo consent: per photo channel of the schools of
    *pupils*, consent for it or not ("given:<id>", "missing:<id>"); with more than one
    channel, also no consent for one or more of them (ANY_CHANNEL)."""
    channels = image_channels_seen(user=user, pupils=pupils)
    choices = []
    for channel in channels:
        title = {"title": channel_title(channel.purpose)}
        choices.append((f"given:{channel.purpose.pk}", _("Consent: %(title)s") % title))
        choices.append((f"missing:{channel.purpose.pk}", _("No consent: %(title)s") % title))
    if len(channels) > 1:
        choices.append((ANY_CHANNEL, str(_("No consent for one or more photo channels"))))
    return choices


def pupils_by_photo_consent(user: User, pupils: QuerySet[Pupil], value: str) -> list[int]:
    """The ids of the *pupils* whose photo consent is as *value* says (photo_consent_choices),
    as the rule decides it today (consent_states): three queries for any number of pupils.

    A pupil whose school does not ask a channel is neither with nor without its consent.
    """
    wanted, _sep, key = value.partition(":")
    channels = image_channels_seen(user=user, pupils=pupils)
    if value != ANY_CHANNEL:
        channels = [c for c in channels if str(c.purpose.pk) == key]
    if wanted not in ("given", "missing") or not channels:
        return []
    candidates = list(
        pupils.filter(school_id__in=set().union(*(c.school_ids for c in channels)))
        .order_by()
        .only("pk", "school_id", "date_of_birth", "account_id")
    )
    states = consent_states(pupils=candidates, purposes=[c.purpose for c in channels])
    kept = []
    for pupil in candidates:
        consent = [
            states[(pupil.pk, c.purpose.pk)].outcome.consent
            for c in channels
            if pupil.school_id in c.school_ids
        ]
        if (wanted == "given" and all(consent)) or (wanted == "missing" and not all(consent)):
            kept.append(pupil.pk)
    return kept


# --- Campaigns: who is asked to decide what -------------------------------------------------

#: The states in which the school asks for a decision: none yet, an outdated one, or one
#: holder of parental authority still to decide where all must.
ASK_STATES = frozenset({State.NO_DECISION, State.RENEWAL_NEEDED, State.AWAITING_OTHERS})


@dataclass(frozen=True)
class OpenQuestion:
    """*recipient* is asked to decide on *version* of a purpose for *pupil*."""

    pupil_id: int
    purpose_id: int
    version_id: int
    recipient_id: int


def campaign_school_ids() -> list[int]:
    """Schools that ask an active purpose of every pupil."""
    return list(
        School.objects.filter(purposes__active=True, purposes__trigger=Purpose.Trigger.ALL)
        .distinct()
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def campaign_purposes(*, school_id: int) -> list[Purpose]:
    """The active purposes a school asks of every pupil, with their versions."""
    return list(purposes_of_school(school_id=school_id).filter(trigger=Purpose.Trigger.ALL))


def open_questions(
    *, pupils: list[Pupil], purposes: list[Purpose], day=None
) -> list[OpenQuestion]:
    """Who is asked what: for each (pupil, purpose) in ASK_STATES, every active person entitled
    to decide who has not decided on a counting text yet. Constant queries for any number.
    """
    day = day or timezone.localdate()
    if not pupils or not purposes:
        return []
    states = consent_states(pupils=pupils, purposes=purposes, day=day)
    pupil_ids = [p.pk for p in pupils]
    purpose_ids = [p.pk for p in purposes]
    holders = holders_of(pupil_ids)
    boundaries = {
        purpose.pk: renewal_boundary(
            [
                VersionFacts(v.number, v.valid_from, v.material_change)
                for v in purpose.versions.all()
            ],
            day,
        )
        for purpose in purposes
    }
    decided = {
        (pupil_id, purpose_id, person)
        for pupil_id, purpose_id, person, number in Decision.objects.filter(
            pupil_id__in=pupil_ids, purpose_id__in=purpose_ids
        ).values_list("pupil_id", "purpose_id", "decided_by_id", "version__number")
        if number >= boundaries[purpose_id]
    }
    asked = questions_for(pupils=pupils, purposes=purposes, day=day)
    candidates: list[OpenQuestion] = []
    for pupil in pupils:
        entitled, _by_pupil = entitled_deciders(pupil, holders[pupil.pk], day)
        for purpose in purposes:
            view = states[(pupil.pk, purpose.pk)]
            if (pupil.pk, purpose.pk) not in asked:
                continue
            if view.version is None or view.outcome.state not in ASK_STATES:
                continue
            candidates.extend(
                OpenQuestion(pupil.pk, purpose.pk, view.version.pk, person)
                for person in sorted(entitled)
                if (pupil.pk, purpose.pk, person) not in decided
            )
    if not candidates:
        return []
    active = set(
        User.objects.filter(
            pk__in={q.recipient_id for q in candidates}, is_active=True
        ).values_list("pk", flat=True)
    )
    return [q for q in candidates if q.recipient_id in active]


def open_questions_for(*, user, pupils: list[Pupil], day=None) -> dict[int, set[int]]:
    """For the portal: per pupil, the purposes on which the school asks *user* to decide."""
    day = day or timezone.localdate()
    by_school: dict[int, list[Pupil]] = defaultdict(list)
    for pupil in pupils:
        if pupil.enrolled_on <= day and (pupil.left_on is None or pupil.left_on > day):
            by_school[pupil.school_id].append(pupil)
    asked: dict[int, set[int]] = defaultdict(set)
    for school_id, school_pupils in by_school.items():
        purposes = school_purposes(school_id=school_id)
        for question in open_questions(pupils=school_pupils, purposes=purposes, day=day):
            if question.recipient_id == user.pk:
                asked[question.pupil_id].add(question.purpose_id)
    return dict(asked)


@dataclass(frozen=True)
class GroupCampaign:
    """How far one group is in the campaign: its pupils, and those with open questions
    (with the titles of the questions and whom the school still waits for)."""

    group: Group
    pupils: int
    open: list[tuple[Pupil, list[str], list[str]]]

    @property
    def answered(self) -> int:
        return self.pupils - len(self.open)


def campaign_open_questions(*, group: Group, day=None) -> list[OpenQuestion]:
    """The open campaign questions (open_questions) about the current pupils of *group*."""
    pupils = class_pupils(group=group)
    purposes = [p for p in school_purposes(school_id=group.school_id) if p.trigger == "all"]
    return open_questions(pupils=pupils, purposes=purposes, day=day)


def campaign_status(*, groups: list[Group], day=None) -> list[GroupCampaign]:
    """For each of *groups*, how far its families are in answering the questions the school
    asks of every pupil. Queries: a few per school, not per group or pupil."""
    day = day or timezone.localdate()
    pupils = list(
        Pupil.objects.filter(group__in=groups, left_on__isnull=True).order_by(
            "last_name", "first_name", "pk"
        )
    )
    by_school: dict[int, list[Pupil]] = defaultdict(list)
    for pupil in pupils:
        by_school[pupil.school_id].append(pupil)
    open_of: dict[int, dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))
    recipients: dict[int, set[int]] = defaultdict(set)
    titles: dict[int, str] = {}
    for school_id, school_pupils in by_school.items():
        purposes = [p for p in school_purposes(school_id=school_id) if p.trigger == "all"]
        titles.update({p.pk: channel_title(p) for p in purposes})
        for q in open_questions(pupils=school_pupils, purposes=purposes, day=day):
            open_of[q.pupil_id][q.purpose_id].add(q.recipient_id)
            recipients[q.pupil_id].add(q.recipient_id)
    names = dict(
        User.objects.filter(pk__in={r for rs in recipients.values() for r in rs}).values_list(
            "pk", "full_name"
        )
    )
    status = []
    for group in groups:
        members = [p for p in pupils if p.group_id == group.pk]
        waiting = [
            (
                pupil,
                [titles[purpose_id] for purpose_id in sorted(open_of[pupil.pk])],
                sorted(names[r] for r in recipients[pupil.pk]),
            )
            for pupil in members
            if open_of.get(pupil.pk)
        ]
        status.append(GroupCampaign(group, len(members), waiting))
    return status


def class_pupils(*, group) -> list[Pupil]:
    """The pupils currently in *group*, by name, for the class overview."""
    return list(
        Pupil.objects.filter(group=group, left_on__isnull=True).order_by("last_name", "first_name")
    )


def holders_with_names(*, pupil: Pupil) -> QuerySet[Guardianship]:
    """The holders of parental authority of *pupil*, with their accounts, oldest link first."""
    return (
        Guardianship.objects.filter(pupil=pupil, has_parental_authority=True)
        .select_related("parent")
        .order_by("pk")
    )


def events_of(*, pupil: Pupil) -> QuerySet:
    """The events in the pupil's school life that brought consent questions, newest first."""
    from .models import ConsentEvent

    return ConsentEvent.objects.filter(pupil=pupil).order_by("-started_on", "-pk")


def publications_of(*, pupil: Pupil) -> QuerySet[Publication]:
    """The publications the pupil appears in, newest first, with their channel texts."""
    return (
        Publication.objects.filter(pupils=pupil)
        .select_related("purpose")
        .prefetch_related(
            Prefetch("purpose__versions", queryset=PurposeVersion.objects.order_by("-number"))
        )
        .order_by("-published_on", "-pk")
    )


def consent_overview(*, pupil: Pupil) -> list[ConsentView]:
    """The pupil's consent for each purpose the school asks, as the rule decides it today."""
    purposes = list(purposes_of_school(school_id=pupil.school_id))
    states = consent_states(pupils=[pupil], purposes=purposes)
    return [states[(pupil.pk, purpose.pk)] for purpose in shown_purposes(pupil, purposes, states)]


def questions_asked_of(*, pupil: Pupil) -> QuerySet:
    """Which consent texts the school asked about for the pupil, when and whom (campaigns)."""
    from .models import ConsentRequest

    return (
        ConsentRequest.objects.filter(pupil=pupil)
        .select_related("version__purpose", "recipient")
        .order_by("school_year", "pk")
    )


def takedowns_of(*, pupil: Pupil) -> QuerySet[Takedown]:
    """The publications that had to come down because the pupil's consent ended."""
    return (
        Takedown.objects.filter(pupil=pupil)
        .select_related("publication__purpose")
        .prefetch_related(
            Prefetch(
                "publication__purpose__versions",
                queryset=PurposeVersion.objects.order_by("-number"),
            )
        )
        .order_by("created_at", "pk")
    )
