"""Writes of consents: decisions (append-only), publications, takedowns, notices.

Every decision goes through decision_record, which checks who may decide,
refuses a text that changed meanwhile, records each form submission once, and
after the commit tells the pupil's teachers when the effective consent changed.
"""

import contextlib
import datetime
import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass

from auditlog.context import set_actor
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from pupils import selectors as pupil_selectors
from pupils import services as pupil_services
from pupils.models import Guardianship, Pupil
from schoolprivacy import personal_data
from schoolprivacy.models import School, User
from schoolprivacy.services import notice_queue
from schoolprivacy.tasks import enqueue_on_commit
from schoolprivacy.uploads import verified_upload

from . import selectors
from .models import (
    PUPIL_WORDING,
    ConsentEvent,
    ConsentRequest,
    Decision,
    Publication,
    Purpose,
    PurposePick,
    PurposeVersion,
    Takedown,
)
from .permissions import can_record_paper, can_start_events, purposes_to_manage
from .rules import pupil_decides
from .selectors import STATE_LABELS, school_year_of

logger = logging.getLogger(__name__)
#: The retention category of the consent record (requests.models.ErasureCategory.CONSENTS).
CONSENTS_CATEGORY = "consents"

#: What the scan of a signed paper form may be.
SCAN_KINDS = ("pdf", "jpg", "png")


def _decision_time(form_date: datetime.date | None) -> datetime.datetime:
    """When the decision was made: now, or the start of the day on a paper form."""
    if form_date is None:
        return timezone.now()
    return timezone.make_aware(datetime.datetime.combine(form_date, datetime.time.min))


def decider_role(pupil: Pupil, decider: User, day: datetime.date) -> str:
    """The role in which *decider* decides for *pupil* on *day*; ValidationError if none."""
    if pupil_decides(pupil.date_of_birth, day):
        if pupil.account_id and decider.pk == pupil.account_id:
            return Decision.DeciderRole.PUPIL
        raise ValidationError(
            _("%(name)s is 16 or older and decides on consent alone.")
            % {"name": pupil.first_name},
            code="pupil_decides",
        )
    if Guardianship.objects.filter(
        pupil=pupil, parent=decider, has_parental_authority=True
    ).exists():
        return Decision.DeciderRole.PARENT
    raise ValidationError(
        _("Only a parent with parental authority can decide on consent."),
        code="no_authority",
    )


@transaction.atomic
def decision_record(
    *,
    pupil: Pupil,
    purpose: Purpose,
    version_id: int,
    choice: str,
    acting_user: User,
    submission: uuid.UUID | None = None,
    decided_by: User | None = None,
    form_date: datetime.date | None = None,
    scan=None,
) -> Decision:
    """Record one decision. In the portal the acting user decides; on paper, staff record it,
    with the scan of the signed form if they have one.

    A submission already recorded returns the earlier decision (a double click
    records one decision).
    """
    if submission is not None:
        earlier = Decision.objects.filter(submission=submission).first()
        if earlier is not None:
            return earlier
    if choice not in Decision.Choice.values:
        raise ValidationError(_("Choose give, refuse or withdraw."), code="choice")
    paper = decided_by is not None
    if paper and not can_record_paper(acting_user, pupil):
        raise PermissionDenied
    if paper:
        if form_date is None:
            raise ValidationError({"form_date": _("Fill in the date on the form.")})
        if form_date > timezone.localdate():
            raise ValidationError({"form_date": _("The date on the form lies in the future.")})
    if scan and not paper:
        raise ValidationError({"scan": _("Only a paper form has a scan.")})
    if scan:
        # Checked whole; stored under the name and extension the app gives it.
        scan = verified_upload("scan", scan, kinds=SCAN_KINDS).as_file()
    decider = decided_by if decided_by is not None else acting_user  # paper: who signed
    day = form_date or timezone.localdate()

    fresh = Purpose.objects.prefetch_related("versions", "groups").get(pk=purpose.pk)
    current = selectors.current_version(fresh, day)
    if current is None or current.pk != int(version_id):
        raise ValidationError(
            _("The text of this consent has changed. Read the new text and decide again."),
            code="stale_version",
        )
    role = decider_role(pupil, decider, day)
    # Refusing and withdrawing are always possible; consent only where the school asks.
    if choice == Decision.Choice.GIVEN and not selectors.questions_for(
        pupils=[pupil], purposes=[fresh], day=day
    ):
        raise ValidationError(
            _("The school does not ask this question for %(name)s.") % {"name": pupil.first_name},
            code="not_asked",
        )
    # Decisions on one pupil are taken one after the other, so that each sees the state the
    # one before left: the takedowns then follow the final state, however fast the clicks.
    list(Pupil.objects.select_for_update(no_key=True).filter(pk=pupil.pk).values("pk"))
    before = selectors.consent_state(pupil=pupil, purpose=purpose).outcome

    try:
        with transaction.atomic(), set_actor(acting_user):
            decision = Decision.objects.create(
                pupil=pupil,
                purpose=purpose,
                version=current,
                choice=choice,
                decided_by=decider,
                decider_role=role,
                decided_at=_decision_time(form_date),
                channel=Decision.Channel.PAPER if paper else Decision.Channel.PORTAL,
                recorded_by=acting_user,
                submission=submission or uuid.uuid4(),
                scan=scan or "",
            )
    except IntegrityError:
        if submission is None:  # not a double submission: some other rule refused the row
            raise
        # The same submission arrived twice at the same moment.
        return Decision.objects.get(submission=submission)

    after = selectors.consent_state(pupil=pupil, purpose=purpose).outcome
    if before.consent and not after.consent:
        _create_takedowns(pupil, purpose, decision)
        _voluntary_data_erase(pupil, purpose, acting_user)
    elif after.consent and not before.consent:
        _end_open_takedowns(pupil, purpose, acting_user)
    if before.state != after.state:
        # In this transaction, through the notice outbox: no broker needed for it.
        teachers_notify(decision_id=decision.pk)
    return decision


