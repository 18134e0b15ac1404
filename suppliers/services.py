"""Writes to the supplier register: transactional and audited."""

import datetime

from auditlog.context import set_actor
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from schoolprivacy.models import BoardRole, Role, School, User
from schoolprivacy.services import notice_send
from schoolprivacy.uploads import check_upload

from . import catalogue
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


def _check_document(field: str, document) -> None:
    """An upload is a PDF (by its first bytes, not its name) of at most 10 MB."""
    check_upload(field, document, kinds=("pdf",))


@transaction.atomic
def supplier_save(
    *,
    supplier: Supplier,
    schools: list[School],
    since: datetime.date,
    acting_user: User,
) -> Supplier:
    """Create or change a supplier and which schools of its board use it (since *since*)."""
    if any(school.board_id != supplier.board_id for school in schools):
        raise ValidationError({"schools": _("Choose schools of this school board.")})
    if (
        Supplier.objects.filter(board_id=supplier.board_id, name__iexact=supplier.name)
        .exclude(pk=supplier.pk)
        .exists()
    ):
        raise ValidationError(
            {"name": _("This school board already has a supplier with this name.")}
        )
    _check_document("agreement_document", supplier.agreement_document)
    _check_document("leaflet_document", supplier.leaflet_document)
    with set_actor(acting_user):
        supplier.full_clean()
        supplier.save()
        chosen = {school.pk for school in schools}
        SupplierUse.objects.filter(supplier=supplier).exclude(school_id__in=chosen).delete()
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
) -> FieldSet:
    """Record what the supplier receives from *valid_from*; only fields of the catalogue."""
    wrong = catalogue.unknown(fields)
    if wrong:
        raise ValidationError(
            {"fields": _("Unknown fields: %(fields)s.") % {"fields": ", ".join(wrong)}}
        )
    if FieldSet.objects.filter(supplier=supplier, valid_from=valid_from).exists():
        raise ValidationError({"valid_from": _("There is already a field set from this date.")})
    with set_actor(acting_user):
        return FieldSet.objects.create(
            supplier=supplier, valid_from=valid_from, fields=sorted(fields), not_shared=not_shared
        )


@transaction.atomic
def recipient_save(*, recipient: Recipient, schools: list[School], acting_user: User) -> Recipient:
    """Create or change a recipient on a legal basis, with the fields it receives."""
    wrong = catalogue.unknown(recipient.fields)
    if wrong:
        raise ValidationError(
            {"fields": _("Unknown fields: %(fields)s.") % {"fields": ", ".join(wrong)}}
        )
    if any(school.board_id != recipient.board_id for school in schools):
        raise ValidationError({"schools": _("Choose schools of this school board.")})
    with set_actor(acting_user):
        recipient.full_clean()
        recipient.save()
        recipient.schools.set(schools)
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
    """Register a breach; the 72-hour clock runs from *aware_at* in real hours."""
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
    """Record the notification to the Autoriteit Persoonsgegevens (or why not) and the parents."""
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
    for officer in officers:
        with translation.override(officer.language):
            deadline = timezone.localtime(breach.deadline_at).strftime("%d-%m-%Y %H:%M")
            if kind == BreachWarning.Kind.PASSED:
                subject = _("The 72 hours for a data breach have passed")
                body = _(
                    "The deadline to notify the Autoriteit Persoonsgegevens of “%(title)s” "
                    "passed at %(deadline)s. Notify now, or record why not."
                )
            else:
                subject = _("A data breach must be notified within 24 hours")
                body = _(
                    "Notify the Autoriteit Persoonsgegevens of “%(title)s” before %(deadline)s, "
                    "or record why not."
                )
            text = body % {"title": breach.title, "deadline": deadline}
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
    due = []
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
        with transaction.atomic():
            _, created = SupplierReminder.objects.get_or_create(
                supplier=supplier, kind=kind, about=about
            )
            if created:
                sent += _remind_register_keepers(supplier, kind, about)
    return sent


def _register_keepers(board_id: int):
    return User.objects.filter(
        Q(memberships__school__board_id=board_id, memberships__role=Role.ADMINISTRATOR)
        | Q(
            board_memberships__board_id=board_id, board_memberships__role=BoardRole.PRIVACY_OFFICER
        ),
        is_active=True,
    ).distinct()


def _remind_register_keepers(supplier: Supplier, kind: str, about: datetime.date) -> int:
    sent = 0
    path = reverse("suppliers:edit", args=[supplier.pk])
    for keeper in _register_keepers(supplier.board_id):
        with translation.override(keeper.language):
            if kind == SupplierReminder.Kind.AGREEMENT_EXPIRES:
                text = _("The processor agreement with %(name)s expires on %(date)s.")
            else:
                text = _(
                    "The privacy leaflet of %(name)s dates from %(date)s: ask the supplier "
                    "for the current one."
                )
            text = text % {"name": supplier.name, "date": about.strftime("%d-%m-%Y")}
            sent += notice_send(
                user=keeper,
                subject=_("Supplier register: action needed"),
                message=text,
                path=path,
            )
    return sent


@transaction.atomic
def activity_save(*, activity, acting_user: User):
    """Complete or change one line of the processing register."""
    with set_actor(acting_user):
        activity.full_clean()
        activity.save()
    return activity


@transaction.atomic
def document_publish(*, document, acting_user: User):
    """Publish a new version of a privacy document; the newest valid one is shown."""
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
