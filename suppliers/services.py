"""Writes to the supplier register: transactional and audited."""

import datetime

from auditlog.context import set_actor
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from schoolprivacy.authorization import grants_for
from schoolprivacy.models import BoardRole, School, User
from schoolprivacy.services import notice_send
from schoolprivacy.uploads import verified_upload

from . import catalogue, permissions
from .models import (
    BREACH_NOTIFY_WITHIN,
    Breach,
    BreachWarning,
    FieldSet,
    Recipient,
    Supplier,
    SupplierReminder,
    SupplierUse,
)


def _verified_document(supplier: Supplier, field: str) -> None:
    """A new upload is a whole PDF of at most 10 MB (schoolprivacy/uploads.py), stored under
    a name the app chose; a document already stored stays as it is."""
    document = getattr(supplier, field)
    if document and not document._committed:
        setattr(supplier, field, verified_upload(field, document, kinds=("pdf",)).as_file())


#: A supplier's processor agreement: the board's to record, also for a new supplier.
AGREEMENT_FIELDS = (
    "agreement_status",
    "agreement_model",
    "agreement_signed_on",
    "agreement_expires_on",
    "agreement_document",
)


def _changed(stored, edited, names) -> list[str]:
    """The fields among *names* whose value on *edited* differs from the stored row."""
    return [name for name in names if getattr(stored, name) != getattr(edited, name)]


def _own_data(model) -> list[str]:
    """A register row's own data, which the board's schools share: every column."""
    return [f.attname for f in model._meta.concrete_fields if not f.primary_key]


def _check_schools(acting_user: User, board_id: int, schools: list[School]) -> set[int]:
    """The schools whose part *acting_user* keeps; PermissionDenied when *schools* name another."""
    kept = set(permissions.schools_kept(acting_user, board_id).values_list("pk", flat=True))
    if not kept or any(school.pk not in kept for school in schools):
        raise PermissionDenied
    return kept


def _own_data_changes(acting_user: User, row, model) -> bool:
    """Whether *row* is new or changes its own data (shared by the board's schools); such a
    change needs a board role, and a school's administrator adds a new row without a
    processor agreement (else PermissionDenied)."""
    whole_board = permissions.keeps_board(acting_user, row.board_id)
    if row.pk is None:
        if not whole_board and _changed(
            model(), row, AGREEMENT_FIELDS if model is Supplier else ()
        ):
            raise PermissionDenied
        return True
    stored = model.objects.select_for_update().get(pk=row.pk)
    changed = _changed(stored, row, _own_data(model))
    if changed and not whole_board:
        raise PermissionDenied
    return bool(changed)


@transaction.atomic
def supplier_save(
    *,
    supplier: Supplier,
    schools: list[School],
    since: datetime.date,
    acting_user: User,
) -> Supplier:
    """Create or change a supplier, and which of the acting user's schools use it.

    *schools* are the ones that use it (new ones since *since*) among the schools whose
    part the acting user keeps (permissions.schools_kept); the other schools' uses stay
    as they are. The supplier's own data is shared by the board's schools: a board role
    changes it. Anything outside the acting user's part is refused (PermissionDenied)
    and nothing is written.
    """
    kept = _check_schools(acting_user, supplier.board_id, schools)
    save = _own_data_changes(acting_user, supplier, Supplier)
    if (
        Supplier.objects.filter(board_id=supplier.board_id, name__iexact=supplier.name)
        .exclude(pk=supplier.pk)
        .exists()
    ):
        raise ValidationError(
            {"name": _("This school board already has a supplier with this name.")}
        )
    _verified_document(supplier, "agreement_document")
    _verified_document(supplier, "leaflet_document")
    with set_actor(acting_user):
        supplier.full_clean()
        if save:
            supplier.save()
        chosen = {school.pk for school in schools}
        SupplierUse.objects.filter(supplier=supplier, school_id__in=kept - chosen).delete()
        existing = set(supplier.uses.values_list("school_id", flat=True))
        for school_id in chosen - existing:
            SupplierUse.objects.create(supplier=supplier, school_id=school_id, since=since)
    return supplier


@transaction.atomic
def field_set_add(
    *,
    supplier: Supplier,
    valid_from: datetime.date,
    fields: list[str],
    not_shared: str,
    acting_user: User,
    school: School | None = None,
) -> FieldSet:
    """Record what the supplier receives from *valid_from*, from *school* or (None) from
    every school of the board; only fields of the catalogue. A school's field set is kept
    by that school's administrator or a board role, the board's by a board role."""
    if not permissions.keeps(acting_user, board_id=supplier.board_id, school=school):
        raise PermissionDenied
    wrong = catalogue.unknown(fields)
    if wrong:
        raise ValidationError(
            {"fields": _("Unknown fields: %(fields)s.") % {"fields": ", ".join(wrong)}}
        )
    if FieldSet.objects.filter(supplier=supplier, school=school, valid_from=valid_from).exists():
        raise ValidationError({"valid_from": _("There is already a field set from this date.")})
    with set_actor(acting_user):
        return FieldSet.objects.create(
            supplier=supplier,
            school=school,
            valid_from=valid_from,
            fields=sorted(fields),
            not_shared=not_shared,
        )