def _voluntary_data_erase(pupil: Pupil, purpose: Purpose, acting_user: User) -> None:
    """Consent for a voluntary kind of data (religion) ended: what was recorded goes, unless
    another question of the same kind still gives consent."""
    for kind, category in selectors.VOLUNTARY_CATEGORY.items():
        if purpose.category == category and not selectors.explicit_consent(pupil, kind):
            pupil_services.voluntary_data_erase(pupil=pupil, kind=kind, acting_user=acting_user)


def _create_takedowns(pupil: Pupil, purpose: Purpose, decision: Decision) -> None:
    """A task per publication the pupil is in, unless one is open for it already."""
    still_open = Takedown.objects.filter(pupil=pupil, done_at__isnull=True)
    for publication in Publication.objects.filter(purpose=purpose, pupils=pupil).exclude(
        pk__in=still_open.values("publication")
    ):
        Takedown.objects.get_or_create(publication=publication, pupil=pupil, decision=decision)


def _end_open_takedowns(pupil: Pupil, purpose: Purpose, acting_user: User) -> None:
    """Consent is given again: what was not taken down yet may stay up (the withdrawal
    itself stays in the decision history; the task is deleted, audited)."""
    with set_actor(acting_user):
        for takedown in Takedown.objects.filter(
            pupil=pupil, publication__purpose=purpose, done_at__isnull=True
        ):
            takedown.delete()


def teachers_notify(*, decision_id: int) -> int:
    """Tell the pupil's teachers, in the app and by e-mail, that a consent changed."""
    decision = Decision.objects.select_related("pupil", "purpose").get(pk=decision_id)
    pupil = decision.pupil
    teachers = User.objects.filter(
        is_active=True,
        groupuserobjectpermission__content_object_id=pupil.group_id,
        groupuserobjectpermission__permission__codename="teach_group",
    ).distinct()
    url = reverse("consents:class_overview", args=[pupil.group_id]) if pupil.group_id else ""
    sent = 0
    state = selectors.consent_state(pupil=pupil, purpose=decision.purpose)

    def message() -> str:
        return _("The consent of %(pupil)s for “%(purpose)s” has changed: %(state)s.") % {
            "pupil": pupil.full_name,
            "purpose": state.version.title if state.version else decision.purpose.untitled,
            "state": STATE_LABELS[state.outcome.state],
        }

    for teacher in teachers:
        with translation.override(teacher.language):
            subject = _("A consent in your group has changed")
        notice_queue(user=teacher, subject=subject, message=message, path=url, about=pupil.pk)
        sent += 1
    return sent


@transaction.atomic
def publication_record(
    *,
    school,
    purpose: Purpose,
    title: str,
    published_on: datetime.date,
    pupils: list[Pupil],
    acting_user: User,
    location: str = "",
    submission: uuid.UUID | None = None,
) -> Publication:
    """Record a publication; refused while a pupil in it has no consent for the channel.

    A submission already recorded returns the earlier publication (double click).
    """
    if submission is not None:
        earlier = Publication.objects.filter(submission=submission).first()
        if earlier is not None:
            return earlier
    if any(p.school_id != school.pk for p in pupils):
        raise ValidationError({"pupils": _("Only pupils of this school can be chosen.")})
    states = selectors.consent_states(pupils=list(pupils), purposes=[purpose])
    missing = [p.full_name for p in pupils if not states[(p.pk, purpose.pk)].outcome.consent]
    if missing:
        raise ValidationError(
            {
                "pupils": _(
                    "No consent for this channel: %(names)s. Leave them out of the photo or "
                    "do not publish it."
                )
                % {"names": ", ".join(sorted(missing))}
            }
        )
    with set_actor(acting_user):
        publication = Publication.objects.create(
            school=school,
            purpose=purpose,
            title=title,
            location=location,
            published_on=published_on,
            recorded_by=acting_user,
            submission=submission or uuid.uuid4(),
        )
        publication.pupils.set(pupils)
    return publication


@transaction.atomic
def takedown_complete(*, takedown: Takedown, acting_user: User, note: str = "") -> Takedown:
    """Record that a publication came down (or was edited so the pupil is no longer in it)."""
    takedown = Takedown.objects.select_for_update().get(pk=takedown.pk)
    if takedown.done_at is None:
        with set_actor(acting_user):
            takedown.done_at = timezone.now()
            takedown.done_by = acting_user
            takedown.note = note
            takedown.save(update_fields=["done_at", "done_by", "note"])
    return takedown


# --- Campaigns: asking for the decisions that are missing ----------------------------------

#: A question still open this many days after it was asked gets one reminder.
REMINDER_DAYS = 14
#: Pupils per consent_states batch, recipients per claimed batch of requests.
PUPIL_BATCH = 500
RECIPIENT_BATCH = 200


@dataclass
class CampaignReport:
    """What one sweep did: questions found open, e-mails sent, requests asked and reminded."""

    school_year: int
    open_questions: int = 0
    emails: int = 0
    asked: int = 0
    reminded: int = 0
    failed: int = 0


def _sweep_moment(today: datetime.date) -> datetime.datetime:
    now = timezone.now()
    if today == timezone.localdate(now):
        return now
    # A sweep for another day (a catch-up or a test) stamps that day.
    return timezone.make_aware(datetime.datetime.combine(today, datetime.time(12)))


def _record_questions(questions, year: int, open_by_recipient: dict) -> None:
    """Store that each question is asked this school year (once: the unique constraint)."""
    ConsentRequest.objects.bulk_create(
        [
            ConsentRequest(
                pupil_id=q.pupil_id,
                version_id=q.version_id,
                recipient_id=q.recipient_id,
                school_year=year,
            )
            for q in questions
        ],
        ignore_conflicts=True,
    )
    for q in questions:
        open_by_recipient[q.recipient_id].add((q.pupil_id, q.version_id))