@transaction.atomic
def recipient_save(*, recipient: Recipient, schools: list[School], acting_user: User) -> Recipient:
    """Create or change a recipient on a legal basis, and which of the acting user's schools
    it receives from.

    As supplier_save: *schools* among those whose part the acting user keeps, the others
    as they are; the recipient's own data (name, legal basis, fields) is changed by a
    board role. Anything outside the acting user's part: PermissionDenied, nothing written.
    """
    kept = _check_schools(acting_user, recipient.board_id, schools)
    save = _own_data_changes(acting_user, recipient, Recipient)
    wrong = catalogue.unknown(recipient.fields)
    if wrong:
        raise ValidationError(
            {"fields": _("Unknown fields: %(fields)s.") % {"fields": ", ".join(wrong)}}
        )
    with set_actor(acting_user):
        recipient.full_clean()
        if save:
            recipient.save()
        others = [s for s in recipient.schools.all() if s.pk not in kept]
        recipient.schools.set([*others, *schools])
    return recipient


@transaction.atomic
def breach_record(
    *,
    board,
    title: str,
    description: str,
    aware_at: datetime.datetime,
    schools: list[School],
    affected_pupils: int,
    acting_user: User,
) -> Breach:
    """Register a breach; the 72-hour clock runs from *aware_at* in real hours. The breach
    register is the privacy officer's: anyone else is refused (PermissionDenied)."""
    if board.pk not in grants_for(acting_user).boards_with(BoardRole.PRIVACY_OFFICER):
        raise PermissionDenied
    if aware_at > timezone.now():
        raise ValidationError({"aware_at": _("The moment of awareness lies in the future.")})
    if any(school.board_id != board.pk for school in schools):
        raise ValidationError({"schools": _("Choose schools of this school board.")})
    # In UTC: Python adds hours to a Europe/Amsterdam time in wall-clock time, which
    # across a clock change would give 71 or 73 real hours.
    aware_at = aware_at.astimezone(datetime.UTC)
    with set_actor(acting_user):
        breach = Breach(
            board=board,
            title=title,
            description=description,
            aware_at=aware_at,
            deadline_at=aware_at + BREACH_NOTIFY_WITHIN,
            affected_pupils=affected_pupils,
            recorded_by=acting_user,
        )
        breach.full_clean()
        breach.save()
        breach.schools.set(schools)
    return breach


@transaction.atomic
def breach_follow_up(*, breach: Breach, acting_user: User, **data) -> Breach:
    """Record the notification to the Autoriteit Persoonsgegevens (or why not) and the parents;
    only the privacy officer of the breach's board (else PermissionDenied)."""
    if breach.board_id not in grants_for(acting_user).boards_with(BoardRole.PRIVACY_OFFICER):
        raise PermissionDenied
    breach = Breach.objects.select_for_update().get(pk=breach.pk)
    for moment in ("authority_notified_at", "parents_informed_at"):
        if data.get(moment) and data[moment] < breach.aware_at:
            raise ValidationError({moment: _("This cannot be before the school became aware.")})
        if data.get(moment) and data[moment] > timezone.now():
            raise ValidationError({moment: _("This moment lies in the future.")})
    with set_actor(acting_user):
        for field, value in data.items():
            setattr(breach, field, value)
        breach.full_clean()
        breach.save()
    return breach


def breach_warnings_sweep(*, now: datetime.datetime | None = None) -> int:
    """Warn the privacy officer 24 hours before and when a breach's deadline passes; once each.

    Only breaches without a decision (not notified and no reason recorded) are warned
    about. Indexed on the deadline; a run after an outage catches up.
    """
    now = now or timezone.now()
    sent = 0
    due = (
        Breach.objects.filter(
            deadline_at__lte=now + datetime.timedelta(hours=24),
            authority_notified_at__isnull=True,
            not_notified_reason="",
        )
        .select_related("board")
        .order_by("deadline_at")
    )
    for breach in due:
        kind = (
            BreachWarning.Kind.PASSED if breach.deadline_at <= now else BreachWarning.Kind.DUE_SOON
        )
        with transaction.atomic():
            _, created = BreachWarning.objects.get_or_create(breach=breach, kind=kind)
            if created:
                sent += _warn_privacy_officers(breach, kind)
    return sent