def consent_requests_sweep(*, today: datetime.date | None = None) -> CampaignReport:
    """Ask every decider for the decisions still missing, once per text and school year.

    A question is open when the consent of a current pupil for a purpose the school asks of
    every pupil has no decision, an outdated one (a new text, the pupil turned 16) or waits
    for another holder of parental authority; each entitled person who has not decided gets
    ONE e-mail listing all their open questions. A question asked REMINDER_DAYS ago and
    still open is reminded once. Running it again the same day sends nothing.
    """
    today = today or timezone.localdate()
    now = _sweep_moment(today)
    year = school_year_of(today)
    report = CampaignReport(school_year=year)

    open_by_recipient: dict[int, set[tuple[int, int]]] = defaultdict(set)
    for school_id in selectors.campaign_school_ids():
        purposes = selectors.campaign_purposes(school_id=school_id)
        pupils = selectors.current_pupils(school_id=school_id, day=today).only(
            "pk", "school_id", "date_of_birth", "account_id"
        )
        last_pk = 0
        while True:
            batch = list(pupils.filter(pk__gt=last_pk).order_by("pk")[:PUPIL_BATCH])
            if not batch:
                break
            last_pk = batch[-1].pk
            questions = selectors.open_questions(pupils=batch, purposes=purposes, day=today)
            _record_questions(questions, year, open_by_recipient)
    report.open_questions = sum(len(asked) for asked in open_by_recipient.values())

    recipients = sorted(open_by_recipient)
    for start in range(0, len(recipients), RECIPIENT_BATCH):
        _send_consent_requests(
            recipients[start : start + RECIPIENT_BATCH], open_by_recipient, year, now, report
        )
    logger.info(
        "Consent requests %s: %d open questions, %d e-mails, %d asked, %d reminded, %d failed",
        year,
        report.open_questions,
        report.emails,
        report.asked,
        report.reminded,
        report.failed,
    )
    return report


def _days_before(now: datetime.datetime, days: int) -> datetime.datetime:
    """The start of the day *days* - 1 days before *now*'s: "at least *days* days ago"."""
    return timezone.make_aware(
        datetime.datetime.combine(
            timezone.localdate(now) - datetime.timedelta(days=days - 1), datetime.time.min
        )
    )


@transaction.atomic
def _send_consent_requests(
    recipient_ids: list[int],
    open_by_recipient: dict[int, set[tuple[int, int]]],
    year: int,
    now: datetime.datetime,
    report: CampaignReport,
    due_when: Q | None = None,
) -> None:
    """Claim the requests of these recipients that are due (*due_when*; by default: never
    asked, or asked REMINDER_DAYS ago and not reminded yet), and send each one e-mail."""
    if due_when is None:
        due_when = Q(sent_at__isnull=True) | Q(
            sent_at__lt=_days_before(now, REMINDER_DAYS), reminded_at__isnull=True
        )
    claimed = (
        ConsentRequest.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(recipient_id__in=recipient_ids, school_year=year)
        .filter(due_when)
        .select_related("recipient")
        .order_by("pk")
    )
    due: dict[int, list[ConsentRequest]] = defaultdict(list)
    people: dict[int, User] = {}
    for request in claimed:
        # A question answered meanwhile is neither asked nor reminded.
        if (request.pupil_id, request.version_id) in open_by_recipient[request.recipient_id]:
            due[request.recipient_id].append(request)
            people[request.recipient_id] = request.recipient
    if not due:
        return

    # Every open question of these recipients is listed, not only the ones due now.
    pupil_ids = {p for r in due for p, _v in open_by_recipient[r]}
    version_ids = {v for r in due for _p, v in open_by_recipient[r]}
    pupils = {
        p.pk: p
        for p in Pupil.objects.filter(pk__in=pupil_ids).only(
            "first_name", "name_prefix", "last_name", "anonymised_at", "account_id"
        )
    }
    names = {pk: pupil.full_name for pk, pupil in pupils.items()}
    versions = {
        v.pk: v
        for v in PurposeVersion.objects.filter(pk__in=version_ids).select_related("purpose")
    }

    asked_ids: list[int] = []
    reminded_ids: list[int] = []
    with get_connection() as connection:
        for recipient_id in sorted(due):
            requests = due[recipient_id]
            questions = sorted(
                open_by_recipient[recipient_id],
                key=lambda q: (names[q[0]], versions[q[1]].purpose.order, versions[q[1]].pk),
            )
            reminder = all(r.sent_at is not None for r in requests)
            message = _consent_request_message(
                people[recipient_id],
                # A pupil of 16 or older is asked in their own words ("je", not "uw kind").
                [
                    (names[p], versions[v], pupils[p].account_id == recipient_id)
                    for p, v in questions
                ],
                reminder=reminder,
            )
            try:
                connection.send_messages([message])
            except Exception:  # one address that fails must not stop the others
                logger.exception("Consent request e-mail to user %s failed", recipient_id)
                report.failed += 1
                continue
            report.emails += 1
            for r in requests:
                (reminded_ids if r.sent_at is not None else asked_ids).append(r.pk)
    # ConsentRequest is no personal-data model followed by the audit log: update() is fine.
    ConsentRequest.objects.filter(pk__in=asked_ids).update(sent_at=now)
    ConsentRequest.objects.filter(pk__in=reminded_ids).update(reminded_at=now)
    report.asked += len(asked_ids)
    report.reminded += len(reminded_ids)


#: A family reminded by hand is not reminded again within this many days.
MANUAL_REMINDER_GAP_DAYS = 7


def campaign_group_remind(*, group, acting_user: User) -> CampaignReport:
    """Remind the families of *group* who have not answered yet: one e-mail per person
    listing their open questions about the group's pupils. A person asked or reminded in
    the last MANUAL_REMINDER_GAP_DAYS days is left alone (no nagging by two clicks)."""
    from .permissions import may_see_overview

    if not may_see_overview(acting_user, group):
        raise PermissionDenied
    today = timezone.localdate()
    now = timezone.now()
    year = school_year_of(today)
    report = CampaignReport(school_year=year)
    questions = selectors.campaign_open_questions(group=group, day=today)
    open_by_recipient: dict[int, set[tuple[int, int]]] = defaultdict(set)
    _record_questions(questions, year, open_by_recipient)
    report.open_questions = len(questions)
    recent = _days_before(now, MANUAL_REMINDER_GAP_DAYS)
    pupil_ids = {q.pupil_id for q in questions}
    recently = set(
        ConsentRequest.objects.filter(
            pupil_id__in=pupil_ids, school_year=year, recipient_id__in=open_by_recipient
        )
        .filter(Q(sent_at__gte=recent) | Q(reminded_at__gte=recent))
        .values_list("recipient_id", flat=True)
    )
    recipients = sorted(set(open_by_recipient) - recently)
    # Every request of these people about the group's pupils is due now: whether it was
    # asked before decides whether the e-mail asks or reminds.
    _send_consent_requests(
        recipients, open_by_recipient, year, now, report, due_when=Q(pupil_id__in=pupil_ids)
    )
    logger.info(
        "Group %s reminded by user %s: %d open questions, %d e-mails",
        group.pk,
        acting_user.pk,
        report.open_questions,
        report.emails,
    )
    return report


def _consent_request_message(
    recipient: User, questions: list[tuple[str, PurposeVersion, bool]], *, reminder: bool
) -> EmailMessage:
    """The e-mail to one decider, in their own language: each question with the pupil's name
    and the title put to the parents, or to the pupil (the bool)."""
    with translation.override(recipient.language):
        body = render_to_string(
            "consents/email/consent_requests.txt",
            {
                "recipient": recipient,
                "questions": [
                    (name, version.wording(to_pupil=to_pupil)[0])
                    for name, version, to_pupil in questions
                ],
                "count": len(questions),
                "reminder": reminder,
                "url": settings.SITE_URL + reverse("consents:portal_index"),
            },
        )
        subject = (
            _("Reminder: the school asks for your decision")
            if reminder
            else _("The school asks for your decision")
        )
    return EmailMessage(subject, body, None, [recipient.email])


@transaction.atomic
def purpose_create(
    *,
    school,
    category: str,
    trigger: str,
    requires_all_holders: bool,
    acting_user: User,
    first_version: dict,
    code: str = "",
    audience: dict | None = None,
) -> Purpose:
    """A new consent question for *school*, with its first text (Dutch and English) and
    whom it is for (*audience*: the fields of purpose_audience_set; everyone if None).

    Its code, the board's key for it, is made of the Dutch title unless one is given (the
    demo's and an import's fixed keys); nobody reads it, so nobody has to think of one.
    """
    code = code or slugify(first_version["title_nl"])[:64] or "vraag"
    if Purpose.objects.filter(board_id=school.board_id, code=code).exists():
        raise ValidationError(
            {"title_nl": _("This school board already has a question with this title.")}
        )
    with set_actor(acting_user):
        purpose = Purpose.objects.create(
            board_id=school.board_id,
            code=code,
            category=category,
            trigger=trigger,
            requires_all_holders=requires_all_holders,
        )
        purpose.schools.add(school)
        if audience is not None:
            purpose_audience_set(purpose=purpose, acting_user=acting_user, **audience)
        _check_pupil_wording(purpose, first_version)
        # The first text starts the first round of decisions whatever the box said.
        PurposeVersion.objects.create(
            purpose=purpose, number=1, **{**first_version, "material_change": True}
        )
    return purpose