def _warn_privacy_officers(breach: Breach, kind: str) -> int:
    officers = User.objects.filter(
        is_active=True,
        board_memberships__board_id=breach.board_id,
        board_memberships__role=BoardRole.PRIVACY_OFFICER,
    ).distinct()
    sent = 0

    def text() -> str:
        deadline = formats.date_format(timezone.localtime(breach.deadline_at), "DATETIME_FORMAT")
        if kind == BreachWarning.Kind.PASSED:
            body = _(
                "The deadline to notify the Autoriteit Persoonsgegevens of “%(title)s” "
                "passed at %(deadline)s. Notify now, or record why not."
            )
        else:
            body = _(
                "Notify the Autoriteit Persoonsgegevens of “%(title)s” before %(deadline)s, "
                "or record why not."
            )
        return body % {"title": breach.title, "deadline": deadline}

    for officer in officers:
        with translation.override(officer.language):
            if kind == BreachWarning.Kind.PASSED:
                subject = _("The 72 hours for a data breach have passed")
            else:
                subject = _("A data breach must be notified within 24 hours")
        sent += notice_send(
            user=officer,
            subject=subject,
            message=text,
            path=reverse("suppliers:breach", args=[breach.pk]),
        )
    return sent


#: Warn this long before a processor agreement expires.
AGREEMENT_NOTICE = datetime.timedelta(days=60)
#: A leaflet older than this should be checked with the supplier.
LEAFLET_MAX_AGE = datetime.timedelta(days=365)


def supplier_reminders_sweep(*, today: datetime.date | None = None) -> int:
    """Remind administrators and the privacy officer of expiring agreements and old leaflets.

    Each (supplier, kind, date concerned) is reminded once; a renewed agreement or a new
    leaflet date is reminded again when it is due. Returns the number of e-mails.
    """
    today = today or timezone.localdate()
    due: list[tuple[Supplier, str, datetime.date | None]] = []
    for supplier in Supplier.objects.filter(
        agreement_status=Supplier.AgreementStatus.SIGNED,
        agreement_expires_on__lte=today + AGREEMENT_NOTICE,
    ):
        due.append(
            (supplier, SupplierReminder.Kind.AGREEMENT_EXPIRES, supplier.agreement_expires_on)
        )
    for supplier in Supplier.objects.filter(leaflet_date__lte=today - LEAFLET_MAX_AGE):
        due.append((supplier, SupplierReminder.Kind.LEAFLET_OLD, supplier.leaflet_date))
    sent = 0
    for supplier, kind, about in due:
        if about is None:  # never: a missing date is not <= any day
            continue
        with transaction.atomic():
            _, created = SupplierReminder.objects.get_or_create(
                supplier=supplier, kind=kind, about=about
            )
            if created:
                sent += _remind_register_keepers(supplier, kind, about)
    return sent


def _register_keepers(board_id: int):
    """Who renews a supplier's agreement or leaflet: the board roles (the schools share it)."""
    return User.objects.filter(
        board_memberships__board_id=board_id,
        board_memberships__role__in=permissions.BOARD_KEEPERS,
        is_active=True,
    ).distinct()


def _remind_register_keepers(supplier: Supplier, kind: str, about: datetime.date) -> int:
    sent = 0
    path = reverse("suppliers:edit", args=[supplier.pk])

    def text() -> str:
        if kind == SupplierReminder.Kind.AGREEMENT_EXPIRES:
            words = _("The processor agreement with %(name)s expires on %(date)s.")
        else:
            words = _(
                "The privacy leaflet of %(name)s dates from %(date)s: ask the supplier "
                "for the current one."
            )
        return words % {"name": supplier.name, "date": formats.date_format(about)}

    for keeper in _register_keepers(supplier.board_id):
        with translation.override(keeper.language):
            subject = _("Supplier register: action needed")
        sent += notice_send(user=keeper, subject=subject, message=text, path=path)
    return sent


@transaction.atomic
def activity_save(*, activity, acting_user: User):
    """Complete or change one line of the processing register: the privacy officer's."""
    if activity.board_id not in grants_for(acting_user).boards_with(BoardRole.PRIVACY_OFFICER):
        raise PermissionDenied
    with set_actor(acting_user):
        activity.full_clean()
        activity.save()
    return activity


@transaction.atomic
def document_publish(*, document, acting_user: User):
    """Publish a new version of a privacy document, of one school or of the whole board; the
    newest valid one is shown. A school's document is published by that school's
    administrator or a board role, the board's by a board role (else PermissionDenied)."""
    if not permissions.keeps(acting_user, board_id=document.board_id, school=document.school):
        raise PermissionDenied
    if document.kind == document.Kind.REGULATION and not document.approved_by_council_on:
        raise ValidationError(
            {
                "approved_by_council_on": _(
                    "The privacy regulation needs the date the participation council approved it."
                )
            }
        )
    with set_actor(acting_user):
        document.full_clean()
        document.save()
    return document