def _check_pupil_wording(purpose: Purpose, text: dict) -> None:
    """A question that can be put to a pupil of 16 or older (a school with such pupils, an
    audience that reaches them) needs its wording to the pupil, in both languages."""
    if not purpose.audience.reaches_pupils_who_decide:
        return
    if not purpose.schools.exclude(kind=School.Kind.PRIMARY).exists():
        return
    missing = [field for field in PUPIL_WORDING if not (text.get(field) or "").strip()]
    if missing:
        raise ValidationError(
            {
                field: _(
                    "Pupils of 16 or older decide on this question themselves: write it to "
                    "them too."
                )
                for field in missing
            }
        )


@transaction.atomic
def purpose_version_publish(*, purpose: Purpose, acting_user: User, **text) -> PurposeVersion:
    """Publish a new wording; after a material change, earlier consents need renewal."""
    purpose = Purpose.objects.select_for_update().get(pk=purpose.pk)
    latest = purpose.versions.order_by("-number").first()
    if latest is not None and text["valid_from"] < latest.valid_from:
        raise ValidationError(
            {
                "valid_from": _("The new text cannot apply before the current one (%(date)s).")
                % {"date": formats.date_format(latest.valid_from)}
            }
        )
    _check_pupil_wording(purpose, text)
    with set_actor(acting_user):
        version = PurposeVersion.objects.create(
            purpose=purpose, number=(latest.number + 1 if latest else 1), **text
        )
    return version


@transaction.atomic
def consent_event_start(
    *, pupil: Pupil, trigger: str, started_on: datetime.date, acting_user: User
) -> ConsentEvent:
    """Record an event (specialist support, internship, leaving); its questions are asked now."""
    if not can_start_events(acting_user, pupil):
        raise PermissionDenied
    if trigger == Purpose.Trigger.ALL or trigger not in Purpose.Trigger.values:
        raise ValidationError({"trigger": _("Choose an event.")})
    with set_actor(acting_user):
        event = ConsentEvent.objects.create(
            pupil=pupil, trigger=trigger, started_on=started_on, started_by=acting_user
        )
    from .tasks import ask_for_event

    enqueue_on_commit(ask_for_event, event.pk)
    return event


def event_consent_ask(*, event_id: int) -> CampaignReport:
    """Ask the pupil's deciders the questions of the event, once per text and school year."""
    event = ConsentEvent.objects.select_related("pupil").get(pk=event_id)
    purposes = selectors.purposes_of_school(school_id=event.pupil.school_id)
    return _ask_now(event.pupil, list(purposes.filter(trigger=event.trigger)))


def pick_consent_ask(*, pick_id: int) -> CampaignReport:
    """Ask the pupil's deciders the question the care coordinator put to the pupil."""
    pick = PurposePick.objects.select_related("pupil").filter(pk=pick_id).first()
    if pick is None:  # taken back before the worker got to it
        return CampaignReport(school_year=school_year_of(timezone.localdate()))
    purposes = selectors.purposes_of_school(school_id=pick.pupil.school_id)
    return _ask_now(pick.pupil, list(purposes.filter(pk=pick.purpose_id)))


def _ask_now(pupil: Pupil, purposes: list[Purpose]) -> CampaignReport:
    """Ask *pupil*'s deciders those of *purposes* that are for the pupil and still open,
    once per text and school year."""
    today = timezone.localdate()
    year = school_year_of(today)
    report = CampaignReport(school_year=year)
    questions = selectors.open_questions(pupils=[pupil], purposes=purposes, day=today)
    open_by_recipient: dict[int, set[tuple[int, int]]] = defaultdict(set)
    _record_questions(questions, year, open_by_recipient)
    report.open_questions = len(questions)
    _send_consent_requests(
        sorted(open_by_recipient), open_by_recipient, year, timezone.now(), report
    )
    return report


# --- Whom a question is for (consents/audience.py) -----------------------------------------


def purpose_audience_set(*, purpose: Purpose, acting_user: User, groups, **audience) -> Purpose:
    """Narrow (or widen) whom *purpose* is asked of. Decisions already made keep counting."""
    if not purposes_to_manage(acting_user).filter(pk=purpose.pk).exists():
        raise PermissionDenied
    if groups and any(group.school_id not in _school_ids(purpose) for group in groups):
        raise ValidationError(
            {"groups": _("Choose groups of the schools that ask this question.")}
        )
    low, high = audience.get("min_age"), audience.get("max_age")
    if low is not None and high is not None and low > high:
        raise ValidationError({"max_age": _("The highest age is lower than the lowest.")})
    reached = purpose.audience.reaches_pupils_who_decide
    with transaction.atomic(), set_actor(acting_user):
        for field, value in audience.items():
            setattr(purpose, field, value)
        latest = purpose.versions.order_by("-number").first()
        if latest is not None and not reached:
            # Widened to pupils of 16 or older: the text must speak to them as well.
            try:
                _check_pupil_wording(purpose, vars(latest))
            except ValidationError:
                raise ValidationError(
                    {
                        "max_age": _(
                            "Pupils of 16 or older would decide on this question themselves, "
                            "but its text is not written to them yet: publish a new text "
                            "first."
                        )
                    }
                ) from None
        purpose.save(update_fields=list(audience))
        purpose.groups.set(groups)
    return purpose


def _school_ids(purpose: Purpose) -> set[int]:
    return set(purpose.schools.values_list("pk", flat=True))


def purpose_pick(*, pupil: Pupil, purpose: Purpose, acting_user: User) -> PurposePick:
    """Put a question to one pupil (a care partner the pupil works with): the parents, or
    the pupil of 16 or older, are asked at once."""
    if not can_start_events(acting_user, pupil):
        raise PermissionDenied
    if pupil.school_id not in _school_ids(purpose):
        raise ValidationError({"purpose": _("This school does not ask this question.")})
    with transaction.atomic(), set_actor(acting_user):
        pick, created = PurposePick.objects.get_or_create(
            purpose=purpose, pupil=pupil, defaults={"picked_by": acting_user}
        )
    if created:
        from .tasks import ask_for_pick

        enqueue_on_commit(ask_for_pick, pick.pk)
    return pick


def purpose_unpick(*, pick: PurposePick, acting_user: User) -> None:
    """The question is no longer put to the pupil. Decisions made on it keep counting (a
    consent given can still be withdrawn) until the pupil's consents are erased."""
    if not can_start_events(acting_user, pick.pupil):
        raise PermissionDenied
    with transaction.atomic(), set_actor(acting_user):
        pick.delete()


# --- Erasure (GDPR Art. 17 and retention; called by the requests app) ------------------------


@transaction.atomic
def pupil_consents_erase(*, pupil: Pupil, acting_user: User | None = None) -> dict[str, list[int]]:
    """Erase the consent record of one pupil: decisions, events, questions asked, takedowns.

    The pupil is taken out of the publications it appeared in; the publications stay
    (they are the school's). The audit log keeps the facts, not the values. Returns,
    per model, the ids erased.
    """
    if pupil_selectors.under_legal_hold(pupil):
        raise ValidationError(_("A legal hold is on this pupil's data: nothing may be deleted."))
    erased: dict[str, list[int]] = {}
    actor = set_actor(acting_user) if acting_user else contextlib.nullcontext()
    with actor:
        personal_data.erase(
            pupil, retention=CONSENTS_CATEGORY, app_label="consents", erased=erased
        )
    return erased


def events_catch_up(*, days: int = 7) -> int:
    """Ask the questions of recent events and picks again (only what was not asked yet is
    sent): for a task lost in a broker outage. Returns the events and picks looked at."""
    since = timezone.now() - datetime.timedelta(days=days)
    events = list(ConsentEvent.objects.filter(created_at__gte=since).values_list("pk", flat=True))
    for event_id in events:
        event_consent_ask(event_id=event_id)
    picks = list(PurposePick.objects.filter(picked_at__gte=since).values_list("pk", flat=True))
    for pick_id in picks:
        pick_consent_ask(pick_id=pick_id)
    return len(events) + len(picks)
